/**
 * A SIP server's certificate over TLS, checked against the CA the configuration gives (sec.TLS.customCaCert.1):
 * a certificate from that CA passes, one from another CA fails, and a certificate for another name fails only with
 * sec.TLS.SIP.strictCertCommonNameValidation=1. The registrar is a Node TLS server; the certificates are made
 * with openssl for the run. Without a CA configured, nothing is checked (as before).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { parseSip } from '../src/sip/codec/message.js';
import { makeCa, makeServerCert } from './file-servers.js';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { needs } from './peers.js';

const dir = mkdtempSync(join(tmpdir(), 'polysim-tls-verify-'));
const file = (name: string): string => readFileSync(join(dir, name), 'utf8');

/** A TLS registrar granting every REGISTER, with the certificate given. */
async function tlsRegistrar(cert: string): Promise<{ port: number; registers: number; server: Server }> {
  const r = { port: 0, registers: 0, server: undefined as unknown as Server };
  r.server = createServer({ key: file(`${cert}.key`), cert: file(`${cert}.pem`), maxVersion: 'TLSv1.2' }, (s: TLSSocket) => {
    let buf = '';
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const req = parseSip(Buffer.from(buf.slice(0, end + 4)), true);
      buf = buf.slice(end + 4);
      if (req.kind !== 'request' || req.method !== 'REGISTER') return;
      r.registers++;
      const h = (n: string): string => req.headers.get(n) ?? '';
      s.write(
        [
          'SIP/2.0 200 OK',
          `Via: ${h('via')}`,
          `From: ${h('from')}`,
          `To: ${h('to')};tag=reg`,
          `Call-ID: ${h('call-id')}`,
          `CSeq: ${h('cseq')}`,
          `Contact: ${h('contact')};expires=${h('expires')}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', () => resolve()));
  r.port = (r.server.address() as { port: number }).port;
  return r;
}

/** The PEM as a configuration file's attribute gives it: line breaks read as spaces. */
const asAttribute = (pem: string): string => pem.replace(/\s+/g, ' ').trim();

describe('TLS: a SIP server certificate checked against the configured CA', { timeout: 60_000, skip: needs('openssl') }, () => {
  let trusted: Awaited<ReturnType<typeof tlsRegistrar>>;
  let foreign: Awaited<ReturnType<typeof tlsRegistrar>>;
  let byAddress: Awaited<ReturnType<typeof tlsRegistrar>>;
  const phones: TestPhone[] = [];

  before(async () => {
    makeCa(dir, 'ca1');
    makeCa(dir, 'ca2');
    makeServerCert(dir, 'pbx', 'ca1', 'DNS:pbx.test'); // from the configured CA, for another name than 127.0.0.1
    makeServerCert(dir, 'rogue', 'ca2', 'DNS:pbx.test'); // from a CA the phone is not given
    makeServerCert(dir, 'ip', 'ca1', 'IP:127.0.0.1'); // from the configured CA, for the address connected to
    [trusted, foreign, byAddress] = await Promise.all([tlsRegistrar('pbx'), tlsRegistrar('rogue'), tlsRegistrar('ip')]);
  });

  after(async () => {
    for (const p of phones) await p.stop();
    for (const r of [trusted, foreign, byAddress]) r.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function phoneTo(port: number, set: Record<string, string>): Promise<TestPhone> {
    const p = await testPhone({
      sipPort: 0,
      set: {
        'reg.1.server.1.address': '127.0.0.1',
        'reg.1.server.1.port': String(port),
        'reg.1.server.1.transport': 'TLS',
        'reg.1.auth.password': 'pw',
        'reg.1.server.1.registerRetry.baseTimeOut': '120',
        ...set,
      },
    });
    phones.push(p);
    return p;
  }
  const settled = (p: TestPhone) => () => p.phone.lines.get(1).registered || (p.phone.lines.get(1).sip?.reason ?? '') !== '';

  it('a certificate from the configured CA passes; the name is not checked unless strict', async () => {
    const p = await phoneTo(trusted.port, { 'sec.TLS.customCaCert.1': asAttribute(file('ca1.pem')) });
    await waitFor(settled(p));
    assert.deepEqual(p.phone.lines.get(1).sip?.reason, '');
    assert.equal(p.phone.lines.get(1).registered, true);
  });

  it('a certificate from another CA fails the connection, and the line says why', async () => {
    const before = foreign.registers;
    const p = await phoneTo(foreign.port, { 'device.sec.TLS.customCaCert1': file('ca1.pem').replace(/\n/g, ' ') });
    await waitFor(settled(p));
    assert.equal(p.phone.lines.get(1).registered, false);
    assert.match(
      p.phone.lines.get(1).sip?.reason ?? '',
      /^TLS: the server's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/,
    );
    assert.equal(foreign.registers, before);
  });

  it('with strict name validation, a certificate for another name fails; one for the address passes', async () => {
    const ca = asAttribute(file('ca1.pem'));
    const strict = await phoneTo(trusted.port, { 'sec.TLS.customCaCert.1': ca, 'sec.TLS.SIP.strictCertCommonNameValidation': '1' });
    await waitFor(settled(strict));
    assert.equal(strict.phone.lines.get(1).registered, false);
    assert.equal(
      strict.phone.lines.get(1).sip?.reason,
      "TLS: the server's certificate is not for 127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)",
    );
    const named = await phoneTo(byAddress.port, { 'sec.TLS.customCaCert.1': ca, 'sec.TLS.SIP.strictCertCommonNameValidation': '1' });
    await waitFor(settled(named));
    assert.equal(named.phone.lines.get(1).registered, true);
  });

  it('without a CA configured nothing is checked (as before)', async () => {
    const p = await phoneTo(foreign.port, { 'sec.TLS.SIP.strictCertCommonNameValidation': '1' });
    await waitFor(settled(p));
    assert.equal(p.phone.lines.get(1).registered, true);
  });
});
