import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ChallengeMemory, HttpSigner, pickHttpChallenge } from './http-auth.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const params = (header: string): Record<string, string> =>
  Object.fromEntries([...header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m) => [m[1] as string, (m[2] ?? m[3]) as string]));
const creds = { user: 'Mufasa', password: 'Circle Of Life' };
const nonce = 'dcd98b7102dd2f0e8b11d0f600bfb0c093';

describe('HTTP authentication of file transfers', () => {
  it('picks Digest SHA-256, then MD5, then Basic, and none it cannot compute', () => {
    const md5Challenge = `Digest realm="r", nonce="n", algorithm=MD5, qop="auth"`;
    const sha = `Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"`;
    assert.equal(pickHttpChallenge(['Basic realm="r"', md5Challenge, sha])?.params['algorithm'], 'SHA-256');
    assert.equal(pickHttpChallenge(['Basic realm="r"', md5Challenge])?.scheme, 'Digest');
    assert.equal(pickHttpChallenge(['Basic realm="r"'])?.scheme, 'Basic');
    assert.equal(pickHttpChallenge(['Digest realm="r", nonce="n", algorithm=SHA-512-256', 'Bearer x']), undefined);
  });

  it('answers a challenge without qop in the RFC 2069 form, and one with qop=auth with a growing nonce count', () => {
    const old = new HttpSigner(pickHttpChallenge([`Digest realm="testrealm@host.com", nonce="${nonce}"`])!, creds);
    const a = params(old.authorization('GET', '/dir/index.html'));
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    assert.equal(a['response'], md5(`${ha1}:${nonce}:${md5('GET:/dir/index.html')}`));
    assert.equal(a['qop'], undefined);
    assert.equal(a['nc'], undefined);

    const signer = new HttpSigner(
      pickHttpChallenge([`Digest realm="testrealm@host.com", nonce="${nonce}", qop="auth", opaque="o"`])!,
      creds,
    );
    for (const nc of ['00000001', '00000002']) {
      const h = params(signer.authorization('PUT', '/up/x.cfg'));
      assert.equal(h['nc'], nc);
      assert.equal(h['opaque'], 'o');
      assert.equal(h['response'], md5(`${ha1}:${nonce}:${nc}:${h['cnonce']}:auth:${md5('PUT:/up/x.cfg')}`));
    }
  });

  it('remembers a server that asked, for the same credentials only, and at most 16 servers', () => {
    const memory = new ChallengeMemory();
    assert.ok(memory.answer('http://a', ['Basic realm="r"'], creds));
    assert.ok(memory.get('http://a', creds));
    assert.equal(memory.get('http://a', { ...creds, password: 'other' }), undefined);
    assert.equal(memory.answer('http://a', ['Negotiate'], creds), undefined, 'nothing it can answer: forgotten');
    assert.equal(memory.get('http://a', creds), undefined);
    for (let i = 0; i < 20; i++) memory.answer(`http://h${i}`, ['Basic realm="r"'], creds);
    assert.equal(memory.get('http://h0', creds), undefined, 'the oldest forgotten');
    assert.ok(memory.get('http://h19', creds));
  });
});
