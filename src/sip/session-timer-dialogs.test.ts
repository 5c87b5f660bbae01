/**
 * Session timers (RFC 4028) in real dialogs on the manual clock: what our INVITE asks and how a 422 is answered, the
 * 200 we give, the refresh we send at half the interval (UPDATE when the far end allows it, else a re-INVITE with our
 * description unchanged), the BYE when no refresh comes, a refresh received starting the timer again, and a refresh
 * answered 481 or never answered ending the call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import type { Signal } from '../phone/calls/signal.js';
import { capabilitiesOf } from './codec/capabilities.js';
import { parseSip, responseTo, writeSip } from './codec/message.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { ClientTransactions, RFC3261 } from './client-transactions.js';
import { Dialog } from './dialog.js';
import { IncomingCall } from './incoming-call.js';
import { OutgoingCall } from './outgoing-call.js';
import { SESSION_TIMER_POLICY } from './session-timer.js';
import type { CallEnv, SipCall } from './sip-call.js';
import type { SipWire } from './wire.js';

const SDP = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n');
const SDP_HEADERS: [string, string][] = [['Content-Type', 'application/sdp']];
const WITH_UPDATE: [string, string] = ['Allow', 'INVITE, ACK, BYE, CANCEL, UPDATE'];

interface Harness {
  clock: ManualClock;
  env: CallEnv;
  transactions: ClientTransactions;
  sent: (SipRequest | SipResponse)[];
  signals: Signal['type'][];
  forgotten: SipCall[];
}

function harness(timers = true): Harness {
  const clock = new ManualClock();
  const sent: (SipRequest | SipResponse)[] = [];
  const wire: SipWire = {
    send: (_dest, message) => {
      sent.push(parseSip(message, true) as SipRequest | SipResponse);
    },
    local: () => ({ host: '127.0.0.1', port: 5080 }),
    listensOn: () => false,
  };
  const transactions = new ClientTransactions(wire, clock);
  const forgotten: SipCall[] = [];
  const env: CallEnv = {
    media: undefined,
    localAddress: '127.0.0.1',
    codecs: [0, 8],
    dtmf: { info: false, payload: 101, onMs: 100, offMs: 50 },
    wire,
    transactions,
    policy: RFC3261,
    userAgent: 'test',
    auth: { user: '1001', password: 'pw' },
    schedule: (ms, fn) => clock.schedule(ms, fn),
    forget: (c) => forgotten.push(c),
    referring: () => false,
    referAllowed: () => true,
    message: () => ({ status: 200, reason: 'OK' }),
    refused: (r) => assert.fail(`refused move: ${JSON.stringify(r)}`),
    capabilities: capabilitiesOf(true, { sessionTimers: timers }),
    sessionTimers: timers ? SESSION_TIMER_POLICY : undefined,
  };
  return { clock, env, transactions, sent, signals: [], forgotten };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const requests = (h: Harness, method: string): SipRequest[] =>
  h.sent.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
const last = (h: Harness, method: string): SipRequest => {
  const r = requests(h, method).at(-1);
  assert.ok(r, `a ${method} was sent`);
  return r;
};

/** The far end answers our request (through the transactions, as the user agent hands answers over). */
function answer(h: Harness, req: SipRequest, status: number, reason: string, extra: [string, string][] = [], body?: Buffer): void {
  const res = parseSip(responseTo(req, status, reason, 'FAR', [['Contact', '<sip:2002@192.0.2.20>'], ...extra], body), true) as SipResponse;
  assert.ok(h.transactions.onResponse(res), `${status} answers a transaction of ours`);
}

/** A request of the far end in the dialog, handed to the call; its answer. */
function ask(call: SipCall, method: string, cseq: number, toTag: string, extra: [string, string][] = [], body?: Buffer): SipResponse {
  const req = parseSip(
    writeSip(
      `${method} sip:1001@127.0.0.1:5080 SIP/2.0`,
      [
        ['Via', `SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK${method}${cseq}`],
        ['From', '<sip:2002@pbx.test>;tag=FAR'],
        ['To', `<sip:1001@pbx.test>;tag=${toTag}`],
        ['Call-ID', call.callId],
        ['CSeq', `${cseq} ${method}`],
        ['Contact', '<sip:2002@192.0.2.20>'],
        ...(body ? SDP_HEADERS : []),
        ...extra,
      ],
      body,
    ),
    true,
  ) as SipRequest;
  const replies: SipResponse[] = [];
  call.onRequest(req, (b) => replies.push(parseSip(b, true) as SipResponse));
  assert.equal(replies.length, 1);
  return replies[0] as SipResponse;
}

async function outgoing(h: Harness): Promise<{ call: OutgoingCall; invite: SipRequest }> {
  const dialog = new Dialog('call-out', 'NEAR', '<sip:1001@pbx.test>', '<sip:2002@pbx.test>', 'sip:2002@pbx.test');
  const call = new OutgoingCall(h.env, { transport: 'UDP', host: '192.0.2.10', port: 5060 }, 'sip:2002@pbx.test', dialog, {
    number: '2002',
    name: '',
    address: '192.0.2.10',
  });
  call.peer = { receive: (s) => h.signals.push(s.type) };
  await tick(); // the INVITE goes once media is ready
  return { call, invite: last(h, 'INVITE') };
}

function incoming(h: Harness, extra: [string, string][]): { call: IncomingCall | undefined; replies: SipResponse[] } {
  const invite = parseSip(
    writeSip(
      'INVITE sip:1001@127.0.0.1:5080 SIP/2.0',
      [
        ['Via', 'SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKin1'],
        ['From', '<sip:2002@pbx.test>;tag=FAR'],
        ['To', '<sip:1001@pbx.test>'],
        ['Call-ID', 'call-in'],
        ['CSeq', '1 INVITE'],
        ['Contact', '<sip:2002@192.0.2.20>'],
        ...SDP_HEADERS,
        ...extra,
      ],
      SDP,
    ),
    true,
  ) as SipRequest;
  const replies: SipResponse[] = [];
  const call = IncomingCall.create(
    h.env,
    { request: invite, transport: 'UDP', reply: (b) => void replies.push(parseSip(b, true) as SipResponse) },
    Dialog.fromRequest(invite, 'NEAR', '<sip:1001@pbx.test>'),
    { number: '2002', name: '', address: '192.0.2.20' },
    { transport: 'UDP', host: '192.0.2.20', port: 5060 },
  );
  if (call) call.peer = { receive: (s) => h.signals.push(s.type) };
  return { call, replies };
}

/** An incoming call with these headers, answered and ACKed: the 200 it got. */
async function answeredIncoming(h: Harness, extra: [string, string][]): Promise<{ call: IncomingCall; ok: SipResponse }> {
  const { call, replies } = incoming(h, extra);
  assert.ok(call);
  call.receive({ type: 'answered' });
  await tick();
  const ok = replies.find((r) => r.status === 200);
  assert.ok(ok, 'answered 200');
  call.onRequest(
    parseSip(
      writeSip('ACK sip:1001@127.0.0.1:5080 SIP/2.0', [
        ['Via', 'SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKack'],
        ['From', '<sip:2002@pbx.test>;tag=FAR'],
        ['To', '<sip:1001@pbx.test>;tag=NEAR'],
        ['Call-ID', 'call-in'],
        ['CSeq', '1 ACK'],
      ]),
      true,
    ) as SipRequest,
    () => undefined,
  );
  return { call, ok };
}

const oLine = (b: Buffer): string => /^o=.*$/m.exec(b.toString())?.[0] ?? '';

describe('session timers in dialogs (RFC 4028)', () => {
  it('our INVITE asks 1800 s with Min-SE 90 and says timer; a 422 is answered once, asking its Min-SE', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    assert.match(invite.headers.get('supported') ?? '', /(^|,)timer$/);
    assert.equal(invite.headers.get('session-expires'), '1800');
    assert.equal(invite.headers.get('min-se'), '90');
    answer(h, invite, 422, 'Session Interval Too Small', [['Min-SE', '3600']]);
    const again = last(h, 'INVITE');
    assert.notEqual(again, invite);
    assert.equal(again.headers.get('cseq'), '2 INVITE');
    assert.equal(again.headers.get('session-expires'), '3600');
    assert.equal(again.headers.get('min-se'), '3600');
    assert.doesNotMatch(again.headers.get('to') ?? '', /tag=/);
    answer(h, again, 422, 'Session Interval Too Small', [['Min-SE', '7200']]);
    assert.equal(requests(h, 'INVITE').length, 2, 'once only');
    assert.equal(call.state, 'terminated');
    assert.deepEqual(h.signals, ['rejected']);
  });

  it("as the refresher by the 200's choice: an UPDATE at half the interval, again after its 200; a 481 ends the call", async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '90;refresher=uac'], ['Require', 'timer'], WITH_UPDATE], SDP);
    assert.deepEqual(call.sessionTimer, { interval: 90, refresher: true });
    h.clock.advance(44_999);
    assert.equal(requests(h, 'UPDATE').length, 0);
    h.clock.advance(1);
    const update = last(h, 'UPDATE');
    assert.equal(update.headers.get('session-expires'), '90;refresher=uac');
    assert.equal(update.headers.get('min-se'), '90');
    assert.match(update.headers.get('supported') ?? '', /timer/);
    assert.equal(update.body.length, 0, 'no offer in a refresh by UPDATE');
    answer(h, update, 200, 'OK', [
      ['Session-Expires', '90;refresher=uac'],
      ['Require', 'timer'],
    ]);
    h.clock.advance(45_000);
    const second = last(h, 'UPDATE');
    assert.notEqual(second, update);
    answer(h, second, 481, 'Call/Transaction Does Not Exist');
    assert.equal(requests(h, 'BYE').length, 1);
    assert.equal(call.state, 'terminated');
    assert.deepEqual(h.signals, ['answered', 'ended']);
    assert.deepEqual(h.forgotten, [call]);
  });

  it('a far end that does not allow UPDATE is refreshed by re-INVITE, with our description unchanged; one that refuses UPDATE too', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '120;refresher=uac'], ['Allow', 'INVITE, ACK, BYE']], SDP);
    h.clock.advance(60_000);
    const refresh = last(h, 'INVITE');
    assert.notEqual(refresh, invite);
    assert.match(refresh.headers.get('to') ?? '', /tag=FAR/);
    assert.equal(refresh.headers.get('session-expires'), '120;refresher=uac');
    assert.equal(oLine(refresh.body), oLine(invite.body), 'the same o= line, version included (RFC 3264 8)');
    answer(h, refresh, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '120;refresher=uac']], SDP);
    assert.equal(requests(h, 'ACK').length, 2, 'the 2xx of the refresh is ACKed');
    assert.equal(requests(h, 'UPDATE').length, 0);
    assert.equal(call.state, 'confirmed');

    // a far end that lists UPDATE but refuses it: the refresh goes again as a re-INVITE
    const h2 = harness();
    const o = await outgoing(h2);
    answer(h2, o.invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '90;refresher=uac'], WITH_UPDATE], SDP);
    h2.clock.advance(45_000);
    answer(h2, last(h2, 'UPDATE'), 501, 'Not Implemented');
    assert.equal(requests(h2, 'INVITE').length, 2);
    assert.equal(last(h2, 'INVITE').headers.get('session-expires'), '90;refresher=uac');
  });

  it('a refresh that is never answered ends the call with BYE (408)', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '90;refresher=uac'], WITH_UPDATE], SDP);
    h.clock.advance(45_000);
    assert.equal(requests(h, 'UPDATE').length, 1);
    h.clock.advance(32_000); // Timer F
    assert.equal(requests(h, 'BYE').length, 1);
    assert.equal(call.state, 'terminated');
    assert.deepEqual(h.signals, ['answered', 'ended']);
  });

  it('not the refresher: BYE min(32 s, a third) before the end; a refresh received is answered with Session-Expires and starts it again', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '90;refresher=uas'], ['Require', 'timer']], SDP);
    assert.deepEqual(call.sessionTimer, { interval: 90, refresher: false });
    h.clock.advance(50_000);
    const refresh = ask(
      call,
      'INVITE',
      2,
      'NEAR',
      [
        ['Supported', 'timer'],
        ['Session-Expires', '90;refresher=uac'],
      ],
      SDP,
    );
    assert.equal(refresh.status, 200);
    assert.equal(refresh.headers.get('session-expires'), '90;refresher=uac');
    assert.equal(refresh.headers.get('require'), 'timer');
    assert.match(refresh.headers.get('supported') ?? '', /timer/);
    h.clock.advance(40_000);
    const update = ask(call, 'UPDATE', 3, 'NEAR', [
      ['Supported', 'timer'],
      ['Session-Expires', '90;refresher=uac'],
    ]);
    assert.equal(update.status, 200);
    assert.equal(update.headers.get('session-expires'), '90;refresher=uac');
    h.clock.advance(59_999);
    assert.equal(requests(h, 'BYE').length, 0, 'each refresh started it again');
    assert.equal(requests(h, 'UPDATE').length + requests(h, 'INVITE').length, 1, 'and we refreshed nothing');
    h.clock.advance(1);
    assert.equal(requests(h, 'BYE').length, 1);
    assert.equal(call.state, 'terminated');
    assert.deepEqual(h.signals, ['answered', 'ended']);
  });

  it('a refresh asking less than 90 s gets 422 with Min-SE and changes nothing; a malformed one 400', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '1800;refresher=uas']], SDP);
    const small = ask(call, 'UPDATE', 2, 'NEAR', [
      ['Supported', 'timer'],
      ['Session-Expires', '30'],
    ]);
    assert.equal(small.status, 422);
    assert.equal(small.headers.get('min-se'), '90');
    const bad = ask(call, 'INVITE', 3, 'NEAR', [['Session-Expires', 'later']], SDP);
    assert.equal(bad.status, 400);
    assert.deepEqual(call.sessionTimer, { interval: 1800, refresher: false });
  });

  it('a 200 without Session-Expires: no timer (7.2); hold re-INVITEs still ask for one', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    assert.equal(call.sessionTimer, undefined);
    h.clock.advance(3_600_000);
    assert.equal(requests(h, 'BYE').length + requests(h, 'UPDATE').length, 0);
    call.receive({ type: 'hold' });
    assert.equal(last(h, 'INVITE').headers.get('session-expires'), '1800');
  });

  it('UAS: 422 with Min-SE 90 for an INVITE asking 60 s; the 200 to one asking 90 s names the refresher, and we refresh', async () => {
    const h = harness();
    const small = incoming(h, [
      ['Supported', 'timer'],
      ['Session-Expires', '60'],
    ]);
    assert.equal(small.call, undefined);
    assert.deepEqual(
      small.replies.map((r) => [r.status, r.headers.get('min-se')]),
      [[422, '90']],
    );

    const { call, ok } = await answeredIncoming(h, [['Supported', '100rel, timer'], ['Session-Expires', '90;refresher=uas'], WITH_UPDATE]);
    assert.equal(ok.headers.get('session-expires'), '90;refresher=uas');
    assert.equal(ok.headers.get('require'), 'timer');
    assert.match(ok.headers.get('supported') ?? '', /(^|,)timer$/);
    assert.deepEqual(call.sessionTimer, { interval: 90, refresher: true });
    h.clock.advance(45_000);
    const update = last(h, 'UPDATE');
    assert.equal(update.headers.get('session-expires'), '90;refresher=uac', 'we are the UAC of the refresh');
    assert.match(update.headers.get('to') ?? '', /tag=FAR/);
  });

  it('UAS: a caller that supports timers and names no refresher refreshes; one that knows no timers is refreshed by us', async () => {
    const h = harness();
    const a = await answeredIncoming(h, [['Supported', 'timer']]);
    assert.equal(a.ok.headers.get('session-expires'), '1800;refresher=uac');
    assert.equal(a.ok.headers.get('require'), 'timer');
    h.clock.advance(1768_000);
    assert.equal(requests(h, 'BYE').length, 1, 'no refresh came: BYE 32 s before the end');
    assert.deepEqual(h.signals, ['ended']);

    const h2 = harness();
    const b = await answeredIncoming(h2, []);
    assert.equal(b.ok.headers.get('session-expires'), '1800;refresher=uas');
    assert.equal(b.ok.headers.get('require'), undefined);
    h2.clock.advance(900_000);
    const refresh = last(h2, 'INVITE');
    assert.equal(refresh.headers.get('session-expires'), '1800;refresher=uac');
  });

  it('with session timers off: no Session-Expires, no timer, and a Session-Expires asked for is ignored', async () => {
    const h = harness(false);
    const { call, invite } = await outgoing(h);
    assert.equal(invite.headers.get('session-expires'), undefined);
    assert.doesNotMatch(invite.headers.get('supported') ?? '', /timer/);
    answer(h, invite, 200, 'OK', [...SDP_HEADERS, ['Session-Expires', '90;refresher=uac']], SDP);
    assert.equal(call.sessionTimer, undefined);
    const update = ask(call, 'UPDATE', 2, 'NEAR', [['Session-Expires', '30']]);
    assert.equal(update.status, 200);
    assert.equal(update.headers.get('session-expires'), undefined);
    h.clock.advance(3_600_000);
    assert.equal(requests(h, 'BYE').length + requests(h, 'UPDATE').length, 0);
  });
});
