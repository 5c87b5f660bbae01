import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { redactAuthorization, redactedJson, redactHeaders, redactUrl, redactValue } from './redact.js';

const M = '********';

describe('redaction', () => {
  const authorization: [string, string][] = [
    ['Basic UG9seWNvbTpTZWNyZXQ=', `Basic ${M}`],
    ['Basic\tUG9seWNvbTpTZWNyZXQ=', `Basic ${M}`],
    ['basic  \t UG9seWNvbTpTZWNyZXQ=', `basic ${M}`],
    ['Digest username="Polycom", realm="x", response="abc"', `Digest ${M}`],
    ['Bearer tok.en-1', `Bearer ${M}`],
    ['UG9seWNvbTpTZWNyZXQ=', M],
    ['Polycom:Secret', M],
    ['  Basic', M],
    ['', ''],
  ];
  for (const [value, shown] of authorization) {
    it(`Authorization ${JSON.stringify(value)} -> ${JSON.stringify(shown)}`, () => assert.equal(redactAuthorization(value), shown));
  }

  it('headers: credentials, cookies and secret-named headers masked; the rest kept and cut', () => {
    assert.deepEqual(
      redactHeaders({
        authorization: 'Basic\tabc',
        'proxy-authorization': 'xyz',
        cookie: 'a=1; polysim-control=2',
        'x-auth-token': 't0k',
        'x-api-key': 'k',
        accept: 'application/json',
        long: 'y'.repeat(600),
        gone: undefined,
        many: ['a', 'b'],
      }),
      {
        authorization: `Basic ${M}`,
        'proxy-authorization': M,
        cookie: `a=${M}; polysim-control=${M}`,
        'x-auth-token': M,
        'x-api-key': M,
        accept: 'application/json',
        long: 'y'.repeat(512),
        many: 'a, b',
      },
    );
  });

  const json: [string, unknown, unknown][] = [
    [
      'a password',
      { data: { 'reg.1.auth.password': 'hunter2', 'reg.1.label': 'Desk' } },
      { data: { 'reg.1.auth.password': M, 'reg.1.label': 'Desk' } },
    ],
    ['LockCode', { data: { User: 'u', Password: 'p', LockCode: '1234' } }, { data: { User: 'u', Password: M, LockCode: M } }],
    ['secrets inside an array', { password: ['a', 'b', 3] }, { password: [M, M, M] }],
    [
      'an object under a secret key',
      { 'device.auth.localAdminPassword': { Value: 'p', Source: 'local' } },
      { 'device.auth.localAdminPassword': { Value: M, Source: M } },
    ],
    ['secrets deep in arrays of objects', [{ x: [{ token: 't' }] }], [{ x: [{ token: M }] }]],
    ['a PIN as a number', { pin: 1234 }, { pin: M }],
    ['empty, null and booleans tell nothing', { password: '', secret: null, token: true }, { password: '', secret: null, token: true }],
    ['no secrets', { Dest: '3002', list: [1, 'a'] }, { Dest: '3002', list: [1, 'a'] }],
  ];
  for (const [what, input, output] of json) it(`JSON: ${what}`, () => assert.deepEqual(redactValue(input), output));

  const urls: [string, string][] = [
    ['/api/v1/mgmt/device/info', '/api/v1/mgmt/device/info'],
    ['/api/x?password=hunter2', `/api/x?password=${M}`],
    ['/api/x?line=2&Password=a&b=c', `/api/x?line=2&Password=${M}&b=c`],
    ['/api/x?p%61ssword=a%26b', `/api/x?p%61ssword=${M}`],
    ['/api/x?token=a#b&pin=1', `/api/x?token=${M}&pin=${M}`],
    ['/api/x?LockCode=9;secret=s', `/api/x?LockCode=${M};secret=${M}`],
    ['/api/x?password=&password', '/api/x?password=&password'],
    ['/api/x?%zz=1', '/api/x?%zz=1'],
  ];
  for (const [url, shown] of urls) it(`URL ${url}`, () => assert.equal(redactUrl(url), shown));

  // A secret placed anywhere a secret goes (under a secret key at any depth, in an Authorization, a cookie, a query
  // parameter) never appears in what is shown.
  it('property: a secret value never appears in the output', () => {
    const secret = fc
      .stringMatching(/^[A-Za-z0-9!$%()*+,\-./:;<=>?@[\]^_{|}~ ]{6,24}$/)
      .filter((s) => !M.includes(s) && s.trim().length >= 6);
    const secretKey = fc.constantFrom(
      'password',
      'Password',
      'reg.1.auth.password',
      'LockCode',
      'token',
      'secret',
      'pin',
      'x.passwd',
      'apiKey',
    );
    const plainKey = fc.constantFrom('data', 'Dest', 'label', 'list', 'x');
    const json = (s: string): fc.Arbitrary<unknown> =>
      fc.letrec<{ node: unknown }>((tie) => ({
        node: fc.oneof(
          { depthSize: 'small' },
          fc.tuple(secretKey, fc.constantFrom<unknown>(s, [s], { Value: s }, [[s]], [{ a: s }])).map(([k, v]) => ({ [k]: v })),
          fc.tuple(plainKey, tie('node')).map(([k, v]) => ({ [k]: v })),
          fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
        ),
      })).node;
    fc.assert(
      fc.property(secret, fc.nat(), (s, seed) => {
        const value = fc.sample(json(s), { seed, numRuns: 1 })[0];
        assert.ok(!redactedJson(value).includes(s), `${JSON.stringify(value)} -> ${redactedJson(value)}`);
        const ws = [' ', '\t', '  '][seed % 3] as string;
        const headers = redactHeaders({
          authorization: `Basic${ws}${s}`,
          'proxy-authorization': s.replace(/\s/g, ''),
          cookie: `a=${s.replace(/[;,]/g, '')}`,
        });
        for (const v of Object.values(headers)) assert.ok(!v.includes(s.trim()) || s.trim() === 'Basic', v);
        const name = ['password', 'LockCode', 'token', 'pin'][seed % 4] as string;
        const url = `/api/v1/x?a=1&${name}=${encodeURIComponent(s)}&b=2`;
        assert.ok(!redactUrl(url).includes(encodeURIComponent(s)), redactUrl(url));
      }),
      { numRuns: 300 },
    );
  });
});
