// The control API plays the phone's user (lock, log in and out), reads and closes the push messages on its screen,
// and counts the documents it posts: each through a real receiver, the answers checked against the OpenAPI document.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ControlApp } from '../src/control/app.js';
import { ManualClock } from '../src/phone/clock.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { listenControl, recordingServer, testFleet, waitFor } from './helpers.js';
import { openApiProblems } from './openapi-check.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);
type Json = Record<string, unknown>;

const EVENTS = { 'apps.telNotification.userLogInOutEvent': '1' };
const PUSH = { 'apps.push.username': 'Push', 'apps.push.password': 'Push-pass1', 'apps.push.messageType': '5' };

describe('the control API: lock, log in and out, push messages, posted documents', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 9, 0, 0));
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json | undefined }> => {
    const res = await fetch(`${ctl}${path}`, {
      method,
      headers: body === undefined ? { 'x-polysim': '1' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Json) : undefined;
    const documented = path.replace(/^\/phones\/\d+/, '/phones/{index}');
    assert.deepEqual(openApiProblems(method, documented, res.status, parsed ?? null), []);
    return { status: res.status, body: parsed };
  };
  /** The event elements phone 1 posted, in order. */
  const posted = (): string[] => receiver.received.map((r) => /<PolycomIPPhone>\s*<(\w+)/.exec(r.body.toString())?.[1] ?? '?');

  before(async () => {
    receiver = await recordingServer(() => ({ status: 200 }));
    fleet = await testFleet({ count: 2, firstNumber: 3001, clock, timing: { initMs: 0 }, set: PUSH });
    ({ control, url: ctl } = await listenControl(fleet));
    assert.equal(
      (await api('PUT', '/phones/1/config/web', { 'apps.telNotification.URL': `${receiver.url}/events`, ...EVENTS })).status,
      200,
    );
  });
  after(async () => {
    await control.close();
    await fleet.stop();
    await receiver.close();
  });

  it('locks and unlocks the phone: GET /phones/{i} shows it, and the phone posts PhoneLockedEvent, PhoneUnlockedEvent', async () => {
    assert.deepEqual(await api('PUT', '/phones/1/lock', { locked: true }), { status: 200, body: { locked: true } });
    assert.equal((await api('GET', '/phones/1')).body?.['locked'], true);
    assert.deepEqual(await api('PUT', '/phones/1/lock', { locked: false }), { status: 200, body: { locked: false } });
    assert.equal((await api('GET', '/phones/1')).body?.['locked'], false);
    await fleet.phones[0]?.posts.settled();
    assert.deepEqual(posted(), ['PhoneLockedEvent', 'PhoneUnlockedEvent']);
    assert.equal((await api('PUT', '/phones/1/lock', { locked: 'yes' })).status, 400);
    assert.equal((await api('PUT', '/phones/1/lock', {})).status, 400);
    assert.equal((await api('PUT', '/phones/9/lock', { locked: true })).status, 404);
  });

  it('a user logs in and out; another logging in logs the first out; logging out with nobody in is 409', async () => {
    receiver.received.length = 0;
    assert.deepEqual(await api('PUT', '/phones/1/user', { user: 'alice' }), { status: 200, body: { user: 'alice' } });
    assert.equal((await api('GET', '/phones/1')).body?.['user'], 'alice');
    assert.equal((await api('PUT', '/phones/1/user', { user: 'bob' })).status, 200);
    assert.equal((await api('DELETE', '/phones/1/user')).status, 204);
    assert.equal((await api('GET', '/phones/1')).body?.['user'], undefined);
    assert.deepEqual(await api('DELETE', '/phones/1/user'), { status: 409, body: { error: 'no user is logged in' } });
    await fleet.phones[0]?.posts.settled();
    const bodies = receiver.received.map((r) => r.body.toString());
    assert.deepEqual(
      bodies.map((b) => /<UserLogged(In|Out)(?:\/>|>([^<]*))/.exec(b)?.slice(1, 3).join(':')),
      ['In:alice', 'Out:', 'In:bob', 'Out:'],
    );
    for (const user of ['', 'a\u0007b', 'x'.repeat(65)]) assert.equal((await api('PUT', '/phones/1/user', { user })).status, 400, user);
  });

  it('a phone that is down or starting answers 409, and does not change', async () => {
    const p = fleet.phones[1]?.phone;
    p?.goDown('restart');
    assert.deepEqual(await api('PUT', '/phones/2/lock', { locked: true }), { status: 409, body: { error: 'the phone is restarting' } });
    assert.equal((await api('PUT', '/phones/2/user', { user: 'carol' })).status, 409);
    assert.equal(p?.locked, false);
    assert.equal(p?.user, undefined);
    clock.advance(60_000);
    await waitFor(() => p?.isReady === true);
    await fleet.phones[1]?.listeners.settled();
  });

  it('GET /phones/{i}/push shows the message shown and those waiting; dismiss closes it and the next shows', async (t) => {
    if (lacks(t, 'curl')) return;
    const pushTo = async (priority: string, text: string): Promise<number> => {
      const { stdout } = await exec('curl', [
        ...['-s', '--digest', '-u', 'Push:Push-pass1', '-o', '/dev/null', '-w', '%{http_code}'],
        ...['-H', 'Content-Type: application/xhtml+xml'],
        ...['--data-binary', `<PolycomIPPhone><Data priority="${priority}">${text}</Data></PolycomIPPhone>`],
        `${fleet.phones[1]?.httpUrl}/push`,
      ]);
      return Number(stdout);
    };
    assert.deepEqual(await api('GET', '/phones/2/push'), { status: 200, body: { queued: [], dropped: 0 } });
    assert.deepEqual(await api('POST', '/phones/2/push/dismiss'), { status: 409, body: { error: 'no push message is shown' } });
    assert.equal(await pushTo('Important', '<h1>Fire drill</h1>'), 200);
    assert.equal(await pushTo('Normal', 'lunch is served'), 200);
    const board = (await api('GET', '/phones/2/push')).body as { shown: Json; queued: Json[] };
    assert.deepEqual(
      [board.shown['priority'], board.shown['text'], board.queued.map((m) => [m['priority'], m['text']])],
      ['Important', 'Fire drill', [['Normal', 'lunch is served']]],
    );
    assert.equal(board.shown['at'], new Date(clock.now()).toISOString());
    const next = (await api('POST', '/phones/2/push/dismiss')).body as { shown: Json; queued: Json[] };
    assert.deepEqual([next.shown['text'], next.queued], ['lunch is served', []]);
    assert.equal(fleet.phones[1]?.phone.screen.view(), 'Browser');
    assert.deepEqual((await api('POST', '/phones/2/push/dismiss')).body, { queued: [], dropped: 0 });
    assert.equal(fleet.phones[1]?.phone.screen.view(), 'Idle');
    assert.equal((await api('GET', '/phones/9/push')).status, 404);
  });

  it('counts posted documents per phone and over the fleet: delivered, failed, dropped, waiting', async () => {
    await fleet.phones[0]?.posts.settled();
    const before = (await api('GET', '/phones/1/posts')).body as Json;
    // Two lock documents, four of logging in and out.
    assert.deepEqual(before, { delivered: 6, failed: 0, dropped: 0, waiting: 0 });
    // A receiver that takes the request and never answers: the first document stays in flight, the queue fills.
    const held: { destroy(): void }[] = [];
    const hang = createServer((req) => held.push(req.socket));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
    await api('PUT', '/phones/2/config/web', { 'apps.telNotification.URL': at, ...EVENTS });
    const r2 = fleet.phones[1];
    for (let i = 0; i < 70; i++) r2?.phone.setLocked(i % 2 === 0);
    // One in flight, 64 waiting (the queue's bound), the 5 oldest waiting dropped to make room.
    assert.deepEqual((await api('GET', '/phones/2/posts')).body, { delivered: 0, failed: 0, dropped: 5, waiting: 65 });
    await waitFor(() => held.length === 1);
    // The receiver goes away: what was in flight fails, and so does everything waiting (connection refused).
    await new Promise<void>((r) => {
      hang.close(() => r());
      for (const s of held) s.destroy();
    });
    await r2?.posts.settled();
    assert.deepEqual((await api('GET', '/phones/2/posts')).body, { delivered: 0, failed: 65, dropped: 5, waiting: 0 });
    const sum = (await api('GET', '/posts')).body as Json;
    assert.deepEqual(sum, { delivered: Number(before['delivered']), failed: 65, dropped: 5, waiting: 0 });
    const journal = (await api('GET', '/phones/2/journal?limit=1')).body as unknown as Json[];
    assert.deepEqual([journal[0]?.['direction'], journal[0]?.['method'], journal[0]?.['url']], ['out', 'POST', at]);
    assert.equal((await api('GET', '/phones/9/posts')).status, 404);
  });
});
