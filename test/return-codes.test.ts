/**
 * Every return code spec/endpoints.json lists for the call, screen and status operations is produced here, over a
 * real socket: by a scenario of the operation's own (2000, 4000, 4002, 4003, 4004, 4007), a wrong method (4400),
 * a second request while one is processed (4403), the call application not ready yet (5000) or an injected fault
 * (5000 and 5500 where nothing else produces them).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { operationAt } from '../src/api/index.js';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { testPhone } from './helpers.js';
import type { Answer, TestPhone } from './helpers.js';

interface SpecOperation {
  operation: string;
  method: string;
  paths: string[];
  returnCodes: number[];
}
const spec = JSON.parse(readFileSync(new URL('../spec/endpoints.json', import.meta.url), 'utf8')) as { operations: SpecOperation[] };
const AREA = /^(WebCallControl\.|Management\.(Simulate|UIXML|LedStatus|PollForStatus|CommunicationInfo|SessionStats))/;
const ops = spec.operations.filter(
  (o) => AREA.test(o.operation) && o.operation !== 'WebCallControl.WarmTransfer' && o.operation !== 'WebCallControl.GetCurrentPresence',
);

type Scenario = () => Promise<Answer>;

describe('every return code of the call and screen operations', () => {
  const clock = new ManualClock();
  const sb = new Switchboard(clock, randomIds);
  let a: TestPhone;
  let b: TestPhone;
  let slow: TestPhone;
  let booting: TestPhone;
  before(async () => {
    a = await testPhone({ switchboard: sb, clock, number: '1001' });
    b = await testPhone({ switchboard: sb, clock, number: '1002' });
    slow = await testPhone();
    booting = await testPhone({ timing: { initMs: 60_000 } });
  });
  after(async () => {
    for (const p of [a, b, slow, booting]) await p.stop();
  });

  const call = (p: TestPhone, path: string, data?: unknown): Promise<Answer> =>
    operationAt(path)?.methods[0] === 'GET' ? p.get(path) : p.post(path, data === undefined ? undefined : { data });
  /** a calls b and b answers: a's handle. */
  const connected = async (): Promise<string> => {
    await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002' } });
    await b.post('/api/v1/callctrl/answerCall');
    return a.phone.calls.all()[0]?.handle ?? '';
  };
  /** b calls a: a's ringing handle. */
  const ringing = async (): Promise<string> => {
    await b.post('/api/v1/callctrl/dial', { data: { Dest: '1001' } });
    return a.phone.calls.all()[0]?.handle ?? '';
  };
  const tap = (KeyName: string) => ({ Type: 'Tap', KeyName });

  const specific: Record<string, Partial<Record<number, Scenario>>> = {
    'WebCallControl.Dial': {
      2000: () => call(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: '1', Type: 'SIP' }),
      4000: () => call(a, '/api/v1/callctrl/dial', { Line: 1 }),
      4002: () => call(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: 3 }),
    },
    'WebCallControl.AnswerCall': {
      2000: async () => {
        await ringing();
        return call(a, '/api/v1/callctrl/answerCall');
      },
      4000: () => call(a, '/api/v1/callctrl/answerCall', { Ref: 7 }),
      4003: async () => {
        const h = await connected();
        return call(a, '/api/v1/callctrl/answerCall', { Ref: h });
      },
      4007: () => call(a, '/api/v1/callctrl/answerCall', { Ref: '0xdeadbeef' }),
    },
    'WebCallControl.RejectCall': {
      2000: async () => {
        const h = await ringing();
        return call(a, '/api/v1/callctrl/rejectCall', { Ref: h });
      },
      4003: async () => {
        const h = await connected();
        return call(a, '/api/v1/callctrl/rejectCall', { Ref: h });
      },
      4007: () => call(a, '/api/v1/callctrl/rejectCall'),
    },
    'WebCallControl.IgnoreCall': {
      2000: async () => {
        await ringing();
        return call(a, '/api/v1/callctrl/ignoreCall');
      },
      4003: async () => {
        const h = await connected();
        return call(a, '/api/v1/callctrl/ignoreCall', { Ref: h });
      },
      4007: () => call(a, '/api/v1/callctrl/ignoreCall'),
    },
    'WebCallControl.EndCall': {
      2000: async () => {
        const h = await connected();
        await call(a, '/api/v1/callctrl/holdCall');
        return call(a, '/api/v1/callctrl/endCall', { Ref: h });
      },
      4000: () => call(a, '/api/v1/callctrl/endCall', {}),
      4003: async () => {
        const h = await ringing();
        return call(a, '/api/v1/callctrl/endCall', { Ref: h });
      },
      4007: () => call(a, '/api/v1/callctrl/endCall', { Ref: 'nope' }),
    },
    'WebCallControl.HoldCall': {
      2000: async () => {
        await connected();
        return call(a, '/api/v1/callctrl/holdCall');
      },
      4000: () => call(a, '/api/v1/callctrl/holdCall', { Ref: ['x'] }),
      4007: () => call(a, '/api/v1/callctrl/holdCall'),
    },
    'WebCallControl.ResumeCall': {
      2000: async () => {
        const h = await connected();
        await call(a, '/api/v1/callctrl/holdCall');
        return call(a, '/api/v1/callctrl/resumeCall', { Ref: h });
      },
      4003: async () => {
        await connected();
        return call(a, '/api/v1/callctrl/resumeCall');
      },
      4007: () => call(a, '/api/v1/callctrl/resumeCall'),
    },
    'WebCallControl.JoinCalls': {
      2000: async () => {
        await connected();
        await call(a, '/api/v1/callctrl/dial', { Dest: '5550001' });
        clock.advance(1500);
        return call(a, '/api/v1/callctrl/joinCalls');
      },
      4000: () => a.post('/api/v1/callctrl/joinCalls', { data: [] }),
      4007: () => call(a, '/api/v1/callctrl/joinCalls'),
    },
    'WebCallControl.TransferCall': {
      2000: async () => {
        const h = await connected();
        return call(a, '/api/v1/callctrl/transferCall', { Ref: h, TransferDest: '5550002' });
      },
      4000: () => call(a, '/api/v1/callctrl/transferCall', { Ref: 'x' }),
      4007: () => call(a, '/api/v1/callctrl/transferCall', { Ref: 'x', TransferDest: '1' }),
    },
    'WebCallControl.MuteCall': {
      2000: async () => {
        await connected();
        return call(a, '/api/v1/callctrl/mute', { state: '1' });
      },
      4000: () => call(a, '/api/v1/callctrl/mute', { state: 'on' }),
      4003: async () => {
        await connected();
        return call(a, '/api/v1/callctrl/mute', { state: '0' });
      },
      4007: () => call(a, '/api/v1/callctrl/mute', { state: 1 }),
    },
    'WebCallControl.SendDTMF': {
      2000: async () => {
        await connected();
        return call(a, '/api/v1/callctrl/sendDTMF', { Digits: '1' });
      },
      4000: () => call(a, '/api/v1/callctrl/sendDTMF', {}),
      4007: () => call(a, '/api/v1/callctrl/sendDTMF', { Digits: '1' }),
    },
    'WebCallControl.CallStatus': {
      2000: async () => {
        await connected();
        return call(a, '/api/v1/webCallControl/callStatus');
      },
      4007: () => call(a, '/api/v1/webCallControl/callStatus'),
    },
    'WebCallControl.CallStatusV2': {
      2000: () => call(a, '/api/v2/webCallControl/callStatus'),
      4000: () => a.get('/api/v2/webCallControl/callStatus?sequence=1'),
      4007: () => a.get('/api/v2/webCallControl/callStatus?handle=abc'),
    },
    'Management.SimulateHook': {
      2000: () => call(a, '/api/v1/mgmt/simulateHook', { Type: 'Up' }),
      4000: () => call(a, '/api/v1/mgmt/simulateHook', { Type: 'Left' }),
    },
    'Management.SimulateKeyEvent': {
      2000: () => call(a, '/api/v1/mgmt/simulateKeyEvent', tap('VolUp')),
      4000: () => call(a, '/api/v1/mgmt/simulateKeyEvent', tap('Line13')),
    },
    'Management.SimulateTextInput': {
      2000: () => call(a, '/api/v1/mgmt/simulateTextInput', { Value: '12' }),
      4000: () => call(a, '/api/v1/mgmt/simulateTextInput', { Value: 12 }),
    },
    'Management.SimulateTouch': {
      2000: () =>
        call(a, '/api/v1/mgmt/simulateTouch', {
          Type: 'Swipe',
          Positions: [
            { X: 1, Y: 1 },
            { X: 9, Y: 1 },
          ],
        }),
      4000: () => call(a, '/api/v1/mgmt/simulateTouch', { Type: 'Tap', Positions: [{ X: 5000, Y: 1 }] }),
      4009: () =>
        a.post(
          '/api/v1/mgmt/simulateTouch',
          JSON.stringify({ data: { Type: 'Tap', Positions: [{ X: 1, Y: 1 }], pad: 'x'.repeat(21_000) } }),
        ),
    },
  };

  for (const o of ops) {
    it(`${o.operation}: ${o.returnCodes.join(', ')}`, async () => {
      const path = o.paths[0] as string;
      const op = operationAt(path);
      // pollForStatus answers over HTTPS only.
      const secure = op?.transports?.includes('http') === false;
      const get = (p: TestPhone, x: string): Promise<Answer> => p.get(x, { secure });
      const post = (p: TestPhone, x: string, body?: unknown): Promise<Answer> => p.post(x, body, { secure });
      assert.ok(op, `${path} is not served`);
      for (const code of o.returnCodes) {
        let scenario = specific[o.operation]?.[code];
        const send = (p: TestPhone): Promise<Answer> => (o.method === 'GET' ? get(p, path) : post(p, path, {}));
        if (!scenario && code === 2000) scenario = () => send(a);
        if (!scenario && code === 4400)
          scenario = () =>
            a
              .raw(path, { method: 'PUT', secure })
              .then(async (r) => ({ http: r.status, headers: r.headers, text: '', body: (await r.json()) as Record<string, unknown> }));
        if (!scenario && code === 4403) {
          scenario = async () => {
            // Another request holds the phone's slot (taken here, so that no timing decides who is first).
            assert.equal(slow.slot.acquire(), true);
            try {
              return await send(slow);
            } finally {
              slow.slot.release();
            }
          };
        }
        if (!scenario && code === 5000 && op.needsCallApp) scenario = () => send(booting);
        if (!scenario && (code === 5000 || code === 5500)) {
          scenario = () => {
            a.faults.add({ status: String(code) as '5000' | '5500', path, remaining: 1 });
            return send(a);
          };
        }
        assert.ok(scenario, `${o.operation}: no way to produce ${code}`);
        const answer = await scenario();
        assert.equal(answer.body['Status'], String(code), `${o.operation} ${code} at ${path}: HTTP ${answer.http} ${answer.text}`);
        a.phone.calls.endAll();
        b.phone.calls.endAll();
        a.faults.clear();
        a.phone.screen.reset();
      }
    });
  }
});
