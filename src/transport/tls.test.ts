import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server as NetServer } from 'node:net';
import { connect, createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Phone } from '../phone/phone.js';
import { selfSignedCertificate } from './certificate.js';
import { phoneCertificate, plainListener, TlsError, TlsOnFirstConnection } from './tls.js';
import type { TlsMaterial } from './tls.js';

const material = selfSignedCertificate({
  commonName: '0004f2000001',
  organization: 'Polycom Inc.',
  dnsNames: ['0004f2000001'],
  ipAddresses: ['127.0.0.1'],
  notBefore: new Date(Date.UTC(2026, 0, 1)),
  notAfter: new Date(Date.UTC(2046, 0, 1)),
});

/** A plain listener whose TLS server is made on its first connection; counts the servers made. */
async function lazyServer(
  options: { maxVersion?: 'TLSv1.2' } = {},
  source: () => TlsMaterial = () => material,
): Promise<{ listener: NetServer; port: number; made: () => number; errors: unknown[] }> {
  let made = 0;
  const errors: unknown[] = [];
  const tls = new TlsOnFirstConnection(
    (m) => {
      made++;
      const server = createServer({ ...options, cert: m.cert, key: m.key });
      server.on('secureConnection', (s: TLSSocket) => s.end('hello'));
      return server;
    },
    source,
    (err) => errors.push(err),
  );
  const listener = plainListener(tls.feed);
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  return { listener, port: (listener.address() as AddressInfo).port, made: () => made, errors };
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

describe('a TLS server made on its first connection', () => {
  const listeners: NetServer[] = [];
  after(() => {
    for (const s of listeners) s.close();
  });

  it('makes nothing before a connection, the server with its certificate on the first, nothing after', async () => {
    const { listener, port, made } = await lazyServer();
    listeners.push(listener);
    assert.equal(made(), 0, 'listening makes no TLS server and no context');
    const first = await handshake(port);
    assert.deepEqual(first, { subject: '0004f2000001', protocol: 'TLSv1.3', said: 'hello' });
    assert.equal(made(), 1);
    assert.deepEqual(await handshake(port), first);
    assert.equal(made(), 1, 'the server is kept');
  });

  it('keeps the options given for the server (SIP over TLS: TLS 1.2 at most)', async () => {
    const { listener, port } = await lazyServer({ maxVersion: 'TLSv1.2' });
    listeners.push(listener);
    assert.deepEqual(await handshake(port), { subject: '0004f2000001', protocol: 'TLSv1.2', said: 'hello' });
  });

  it('material that cannot be had closes that connection, is reported, and is asked for again by the next', async () => {
    let fail = true;
    const { listener, port, made, errors } = await lazyServer({}, () => {
      if (fail) throw new TlsError('no key');
      return material;
    });
    listeners.push(listener);
    await assert.rejects(handshake(port));
    assert.equal(made(), 0);
    assert.equal((errors[0] as Error).message, 'no key');
    fail = false;
    assert.equal((await handshake(port)).subject, '0004f2000001');
    assert.equal(made(), 1);
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
