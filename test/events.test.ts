/** The event stream of the control API (SSE), read with the SDK's typed async iterator. */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createControlApp } from '../src/control/app.js';
import type { ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { polysimEvents } from '@polysim/client';
import type { PolysimEvent } from '@polysim/client';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { MAX_SUBSCRIBERS } from '../src/runtime/events.js';
import { Value } from '@sinclair/typebox/value';
import { EventSchema } from '../src/runtime/event-schemas.js';
import { listenControl, PASSWORD, recordingServer, testFleet, waitFor } from './helpers.js';

const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };

/** Reads a stream into an array in the background until stopped. */
function collect(control: string, phone?: number): { events: PolysimEvent[]; stop: () => void } {
  const abort = new AbortController();
  const events: PolysimEvent[] = [];
  void (async () => {
    for await (const e of polysimEvents(control, { phone, signal: abort.signal })) events.push(e);
  })().catch(() => undefined);
  return { events, stop: () => abort.abort() };
}

describe('the event stream', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  before(async () => {
    fleet = await testFleet({ count: 2, firstNumber: 3001, timing: { initMs: 50, restartMs: 100 } });
    await waitFor(() => fleet.phones.every((p) => p.phone.isReady));
    ({ control, url: ctl } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });
  const url = (i: number): string => fleet.phones[i - 1]?.httpUrl as string;
  const post = (i: number, path: string, data: unknown): Promise<Response> =>
    fetch(`${url(i)}${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify({ data }) });

  it('starts with a snapshot per phone, then calls, LEDs, requests and configuration as they change', async () => {
    const all = collect(ctl);
    try {
      await waitFor(() => all.events.filter((e) => e.type === 'snapshot').length === 2);
      const snap = all.events[0];
      assert.equal(snap?.type, 'snapshot');
      if (snap?.type === 'snapshot') {
        assert.equal(snap.phone, 1);
        assert.equal(snap.number, '3001');
        assert.equal(snap.state, 'ready');
        assert.deepEqual(snap.calls, []);
        assert.deepEqual(snap.lines, [{ line: 1, address: '3001', label: '3001', registered: true }]);
      }
      assert.equal((await post(1, '/api/v1/callctrl/dial', { Dest: '3002' })).status, 200);
      await waitFor(() => all.events.some((e) => e.type === 'calls' && e.phone === 2 && e.calls[0]?.state === 'Offering'));
      await waitFor(() => all.events.some((e) => e.type === 'leds' && e.phone === 2 && e.leds.Lines[0]?.State === 'flashing'));
      await waitFor(() =>
        all.events.some(
          (e) =>
            e.type === 'screen' && e.phone === 2 && e.screen.view === 'IncomingCall' && e.screen.softkeys.join() === 'Answer,Ignore,Reject',
        ),
      );
      const request = all.events.find((e) => e.type === 'request' && e.phone === 1);
      assert.ok(request?.type === 'request');
      assert.equal(request.url, '/api/v1/callctrl/dial');
      assert.equal(request.status, '2000');
      assert.equal(request.auth, 'basic');
      // Details for live readers: headers with the credentials redacted, the bodies.
      assert.equal(request.requestHeaders?.['authorization'], 'Basic ********');
      assert.equal(request.requestBody, '{"data":{"Dest":"3002"}}');
      assert.equal(request.responseBody, '{"Status":"2000"}');
      await post(1, '/api/v1/mgmt/config/set', { 'reg.1.auth.password': 'hunter2' });
      await waitFor(() => all.events.some((e) => e.type === 'request' && e.requestBody?.includes('reg.1.auth.password') === true));
      const secret = all.events.find((e) => e.type === 'request' && e.requestBody?.includes('reg.1.auth.password') === true);
      assert.ok(secret?.type === 'request');
      assert.equal(secret.requestBody, '{"data":{"reg.1.auth.password":"********"}}');
      assert.doesNotMatch(JSON.stringify(all.events), /hunter2/);

      assert.equal((await post(2, '/api/v1/callctrl/answerCall', {})).status, 200);
      await waitFor(() => all.events.some((e) => e.type === 'calls' && e.phone === 1 && e.calls[0]?.state === 'Connected'));
      await post(1, '/api/v1/mgmt/config/set', { 'reg.1.label': 'Front desk' });
      await waitFor(() =>
        all.events.some((e) => e.type === 'config' && e.phone === 1 && e.names.includes('reg.1.label') && e.layer === 'LOCAL'),
      );
      for (const e of all.events) assert.ok(Value.Check(EventSchema, e), `${JSON.stringify(e)} is not as the OpenAPI document says`);
      const seqs = all.events.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        'in order',
      );
    } finally {
      all.stop();
    }
  });

  it('what the phone posts (and fails to) shows as outbound requests; the lock and a push message in screen events', async () => {
    const one = collect(ctl, 1);
    const phone = fleet.phones[0]?.phone;
    assert.ok(phone);
    try {
      await waitFor(() => one.events.length > 0);
      phone.config.set('LOCAL', {
        'apps.telNotification.URL': 'http://127.0.0.1:9/nobody-listens',
        'apps.telNotification.userLogInOutEvent': '1',
        'apps.push.username': 'Push',
        'apps.push.password': 'Push-pass1',
        'apps.push.messageType': '5',
      });
      phone.setLocked(true);
      await waitFor(() => one.events.some((e) => e.type === 'request' && e.direction === 'out'));
      const out = one.events.find((e) => e.type === 'request' && e.direction === 'out');
      assert.ok(out?.type === 'request');
      assert.equal(out.method, 'POST');
      assert.equal(out.url, 'http://127.0.0.1:9/nobody-listens');
      assert.equal(out.httpStatus, 0);
      assert.match(out.detail ?? '', /^PhoneLockedEvent: /);
      await waitFor(() => one.events.some((e) => e.type === 'screen' && e.screen.locked === true));
      phone.screen.push.offer('Critical', '<b>Evacuate</b> now');
      await waitFor(() => one.events.some((e) => e.type === 'screen' && e.screen.push?.priority === 'Critical'));
      const shown = one.events.find((e) => e.type === 'screen' && e.screen.push !== undefined);
      assert.ok(shown?.type === 'screen');
      assert.deepEqual(shown.screen.push, { priority: 'Critical', text: 'Evacuate now', waiting: 0 });
      assert.equal(shown.screen.view, 'Browser');
      for (const e of one.events) assert.ok(Value.Check(EventSchema, e), `${JSON.stringify(e)} is not as the OpenAPI document says`);
    } finally {
      one.stop();
      phone.screen.push.clear();
      phone.setLocked(false);
      phone.config.set('LOCAL', { 'apps.telNotification.URL': '' });
    }
  });

  it('ends when its signal aborts, as its type says: before it connects, while it connects, and waiting for an event', async () => {
    const before = new AbortController();
    before.abort();
    const none: PolysimEvent[] = [];
    for await (const e of polysimEvents(ctl, { signal: before.signal })) none.push(e);
    assert.deepEqual(none, []);
    const connecting = new AbortController();
    const early = polysimEvents(ctl, { signal: connecting.signal }).next();
    connecting.abort();
    assert.deepEqual(await early, { value: undefined, done: true });
    const reading = new AbortController();
    const events = polysimEvents(ctl, { phone: 1, signal: reading.signal });
    assert.equal((await events.next()).value?.type, 'snapshot');
    const waiting = events.next();
    reading.abort();
    assert.deepEqual(await waiting, { value: undefined, done: true });
  });

  it("one phone's stream has only that phone; registration and reboots show", async () => {
    const two = collect(ctl, 2);
    try {
      await waitFor(() => two.events.length > 0);
      await fetch(`${ctl}/phones/2/lines/1/registration`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"registered":false}',
      });
      await waitFor(() => two.events.some((e) => e.type === 'registration' && e.lines[0]?.registered === false));
      await fetch(`${ctl}/phones/2/lines/1/registration`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"registered":true}',
      });
      await waitFor(() => two.events.some((e) => e.type === 'registration' && e.lines[0]?.registered === true));
      await fetch(`${url(2)}/api/v1/mgmt/safeRestart`, { method: 'POST', headers: AUTH });
      await waitFor(() => two.events.some((e) => e.type === 'state' && e.state === 'ready'));
      const states = two.events
        .filter((e) => e.type === 'state')
        .map((e) => (e.type === 'state' ? `${e.state}${e.reason ? `:${e.reason}` : ''}` : ''));
      assert.deepEqual(states, ['down:restart', 'initializing', 'ready']);
      assert.ok(two.events.every((e) => e.phone === 2));
      for (const e of two.events) assert.ok(Value.Check(EventSchema, e), JSON.stringify(e));
      assert.equal((await fetch(`${ctl}/phones/9/events`)).status, 404);
    } finally {
      two.stop();
    }
  });

  it(`serves at most ${MAX_SUBSCRIBERS} streams at once: a new reader takes the oldest one's slot`, async () => {
    const open: ClientRequest[] = [];
    const ended: number[] = [];
    try {
      for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = get(`${ctl}/phones/1/events`, (res) => {
            assert.equal(res.statusCode, 200);
            res.once('data', () => resolve());
            res.once('close', () => ended.push(i));
          });
          req.on('error', reject);
          open.push(req);
        });
      }
      assert.ok(await readerGetsIn(ctl));
      await waitFor(() => ended.length >= 1);
      assert.equal(ended[0], 0, 'the oldest stream was ended');
    } finally {
      for (const req of open) req.destroy();
    }
  });
});

/** Opens an event stream on a raw socket that never reads what it is sent (its receive buffer fills, then the server's). */
async function deafReader(base: string): Promise<Socket> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.write(`GET /phones/1/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  socket.pause();
  return socket;
}

/** Whether a new reader gets a stream now (200). */
async function readerGetsIn(base: string): Promise<boolean> {
  const res = await fetch(`${base}/phones/1/events`, { signal: AbortSignal.timeout(2000) });
  void res.body?.cancel();
  return res.status === 200;
}

/**
 * Resolves when the server has closed the reader's connection: the reader now reads (what is buffered, then the end
 * the server sent); rejects when the stream is still open after 5 s.
 */
const closed = (s: Socket, ms = 5000): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream is still open')), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.resume();
    if (s.closed) resolve();
  });

describe('a posted document dropped from a full queue', () => {
  it('is a request event on the stream whose detail says dropped, and the posts answers count it', async () => {
    // A receiver that takes each request and never answers: the first post stays in flight, the queue fills.
    const hanging = await recordingServer(() => new Promise<never>(() => undefined));
    const fleet = await testFleet({
      count: 1,
      firstNumber: 3201,
      posts: { max: 1 },
      set: { 'apps.telNotification.URL': `${hanging.url}/tel`, 'apps.telNotification.userLogInOutEvent': '1' },
    });
    await waitFor(() => fleet.phones.every((p) => p.phone.isReady));
    const { control, url: ctl } = await listenControl(fleet);
    const one = collect(ctl, 1);
    try {
      await waitFor(() => one.events.some((e) => e.type === 'snapshot'));
      const phone = fleet.phones[0]?.phone;
      assert.ok(phone);
      // Locked (in flight), unlocked (waiting), locked again: the unlock waiting is dropped to make room.
      phone.setLocked(true);
      phone.setLocked(false);
      phone.setLocked(true);
      await waitFor(() => one.events.some((e) => e.type === 'request' && e.direction === 'out'));
      const out = one.events.filter((e) => e.type === 'request' && e.direction === 'out');
      assert.equal(out.length, 1, 'the one in flight has not ended: only the drop is reported');
      const dropped = out[0];
      assert.ok(dropped?.type === 'request');
      assert.equal(dropped.detail, 'PhoneUnlockedEvent: dropped (queue full)');
      assert.equal(dropped.method, 'POST');
      assert.equal(dropped.url, `${hanging.url}/tel`);
      assert.equal(dropped.httpStatus, 0);
      assert.ok(Value.Check(EventSchema, dropped), 'as the OpenAPI document says');
      assert.deepEqual(await (await fetch(`${ctl}/phones/1/posts`)).json(), { delivered: 0, failed: 0, dropped: 1, waiting: 2 });
      assert.deepEqual(await (await fetch(`${ctl}/posts`)).json(), { delivered: 0, failed: 0, dropped: 1, waiting: 2 });
      assert.equal(hanging.received.length, 1, 'only the first reached the receiver');
    } finally {
      one.stop();
      await hanging.close();
      await control.close();
      await fleet.stop();
    }
  });
});

describe('event stream readers that never read', () => {
  let fleet: Fleet;
  const apps: ControlApp[] = [];
  const deaf: Socket[] = [];
  before(async () => {
    fleet = await testFleet({ count: 1, firstNumber: 3101, timing: { initMs: 0 } });
  });
  after(async () => {
    for (const s of deaf) s.destroy();
    for (const a of apps) await a.close();
    await fleet.stop();
  });
  const listen = async (limits: Parameters<typeof createControlApp>[3]): Promise<string> => {
    const app = await createControlApp(fleet, false, {}, limits);
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };
  /** Requests whose events (about 16 KB each: their headers) go to every reader: enough to fill a socket's buffers. */
  const traffic = async (bytes: number): Promise<void> => {
    const headers: Record<string, string> = { ...AUTH };
    for (let i = 0; i < 28; i++) headers[`x-pad-${i}`] = 'p'.repeat(500);
    for (let sent = 0; sent < bytes; sent += 14 * 1024) {
      const res = await fetch(`${fleet.phones[0]?.httpUrl}/api/v2/mgmt/device/info`, { headers });
      await res.arrayBuffer();
    }
  };

  it('a reader whose backlog overflows is cut off', async () => {
    const base = await listen({ maxStreams: 8, backlog: 64 * 1024, drainMs: 600_000 });
    const readers = [await deafReader(base), await deafReader(base)];
    deaf.push(...readers);
    // Loopback sockets take a few MB before the server's own queue grows: 10 MB of events overflow both readers.
    await traffic(10 * 1024 * 1024);
    await Promise.all(readers.map((r) => closed(r)));
  });

  it('a reader whose socket does not drain within the deadline is cut off', async () => {
    const base = await listen({ maxStreams: 8, backlog: 64 * 1024 * 1024, drainMs: 200 });
    const readers = [await deafReader(base), await deafReader(base)];
    deaf.push(...readers);
    // Past what the sockets take, but far from the backlog bound: only the deadline frees the slots.
    await traffic(10 * 1024 * 1024);
    await Promise.all(readers.map((r) => closed(r)));
  });

  it('readers that never read hold no slot against a new reader, even with nothing sent', async () => {
    const base = await listen({ maxStreams: 2, backlog: 64 * 1024 * 1024, drainMs: 600_000 });
    const readers = [await deafReader(base), await deafReader(base)];
    deaf.push(...readers);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(await readerGetsIn(base));
    await closed(readers[0] as Socket);
    await assert.rejects(closed(readers[1] as Socket, 300), /still open/, 'only the oldest made room');
  });
});
