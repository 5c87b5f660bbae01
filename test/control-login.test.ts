/**
 * With a control token, a browser logs in: the login page (the token, posted as a form) or the one-time link the
 * start banner prints set an HttpOnly, SameSite=Strict cookie that stands for the token. API clients keep
 * `Authorization: Bearer <token>`.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import { ControlLogin, MAX_CODES } from '../src/control/login.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { cli, testFleet } from './helpers.js';

const TOKEN = 'the-control-token-1';
const PAGE = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

interface Answer {
  status: number;
  location?: string;
  setCookie: string;
  type: string;
  body: string;
}

/** One request, redirects not followed (node:http). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      // An event stream never ends: its first bytes do.
      const stream = /event-stream/.test(String(res.headers['content-type']));
      res.on('data', (c: string) => {
        body += c;
        if (stream || body.length > 4096) res.destroy();
      });
      const done = (): void =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          setCookie: (res.headers['set-cookie'] ?? []).join('\n'),
          type: String(res.headers['content-type'] ?? ''),
          body,
        });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const cookieOf = (a: Answer): string => a.setCookie.split(';')[0] ?? '';

describe('logging in to a control API that has a token', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  let now = Date.UTC(2026, 0, 1);
  const login = new ControlLogin(TOKEN, { now: () => now, codeTtlMs: 60_000 });
  before(async () => {
    fleet = await testFleet({ count: 2, firstNumber: 4301, timing: { initMs: 0 } });
    control = await createControlApp(fleet, false, { token: TOKEN, login });
    await control.listen({ port: 0, host: '127.0.0.1' });
    ctl = `http://127.0.0.1:${(control.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  it("sends a browser's page request to the login page; API clients get 401 and keep using Bearer", async () => {
    for (const path of ['/', '/phones/2', '/docs/']) {
      const a = await send(`${ctl}${path}`, { headers: PAGE });
      assert.equal(a.status, 303, path);
      assert.equal(a.location, `/login?next=${encodeURIComponent(path)}`);
    }
    const api = await send(`${ctl}/phones`);
    assert.equal(api.status, 401);
    assert.match(api.body, /Bearer/);
    assert.equal((await send(`${ctl}/phones`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.equal((await send(`${ctl}/ui/app.js`)).status, 401);
    // readiness is open, as a cluster's probes carry no token; nothing else is
    const ready = await send(`${ctl}/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await send(`${ctl}/ready`, { method: 'POST', headers: { 'content-type': 'application/json' } })).status, 401);
    assert.equal((await send(`${ctl}/ready/x`)).status, 401);
    const page = await send(`${ctl}/login?next=%2Fphones%2F2`);
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.body, /<form method="post" action="\/login">/);
    assert.match(page.body, /name="next" value="\/phones\/2"/);
  });

  it('the token posted in the form sets a cookie (not the token) that opens the pages, the stream and the API', async () => {
    const wrong = await send(`${ctl}/login`, form({ token: 'nope', next: '/' }));
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /not the token/);
    assert.equal(wrong.setCookie, '');
    const ok = await send(`${ctl}/login`, form({ token: TOKEN, next: '/phones/2' }));
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/phones/2');
    assert.match(ok.setCookie, /^polysim-control=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.ok(!ok.setCookie.includes(TOKEN));
    const cookie = cookieOf(ok);
    const page = await send(`${ctl}/phones/2`, { headers: { ...PAGE, cookie } });
    assert.ok([200, 503].includes(page.status), `the dashboard's page (503 when not built), not the door: ${page.status}`);
    assert.equal((await send(`${ctl}/phones`, { headers: { cookie } })).status, 200);
    assert.equal((await send(`${ctl}/docs/openapi.json`, { headers: { cookie } })).status, 200);
    const stream = await send(`${ctl}/phones/1/events`, { headers: { cookie } });
    assert.equal(stream.status, 200);
    assert.match(stream.type, /text\/event-stream/);
    assert.match(stream.body, /^: polysim events/);
    // A cookie of another process (another key) or a forged one is refused.
    const other = new ControlLogin(TOKEN).setCookie.split(';')[0] as string;
    assert.equal((await send(`${ctl}/phones`, { headers: { cookie: other } })).status, 401);
    // Going back to /login while logged in goes on; logging out clears the cookie.
    assert.equal((await send(`${ctl}/login?next=/phones/1`, { headers: { cookie } })).location, '/phones/1');
    const out = await send(`${ctl}/logout`, { method: 'POST', headers: { cookie, 'x-polysim': '1' } });
    assert.equal(out.status, 303);
    assert.match(out.setCookie, /^polysim-control=; .*Max-Age=0/);
  });

  it('goes back only to a path of its own', async () => {
    for (const next of ['//evil.example/', '/\\evil.example', 'http://evil.example/', 'javascript:alert(1)']) {
      const a = await send(`${ctl}/login`, form({ token: TOKEN, next }));
      assert.equal(a.location, '/', next);
    }
  });

  it('a one-time link logs in once, within its lifetime; codes waiting are bounded', async () => {
    const code = login.issueCode();
    const first = await send(`${ctl}/phones/2?login=${code}&x=1`, { headers: PAGE });
    assert.equal(first.status, 303);
    assert.equal(first.location, '/phones/2?x=1');
    assert.match(first.setCookie, /^polysim-control=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.equal((await send(`${ctl}/phones`, { headers: { cookie: cookieOf(first) } })).status, 200);
    const again = await send(`${ctl}/?login=${code}`, { headers: PAGE });
    assert.equal(again.status, 401);
    assert.match(again.body, /used already or has expired/);
    assert.equal(again.setCookie, '');

    const late = login.issueCode();
    now += 60_001;
    assert.equal((await send(`${ctl}/?login=${late}`, { headers: PAGE })).status, 401, 'expired');
    const codes = Array.from({ length: MAX_CODES + 1 }, () => login.issueCode());
    assert.equal(login.redeem(codes[0] as string), false, 'the oldest went');
    assert.equal(login.redeem(codes[MAX_CODES] as string), true);
    assert.equal((await send(`${ctl}/?login=${'A'.repeat(24)}`, { headers: PAGE })).status, 401);
  });

  it('the start banner prints the one-time dashboard link, and it logs a browser in', async () => {
    const r = cli([
      'start',
      '--address',
      '127.0.0.1',
      '--control-token',
      TOKEN,
      '--http-port',
      '0',
      '--https-port',
      '0',
      '--sip-port',
      '0',
      '--sip-tls-port',
      '0',
      '--control-port',
      '0',
      '--init-ms',
      '0',
    ]);
    try {
      const end = Date.now() + 10_000;
      while (!/token\s+\S+/.test(r.stdout()) && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      const link = /dashboard (http:\/\/\S+\/\?login=[\w-]+)/.exec(r.stdout())?.[1];
      assert.ok(link, r.stdout() + r.stderr());
      assert.match(r.stdout(), new RegExp(`token\\s+${TOKEN}`));
      const a = await send(link, { headers: PAGE });
      assert.equal(a.status, 303);
      assert.equal(a.location, '/');
      assert.equal((await send(new URL('/phones', link).href, { headers: { cookie: cookieOf(a) } })).status, 200);
      assert.equal((await send(link, { headers: PAGE })).status, 401, 'once');
    } finally {
      assert.equal(await r.stop(), 0);
    }
  });
});
