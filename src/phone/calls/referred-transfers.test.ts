/**
 * Transferred by a far end that stays until the outcome: the call is held while the new one rings out, handed on
 * once it is answered (ending when the far end leaves, or by itself after TRANSFERRED_LEAVE_MS), kept on hold when
 * the new call fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unitPhone } from '../test-phone.js';
import type { Inbox, Offer, Signal } from './signal.js';
import { TRANSFERRED_LEAVE_MS } from './referred-transfers.js';

function setup(): {
  phone: ReturnType<typeof unitPhone>['phone'];
  clock: ReturnType<typeof unitPhone>['clock'];
  /** What the transferor's side of the original call was told. */
  toTransferor: Signal['type'][];
  transferor: Inbox;
  /** The new call's offer, once placed. */
  placed: () => Offer | undefined;
  target: Signal['type'][];
} {
  let offer: Offer | undefined;
  const target: Signal['type'][] = [];
  const { phone, clock } = unitPhone('VVX 450', {
    bootConfig: { 'reg.1.address': '1001', 'voIpProt.server.1.address': '127.0.0.1' },
    network: {
      connect: (dest, o) => {
        offer = o;
        return { inbox: { receive: (s) => target.push(s.type) }, party: { number: dest, name: '', address: '127.0.0.3' } };
      },
    },
  });
  phone.start();
  clock.advance(1000);
  const toTransferor: Signal['type'][] = [];
  const caller = { receive: (s: Signal) => toTransferor.push(s.type) };
  const transferor = phone.calls.incoming(1, { caller, from: { number: '2002', name: '', address: '127.0.0.2' }, callId: 'orig' });
  phone.calls.answer();
  toTransferor.length = 0;
  return { phone, clock, toTransferor, transferor, placed: () => offer, target };
}

const states = (phone: ReturnType<typeof unitPhone>['phone']): string[] => phone.calls.all().map((c) => `${c.remote.number}:${c.state}`);

describe('transferred by a far end that stays until the outcome', () => {
  it('holds the call and rings out; the answered new call hands it on; the far end leaving ends it as transferred', () => {
    const { phone, toTransferor, transferor, placed } = setup();
    transferor.receive({ type: 'refer', target: '1003', referrerStays: true });
    assert.deepEqual(states(phone), ['2002:Hold', '1003:Setup']);
    assert.deepEqual(toTransferor, ['hold'], 'held, not ended');
    const next = placed();
    assert.ok(next);
    next.caller.receive({ type: 'ringing' });
    assert.deepEqual(states(phone), ['2002:Hold', '1003:RingBack']);
    next.caller.receive({ type: 'answered' });
    assert.deepEqual(states(phone), ['2002:Hold', '1003:Connected'], 'the held call waits for the transferor to leave');
    transferor.receive({ type: 'ended' });
    assert.deepEqual(states(phone), ['1003:Connected']);
    assert.equal(phone.calls.recentlyEnded().find((c) => c.callId === 'orig')?.endReason, 'transferred');
    assert.deepEqual(toTransferor, ['hold'], 'nothing more went to the transferor: it left');
  });

  it('a transferor that does not leave: the phone ends the held call itself after TRANSFERRED_LEAVE_MS', () => {
    const { phone, clock, toTransferor, transferor, placed } = setup();
    transferor.receive({ type: 'refer', target: '1003', referrerStays: true });
    placed()?.caller.receive({ type: 'answered' });
    clock.advance(TRANSFERRED_LEAVE_MS - 1);
    assert.deepEqual(states(phone), ['2002:Hold', '1003:Connected']);
    clock.advance(1);
    assert.deepEqual(states(phone), ['1003:Connected']);
    assert.deepEqual(toTransferor, ['hold', 'ended']);
    assert.equal(phone.calls.recentlyEnded().find((c) => c.callId === 'orig')?.endReason, 'transferred');
  });

  it('the new call fails: the original call stays on hold and resumes', () => {
    const { phone, clock, toTransferor, transferor, placed } = setup();
    transferor.receive({ type: 'refer', target: '1999', referrerStays: true });
    placed()?.caller.receive({ type: 'rejected', reason: 'not-found' });
    assert.deepEqual(states(phone), ['2002:Hold']);
    clock.advance(10 * TRANSFERRED_LEAVE_MS);
    assert.deepEqual(states(phone), ['2002:Hold'], 'no timer ends it');
    phone.calls.resume();
    assert.deepEqual(states(phone), ['2002:Connected']);
    assert.deepEqual(toTransferor, ['hold', 'resume']);
  });

  it('a far end that left already (no referrerStays): the call ends at once and the target is dialled', () => {
    const { phone, toTransferor, transferor } = setup();
    transferor.receive({ type: 'refer', target: '1003' });
    assert.deepEqual(states(phone), ['1003:Setup']);
    assert.deepEqual(toTransferor, ['ended']);
  });
});
