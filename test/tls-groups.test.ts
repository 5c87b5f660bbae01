/**
 * The phone's TLS key exchange groups are the same whichever Node.js runs it (src/tls-groups.ts): the servers accept
 * every group node 20 accepted (X25519 first, the NIST curves, X448, the TLS 1.3 finite-field groups) and no
 * post-quantum hybrid, which node 24's OpenSSL 3.5 would otherwise choose first; the phone's clients offer the same.
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:tls';
import type { EphemeralKeyInfo, TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { transferTrust, tlsOptions } from '../src/network/transfer-trust.js';
import { TLS_GROUPS } from '../src/tls-groups.js';
import { selfSignedCertificate } from '../src/transport/certificate.js';
import { trustOptions } from '../src/transport/sip/tls-trust.js';
import { testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

/** A handshake with port offering only `groups` (node's defaults when undefined): the group agreed, or the error. */
function handshake(port: number, groups?: string): Promise<{ key?: EphemeralKeyInfo | object; protocol?: string | null; error?: string }> {
  return new Promise((resolve) => {
    let socket: TLSSocket;
    try {
      socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(groups ? { ecdhCurve: groups } : {}) }, () => {
        resolve({ key: socket.getEphemeralKeyInfo() ?? undefined, protocol: socket.getProtocol() });
        socket.destroy();
      });
    } catch (err) {
      // this runtime's OpenSSL does not know the group: the client cannot offer it
      resolve({ error: `unknown here: ${(err as Error).message}` });
      return;
    }
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

const name = (r: { key?: object }): string | undefined => (r.key as { name?: string } | undefined)?.name;

describe('TLS key exchange groups, the same on every Node.js', () => {
  let phone: TestPhone;
  let httpsPort = 0;
  let sipTlsPort = 0;
  before(async () => {
    phone = await testPhone({ sipPort: 0, sipTlsPort: 0 });
    httpsPort = Number(new URL(phone.httpsUrl).port);
    sipTlsPort = phone.sip?.tlsPort as number;
    assert.ok(sipTlsPort > 0);
  });
  after(() => phone.stop());

  for (const [what, port] of [
    ['HTTPS', () => httpsPort],
    ['SIP over TLS', () => sipTlsPort],
  ] as const) {
    // (SIP over TLS stops at TLS 1.2, where a client must also name the certificate's curve and the server's order
    // then picks P-256: one group at a time is tried over HTTPS, TLS 1.3)
    it(`${what}: a client's default agrees X25519${what === 'HTTPS' ? '; every other group of the list is accepted alone' : ''}`, async () => {
      const first = await handshake(port());
      assert.equal(name(first), 'X25519', JSON.stringify(first));
      if (what === 'HTTPS') {
        // TLS 1.3: each group alone
        assert.equal(name(await handshake(port(), 'X448')), 'X448');
        assert.equal(name(await handshake(port(), 'P-521')), 'secp521r1');
        assert.equal(name(await handshake(port(), 'P-384')), 'secp384r1');
        const dh = await handshake(port(), 'ffdhe2048');
        assert.deepEqual([(dh.key as { type?: string }).type, (dh.key as { size?: number }).size], ['DH', 2048]);
      }
    });

    it(`${what}: a client offering only the post-quantum hybrid X25519MLKEM768 is refused (or cannot offer it here)`, async () => {
      const r = await handshake(port(), 'X25519MLKEM768');
      assert.ok(r.error, `agreed ${JSON.stringify(r.key)}`);
    });
  }

  it("the phone's clients offer the same groups: provisioning and other transfers, SIP over TLS with and without a CA", () => {
    assert.equal(
      tlsOptions(
        transferTrust(() => ''),
        'prov.example',
      ).ecdhCurve,
      TLS_GROUPS,
    );
    assert.equal(trustOptions({ ca: undefined, strictName: false }, '127.0.0.1', undefined).ecdhCurve, TLS_GROUPS);
    assert.equal(trustOptions({ ca: [], strictName: true }, '127.0.0.1', undefined).ecdhCurve, TLS_GROUPS);
  });

  it('a server that takes only X448 agrees it with a client given those options (the list is offered, not just the first)', async () => {
    const notBefore = new Date(Date.now() - 86_400_000);
    const material = selfSignedCertificate({
      commonName: 'sip.example',
      organization: 'test',
      dnsNames: [],
      ipAddresses: ['127.0.0.1'],
      notBefore,
      notAfter: new Date(notBefore.getTime() + 7 * 86_400_000),
    });
    const server = createServer({ ...material, ecdhCurve: 'X448' }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const options = trustOptions({ ca: undefined, strictName: false }, '127.0.0.1', undefined);
      const agreed = await new Promise<string | undefined>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, ...options }, () => {
          resolve((s.getEphemeralKeyInfo() as { name?: string }).name);
          s.destroy();
        });
        s.on('error', reject);
      });
      assert.equal(agreed, 'X448');
    } finally {
      server.close();
    }
  });
});
