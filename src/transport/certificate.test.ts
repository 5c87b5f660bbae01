import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { describe, it } from 'node:test';
import { selfSignedCertificate } from './certificate.js';

describe('self-signed certificates', () => {
  it('parse as X.509 with the subject, names, validity and key usage asked for, and verify with their own key', () => {
    const notBefore = new Date(Date.UTC(2026, 0, 1));
    const notAfter = new Date(Date.UTC(2046, 0, 1));
    const { cert, key } = selfSignedCertificate({
      commonName: '0004f2aabbcc',
      organization: 'Polycom Inc.',
      dnsNames: ['0004f2aabbcc'],
      ipAddresses: ['127.0.0.1'],
      notBefore,
      notAfter,
    });
    const x = new X509Certificate(cert);
    assert.equal(x.subject, 'CN=0004f2aabbcc\nO=Polycom Inc.');
    assert.equal(x.issuer, x.subject);
    assert.equal(x.subjectAltName, 'DNS:0004f2aabbcc, IP Address:127.0.0.1');
    assert.equal(new Date(x.validFrom).getTime(), notBefore.getTime());
    assert.equal(new Date(x.validTo).getTime(), notAfter.getTime());
    assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(x.ca, false);
    assert.ok(x.verify(x.publicKey), 'self-signed: its own key verifies it');
    assert.ok(x.checkPrivateKey(createPrivateKey(key)));
    // The key is written by hand from the JWK (certificate.ts): byte for byte what OpenSSL writes for it.
    assert.equal(createPrivateKey(key).export({ type: 'pkcs8', format: 'pem' }), key);
    assert.ok(x.publicKey.export({ type: 'spki', format: 'der' }).equals(createPublicKey(key).export({ type: 'spki', format: 'der' })));
    assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.doesNotThrow(() => createSecureContext({ cert, key }));
  });

  it('writes GeneralizedTime from 2050 on, and a positive serial every time', () => {
    for (let i = 0; i < 50; i++) {
      const { cert } = selfSignedCertificate({
        commonName: 'x',
        organization: 'y',
        dnsNames: [],
        ipAddresses: [],
        notBefore: new Date(Date.UTC(2049, 5, 1)),
        notAfter: new Date(Date.UTC(2069, 5, 1)),
      });
      const x = new X509Certificate(cert);
      assert.equal(new Date(x.validTo).getUTCFullYear(), 2069);
      assert.ok(!x.serialNumber.startsWith('8') && !/^[9A-F]/.test(x.serialNumber), x.serialNumber);
    }
  });
});
