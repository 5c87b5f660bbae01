import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Phone } from '../phone/phone.js';
import { selfSignedCertificate } from './certificate.js';
import { phoneCertificate, secureOnFirstConnection } from './tls.js';

const material = selfSignedCertificate({
  commonName: '0004f2000001',
  organization: 'Polycom Inc.',
  dnsNames: ['0004f2000001'],
  ipAddresses: ['127.0.0.1'],
  notBefore: new Date(Date.UTC(2026, 0, 1)),
  notAfter: new Date(Date.UTC(2046, 0, 1)),
});

/** A TLS server without cert and key, made secure on first connection; counts the contexts it is given. */
async function lazyServer(options: { maxVersion?: 'TLSv1.2' } = {}): Promise<{ server: Server; port: number; contexts: () => number }> {
  const server = createServer({ ...options });
  let contexts = 0;
  const set = server.setSecureContext.bind(server);
  server.setSecureContext = (o) => {
    contexts++;
    set(o);
  };
  secureOnFirstConnection(server, () => material, options);
  server.on('secureConnection', (s: TLSSocket) => s.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, contexts: () => contexts };
}

/** One TLS connection: the certificate the server presented, the protocol and what it said. */
function handshake(port: number): Promise<{ subject: string; protocol: string | null; said: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const subject = String(s.getPeerCertificate().subject.CN);
      const protocol = s.getProtocol();
      let said = '';
      s.on('data', (d: Buffer) => {
        said += d.toString();
      });
      s.on('end', () => resolve({ subject, protocol, said }));
    });
    s.on('error', reject);
  });
}

describe('a TLS server secured on its first connection', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it('makes no context before a connection, one on the first (whose handshake has the certificate), none after', async () => {
    const { server, port, contexts } = await lazyServer();
    servers.push(server);
    assert.equal(contexts(), 0, 'listening costs no context');
    const first = await handshake(port);
    assert.deepEqual(first, { subject: '0004f2000001', protocol: 'TLSv1.3', said: 'hello' });
    assert.equal(contexts(), 1);
    assert.deepEqual(await handshake(port), first);
    assert.equal(contexts(), 1, 'the context is kept');
  });

  it('keeps the options given for the context (SIP over TLS: TLS 1.2 at most)', async () => {
    const { server, port } = await lazyServer({ maxVersion: 'TLSv1.2' });
    servers.push(server);
    assert.deepEqual(await handshake(port), { subject: '0004f2000001', protocol: 'TLSv1.2', said: 'hello' });
  });
});

describe("the user's own certificate", () => {
  it('is read at every start and checked once per content: a file changed since is read anew', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polysim-tls-'));
    try {
      const own = { certFile: join(dir, 'a.crt'), keyFile: join(dir, 'a.key') };
      const noPhone = undefined as unknown as Phone; // the user's certificate is not the phone's
      const other = selfSignedCertificate({
        commonName: 'other',
        organization: 'x',
        dnsNames: [],
        ipAddresses: [],
        notBefore: new Date(0),
        notAfter: new Date(1e12),
      });
      for (const m of [material, material, other]) {
        writeFileSync(own.certFile, m.cert);
        writeFileSync(own.keyFile, m.key);
        assert.deepEqual(phoneCertificate(noPhone, own), { cert: m.cert, key: m.key });
      }
      writeFileSync(own.keyFile, material.key);
      assert.throws(() => phoneCertificate(noPhone, own), /is not the key of certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
