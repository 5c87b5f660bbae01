import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { challenge, NonceBook, parseDigest, safeHexEqual } from './digest.js';

describe('HTTP Digest, server side', () => {
  it('parses quoted and bare values, escapes, and refuses malformed headers', () => {
    const p = parseDigest(
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ' +
        'algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q", ' +
        'qop=auth, response="753927fa", opaque="FQhe", note="a \\"quoted\\" word"',
    );
    assert.equal(p?.['username'], 'Mufasa');
    assert.equal(p?.['algorithm'], 'SHA-256');
    assert.equal(p?.['nc'], '00000001');
    assert.equal(p?.['qop'], 'auth');
    assert.equal(p?.['note'], 'a "quoted" word');
    assert.equal(parseDigest('digest ALGORITHM="MD5"')?.['algorithm'], 'MD5');
    assert.equal(parseDigest('Basic abc'), undefined);
    assert.equal(parseDigest('Digest username="unterminated'), undefined);
    assert.equal(parseDigest('Digest novalue'), undefined);
  });

  it('challenges name the algorithm, qop and nonce; stale=true when asked', () => {
    assert.equal(challenge('SHA-256', 'R', 'n', 'o', false), 'Digest realm="R", qop="auth", algorithm=SHA-256, nonce="n", opaque="o"');
    assert.match(challenge('MD5', 'R', 'n', 'o', true), /, stale=true$/);
  });

  it('nonces expire, and a nonce count must grow', () => {
    let now = 0;
    const book = new NonceBook(() => now, 1000, 2);
    const n = book.issue();
    assert.equal(book.use(n, '00000001'), 'fresh');
    assert.equal(book.use(n, '00000001'), 'replayed');
    assert.equal(book.use(n, '0000000a'), 'fresh');
    assert.equal(book.use(n, '00000002'), 'replayed');
    assert.equal(book.use(n, 'zz'), 'replayed');
    now = 1001;
    assert.equal(book.use(n, '0000000b'), 'stale');
    assert.equal(book.use('forged', '00000001'), 'stale');
    assert.equal(book.use(`${n.slice(0, -2)}AA`, '00000001'), 'stale', 'a nonce with a wrong MAC is not ours');
  });

  it('issuing stores nothing; a nonce dropped from the tracked ones cannot be replayed', () => {
    let now = 0;
    const book = new NonceBook(() => now, 1000, 2);
    for (let i = 0; i < 10_000; i++) book.issue();
    assert.equal(book.tracked, 0, 'unauthenticated requests leave nothing behind');
    const a = book.issue();
    assert.equal(book.use(a, '00000001'), 'fresh');
    now = 1;
    const b = book.issue();
    const c = book.issue();
    assert.equal(book.use(b, '00000001'), 'fresh');
    assert.equal(book.use(c, '00000001'), 'fresh');
    assert.equal(book.tracked, 2);
    assert.equal(book.use(a, '00000001'), 'stale', 'dropped: a replay of its first use is refused');
    assert.equal(book.use(c, '00000002'), 'fresh', 'the others go on');
  });

  it('compares in constant time', () => {
    assert.equal(safeHexEqual('ABCdef', 'abcDEF'), true);
    assert.equal(safeHexEqual('abc', 'abd'), false);
    assert.equal(safeHexEqual('abc', 'abcd'), false);
  });
});
