/** The event stream of the control API (SSE), read with the SDK's typed async iterator. */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { polysimEvents } from '@polysim/client';
import type { PolysimEvent } from '@polysim/client';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { MAX_SUBSCRIBERS } from '../src/runtime/events.js';
import { Value } from '@sinclair/typebox/value';
import type { Static } from '@sinclair/typebox';
import { EventSchema } from '../src/control/openapi.js';

// The OpenAPI document's event schemas and the SDK's type describe the same events (a compile-time check).
type Documented = Static<typeof EventSchema>;
const _fromDocument = (e: Documented): PolysimEvent => e;
void _fromDocument;
import { listenControl, PASSWORD, testFleet, waitFor } from './helpers.js';

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
        assert.deepEqual(snap.lines, [{ line: 1, address: '3001', registered: true }]);
      }
      assert.equal((await post(1, '/api/v1/callctrl/dial', { Dest: '3002' })).status, 200);
      await waitFor(() => all.events.some((e) => e.type === 'calls' && e.phone === 2 && e.calls[0]?.state === 'Offering'));
      await waitFor(() => all.events.some((e) => e.type === 'leds' && e.phone === 2 && e.leds.Lines[0]?.State === 'flashing'));
      await waitFor(() => all.events.some((e) => e.type === 'screen' && e.phone === 2 && e.screen.view === 'IncomingCall'
        && e.screen.softkeys.join() === 'Answer,Ignore,Reject'));
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
      await waitFor(() => all.events.some((e) => e.type === 'config' && e.phone === 1 && e.names.includes('reg.1.label') && e.layer === 'LOCAL'));
      for (const e of all.events) assert.ok(Value.Check(EventSchema, e), `${JSON.stringify(e)} is not as the OpenAPI document says`);
      const seqs = all.events.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    } finally {
      all.stop();
    }
  });

  it('one phone\'s stream has only that phone; registration and reboots show', async () => {
    const two = collect(ctl, 2);
    try {
      await waitFor(() => two.events.length > 0);
      await fetch(`${ctl}/phones/2/lines/1/registration`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"registered":false}' });
      await waitFor(() => two.events.some((e) => e.type === 'registration' && e.lines[0]?.registered === false));
      await fetch(`${ctl}/phones/2/lines/1/registration`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"registered":true}' });
      await waitFor(() => two.events.some((e) => e.type === 'registration' && e.lines[0]?.registered === true));
      await fetch(`${url(2)}/api/v1/mgmt/safeRestart`, { method: 'POST', headers: AUTH });
      await waitFor(() => two.events.some((e) => e.type === 'state' && e.state === 'ready'));
      const states = two.events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? `${e.state}${e.reason ? `:${e.reason}` : ''}` : ''));
      assert.deepEqual(states, ['down:restart', 'initializing', 'ready']);
      assert.ok(two.events.every((e) => e.phone === 2));
      for (const e of two.events) assert.ok(Value.Check(EventSchema, e), JSON.stringify(e));
      assert.equal((await fetch(`${ctl}/phones/9/events`)).status, 404);
    } finally {
      two.stop();
    }
  });

  it(`serves at most ${MAX_SUBSCRIBERS} streams at once`, async () => {
    const open: ClientRequest[] = [];
    try {
      for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = get(`${ctl}/phones/1/events`, (res) => { assert.equal(res.statusCode, 200); res.once('data', () => resolve()); });
          req.on('error', reject);
          open.push(req);
        });
      }
      const refused = await fetch(`${ctl}/events`);
      assert.equal(refused.status, 503);
    } finally {
      for (const req of open) req.destroy();
    }
    await waitFor(async () => (await fetch(`${ctl}/phones/1/events`, { signal: AbortSignal.timeout(500) }).then((r) => { void r.body?.cancel(); return r.status; })) === 200);
  });
});
