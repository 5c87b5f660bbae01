/**
 * Every call that ends in the phone ends its SIP dialog and its media, and the reverse: after any generated
 * sequence of the phone's own actions (dial, answer, reject, end, hold, resume, blind and warm transfer) and of a far
 * end's (calls in, answers to the phone's INVITEs, BYE, CANCEL, REFER blind or with Replaces, NOTIFY with sipfrag),
 * and the phone's clock moved past every deadline, the phone's live calls and the user agent's dialogs correspond
 * (by Call-ID); once every call is ended, no dialog and no RTP session is left, and every dialog that was confirmed
 * saw its BYE, one way or the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../src/phone/clock.js';
import { CallPeer } from './fuzz/call-peer.js';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const SEED = 20261202;

type Action =
  | { readonly k: 'dial' | 'answer' | 'reject' | 'warm' | 'call' }
  | { readonly k: 'end' | 'hold' | 'resume' | 'transfer' | 'bye' | 'cancel'; readonly i: number }
  | { readonly k: 'reply'; readonly i: number; readonly status: 180 | 200 | 404 | 486 }
  | { readonly k: 'refer'; readonly i: number; readonly j: number; readonly replaces: boolean }
  | { readonly k: 'notify'; readonly i: number; readonly status: 100 | 200 | 404 }
  | { readonly k: 'time'; readonly ms: number };

const i = fc.nat(5);
const action: fc.Arbitrary<Action> = fc.oneof(
  // calls coming up are the likelier moves, so that transfers and holds find calls to act on
  { weight: 6, arbitrary: fc.constantFrom<Action>({ k: 'dial' }, { k: 'answer' }, { k: 'call' }, { k: 'warm' }) },
  { weight: 1, arbitrary: fc.constant<Action>({ k: 'reject' }) },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constantFrom('end', 'hold', 'resume', 'transfer', 'bye', 'cancel'), i }) as fc.Arbitrary<Action>,
  },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('reply'), i, status: fc.constantFrom(180, 200, 200, 200, 404, 486) }) as fc.Arbitrary<Action>,
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('refer'), i, j: i, replaces: fc.boolean() }) as fc.Arbitrary<Action> },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('notify'), i, status: fc.constantFrom(100, 200, 404) }) as fc.Arbitrary<Action> },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('time'), ms: fc.constantFrom(100, 1000, 4000, 5000, 33_000) }) as fc.Arbitrary<Action>,
  },
);

const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length > 0 ? list[n % list.length] : undefined);
/** Lets UDP on loopback and the promise chains behind it settle. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 15));

describe('the phone and its SIP user agent agree on which calls exist', { timeout: 300_000 }, () => {
  let p: TestPhone;
  const peer = new CallPeer();
  const clock = new ManualClock(Date.now());

  before(async () => {
    const port = await peer.start();
    p = await testPhone({
      sipPort: 0,
      clock,
      set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(port), 'call.callsPerLineKey': '24' },
    });
    peer.phonePort = p.sip?.port as number;
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    peer.close();
  });

  function act(a: Action): void {
    const calls = p.phone.calls;
    const live = calls.all();
    const up = live.filter((c) => c.established);
    try {
      switch (a.k) {
        case 'dial':
          calls.dial(1, '2001');
          break;
        case 'answer':
          calls.answer();
          break;
        case 'reject':
          calls.reject();
          break;
        case 'end':
          calls.end(
            pick(
              live.filter((c) => c.state !== 'Offering'),
              a.i,
            )?.handle ?? 'none',
          );
          break;
        case 'hold':
          calls.hold(pick(up, a.i)?.handle ?? 'none');
          break;
        case 'resume':
          calls.resume(pick(up, a.i)?.handle ?? 'none');
          break;
        case 'transfer':
          calls.transfer(pick(up, a.i)?.handle ?? 'none', '2003');
          break;
        case 'warm':
          calls.warmTransfer(up[0]?.handle ?? 'none', up[1]?.handle ?? 'none');
          break;
        case 'call':
          peer.call();
          break;
        case 'reply': {
          const d = pick(peer.pendingFromPhone(), a.i);
          if (d) peer.answer(d, a.status);
          break;
        }
        case 'cancel': {
          const d = pick(
            [...peer.dialogs.values()].filter((x) => x.by === 'peer' && !x.final),
            a.i,
          );
          if (d) peer.cancel(d);
          break;
        }
        case 'bye': {
          const d = pick(peer.confirmedDialogs(), a.i);
          if (d) peer.bye(d);
          break;
        }
        case 'refer': {
          const open = peer.confirmedDialogs();
          const d = pick(open, a.i);
          if (d) peer.refer(d, a.replaces ? pick(open, a.j) : undefined);
          break;
        }
        case 'notify': {
          const d = pick(
            peer.confirmedDialogs().filter((x) => x.referred),
            a.i,
          );
          if (d) peer.notify(d, a.status);
          break;
        }
        case 'time':
          clock.advance(a.ms);
          break;
      }
    } catch {
      // a PhoneError: the move is not allowed now (that is the domain's answer, not a fault)
    }
  }

  /** The phone's live calls (past dial tone) and the user agent's dialogs, by Call-ID. */
  function sides(): { phone: string[]; sip: string[] } {
    const phone = p.phone.calls
      .all()
      .filter((c) => c.state !== 'Dialtone')
      .map((c) => c.callId)
      .sort();
    const dialogs = p.ua?.dialogs() ?? new Map();
    const sip = [...dialogs].filter(([, state]) => state !== 'terminated').map(([id]) => id);
    return { phone, sip: [...new Set(sip)].sort() };
  }

  it('after any sequence: calls and dialogs correspond; ended calls leave no dialog, no RTP, and got their BYE', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        for (const a of actions) {
          act(a);
          await settle();
        }
        // every deadline passes: transactions time out, transfers give up or complete, handed-on calls leave
        for (let n = 0; n < 3; n++) {
          clock.advance(40_000);
          await settle();
        }
        const now = sides();
        // a replacing dialog is kept under its own Call-ID and the one it replaced: each phone call has its dialog
        for (const id of now.phone) assert.ok(now.sip.includes(id), `call ${id} has a dialog (${JSON.stringify(now)})`);
        const dialogs = p.ua?.dialogs() ?? new Map();
        for (const id of now.sip) {
          const names = [...dialogs].filter(([, s]) => s !== 'terminated').map(([k]) => k);
          assert.ok(
            names.some((k) => now.phone.includes(k)),
            `dialog ${id} belongs to a call (${JSON.stringify(now)})`,
          );
        }
        // end everything the phone has; then nothing is left on the wire side
        for (const c of [...p.phone.calls.all()]) {
          try {
            if (c.state === 'Offering') p.phone.calls.reject(c.handle);
            else p.phone.calls.end(c.handle);
          } catch {
            // ended meanwhile
          }
        }
        for (let n = 0; n < 3; n++) {
          clock.advance(40_000);
          await settle();
        }
        assert.deepEqual([...(p.ua?.dialogs().keys() ?? [])], [], 'no dialog is left');
        await waitFor(() => p.ua?.mediaSessions === 0, 1000).catch(() => assert.equal(p.ua?.mediaSessions, 0, 'no RTP session is left'));
        const unended = [...peer.dialogs.values()].filter((d) => d.confirmed && !d.bye).map((d) => d.callId);
        assert.deepEqual(unended, [], 'every confirmed dialog saw its BYE');
        peer.dialogs.clear();
      }),
      {
        numRuns: Number(process.env.INVARIANT_RUNS ?? 60),
        seed: Number(process.env.INVARIANT_SEED ?? SEED),
        // an attended transfer whose target ignores Replaces: the transferee reports success, nobody ends the consultation
        examples: [
          [
            [
              { k: 'dial' },
              { k: 'reply', i: 0, status: 200 },
              { k: 'dial' },
              { k: 'reply', i: 0, status: 200 },
              { k: 'warm' },
              { k: 'notify', i: 0, status: 200 },
            ],
          ],
        ],
      },
    );
  });
});
