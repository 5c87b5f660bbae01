/** A listener that cannot reopen after a reboot (its port taken meanwhile) is visible: logged, and in the phone's description. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../src/phone/clock.js';
import { startFleet } from '../src/runtime/fleet.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { listenControl, PASSWORD, waitFor } from './helpers.js';

/** Binds UDP 127.0.0.1:port, trying until the phone's listener has let it go. */
async function take(port: number): Promise<Socket> {
  let taken: Socket | undefined;
  await waitFor(async () => {
    const s = createSocket('udp4');
    taken = await new Promise<Socket | undefined>((resolve) => {
      s.once('error', () => {
        s.close();
        resolve(undefined);
      });
      s.bind(port, '127.0.0.1', () => resolve(s));
    });
    return taken !== undefined;
  });
  return taken as Socket;
}

/** Whether UDP 127.0.0.1:port is free (bound and let go at once). */
async function bindable(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  const bound = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => resolve(true));
  });
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return bound;
}

describe('a SIP listener whose port is taken during a reboot', () => {
  const logs: string[] = [];
  const clock = new ManualClock();
  let fleet: Fleet;
  let control: Awaited<ReturnType<typeof listenControl>>;
  before(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => logs.push(line) });
    fleet = await startFleet(
      {
        model: 'VVX 450',
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        sipPort: 0,
        adminPassword: PASSWORD,
        count: 1,
        firstNumber: 6001,
        timing: { initMs: 0, restartMs: 150, rebootMs: 200 },
      },
      await createHttpApp(false),
      logger,
      clock,
    );
    control = await listenControl(fleet);
  });
  after(async () => {
    await control.control.close();
    await fleet.stop();
  });

  it("is logged with its cause, described by the control API with the catalogue's code, and cleared by a reboot that reopens", async () => {
    const r = fleet.phones[0] as Fleet['phones'][number];
    const sip = r.sip as NonNullable<typeof r.sip>;
    const port = sip.port;
    assert.equal(r.listenError(), undefined);
    r.phone.goDown('reboot');
    const squatter = await take(port);
    try {
      clock.advance(r.phone.timing.rebootMs);
      await waitFor(() => r.listenError() !== undefined);
      const expected = { code: 'listen', message: `port in use: SIP 127.0.0.1:${port}/udp` };
      assert.deepEqual(r.listenError(), expected);
      const logged = logs
        .map((l) => JSON.parse(l) as { msg: string; code?: string; err?: { message: string } })
        .find((l) => l.msg === 'SIP listener could not reopen');
      assert.ok(logged, logs.join('\n'));
      assert.equal(logged.code, 'listen');
      // pino writes the error with its cause: the socket's own error.
      assert.equal(logged.err?.message, `${expected.message}: bind EADDRINUSE 127.0.0.1:${port}`);
      const described = (await (await fetch(`${control.url}/phones/1`)).json()) as { state: string; listenError?: unknown };
      assert.equal(described.state, 'ready', 'HTTP came back; SIP did not');
      assert.deepEqual(described.listenError, expected);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    // The port free again: the next reboot reopens it, and the description no longer names a failure.
    r.phone.goDown('reboot');
    await waitFor(() => r.listenError() === undefined);
    clock.advance(r.phone.timing.rebootMs);
    await waitFor(() => r.phone.isReady);
    await waitFor(async () => !(await bindable(port)));
    assert.equal(r.listenError(), undefined);
    assert.equal(((await (await fetch(`${control.url}/phones/1`)).json()) as { listenError?: unknown }).listenError, undefined);
  });
});
