import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallNetwork, Inbox, Offer } from '../phone/calls/signal.js';
import { LineRouter } from './line-router.js';
import type { SipLines } from './line-router.js';

const inbox: Inbox = { receive: () => undefined };
const network = (name: string, log: string[]): CallNetwork => ({
  connect: (dest) => {
    log.push(`${name}:${dest}`);
    return { inbox, party: { number: dest, name, address: '' } };
  },
});
const offer = (line?: number): Offer => ({ from: { number: '1001', name: '', address: '' }, callId: `c${line}`, caller: inbox, line });

describe('line router', () => {
  it("sends each line's calls to the SIP user agent when it owns the line, else to the switchboard", () => {
    const log: string[] = [];
    const router = new LineRouter(network('switchboard', log));
    const sip: SipLines = {
      ...network('sip', log),
      owns: (n) => n === 2,
      media: (id) => (id === 'c2' ? ({ packetsSent: 1 } as never) : undefined),
      state: (n) => (n === 2 ? { registered: true, server: 3, reason: '' } : undefined),
    };
    router.connect('2000', offer(2));
    assert.deepEqual(log, ['switchboard:2000'], "before the user agent is given, every line is the switchboard's");
    router.attach(sip);
    router.connect('2001', offer(1));
    router.connect('2002', offer(2));
    router.connect('2003', offer(undefined));
    assert.deepEqual(log.slice(1), ['switchboard:2001', 'sip:2002', 'switchboard:2003']);
    assert.equal(router.state(2)?.server, 3);
    assert.equal(router.state(1), undefined);
    assert.deepEqual(router.media('c2'), { packetsSent: 1 });
  });

  it('takes its user agent once', () => {
    const router = new LineRouter(network('switchboard', []));
    const sip: SipLines = { ...network('sip', []), owns: () => true, media: () => undefined, state: () => undefined };
    router.attach(sip);
    assert.throws(() => router.attach(sip), /already/);
  });
});
