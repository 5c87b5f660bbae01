/** Real calls on the manual clock go through RFC 3261's paths, their dialogs along the table of dialog-state.ts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import type { Signal } from '../phone/calls/signal.js';
import { parseSip, responseTo, writeSip } from './codec/message.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { ClientTransactions, RFC3261 } from './client-transactions.js';
import { Dialog } from './dialog.js';
import type { DialogState } from './dialog-state.js';
import { IncomingCall } from './incoming-call.js';
import { OutgoingCall } from './outgoing-call.js';
import type { CallEnv, SipCall } from './sip-call.js';
import type { Refusal } from './state-table.js';
import type { Destination, SipWire } from './wire.js';

const SDP = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n');
const SDP_HEADERS: [string, string][] = [['Content-Type', 'application/sdp']];
const SERVER: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5060 };

interface Harness {
  clock: ManualClock;
  env: CallEnv;
  transactions: ClientTransactions;
  /** Everything sent, parsed, in order. */
  sent: (SipRequest | SipResponse)[];
  refusals: Refusal[];
  forgotten: SipCall[];
  signals: Signal['type'][];
}

function harness(): Harness {
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
  const refusals: Refusal[] = [];
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
    refused: (r) => refusals.push(r),
  };
  return { clock, env, transactions, sent, refusals, forgotten, signals: [] };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const requests = (h: Harness, method: string): SipRequest[] =>
  h.sent.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);

/** The far end answers our request `req` (through the transactions, as the user agent hands answers over). */
function answer(h: Harness, req: SipRequest, status: number, reason: string, extra: [string, string][] = [], body?: Buffer): void {
  const contact: [string, string][] = extra.some(([k]) => k === 'Contact') ? [] : [['Contact', '<sip:2002@192.0.2.20>']];
  const res = parseSip(responseTo(req, status, reason, 'FAR', [...contact, ...extra], body), true) as SipResponse;
  assert.ok(h.transactions.onResponse(res), `${status} answers a transaction of ours`);
}

/** A request from the far end in the dialog. */
function fromFar(method: string, cseq: number, callId: string, toTag: string, body?: Buffer, extra: [string, string][] = []): SipRequest {
  return parseSip(
    writeSip(
      `${method} sip:1001@127.0.0.1:5080 SIP/2.0`,
      [
        ['Via', `SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK${method}${cseq}`],
        ['From', '<sip:2002@pbx.test>;tag=FAR'],
        ['To', `<sip:1001@pbx.test>;tag=${toTag}`],
        ['Call-ID', callId],
        ['CSeq', `${cseq} ${method}`],
        ['Contact', '<sip:2002@192.0.2.20>'],
        ...(body && !extra.some(([k]) => k === 'Content-Type') ? SDP_HEADERS : []),
        ...extra,
      ],
      body,
    ),
    true,
  ) as SipRequest;
}

async function outgoing(h: Harness): Promise<{ call: OutgoingCall; invite: SipRequest; path: DialogState[] }> {
  const dialog = new Dialog('call-out', 'NEAR', '<sip:1001@pbx.test>', '<sip:2002@pbx.test>', 'sip:2002@pbx.test');
  const call = new OutgoingCall(h.env, SERVER, 'sip:2002@pbx.test', dialog, { number: '2002', name: '', address: SERVER.host });
  call.peer = { receive: (s) => h.signals.push(s.type) };
  const path: DialogState[] = [];
  call.dialogState.onMove((_from, _event, to) => path.push(to));
  await tick(); // the INVITE goes once media is ready
  const invite = requests(h, 'INVITE')[0];
  assert.ok(invite);
  return { call, invite, path };
}

function incoming(h: Harness, extra: [string, string][] = []): { call: IncomingCall; replies: SipResponse[]; invite: SipRequest } {
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
  const source = {
    request: invite,
    transport: 'UDP' as const,
    reply: (b: Buffer) => {
      replies.push(parseSip(b, true) as SipResponse);
    },
  };
  const call = IncomingCall.create(
    h.env,
    source,
    Dialog.fromRequest(invite, 'NEAR', '<sip:1001@pbx.test>'),
    { number: '2002', name: '', address: '192.0.2.20' },
    { transport: 'UDP', host: '192.0.2.20', port: 5060 },
  );
  assert.ok(call);
  call.peer = { receive: (s) => h.signals.push(s.type) };
  return { call, replies, invite };
}

describe('dialogs on the wire (RFC 3261)', () => {
  it('UAC: early dialog (180), confirmed by the 2xx and its ACK, ended by our BYE', async () => {
    const h = harness();
    const { call, invite, path } = await outgoing(h);
    answer(h, invite, 100, 'Trying');
    assert.equal(call.state, 'calling', 'a 100 makes no dialog');
    answer(h, invite, 180, 'Ringing');
    assert.equal(call.state, 'early');
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    assert.equal(requests(h, 'ACK').length, 1);
    assert.equal(call.state, 'confirmed');
    call.receive({ type: 'ended' });
    const bye = requests(h, 'BYE')[0];
    assert.ok(bye);
    assert.match(bye.headers.get('to') ?? '', /tag=FAR/);
    assert.deepEqual(path, ['early', 'confirmed', 'terminated']);
    assert.deepEqual(h.signals, ['ringing', 'answered']);
    assert.deepEqual(h.forgotten, [call]);
    assert.deepEqual(h.refusals, []);
  });

  it('in the dialog: UPDATE with an offer answered with SDP (hold), MESSAGE to the line, SUBSCRIBE 403, Require 420 (BYE too)', async () => {
    const h = harness();
    const messages: string[] = [];
    const env = { ...h.env, message: (req: SipRequest) => (messages.push(req.body.toString()), { status: 200, reason: 'OK' }) };
    const { call, invite } = await outgoing({ ...h, env });
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    const replies: SipResponse[] = [];
    const ask = (req: SipRequest): SipResponse => {
      call.onRequest(req, (b) => replies.push(parseSip(b, true) as SipResponse));
      return replies.at(-1) as SipResponse;
    };
    const held = Buffer.from(`${SDP.toString()}a=sendonly\r\n`);
    const update = ask(fromFar('UPDATE', 2, 'call-out', 'NEAR', held));
    assert.equal(update.status, 200);
    assert.match(update.body.toString(), /a=recvonly/, 'the answer to a sendonly offer');
    assert.deepEqual(h.signals, ['answered', 'hold']);
    assert.equal(ask(fromFar('MESSAGE', 3, 'call-out', 'NEAR', Buffer.from('hi'), [['Content-Type', 'text/plain']])).status, 200);
    assert.deepEqual(messages, ['hi']);
    // the dialog package is served out of dialog (to a line), never in a call's dialog
    const subscribe = ask(fromFar('SUBSCRIBE', 4, 'call-out', 'NEAR', undefined, [['Event', 'dialog']]));
    assert.equal(subscribe.status, 403);
    const prack = ask(fromFar('PRACK', 5, 'call-out', 'NEAR', undefined, [['RAck', '1 1 INVITE']]));
    assert.equal(prack.status, 481, 'no reliable provisional of ours waits for this PRACK (RFC 3262 3)');
    const refused = ask(fromFar('INVITE', 6, 'call-out', 'NEAR', SDP, [['Require', '100rel, timer']]));
    assert.equal(refused.status, 420);
    assert.equal(refused.headers.get('unsupported'), 'timer');
    // any request but ACK and CANCEL (RFC 3261 8.2.2.3): a BYE too, which then ends nothing
    const bye = ask(fromFar('BYE', 7, 'call-out', 'NEAR', undefined, [['Require', 'X-Foo, 100rel']]));
    assert.equal(bye.status, 420);
    assert.equal(bye.headers.get('unsupported'), 'X-Foo', 'as the request spelled it');
    assert.equal(call.state, 'confirmed');
    assert.equal(ask(fromFar('BYE', 8, 'call-out', 'NEAR')).status, 200);
    assert.equal(call.state, 'terminated');
  });

  it("UAS: ringing, answered (200 sent again until the ACK), ended by the far end's BYE", async () => {
    const h = harness();
    const { call, replies } = incoming(h);
    const path: DialogState[] = [];
    call.dialogState.onMove((_f, _e, to) => path.push(to));
    call.receive({ type: 'ringing' });
    call.receive({ type: 'answered' });
    await tick();
    assert.deepEqual(
      replies.map((r) => r.status),
      [180, 200],
    );
    h.clock.advance(500);
    h.clock.advance(1000);
    assert.deepEqual(
      replies.map((r) => r.status),
      [180, 200, 200, 200],
      'the 2xx goes again at T1, 2 x T1 (13.3.1.4)',
    );
    const farReplies: SipResponse[] = [];
    call.onRequest(fromFar('ACK', 1, 'call-in', 'NEAR'), () => undefined);
    h.clock.advance(10_000);
    assert.equal(replies.length, 4, 'the ACK stops the retransmissions');
    call.onRequest(fromFar('BYE', 2, 'call-in', 'NEAR'), (b) => farReplies.push(parseSip(b, true) as SipResponse));
    assert.deepEqual(
      farReplies.map((r) => r.status),
      [200],
    );
    assert.deepEqual(path, ['answering', 'confirmed', 'terminated']);
    assert.deepEqual(h.signals, ['ended']);
    assert.deepEqual(h.refusals, []);
  });

  it('UAS with 100rel: a reliable 180 (RFC 3262); answered, the 200 waits for its PRACK; with none, 504 after 64 x T1', async () => {
    for (const prack of [true, false]) {
      const h = harness();
      const { call, replies } = incoming(h, [['Supported', '100rel']]);
      call.receive({ type: 'ringing' });
      call.receive({ type: 'answered' });
      await tick();
      const rseq = replies[0]?.headers.get('rseq') ?? '';
      assert.deepEqual([replies.map((r) => r.status), replies[0]?.headers.get('require')], [[180], '100rel']);
      h.clock.advance(500);
      await tick();
      assert.deepEqual(
        replies.map((r) => [r.status, r.headers.get('rseq')]),
        [
          [180, rseq],
          [180, rseq],
        ],
        'the 180 again at T1, no 200 before the PRACK',
      );
      if (!prack) {
        h.clock.advance(32_000);
        assert.deepEqual(
          replies.map((r) => r.status),
          [180, 180, 180, 180, 180, 180, 180, 504],
        );
        assert.equal(call.state, 'terminated');
        assert.deepEqual(h.signals, ['ended']);
        continue;
      }
      const answers: number[] = [];
      const prackOf = (cseq: number, rack: string): void =>
        call.onRequest(fromFar('PRACK', cseq, 'call-in', 'NEAR', undefined, [['RAck', rack]]), (b) =>
          answers.push((parseSip(b, true) as SipResponse).status),
        );
      prackOf(2, `${rseq} 1 INVITE`);
      prackOf(2, `${rseq} 1 INVITE`); // retransmitted: its 200 was lost
      prackOf(3, `${rseq} 1 INVITE`); // a new PRACK for what is acknowledged already
      await tick();
      assert.deepEqual(answers, [200, 200, 481]);
      assert.deepEqual(
        replies.map((r) => r.status),
        [180, 180, 200],
      );
      assert.equal(call.state, 'confirmed');
    }
  });

  it('UAC: a reliable 180 is PRACKed once in its early dialog, naming its RSeq and the INVITE (RFC 3262)', async () => {
    const h = harness();
    const { invite } = await outgoing(h);
    assert.match(invite.headers.get('supported') ?? '', /(^|,)100rel(,|$)/);
    const reliable: [string, string][] = [
      ['Require', '100rel'],
      ['RSeq', '42'],
    ];
    answer(h, invite, 180, 'Ringing');
    assert.equal(requests(h, 'PRACK').length, 0, 'an unreliable 180 is not PRACKed');
    answer(h, invite, 180, 'Ringing', reliable);
    answer(h, invite, 180, 'Ringing', reliable);
    const pracks = requests(h, 'PRACK');
    assert.equal(pracks.length, 1, 'once per RSeq');
    assert.equal(pracks[0]?.headers.get('rack'), `42 ${(invite.headers.get('cseq') ?? '').split(' ')[0]} INVITE`);
    assert.match(pracks[0]?.headers.get('to') ?? '', /;tag=FAR$/);
    assert.equal(pracks[0]?.uri, 'sip:2002@192.0.2.20');
  });

  it('a retransmitted 2xx is ACKed again and changes nothing', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    const res = parseSip(responseTo(invite, 200, 'OK', 'FAR', SDP_HEADERS, SDP), true) as SipResponse;
    assert.equal(h.transactions.onResponse(res), false, 'the INVITE transaction ended with the first 2xx');
    call.onRetransmitted2xx();
    const acks = requests(h, 'ACK');
    assert.equal(acks.length, 2);
    assert.equal(acks[1]?.headers.get('cseq'), acks[0]?.headers.get('cseq'));
    assert.equal(call.state, 'confirmed');
    assert.deepEqual(h.signals, ['answered']);
    assert.deepEqual(h.refusals, []);
  });

  it("UAC: hanging up an early dialog sends CANCEL (the INVITE's branch); its 487 ends the call quietly", async () => {
    const h = harness();
    const { call, invite, path } = await outgoing(h);
    answer(h, invite, 180, 'Ringing');
    call.receive({ type: 'ended' });
    const cancel = requests(h, 'CANCEL')[0];
    assert.ok(cancel);
    assert.equal(cancel.headers.get('via'), invite.headers.get('via'));
    assert.equal(call.state, 'cancelling');
    answer(h, invite, 487, 'Request Terminated');
    assert.equal(call.state, 'terminated');
    assert.deepEqual(path, ['early', 'cancelling', 'terminated']);
    assert.deepEqual(h.signals, ['ringing'], 'the phone, which hung up, is told nothing more');
    assert.deepEqual(h.refusals, []);
  });

  it('UAC: hung up before any 1xx, the CANCEL waits for the first one (9.1); a 2xx that crosses it is ACKed and ended by BYE', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    call.receive({ type: 'ended' });
    assert.equal(requests(h, 'CANCEL').length, 0, 'no CANCEL before a provisional answer');
    answer(h, invite, 100, 'Trying');
    assert.equal(requests(h, 'CANCEL').length, 1, 'the CANCEL goes with the first provisional answer');
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    assert.equal(requests(h, 'ACK').length, 1);
    assert.equal(requests(h, 'BYE').length, 1);
    assert.equal(call.state, 'terminated');
    assert.deepEqual(h.signals, []);
    assert.deepEqual(h.refusals, []);
  });

  it('UAS: CANCEL of the ringing call: 200 to the CANCEL, 487 to the INVITE, the phone told', () => {
    const h = harness();
    const { call, replies } = incoming(h);
    call.receive({ type: 'ringing' });
    const cancelReplies: SipResponse[] = [];
    call.onRequest(fromFar('CANCEL', 1, 'call-in', ''), (b) => cancelReplies.push(parseSip(b, true) as SipResponse));
    assert.deepEqual(
      cancelReplies.map((r) => r.status),
      [200],
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      [180, 487],
    );
    assert.equal(call.state, 'terminated');
    assert.deepEqual(h.signals, ['ended']);
    call.onRequest(fromFar('CANCEL', 1, 'call-in', ''), () => undefined);
    assert.deepEqual(
      replies.map((r) => r.status),
      [180, 487],
      'a CANCEL again changes nothing',
    );
    assert.deepEqual(h.refusals, []);
  });

  it("re-INVITE glare: the far end's re-INVITE while ours is out gets 491; ours, answered 491, goes again after 2.1-4 s", async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    call.receive({ type: 'hold' });
    const ours = requests(h, 'INVITE')[1];
    assert.ok(ours);
    assert.match(ours.body.toString(), /a=sendonly/);
    const theirs: SipResponse[] = [];
    call.onRequest(fromFar('INVITE', 5, 'call-out', 'NEAR', SDP), (b) => theirs.push(parseSip(b, true) as SipResponse));
    assert.deepEqual(
      theirs.map((r) => r.status),
      [491],
    );
    answer(h, ours, 491, 'Request Pending');
    assert.equal(call.offers.state, 'backingOff');
    h.clock.advance(2099);
    assert.equal(requests(h, 'INVITE').length, 2, 'not before 2.1 s (we chose the Call-ID)');
    h.clock.advance(1901);
    const again = requests(h, 'INVITE')[2];
    assert.ok(again, 'sent again by 4 s');
    assert.notEqual(again.headers.get('cseq'), ours.headers.get('cseq'));
    assert.match(again.body.toString(), /a=sendonly/);
    answer(h, again, 200, 'OK', SDP_HEADERS, SDP);
    // the 2xx's ACK, the 491's (its transaction's), the new 2xx's
    assert.deepEqual(
      requests(h, 'ACK').map((a) => a.headers.get('cseq')),
      ['1 ACK', '2 ACK', '3 ACK'],
    );
    assert.equal(call.offers.state, 'stable');
    // with ours answered, their re-INVITE is taken
    call.onRequest(fromFar('INVITE', 6, 'call-out', 'NEAR', SDP), (b) => theirs.push(parseSip(b, true) as SipResponse));
    assert.deepEqual(
      theirs.map((r) => r.status),
      [491, 200],
    );
    assert.equal(call.state, 'confirmed');
    assert.deepEqual(h.refusals, []);
  });

  it("UAC: the 2xx to our re-INVITE moves the remote target to its Contact (RFC 3261 12.2.1.2); a refusal's does not", async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    assert.equal(requests(h, 'ACK')[0]?.uri, 'sip:2002@192.0.2.20');
    call.receive({ type: 'hold' });
    const hold = requests(h, 'INVITE')[1] as SipRequest;
    assert.equal(hold.uri, 'sip:2002@192.0.2.20');
    answer(h, hold, 200, 'OK', [['Contact', '<sip:2002@192.0.2.99:5062>'], ...SDP_HEADERS], SDP);
    assert.equal(requests(h, 'ACK')[1]?.uri, 'sip:2002@192.0.2.99:5062', 'the ACK goes to the new target');
    call.receive({ type: 'resume' });
    const resume = requests(h, 'INVITE')[2] as SipRequest;
    assert.equal(resume.uri, 'sip:2002@192.0.2.99:5062');
    // a final refusal carries a Contact too: the target stays
    answer(h, resume, 488, 'Not Acceptable Here', [['Contact', '<sip:2002@192.0.2.77>']]);
    call.receive({ type: 'ended' });
    assert.equal(requests(h, 'BYE')[0]?.uri, 'sip:2002@192.0.2.99:5062');
    assert.deepEqual(h.refusals, []);
  });

  it('one re-INVITE at a time: a change while one is out goes once it is answered', async () => {
    const h = harness();
    const { call, invite } = await outgoing(h);
    answer(h, invite, 200, 'OK', SDP_HEADERS, SDP);
    call.receive({ type: 'hold' });
    call.receive({ type: 'resume' });
    assert.equal(requests(h, 'INVITE').length, 2);
    assert.equal(call.offers.state, 'queued');
    answer(h, requests(h, 'INVITE')[1] as SipRequest, 200, 'OK', SDP_HEADERS, SDP);
    const next = requests(h, 'INVITE')[2];
    assert.match(next?.body.toString() ?? '', /a=sendrecv/);
    assert.equal(call.offers.state, 'offering');
    assert.deepEqual(h.refusals, []);
  });
});
