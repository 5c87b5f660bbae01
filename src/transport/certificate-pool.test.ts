import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { CertificatePool } from './certificate-pool.js';
import type { CertificateRequest } from './certificate.js';

const request = (cn: string): CertificateRequest => ({
  commonName: cn,
  organization: 'Polycom Inc.',
  dnsNames: [cn],
  ipAddresses: ['127.0.0.1'],
  notBefore: new Date(Date.UTC(2026, 0, 1)),
  notAfter: new Date(Date.UTC(2046, 0, 1)),
});

describe('certificates made on a worker thread', () => {
  it('are the certificates the phone would make: its CN and names, the dates asked, a key that matches', async () => {
    const pool = new CertificatePool();
    try {
      const made = await Promise.all(['0004f2000001', '0004f2000002', '0004f2000003'].map((cn) => pool.make(request(cn))));
      assert.equal(pool.made, 3);
      for (const [i, m] of made.entries()) {
        assert.ok(m);
        const x509 = new X509Certificate(m.cert);
        assert.equal(x509.subject, `CN=0004f200000${i + 1}\nO=Polycom Inc.`);
        assert.equal(x509.subjectAltName, `DNS:0004f200000${i + 1}, IP Address:127.0.0.1`);
        assert.equal(new Date(x509.validFrom).getTime(), Date.UTC(2026, 0, 1));
        assert.equal(new Date(x509.validTo).getTime(), Date.UTC(2046, 0, 1));
        assert.ok(x509.checkPrivateKey(createPrivateKey(m.key)));
      }
      assert.notEqual(made[0]?.key, made[1]?.key, 'each its own key');
    } finally {
      await pool.close();
    }
  });

  it('the worker ends when it has nothing to do and starts again when asked; closed, the pool answers undefined', async () => {
    const pool = new CertificatePool();
    assert.ok(await pool.make(request('a')));
    assert.ok(await pool.make(request('b')), 'a new worker after the first ended');
    const waiting = pool.make(request('c'));
    await pool.close();
    assert.equal(await waiting, undefined, 'a request the closed worker had not answered');
    assert.equal(await pool.make(request('d')), undefined);
    assert.ok(pool.failed >= 1);
  });

  it('held, it takes requests and makes nothing until started', async () => {
    const pool = new CertificatePool({ held: true });
    try {
      const asked = pool.make(request('held'));
      const early = await Promise.race([asked, new Promise((r) => setTimeout(() => r('pending'), 100))]);
      assert.equal(early, 'pending');
      assert.equal(pool.made, 0);
      pool.start();
      assert.equal(new X509Certificate((await asked)?.cert ?? '').subject, 'CN=held\nO=Polycom Inc.');
    } finally {
      await pool.close();
    }
  });
});
