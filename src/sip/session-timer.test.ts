/** Session timers (RFC 4028): the headers read, what a request is answered, and the timer's deadlines on the manual clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../phone/clock.js';
import { SipHeaders } from './codec/message.js';
import { parseSip } from './codec/message.js';
import { answerRequest, parseMinSE, parseSessionExpires, SESSION_TIMER_POLICY, SessionTimer } from './session-timer.js';

const headers = (list: [string, string][]): SipHeaders => {
  const h = new SipHeaders();
  for (const [k, v] of list) h.add(k, v);
  return h;
};

describe('session timer headers (RFC 4028 4, 5)', () => {
  it('reads Session-Expires with its refresher, and Min-SE; malformed values are bad, absent ones undefined', () => {
    assert.deepEqual(parseSessionExpires('1800'), { interval: 1800, refresher: undefined });
    assert.deepEqual(parseSessionExpires(' 90 ; refresher = UAS ;x=1'), { interval: 90, refresher: 'uas' });
    assert.deepEqual(parseSessionExpires('4000;refresher=uac'), { interval: 4000, refresher: 'uac' });
    assert.equal(parseSessionExpires(undefined), undefined);
    for (const bad of ['', 'abc', '-5', '1.5', '12345678901', '90;refresher=me', '90;refresher=']) {
      assert.equal(parseSessionExpires(bad), 'bad', bad);
    }
    assert.equal(parseMinSE('90'), 90);
    assert.equal(parseMinSE('120;lr'), 120);
    assert.equal(parseMinSE(undefined), undefined);
    assert.equal(parseMinSE('ninety'), 'bad');
  });

  it('reads the compact form x of Session-Expires', () => {
    const m = parseSip(Buffer.from('UPDATE sip:a@b SIP/2.0\r\nx: 120;refresher=uac\r\nk: timer\r\nContent-Length: 0\r\n\r\n'), true);
    assert.equal(m.headers.get('session-expires'), '120;refresher=uac');
    assert.equal(answerRequest(m.headers, SESSION_TIMER_POLICY).kind, 'timer');
  });

  it('throws nothing and answers 400, 422 or a timer of at least Min-SE, whatever the headers', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.boolean(), (se, min, supported) => {
        const a = answerRequest(
          headers([['Session-Expires', se], ['Min-SE', min], ...(supported ? [['Supported', 'timer'] as [string, string]] : [])]),
          SESSION_TIMER_POLICY,
        );
        if (a.kind === 'refuse') return a.status === 400 || (a.status === 422 && supported);
        const m = parseMinSE(min);
        return a.interval >= Math.max(90, typeof m === 'number' ? m : 0) && (supported || a.refresher === 'uas');
      }),
    );
  });
});

describe('what a request is answered (RFC 4028 9)', () => {
  const answer = (list: [string, string][]): ReturnType<typeof answerRequest> => answerRequest(headers(list), SESSION_TIMER_POLICY);

  it('422 with our Min-SE when a caller that supports timers asks for less than 90 s', () => {
    assert.deepEqual(
      answer([
        ['Supported', 'replaces, timer'],
        ['Session-Expires', '60'],
      ]),
      {
        kind: 'refuse',
        status: 422,
        reason: 'Session Interval Too Small',
        headers: [['Min-SE', '90']],
      },
    );
  });

  it('a caller that does not support timers cannot retry: its interval is raised to our minimum, and we refresh', () => {
    assert.deepEqual(answer([['Session-Expires', '60']]), {
      kind: 'timer',
      interval: 90,
      refresher: 'uas',
      headers: [['Session-Expires', '90;refresher=uas']],
    });
  });

  it('the refresher it chose, uac when it supports timers and chose none; Require: timer when it supports them', () => {
    assert.deepEqual(
      answer([
        ['Supported', 'timer'],
        ['Session-Expires', '90;refresher=uas'],
      ]).headers,
      [
        ['Session-Expires', '90;refresher=uas'],
        ['Require', 'timer'],
      ],
    );
    assert.deepEqual(
      answer([
        ['Supported', 'timer'],
        ['Session-Expires', '600'],
      ]).headers,
      [
        ['Session-Expires', '600;refresher=uac'],
        ['Require', 'timer'],
      ],
    );
    // a proxy put Session-Expires in for a caller that knows no timers: we refresh, nothing is required of it
    assert.deepEqual(answer([['Session-Expires', '600;refresher=uac']]).headers, [['Session-Expires', '600;refresher=uas']]);
  });

  it('no Session-Expires asked: ours (1800 s), not below the request Min-SE', () => {
    assert.deepEqual(answer([['Supported', 'timer']]).headers, [
      ['Session-Expires', '1800;refresher=uac'],
      ['Require', 'timer'],
    ]);
    assert.deepEqual(answer([['Min-SE', '3600']]).headers, [['Session-Expires', '3600;refresher=uas']]);
    assert.deepEqual(
      answer([
        ['Require', 'timer'],
        ['Session-Expires', '100'],
        ['Min-SE', '200'],
      ]).headers,
      [
        ['Session-Expires', '200;refresher=uac'],
        ['Require', 'timer'],
      ],
    );
  });

  it('400 with a Warning for a malformed Session-Expires or Min-SE', () => {
    const a = answer([['Session-Expires', 'soon']]);
    assert.equal(a.kind === 'refuse' && a.status, 400);
    assert.match(String(a.headers[0]?.[1]), /^399 polysim "malformed Session-Expires"$/);
    const b = answer([
      ['Session-Expires', '90'],
      ['Min-SE', 'x'],
    ]);
    assert.equal(b.kind === 'refuse' && b.status, 400);
  });
});

describe("a dialog's session timer (RFC 4028 7, 10)", () => {
  function timer(): { clock: ManualClock; t: SessionTimer; events: string[] } {
    const clock = new ManualClock();
    const events: string[] = [];
    const t = new SessionTimer(SESSION_TIMER_POLICY, {
      schedule: (ms, fn) => clock.schedule(ms, fn),
      refresh: () => events.push(`refresh@${(clock.now() - start) / 1000}`),
      expire: () => events.push(`expire@${(clock.now() - start) / 1000}`),
    });
    const start = clock.now();
    return { clock, t, events };
  }

  it('the refresher refreshes at half the interval, and gives up at its end when no refresh was answered', () => {
    const { clock, t, events } = timer();
    t.answered(headers([['Session-Expires', '90;refresher=uac']]));
    assert.deepEqual(t.running, { interval: 90, refresher: true });
    clock.advance(44_999);
    assert.deepEqual(events, []);
    clock.advance(1);
    assert.deepEqual(events, ['refresh@45']);
    clock.advance(45_000);
    assert.deepEqual(events, ['refresh@45', 'expire@90']);
    assert.equal(t.running, undefined);
  });

  it('the other side ends the session min(32 s, a third) before it runs out; a refresh starts it again', () => {
    const { clock, t, events } = timer();
    t.answered(headers([['Session-Expires', '90;refresher=uas']]));
    clock.advance(59_000);
    const a = t.answer(
      headers([
        ['Supported', 'timer'],
        ['Session-Expires', '1800;refresher=uac'],
      ]),
    );
    assert.ok(a.kind === 'timer');
    t.accepted(a);
    assert.deepEqual(t.running, { interval: 1800, refresher: false });
    clock.advance(1800_000 - 32_000 - 1);
    assert.deepEqual(events, []);
    clock.advance(1);
    assert.deepEqual(events, ['expire@1827']);
  });

  it('a 2xx without Session-Expires turns the timer off (7.2)', () => {
    const { clock, t, events } = timer();
    t.answered(headers([['Session-Expires', '90;refresher=uac']]));
    t.answered(headers([]));
    assert.equal(t.running, undefined);
    clock.advance(100_000);
    assert.deepEqual(events, []);
  });

  it('asks ours, then keeps the refresher as it is; a 422 raises the interval asked once, to its Min-SE', () => {
    const { t } = timer();
    assert.deepEqual(t.request(), [
      ['Session-Expires', '1800'],
      ['Min-SE', '90'],
    ]);
    assert.equal(t.tooSmall(headers([['Min-SE', '1800']])), false, 'nothing more to ask');
    assert.equal(t.tooSmall(headers([])), false, 'a 422 without Min-SE');
    assert.equal(t.tooSmall(headers([['Min-SE', '3600']])), true);
    assert.deepEqual(t.request(), [
      ['Session-Expires', '3600'],
      ['Min-SE', '3600'],
    ]);
    t.answered(headers([['Session-Expires', '3600;refresher=uas']]));
    assert.deepEqual(t.request(), [
      ['Session-Expires', '3600;refresher=uas'],
      ['Min-SE', '3600'],
    ]);
  });

  it('learns the far end Min-SE from its requests, and times odd intervals within 90 s to a day', () => {
    const { clock, t, events } = timer();
    const a = t.answer(
      headers([
        ['Session-Expires', '7200;refresher=uas'],
        ['Min-SE', '7200'],
        ['Supported', 'timer'],
      ]),
    );
    assert.ok(a.kind === 'timer');
    t.accepted(a);
    assert.deepEqual(t.request()[1], ['Min-SE', '7200']);
    t.answered(headers([['Session-Expires', '0;refresher=uac']]));
    clock.advance(45_000);
    assert.deepEqual(events, ['refresh@45'], 'an interval of 0 is timed as 90 s');
    t.answered(headers([['Session-Expires', '9999999999;refresher=uac']]));
    clock.advance(43_200_000);
    assert.deepEqual(events, ['refresh@45', 'refresh@43245']);
    t.stop();
  });
});
