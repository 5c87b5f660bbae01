/** A registration to a server given by name: its looked-up hops in order, failover between them, lookup failures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import { parseSip, responseTo } from './codec/message.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { ClientTransactions } from './client-transactions.js';
import { LineRegistration } from './registration.js';
import type { Locate } from './registration.js';
import { testRegistrationPlan } from './test-registration.js';
import type { Destination, SipWire } from './wire.js';

function setup(locate: Locate, servers = 1) {
  const clock = new ManualClock();
  const sent: { dest: Destination; req: SipRequest }[] = [];
  const wire: SipWire = {
    send: (dest, message) => {
      sent.push({ dest, req: parseSip(message, true) as SipRequest });
    },
    local: () => ({ host: '127.0.0.1', port: 5080 }),
    listensOn: () => false,
  };
  const transactions = new ClientTransactions(wire, clock);
  const base = testRegistrationPlan(servers);
  const plan = {
    ...base,
    servers: base.servers.map((s, i) => ({
      ...s,
      dest: { ...s.dest, host: `pbx${i + 1}.test` },
      lookup: { host: `pbx${i + 1}.test`, port: undefined, transports: ['UDP', 'TCP'] as const, naptr: true },
    })),
  };
  const reg = new LineRegistration(plan, wire, transactions, clock, () => undefined, undefined, locate);
  const reply = (status: number, reason: string): void => {
    const last = sent[sent.length - 1]?.req as SipRequest;
    assert.ok(transactions.onResponse(parseSip(responseTo(last, status, reason, 'srv'), true) as SipResponse));
  };
  const hops = (): string[] => sent.map((s) => `${s.dest.transport} ${s.dest.host}:${s.dest.port}`);
  return { clock, reg, sent, reply, hops, transactions };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('a registration to a server given by name (RFC 3263)', () => {
  it('registers at the first hop, fails over to the next when one does not answer, and refreshes there', async () => {
    const asked: string[] = [];
    const locate: Locate = (q) => {
      asked.push(q.host);
      return Promise.resolve({
        hops: [
          { transport: 'UDP', host: '192.0.2.10', port: 5070, serverName: q.host },
          { transport: 'TCP', host: '192.0.2.11', port: 5080, serverName: q.host },
        ],
        ttl: 60,
      });
    };
    const { clock, reg, reply, hops, sent } = setup(locate);
    reg.start();
    assert.equal(reg.view().status, 'registering');
    assert.deepEqual(hops(), []); // waits for the lookup
    await settle();
    assert.deepEqual(hops(), ['UDP 192.0.2.10:5070']);
    clock.advance(250); // the first hop never answers (100 ms x 1 retransmission, then given up)
    assert.deepEqual(hops(), ['UDP 192.0.2.10:5070', 'UDP 192.0.2.10:5070', 'TCP 192.0.2.11:5080']);
    assert.match(sent[2]?.req.uri ?? '', /;transport=tcp$/);
    reply(200, 'OK');
    assert.equal(reg.view().status, 'registered');
    assert.deepEqual(reg.registeredWith?.dest, { transport: 'TCP', host: '192.0.2.11', port: 5080, serverName: 'pbx1.test' });
    clock.advance(90_000); // refresh (120 s granted, 30 s overlap): the same hop, no new lookup
    assert.equal(hops().at(-1), 'TCP 192.0.2.11:5080');
    assert.deepEqual(asked, ['pbx1.test']);
  });

  it('a name that does not resolve fails over to the next server, then backs off with the reason', async () => {
    const asked: string[] = [];
    const { clock, reg, hops } = setup((q) => {
      asked.push(q.host);
      return Promise.resolve(
        q.host === 'pbx1.test' ? { hops: [], error: `DNS: ${q.host} does not resolve (no records)` } : { hops: [], error: 'DNS: down' },
      );
    }, 2);
    reg.start();
    await settle();
    await settle();
    assert.deepEqual(hops(), []);
    assert.equal(reg.view().status, 'failed');
    assert.equal(reg.view().server, 2);
    assert.equal(reg.view().reason, 'DNS: down');
    assert.deepEqual(asked, ['pbx1.test', 'pbx2.test']);
    clock.advance(10_000); // the back-off: the first server is looked up again (no failure is kept)
    await settle();
    assert.deepEqual(asked, ['pbx1.test', 'pbx2.test', 'pbx1.test', 'pbx2.test']);
    assert.equal(reg.view().status, 'failed');
  });

  it('a lookup answered after the line stopped sends nothing', async () => {
    let answer: ((hops: Destination[]) => void) | undefined;
    const { reg, hops } = setup(
      () =>
        new Promise((resolve) => {
          answer = (h) => resolve({ hops: h, ttl: 60 });
        }),
    );
    reg.start();
    reg.stop(true);
    answer?.([{ transport: 'UDP', host: '192.0.2.10', port: 5070 }]);
    await settle();
    assert.deepEqual(hops(), []);
    assert.equal(reg.view().status, 'unregistered');
  });
});
