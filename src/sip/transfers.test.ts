/** The transferee's reports (NOTIFY with sipfrag) reach the transferor even when one is answered 491 Request Pending. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import { SipHeaders } from './codec/message.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { Dialog } from './dialog.js';
import { CallTransfer, NOTIFY_TRIES } from './transfers.js';
import type { TransferCall } from './transfers.js';

interface Sent {
  readonly method: string;
  readonly body: string;
  readonly state: string | undefined;
  answer(status: number): void;
}

function transferee(): { transfer: CallTransfer; sent: Sent[]; clock: ManualClock; end(): void } {
  const clock = new ManualClock();
  const sent: Sent[] = [];
  let confirmed = true;
  const call: TransferCall = {
    dialog: new Dialog('c1', 'NEAR', '<sip:1001@pbx.test>', '<sip:2001@pbx.test>', 'sip:2001@127.0.0.1:5062'),
    confirmed: () => confirmed,
    transferring: () => false,
    startTransfer: () => true,
    peer: () => ({ receive: () => undefined }),
    hopHost: '127.0.0.1',
    contact: () => '<sip:1001@127.0.0.1:5080>',
    send: (method, headers, body, onFinal) =>
      sent.push({
        method,
        body: body?.toString() ?? '',
        state: headers.find(([k]) => k === 'Subscription-State')?.[1],
        answer: (status) =>
          onFinal?.({ kind: 'response', status, reason: '', headers: new SipHeaders(), body: Buffer.alloc(0) } as SipResponse),
      }),
    sendBye: () => undefined,
    hangUp: () => undefined,
    leftByPhone: () => undefined,
    schedule: (ms, fn) => clock.schedule(ms, fn),
    referAllowed: () => true,
    referring: (fn) => {
      fn();
      return true;
    },
    transferOf: () => undefined,
  };
  const transfer = new CallTransfer(call);
  const headers = new SipHeaders();
  headers.add('Refer-To', '<sip:1002@127.0.0.1>');
  transfer.onRefer(
    { kind: 'request', method: 'REFER', uri: 'sip:1001@127.0.0.1', headers, body: Buffer.alloc(0) } as SipRequest,
    () => undefined,
  );
  return {
    transfer,
    sent,
    clock,
    end: () => {
      confirmed = false;
      transfer.cancel();
    },
  };
}

describe('the transferee reports the transfer', () => {
  it('a final NOTIFY answered 491 goes again after a wait of RFC 3261 14.1, until it is taken', () => {
    const { transfer, sent, clock } = transferee();
    assert.deepEqual(
      sent.map((s) => [s.method, s.body.trim(), s.state]),
      [['NOTIFY', 'SIP/2.0 100 Trying', 'active;expires=60']],
    );
    sent[0]?.answer(200);
    transfer.notifyFrag(404, 'Not Found', true);
    sent[1]?.answer(491);
    assert.equal(sent.length, 2, 'not at once');
    clock.advance(2010);
    assert.deepEqual(
      sent.slice(2).map((s) => [s.method, s.body.trim(), s.state]),
      [['NOTIFY', 'SIP/2.0 404 Not Found', 'terminated;reason=noresource']],
    );
    sent[2]?.answer(200);
    clock.advance(10_000);
    assert.equal(sent.length, 3, 'taken: no more');
  });

  it('gives up after NOTIFY_TRIES, drops a retry a newer report overtook, and none goes once the call ended', () => {
    const t = transferee();
    t.sent[0]?.answer(491);
    t.transfer.notifyFrag(200, 'OK', true);
    t.clock.advance(2010);
    assert.deepEqual(
      t.sent.map((s) => s.body.trim()),
      ['SIP/2.0 100 Trying', 'SIP/2.0 200 OK'],
      'the 100 is not sent again after the 200',
    );
    for (let i = 1; i < 10; i++) {
      t.sent.at(-1)?.answer(491);
      t.clock.advance(2010);
    }
    assert.equal(t.sent.length, 1 + NOTIFY_TRIES);
    const u = transferee();
    u.transfer.notifyFrag(404, 'Not Found', true);
    u.sent[1]?.answer(491);
    u.end();
    u.clock.advance(10_000);
    assert.equal(u.sent.length, 2);
  });
});
