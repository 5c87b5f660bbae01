/**
 * What silent connections cannot do to a fleet: exhaust the process's descriptors through one phone. Every listener
 * (HTTP, HTTPS, SIP TCP and TLS, the control API) counts a connection when TCP accepts it, before any TLS handshake,
 * closes those past its cap at once, and closes silent ones after its handshake or first-request deadline.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { ConnectionBudget } from '../src/transport/connection-budget.js';
import { PASSWORD, testFleet, waitFor } from './helpers.js';

const CAP = 4;
const EXTRA = 3;

/** A TCP connection that never sends a byte (no TLS handshake, no request); `closed` tells when the server ends it. */
async function silent(port: number): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let over = false;
  socket.once('close', () => {
    over = true;
  });
  await new Promise<void>((r, j) => {
    socket.once('connect', () => r());
    socket.once('close', () => j(new Error('refused')));
  });
  return { socket, closed: () => over };
}

const portOf = (url: string): number => Number(new URL(url).port);

async function answers(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v2/mgmt/device/info`, {
    headers: { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}` },
  });
  await res.arrayBuffer();
  return res.status;
}

/** Opens CAP + EXTRA silent connections: EXTRA of them are closed at once (long before any deadline), CAP stay. */
async function flood(port: number): Promise<Awaited<ReturnType<typeof silent>>[]> {
  const all: Awaited<ReturnType<typeof silent>>[] = [];
  for (let i = 0; i < CAP + EXTRA; i++) all.push(await silent(port).catch(() => ({ socket: undefined as never, closed: () => true })));
  await waitFor(() => all.filter((c) => c.closed()).length >= EXTRA).catch(() => undefined);
  assert.equal(all.filter((c) => c.closed()).length, EXTRA, `the first ${CAP} stay, the rest are closed`);
  return all;
}

describe('connection bounds of every listener, counted before the handshake', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let controlPort: number;
  const budget = new ConnectionBudget(1000);

  before(async () => {
    // Deadlines far longer than the test: whatever is closed here was closed for being over the cap.
    fleet = await testFleet({
      count: 2,
      firstNumber: 2001,
      sipPort: 0,
      sipTlsPort: 0,
      connectionBudget: budget,
      httpLimits: { maxConnections: CAP },
      sipLimits: { perPhone: CAP },
    });
    control = await createControlApp(fleet, false, {}, {}, { maxConnections: CAP });
    await control.listen({ port: 0, host: '127.0.0.1' });
    controlPort = (control.server.address() as AddressInfo).port;
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  const [first, second] = [0, 1];
  const phone = (i: number): Fleet['phones'][number] => fleet.phones[i] as Fleet['phones'][number];

  const cases: [string, () => number][] = [
    ['HTTPS', () => portOf(phone(first).httpsUrl)],
    ['SIP over TLS', () => phone(first).sip?.tlsPort ?? 0],
    ['HTTP', () => portOf(phone(first).httpUrl)],
    ['SIP over TCP', () => phone(first).sip?.port ?? 0],
  ];
  for (const [name, port] of cases) {
    it(`${name}: silent connections past the phone's cap are closed at once; another phone of the fleet answers`, async () => {
      const held = await flood(port());
      try {
        assert.equal(await answers(phone(second).httpUrl), 200);
      } finally {
        for (const c of held) c.socket?.destroy();
        await waitFor(() => phone(first).listeners.guard.count === 0 && phone(first).sip?.connectionCount === 0);
      }
    });
  }

  it('the control API: silent connections past its cap are closed at once; the phones answer', async () => {
    const held = await flood(controlPort);
    try {
      assert.equal(await answers(phone(first).httpUrl), 200);
    } finally {
      for (const c of held) c.socket?.destroy();
    }
    await waitFor(async () => (await fetch(`http://127.0.0.1:${controlPort}/ready`).catch(() => undefined))?.status === 200);
  });
});

describe('deadlines of silent connections (small ones, passed in)', () => {
  let fleet: Fleet;
  let control: ControlApp;

  before(async () => {
    const limits = { handshakeMs: 200, idleMs: 200 };
    fleet = await testFleet({ count: 1, firstNumber: 2101, sipPort: 0, sipTlsPort: 0, httpLimits: limits, sipLimits: limits });
    control = await createControlApp(fleet, false, {}, {}, limits);
    await control.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  it('a connection that never begins its TLS handshake is closed after the handshake deadline (HTTPS and SIP over TLS)', async () => {
    const r = fleet.phones[0] as Fleet['phones'][number];
    const https = await silent(portOf(r.httpsUrl));
    const sipTls = await silent(r.sip?.tlsPort ?? 0);
    try {
      await waitFor(() => https.closed() && sipTls.closed());
      await waitFor(() => r.listeners.guard.count === 0 && r.sip?.connectionCount === 0);
    } finally {
      https.socket.destroy();
      sipTls.socket.destroy();
    }
  });

  it('a connection that never sends its first request is closed after the idle deadline (HTTP, control API)', async () => {
    const r = fleet.phones[0] as Fleet['phones'][number];
    const http = await silent(portOf(r.httpUrl));
    const ctl = await silent((control.server.address() as AddressInfo).port);
    try {
      await waitFor(() => http.closed() && ctl.closed());
    } finally {
      http.socket.destroy();
      ctl.socket.destroy();
    }
  });

  it('a request that takes longer than the idle deadline is still answered', async () => {
    const r = fleet.phones[0] as Fleet['phones'][number];
    r.pipeline.latencyMs = 500;
    try {
      assert.equal(await answers(r.httpUrl), 200);
    } finally {
      r.pipeline.latencyMs = 0;
    }
  });
});
