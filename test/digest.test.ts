/**
 * The one Digest implementation (`@polysim/client/digest`), which the SDK signs with, the HTTP gate checks with and
 * the SIP user agent answers with: the RFCs' worked examples, and the forms the RFCs give no example of checked
 * against the formulas written out here, apart from the code.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DigestSigner, digestAlgorithm, digestHash, digestResponse, parseChallenges } from '@polysim/client/digest';

const v = JSON.parse(readFileSync(new URL('../spec/rfc7616-vectors.json', import.meta.url), 'utf8')) as {
  request: { method: string; uri: string };
  username: string;
  password: string;
  realm: string;
  nonce: string;
  cnonce: string;
  nc: string;
  qop: string;
  response: Record<'MD5' | 'SHA-256', string>;
};
const H = (alg: string, s: string): string =>
  createHash(alg.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(s)
    .digest('hex');

describe('the Digest computation shared by the SDK, the HTTP gate and SIP', () => {
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    it(`computes the RFC 7616 section 3.9.1 response with ${algorithm}`, () => {
      assert.equal(
        digestResponse({
          algorithm,
          username: v.username,
          realm: v.realm,
          password: v.password,
          method: v.request.method,
          uri: v.request.uri,
          nonce: v.nonce,
          nc: v.nc,
          cnonce: v.cnonce,
          qop: v.qop,
        }),
        v.response[algorithm],
      );
    });
  }

  it('computes the RFC 2617 section 3.5 response (MD5, qop=auth)', () => {
    assert.equal(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
      '6629fae49393a05397450978507c4ef1',
    );
  });

  it('-sess puts the nonce and cnonce into HA1; without qop the RFC 2069 form', () => {
    const i = {
      username: 'u',
      realm: 'r',
      password: 'p',
      method: 'REGISTER',
      uri: 'sip:r',
      nonce: 'n',
      nc: '00000002',
      cnonce: 'c',
      qop: 'auth',
    };
    for (const algorithm of ['MD5-sess', 'SHA-256-sess'] as const) {
      const ha1 = H(algorithm, `${H(algorithm, 'u:r:p')}:n:c`);
      assert.equal(
        digestResponse({ ...i, algorithm }),
        H(algorithm, `${ha1}:n:00000002:c:auth:${H(algorithm, 'REGISTER:sip:r')}`),
        algorithm,
      );
    }
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      const { username, realm, password, method, uri, nonce } = i;
      assert.equal(
        digestResponse({ algorithm, username, realm, password, method, uri, nonce }),
        H(algorithm, `${H(algorithm, 'u:r:p')}:n:${H(algorithm, 'REGISTER:sip:r')}`),
        algorithm,
      );
    }
    assert.equal(digestHash('SHA-256', 'Polycom:r'), H('SHA-256', 'Polycom:r'));
  });

  it('reads algorithm names as the RFC spells them, in any case; MD5 when none is named', () => {
    assert.equal(digestAlgorithm(undefined), 'MD5');
    assert.equal(digestAlgorithm('sha-256'), 'SHA-256');
    assert.equal(digestAlgorithm('SHA-256-SESS'), 'SHA-256-sess');
    assert.equal(digestAlgorithm('md5-sess'), 'MD5-sess');
    assert.equal(digestAlgorithm('SHA-512-256'), undefined);
  });

  it('the SDK signs with it: a growing nonce count, quoted values, the response the formula gives', () => {
    const [challenge] = parseChallenges(['Digest realm="a \\"b\\"", nonce="n1", qop="auth", algorithm=SHA-256, opaque="o"']);
    const signer = new DigestSigner(challenge as NonNullable<typeof challenge>, 'Polycom', 'pw');
    signer.sign('GET', '/x');
    const header = signer.sign('POST', '/api/v1/callctrl/dial');
    const [parsed] = parseChallenges([header]);
    const p = parsed?.params ?? {};
    assert.equal(p['realm'], 'a "b"');
    assert.equal(p['nc'], '00000002');
    assert.equal(p['opaque'], 'o');
    const ha1 = H('SHA-256', 'Polycom:a "b":pw');
    assert.equal(p['response'], H('SHA-256', `${ha1}:n1:00000002:${p['cnonce']}:auth:${H('SHA-256', 'POST:/api/v1/callctrl/dial')}`));
  });
});
