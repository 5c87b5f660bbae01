import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { challenges, sign } from './digest-client.js';
import { PASSWORD, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);
const CREATE = '/api/v1/mgmt/session/create';
const LIST = '/api/v1/mgmt/session/get';
const DELETE = '/api/v1/mgmt/session/delete';

/** Authenticates one request with SHA-256 (or MD5) Digest, signing a fresh challenge. */
async function digestFetch(p: TestPhone, path: string, algorithm: 'SHA-256' | 'MD5' = 'SHA-256'): Promise<Response> {
  const ch = challenges(await fetch(`${p.httpUrl}${path}`)).find((c) => c.algorithm === algorithm);
  assert.ok(ch, `no ${algorithm} challenge`);
  return fetch(`${p.httpUrl}${path}`, { headers: { authorization: sign(ch, { method: 'GET', uri: path, password: PASSWORD }) } });
}

async function createSession(p: TestPhone): Promise<{ id: string; cookie: string; res: Response; body: Record<string, unknown> }> {
  const res = await digestFetch(p, CREATE);
  const body = (await res.json()) as Record<string, unknown>;
  const cookie = res.headers.get('set-cookie') ?? '';
  return { id: (body['data'] as { sessionId?: string } | undefined)?.sessionId ?? '', cookie, res, body };
}

const withCookie = (p: TestPhone, id: string, path: string): Promise<Response> =>
  fetch(`${p.httpUrl}${path}`, { headers: { cookie: `session=${id}` } });

/** session/delete is a GET with a JSON body: fetch cannot send one, curl can. */
async function curlDelete(p: TestPhone, ids: string[], auth: string[]): Promise<{ code: string; body: Record<string, unknown> }> {
  const { stdout } = await exec('curl', [
    '-s',
    '-w',
    '\n%{http_code}',
    ...auth,
    '-X',
    'GET',
    '-H',
    'Content-Type: application/json',
    '-d',
    JSON.stringify({ data: ids }),
    `${p.httpUrl}${DELETE}`,
  ]);
  const i = stdout.lastIndexOf('\n');
  return { code: stdout.slice(i + 1), body: JSON.parse(stdout.slice(0, i)) as Record<string, unknown> };
}

describe('REST sessions', () => {
  it('SHA-256 Digest creates a session whose cookie alone authenticates', async (t) => {
    if (lacks(t, 'curl')) return;
    const p = await testPhone({ model: 'CCX 600', firmware: '9.5.0' });
    try {
      const s = await createSession(p);
      assert.equal(s.res.status, 200);
      assert.equal(s.body['Status'], '2000');
      assert.match(s.id, /^[A-Za-z0-9]{32}$/);
      assert.deepEqual(s.body['data'], { sessionId: s.id, authLevel: 'admin' });
      assert.equal(s.cookie, `session=${s.id}; Path=/; Secure; HttpOnly; Max-Age=1500`);
      const info = await withCookie(p, s.id, '/api/v2/mgmt/device/info');
      assert.equal(info.status, 200);
      assert.equal((await withCookie(p, 'not-a-session', '/api/v2/mgmt/device/info')).status, 401);
      const viaCurl = await exec('curl', ['-s', '-b', `session=${s.id}`, `${p.httpUrl}/api/v1/mgmt/network/stats`]);
      assert.equal((JSON.parse(viaCurl.stdout) as { Status: string }).Status, '2000');
    } finally {
      await p.stop();
    }
  });

  it('MD5, Basic and a cookie do not create sessions (4403)', async () => {
    const p = await testPhone({ model: 'Edge E450', firmware: '8.6.0', set: { 'httpd.rest.auth.basic.enabled': '1' } });
    try {
      const md5 = await digestFetch(p, CREATE, 'MD5');
      assert.equal(md5.status, 403);
      assert.deepEqual(await md5.json(), { Status: '4403' });
      assert.equal((await p.get(CREATE)).body['Status'], '4403');
      const s = await createSession(p);
      assert.equal(((await (await withCookie(p, s.id, CREATE)).json()) as { Status: string }).Status, '4403');
    } finally {
      await p.stop();
    }
  });

  it('at most ten live sessions; the eleventh create is refused; deleting frees a place', async (t) => {
    if (lacks(t, 'curl')) return;
    const p = await testPhone({ model: 'Trio C60', firmware: '9.2.0' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await createSession(p)).id);
      assert.equal(new Set(ids).size, 10);
      const eleventh = await createSession(p);
      assert.equal(eleventh.res.status, 403);
      assert.equal(eleventh.body['Status'], '4403');
      const del = await curlDelete(p, [ids[0] as string], ['-b', `session=${ids[1]}`]);
      assert.deepEqual(del.body, { data: { sessionsDeleted: [ids[0]] }, Status: '2000' });
      assert.equal((await createSession(p)).res.status, 200);
    } finally {
      await p.stop();
    }
  });

  it("sessions expire on the phone's clock, leave the list, and follow httpd.rest.session.duration.sec", async () => {
    const clock = new ManualClock();
    const p = await testPhone({ model: 'CCX 600', clock });
    try {
      const a = await createSession(p);
      clock.advance(367_000);
      p.phone.config.set('LOCAL', { 'httpd.rest.session.duration.sec': '600' });
      const b = await createSession(p);
      assert.match(b.cookie, /Max-Age=600$/);
      clock.advance(33_000);
      const list = await withCookie(p, b.id, LIST);
      const sessions = ((await list.json()) as { data: { Sessions: Record<string, string>[] } }).data.Sessions;
      assert.deepEqual(sessions, [
        { sessionId: a.id, remainingSeconds: '1100', createdSecondsAgo: '400', authLevel: 'admin' },
        { sessionId: b.id, remainingSeconds: '567', createdSecondsAgo: '33', authLevel: 'admin' },
      ]);
      clock.advance(567_000);
      assert.equal((await withCookie(p, b.id, LIST)).status, 401, 'an expired cookie no longer authenticates');
      const left = ((await (await withCookie(p, a.id, LIST)).json()) as { data: { Sessions: { sessionId: string }[] } }).data.Sessions;
      assert.deepEqual(
        left.map((s) => s.sessionId),
        [a.id],
      );
      clock.advance(1100_000);
      assert.equal((await withCookie(p, a.id, LIST)).status, 401);
    } finally {
      await p.stop();
    }
  });

  it("session/delete: SHA-256 or a session may delete; others' deletions fail; unknown ids are not found", async (t) => {
    if (lacks(t, 'curl')) return;
    const p = await testPhone({ model: 'CCX 600', set: { 'httpd.rest.auth.basic.enabled': '1' } });
    try {
      const a = await createSession(p);
      const b = await createSession(p);
      const basic = await curlDelete(p, [a.id], ['-u', `Polycom:${PASSWORD}`]);
      assert.deepEqual(basic.body, { data: { sessionsDeleted: [], sessionsNotFound: [a.id] }, Status: '2000' });
      const sha = await curlDelete(p, [a.id, 'nope'], ['--digest', '-u', `Polycom:${PASSWORD}`]);
      assert.deepEqual(sha.body, { data: { sessionsDeleted: [a.id], sessionsNotFound: ['nope'] }, Status: '2000' });
      const own = await curlDelete(p, [b.id], ['-b', `session=${b.id}`]);
      assert.deepEqual(own.body, { data: { sessionsDeleted: [b.id] }, Status: '2000' });
      assert.equal((await withCookie(p, b.id, LIST)).status, 401);
      const empty = await curlDelete(p, [], ['-u', `Polycom:${PASSWORD}`]);
      assert.equal(empty.body['Status'], '4000');
    } finally {
      await p.stop();
    }
  });

  it('a reboot ends every session; sessions do not exist before 9.2.0 / 8.3.0 nor on UCS', async () => {
    const p = await testPhone({ model: 'CCX 600' });
    try {
      const s = await createSession(p);
      p.phone.goDown('restart');
      await new Promise((r) => setTimeout(r, 250));
      await p.listeners.settled();
      assert.equal((await withCookie(p, s.id, LIST)).status, 401);
    } finally {
      await p.stop();
    }
    for (const [model, firmware] of [
      ['CCX 600', '9.1.0'],
      ['Edge E450', '8.2.0'],
      ['VVX 450', '6.4.3'],
    ] as const) {
      const old = await testPhone({ model, firmware });
      try {
        assert.equal((await old.get(CREATE)).http, 404, `${model} ${firmware}`);
        assert.equal((await old.get(LIST)).http, 404, `${model} ${firmware}`);
      } finally {
        await old.stop();
      }
    }
  });
});
