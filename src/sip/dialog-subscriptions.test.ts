/**
 * Dialog event subscriptions (RFC 6665, RFC 4235) on the manual clock, both ways: a busy lamp field key's watch as
 * subscriber (dialog-watch.ts, along subscription-state.ts's table), and a line's dialog state served to watchers
 * (dialog-notifier.ts). What goes on the wire is read back with the codec.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlfStatus } from '../phone/blf.js';
import type { Inbox } from '../phone/calls/signal.js';
import { ManualClock } from '../phone/clock.js';
import { unitPhone } from '../phone/test-phone.js';
import { parseSip, responseTo, writeSip } from './codec/message.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { ClientTransactions, RFC3261 } from './client-transactions.js';
import { parseDialogInfo } from './dialog-info.js';
import type { DialogInfo } from './dialog-info.js';
import { DialogNotifier, MAX_SUBSCRIPTIONS } from './dialog-notifier.js';
import type { CallDialog } from './dialog-notifier.js';
import { DialogWatch, statusOf, subscriptionState } from './dialog-watch.js';
import type { Source, WatchRoute } from './dialog-watch.js';
import type { SubscriptionState } from './subscription-state.js';
import { tagOf } from './name-addr.js';
import type { Destination, SipWire } from './wire.js';

const REGISTRAR: Destination = { transport: 'UDP', host: '192.0.2.10', port: 5060 };
const FROM_REGISTRAR: Source = { transport: 'UDP', address: '192.0.2.10', port: 5060 };
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Wire {
  clock: ManualClock;
  transactions: ClientTransactions;
  sent: { dest: Destination; msg: SipRequest | SipResponse }[];
  wire: SipWire;
}

function wire(clock = new ManualClock()): Wire {
  const sent: Wire['sent'] = [];
  const w: SipWire = {
    send: (dest, message) => {
      sent.push({ dest, msg: parseSip(message, true) as SipRequest | SipResponse });
    },
    local: () => ({ host: '127.0.0.1', port: 5080 }),
    listensOn: () => false,
  };
  return { clock, transactions: new ClientTransactions(w, clock), sent, wire: w };
}

const requests = (w: Wire, method: string): SipRequest[] =>
  w.sent.map((s) => s.msg).filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
const last = (w: Wire, method: string): SipRequest => {
  const r = requests(w, method).at(-1);
  assert.ok(r, `a ${method} went out`);
  return r;
};

/** The far end answers our request (through the transactions, as the user agent hands answers over). */
function answer(w: Wire, req: SipRequest, status: number, reason: string, extra: [string, string][] = []): void {
  const res = parseSip(responseTo(req, status, reason, 'NOTIFIER', extra), true) as SipResponse;
  assert.ok(w.transactions.onResponse(res), `${status} answers a transaction of ours`);
}

// ---- the watch (subscriber) ----

const ROUTE: WatchRoute = {
  dest: REGISTRAR,
  policy: RFC3261,
  aor: 'sip:1001@pbx.test',
  displayName: 'Front desk',
  auth: { user: '1001', password: 'pw' },
  expires: 3600,
  overlap: 60,
  retryBaseMs: 60_000,
  retryMaxMs: 180_000,
};

interface Watching extends Wire {
  watch: DialogWatch;
  shown: BlfStatus[];
  path: SubscriptionState[];
}

function watching(): Watching {
  const w = wire();
  const shown: BlfStatus[] = [];
  const watch = new DialogWatch(
    'sip:1002@pbx.test',
    ROUTE,
    { wire: w.wire, transactions: w.transactions, clock: w.clock, userAgent: 'test' },
    (s) => shown.push(s),
  );
  const path: SubscriptionState[] = [];
  watch.state.onMove((_f, _e, to) => path.push(to));
  return { ...w, watch, shown, path };
}

let notifyCseq = 100;

/** A NOTIFY from the notifier in the subscription `sub` (our SUBSCRIBE) says. */
function notify(
  h: Watching,
  sub: SipRequest,
  state: string,
  body?: string,
  opts: { from?: Source; type?: string; event?: string; fromTag?: string; cseq?: number } = {},
): SipResponse {
  const cseq = opts.cseq ?? notifyCseq++;
  const req = parseSip(
    writeSip(
      'NOTIFY sip:1001@127.0.0.1:5080 SIP/2.0',
      [
        ['Via', `SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKn${cseq}`],
        ['From', `<sip:1002@pbx.test>;tag=${opts.fromTag ?? 'NOTIFIER'}`],
        ['To', sub.headers.get('from') ?? ''],
        ['Call-ID', sub.headers.get('call-id') ?? ''],
        ['CSeq', `${cseq} NOTIFY`],
        ['Contact', '<sip:ps@192.0.2.10:5060>'],
        ['Event', opts.event ?? 'dialog'],
        ['Subscription-State', state],
        ...(body !== undefined ? ([['Content-Type', opts.type ?? 'application/dialog-info+xml']] as [string, string][]) : []),
      ],
      body !== undefined ? Buffer.from(body) : undefined,
    ),
    true,
  ) as SipRequest;
  let res: SipResponse | undefined;
  h.watch.onNotify(req, opts.from ?? FROM_REGISTRAR, (b) => (res = parseSip(b, true) as SipResponse));
  assert.ok(res, 'the NOTIFY is answered');
  return res;
}

const doc = (version: number, dialogs: string, state = 'full'): string =>
  `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="${state}" entity="sip:1002@pbx.test">${dialogs}</dialog-info>`;
const EARLY =
  '<dialog id="d1" call-id="call-7" local-tag="BOB" remote-tag="ANN" direction="recipient"><state>early</state>' +
  '<remote><identity display="Ann">sip:2001@pbx.test</identity></remote></dialog>';
const CONFIRMED = '<dialog id="d1" direction="recipient"><state>confirmed</state></dialog>';

/** Started, challenged (407), answered 200 with `expires`: the watch is active. */
function active(expires = 600): Watching & { sub: SipRequest } {
  const h = watching();
  h.watch.start();
  answer(h, last(h, 'SUBSCRIBE'), 407, 'Proxy Authentication Required', [
    ['Proxy-Authenticate', 'Digest realm="pbx.test", nonce="n1", qop="auth", algorithm=MD5'],
  ]);
  const sub = last(h, 'SUBSCRIBE');
  answer(h, sub, 202, 'Accepted', [
    ['Expires', String(expires)],
    ['Contact', '<sip:ps@192.0.2.10:5060>'],
  ]);
  return { ...h, sub };
}

describe('a busy lamp field key watches a line (subscriber)', () => {
  it('subscribes through the registrar, answers the challenge, and lights from the NOTIFYs: ringing, busy, idle', () => {
    const h = watching();
    h.watch.start();
    const first = last(h, 'SUBSCRIBE');
    assert.equal(first.uri, 'sip:1002@pbx.test');
    assert.deepEqual(h.sent.at(-1)?.dest, REGISTRAR);
    assert.equal(first.headers.get('event'), 'dialog');
    assert.equal(first.headers.get('accept'), 'application/dialog-info+xml');
    assert.equal(first.headers.get('expires'), '3600');
    assert.equal(tagOf(first.headers.get('to')), '', 'out of dialog');
    assert.match(first.headers.get('from') ?? '', /^"Front desk" <sip:1001@pbx\.test>;tag=/);
    assert.equal(first.headers.get('contact'), '<sip:1001@127.0.0.1:5080>');
    assert.equal(first.headers.get('cseq'), '1 SUBSCRIBE');
    answer(h, first, 407, 'Proxy Authentication Required', [
      ['Proxy-Authenticate', 'Digest realm="pbx.test", nonce="n1", qop="auth", algorithm=MD5'],
    ]);
    const again = last(h, 'SUBSCRIBE');
    assert.equal(again.headers.get('call-id'), first.headers.get('call-id'));
    assert.equal(again.headers.get('cseq'), '2 SUBSCRIBE');
    assert.match(
      again.headers.get('proxy-authorization') ?? '',
      /^Digest username="1001", realm="pbx.test", nonce="n1", uri="sip:1002@pbx.test"/,
    );
    answer(h, again, 200, 'OK', [['Expires', '600']]);
    assert.equal(h.watch.state.state, 'active');

    assert.equal(notify(h, again, 'active;expires=600', doc(0, '')).status, 200);
    assert.equal(notify(h, again, 'active;expires=599', doc(1, EARLY)).status, 200);
    assert.equal(notify(h, again, 'active;expires=598', doc(2, CONFIRMED)).status, 200);
    assert.equal(notify(h, again, 'active;expires=597', doc(3, '')).status, 200);
    assert.deepEqual(h.shown, [
      { state: 'idle' },
      {
        state: 'ringing',
        caller: { uri: 'sip:2001@pbx.test', name: 'Ann', number: '2001' },
        // the caller's early dialog replaced by ours: to-tag is the caller's (the watched side's remote tag)
        pickup: `sip:2001@pbx.test?Replaces=${encodeURIComponent('call-7;to-tag=ANN;from-tag=BOB;early-only')}`,
      },
      { state: 'busy' },
      { state: 'idle' },
    ]);
  });

  it('refreshes before the time runs out, on the phone clock, in its dialog with the challenge answered again', () => {
    const h = active(600);
    notify(h, h.sub, 'active;expires=600', doc(0, ''));
    const before = requests(h, 'SUBSCRIBE').length;
    h.clock.advance(539_000);
    assert.equal(requests(h, 'SUBSCRIBE').length, before, 'not yet: 60 s (expires.overlap) before the end');
    h.clock.advance(1000);
    const refresh = last(h, 'SUBSCRIBE');
    assert.equal(h.watch.state.state, 'refreshing');
    assert.equal(tagOf(refresh.headers.get('to')), 'NOTIFIER', 'in the dialog');
    assert.equal(refresh.uri, 'sip:ps@192.0.2.10:5060', "to the notifier's Contact");
    assert.equal(refresh.headers.get('call-id'), h.sub.headers.get('call-id'));
    assert.match(refresh.headers.get('proxy-authorization') ?? '', /nc=00000002/);
    answer(h, refresh, 200, 'OK', [['Expires', '100']]);
    assert.equal(h.watch.state.state, 'active');
    // a short grant: refreshed halfway
    h.clock.advance(50_000);
    assert.equal(h.watch.state.state, 'refreshing');
  });

  it('a NOTIFY before the 2xx forms the dialog; a stranger, another package, another type or a bad document are refused', () => {
    const h = watching();
    h.watch.start();
    const sub = last(h, 'SUBSCRIBE');
    assert.equal(notify(h, sub, 'active;expires=3600', doc(0, EARLY)).status, 200);
    assert.equal(h.shown.at(-1)?.state, 'ringing');
    answer(h, sub, 200, 'OK', [['Expires', '3600']]);
    assert.equal(h.watch.state.state, 'active');
    assert.equal(notify(h, sub, 'active', doc(1, ''), { from: { transport: 'UDP', address: '198.51.100.1', port: 5060 } }).status, 403);
    assert.equal(notify(h, sub, 'active', doc(1, ''), { event: 'presence' }).status, 489);
    assert.equal(notify(h, sub, 'active', doc(1, ''), { type: 'application/pidf+xml' }).status, 415);
    assert.equal(notify(h, sub, 'active', '<dialog-info version="1"').status, 400);
    assert.equal(notify(h, sub, 'active', doc(1, ''), { fromTag: 'OTHER-FORK' }).status, 481);
    assert.equal(h.shown.at(-1)?.state, 'ringing', 'none of them changed the key');
    assert.equal(notify(h, sub, 'active', doc(1, ''), { cseq: 500 }).status, 200);
    assert.equal(h.shown.at(-1)?.state, 'idle');
    // its retransmission (the 200 lost): the same answer again, applied once; a new NOTIFY with an old CSeq: 500
    const shown = h.shown.length;
    assert.equal(notify(h, sub, 'active', doc(1, ''), { cseq: 500 }).status, 200);
    assert.equal(h.shown.length, shown);
    assert.equal(notify(h, sub, 'active', doc(2, ''), { cseq: 499 }).status, 500);
    // pending (not authorised yet): nothing is known
    assert.equal(notify(h, sub, 'pending', undefined, { cseq: 501 }).status, 200);
    assert.equal(h.shown.at(-1)?.state, 'unknown');
  });

  it('a partial document after a lost one brings a refresh (full state); an old one is ignored', () => {
    const h = active();
    notify(h, h.sub, 'active', doc(4, CONFIRMED));
    notify(h, h.sub, 'active', doc(3, ''));
    assert.equal(h.shown.at(-1)?.state, 'busy', 'version 3 is older than 4');
    const before = requests(h, 'SUBSCRIBE').length;
    notify(h, h.sub, 'active', doc(6, '<dialog id="d1"><state>terminated</state></dialog>', 'partial'));
    assert.equal(requests(h, 'SUBSCRIBE').length, before + 1, 'version 5 was lost: SUBSCRIBE again');
    assert.equal(h.watch.state.state, 'refreshing');
    notify(h, h.sub, 'active', doc(5, '<dialog id="d1"><state>terminated</state></dialog>', 'partial'));
    assert.equal(h.shown.at(-1)?.state, 'idle', 'version 5, partial, applies in order');
  });

  it('481 to a refresh or a NOTIFY saying deactivated subscribes again at once, in a new dialog', () => {
    const h = active(600);
    h.clock.advance(540_000);
    answer(h, last(h, 'SUBSCRIBE'), 481, 'Call/Transaction Does Not Exist');
    const fresh = last(h, 'SUBSCRIBE');
    assert.notEqual(fresh.headers.get('call-id'), h.sub.headers.get('call-id'));
    assert.equal(tagOf(fresh.headers.get('to')), '');
    answer(h, fresh, 200, 'OK', [['Expires', '600']]);
    assert.equal(notify(h, fresh, 'terminated;reason=deactivated').status, 200);
    const third = last(h, 'SUBSCRIBE');
    assert.notEqual(third.headers.get('call-id'), fresh.headers.get('call-id'));
    assert.deepEqual(h.path, ['subscribing', 'subscribing', 'active', 'refreshing', 'subscribing', 'active', 'subscribing']);
  });

  it('a refusal, no answer, or an end without asking for a new one: unknown, and again after the back-off (doubling)', () => {
    const h = watching();
    h.watch.start();
    answer(h, last(h, 'SUBSCRIBE'), 404, 'Not Found');
    assert.equal(h.watch.state.state, 'waiting');
    assert.deepEqual(h.shown.at(-1), { state: 'unknown' });
    const count = (): number => requests(h, 'SUBSCRIBE').length;
    h.clock.advance(59_000);
    assert.equal(count(), 1);
    h.clock.advance(1000);
    assert.equal(count(), 2, 'after reg.N.server.1.registerRetry.baseTimeOut');
    // no answer at all (64 x T1, retransmitted meanwhile), then 120 s
    h.clock.advance(32_000);
    assert.equal(h.watch.state.state, 'waiting');
    const after = count();
    h.clock.advance(119_000);
    assert.equal(count(), after);
    h.clock.advance(1000);
    assert.equal(count(), after + 1);
    answer(h, last(h, 'SUBSCRIBE'), 200, 'OK', [['Expires', '600']]);
    // rejected with a Retry-After: that long
    notify(h, last(h, 'SUBSCRIBE'), 'terminated;reason=probation;retry-after=30');
    assert.equal(h.watch.state.state, 'waiting');
    const third = count();
    h.clock.advance(30_000);
    assert.equal(count(), third + 1);
    // wrong credentials: a challenge to an answered challenge
    answer(h, last(h, 'SUBSCRIBE'), 401, 'Unauthorized', [['WWW-Authenticate', 'Digest realm="r", nonce="a"']]);
    answer(h, last(h, 'SUBSCRIBE'), 401, 'Unauthorized', [['WWW-Authenticate', 'Digest realm="r", nonce="b"']]);
    assert.equal(h.watch.state.state, 'waiting');
  });

  it('423 asks again for the Min-Expires; stop unsubscribes with Expires: 0 in the dialog, and its last NOTIFY is taken', () => {
    const h = watching();
    h.watch.start();
    answer(h, last(h, 'SUBSCRIBE'), 423, 'Interval Too Brief', [['Min-Expires', '7200']]);
    const longer = last(h, 'SUBSCRIBE');
    assert.equal(longer.headers.get('expires'), '7200');
    answer(h, longer, 200, 'OK', [['Expires', '7200']]);
    h.watch.stop();
    const bye = last(h, 'SUBSCRIBE');
    assert.equal(bye.headers.get('expires'), '0');
    assert.equal(tagOf(bye.headers.get('to')), 'NOTIFIER');
    assert.equal(h.watch.state.state, 'unsubscribing');
    assert.equal(notify(h, longer, 'terminated;reason=timeout', doc(9, '')).status, 200);
    assert.equal(requests(h, 'SUBSCRIBE').length, 3, 'no new subscription');
    answer(h, bye, 200, 'OK', [['Expires', '0']]);
    assert.equal(h.watch.state.state, 'stopped');
    assert.equal(notify(h, longer, 'active', doc(10, '')).status, 481, 'over');
    // nothing runs on afterwards
    h.clock.advance(3_600_000);
    assert.equal(requests(h, 'SUBSCRIBE').length, 3);
  });

  it('Subscription-State and the key state read as RFC 6665 and RFC 4235 write them', () => {
    assert.deepEqual(subscriptionState('Active ; Expires=600'), { state: 'active', expires: 600 });
    assert.deepEqual(subscriptionState('terminated;reason=Probation;retry-after=20'), {
      state: 'terminated',
      reason: 'probation',
      retryAfter: 20,
    });
    assert.deepEqual(subscriptionState('active;expires=-1'), { state: 'active' });
    assert.deepEqual(subscriptionState(undefined), { state: '' });
    assert.deepEqual(statusOf([{ id: 'a', state: 'early', direction: 'recipient' }]), { state: 'ringing' }, 'no party: no caller');
    assert.deepEqual(
      statusOf([{ id: 'a', state: 'early', remote: { identity: 'sip:7@x', display: '' } }]),
      { state: 'ringing', caller: { uri: 'sip:7@x', name: '', number: '7' } },
      'no tags: no pickup',
    );
  });
});

// ---- the notifier ----

interface Notifying extends Wire {
  /** Whether the watcher answers each NOTIFY 200 at once (else the test answers). */
  answering: boolean;
  notifier: DialogNotifier;
  phone: ReturnType<typeof unitPhone>['phone'];
  dialogs: Map<string, CallDialog>;
  replies: SipResponse[];
}

async function notifying(): Promise<Notifying> {
  const { phone, clock } = unitPhone('VVX 450', {
    bootConfig: { 'reg.1.address': '1001', 'reg.1.displayName': 'Front desk', 'reg.1.server.1.address': '192.0.2.10' },
  });
  phone.start();
  clock.advance(1000);
  const w = wire(clock);
  const h = { answering: true };
  // the watcher answers each NOTIFY at once, as long as the test lets it
  const send = w.wire.send;
  w.wire.send = (dest, message) => {
    send(dest, message);
    const msg = w.sent.at(-1)?.msg;
    if (h.answering && msg?.kind === 'request' && msg.method === 'NOTIFY')
      w.transactions.onResponse(parseSip(responseTo(msg, 200, 'OK', 'WATCHER'), true) as SipResponse);
  };
  const dialogs = new Map<string, CallDialog>();
  const notifier = new DialogNotifier({
    phone,
    wire: w.wire,
    transactions: w.transactions,
    clock,
    userAgent: 'test',
    aor: (n) => (n === 1 ? 'sip:1001@pbx.test' : undefined),
    trusted: (_n, src) => src.address === '192.0.2.10',
    policy: () => RFC3261,
    callDialog: (id) => dialogs.get(id),
  });
  phone.on('calls', () => notifier.callsChanged());
  await tick();
  return Object.assign(h, { ...w, notifier, phone, dialogs, replies: [] });
}

let subscribeSeq = 0;

/** A SUBSCRIBE from a watcher (through the registrar unless `from` says otherwise); the answer. */
function subscribe(
  h: Notifying,
  opts: {
    expires?: string;
    event?: string;
    accept?: string;
    from?: Source;
    toTag?: string;
    callId?: string;
    cseq?: number;
    branch?: string;
  } = {},
): SipResponse {
  const callId = opts.callId ?? `w${++subscribeSeq}`;
  const req = parseSip(
    writeSip('SUBSCRIBE sip:1001@127.0.0.1:5080 SIP/2.0', [
      ['Via', `SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK${opts.branch ?? `s${++subscribeSeq}`}`],
      ['Record-Route', '<sip:192.0.2.10;lr>'],
      ['From', '<sip:1002@pbx.test>;tag=WATCHER'],
      ['To', `<sip:1001@pbx.test>${opts.toTag ? `;tag=${opts.toTag}` : ''}`],
      ['Call-ID', callId],
      ['CSeq', `${opts.cseq ?? 1} SUBSCRIBE`],
      ['Contact', '<sip:1002@192.0.2.20:5062>'],
      ['Event', opts.event ?? 'dialog'],
      ...(opts.accept !== undefined ? ([['Accept', opts.accept]] as [string, string][]) : []),
      ...(opts.expires !== undefined ? ([['Expires', opts.expires]] as [string, string][]) : []),
    ]),
    true,
  ) as SipRequest;
  const reply = (b: Buffer): void => void h.replies.push(parseSip(b, true) as SipResponse);
  if (opts.toTag) assert.ok(h.notifier.onSubscribe(req, reply), 'in a subscription of the notifier');
  else h.notifier.subscribe(req, 1, opts.from ?? FROM_REGISTRAR, reply);
  const res = h.replies.at(-1);
  assert.ok(res);
  return res;
}

function document(req: SipRequest): DialogInfo {
  const info = parseDialogInfo(req.body);
  assert.ok(!('error' in info));
  return info;
}

function ring(h: Notifying, callId: string): Inbox {
  const caller: Inbox = { receive: () => undefined };
  h.dialogs.set(callId, { callId, localTag: 'MINE', remoteTag: 'THEIRS', remoteUri: '<sip:2001@pbx.test>' });
  return h.phone.calls.incoming(1, { from: { number: '2001', name: 'Ann', address: '192.0.2.10' }, callId, caller, line: 1 });
}

describe("a line's dialog state served to watchers (notifier)", () => {
  it('200 with Expires, then a NOTIFY of the full state at once and on every change of the line: early, confirmed, none', async () => {
    const h = await notifying();
    const ok = subscribe(h, { expires: '600' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('expires'), '600');
    assert.equal(ok.headers.get('contact'), '<sip:1001@127.0.0.1:5080>');
    const first = last(h, 'NOTIFY');
    assert.equal(first.uri, 'sip:1002@192.0.2.20:5062', "the watcher's Contact");
    assert.equal(first.headers.get('route'), '<sip:192.0.2.10;lr>', 'its record-route set');
    assert.deepEqual(h.sent.at(-1)?.dest, { transport: 'UDP', host: '192.0.2.10', port: 5060 });
    assert.equal(first.headers.get('event'), 'dialog');
    assert.equal(first.headers.get('subscription-state'), 'active;expires=600');
    assert.equal(first.headers.get('content-type'), 'application/dialog-info+xml');
    assert.equal(tagOf(first.headers.get('from')), tagOf(ok.headers.get('to')));
    assert.equal(tagOf(first.headers.get('to')), 'WATCHER');
    assert.deepEqual(document(first), { version: 0, full: true, entity: 'sip:1001@pbx.test', dialogs: [] });

    ring(h, 'call-1');
    const early = document(last(h, 'NOTIFY'));
    assert.equal(early.version, 1);
    assert.deepEqual(early.dialogs, [
      {
        id: 'call-1',
        callId: 'call-1',
        localTag: 'MINE',
        remoteTag: 'THEIRS',
        direction: 'recipient',
        state: 'early',
        local: { identity: 'sip:1001@pbx.test', display: 'Front desk' },
        remote: { identity: 'sip:2001@pbx.test', display: 'Ann' },
      },
    ]);
    h.phone.calls.answer();
    assert.equal(document(last(h, 'NOTIFY')).dialogs[0]?.state, 'confirmed');
    const count = requests(h, 'NOTIFY').length;
    h.phone.calls.setMute(true);
    h.phone.calls.hold();
    assert.equal(requests(h, 'NOTIFY').length, count, 'muting or holding changes no dialog state: no NOTIFY');
    h.phone.calls.end();
    const idle = document(last(h, 'NOTIFY'));
    assert.deepEqual([idle.version, idle.dialogs], [3, []]);
    // NOTIFY's CSeq goes up in the dialog
    const cseqs = requests(h, 'NOTIFY').map((r) => Number(r.headers.get('cseq')?.split(' ')[0]));
    assert.deepEqual(
      cseqs,
      [...cseqs].sort((a, b) => a - b),
    );
  });

  it('a refresh in its dialog gets 200 and a NOTIFY; Expires: 0 and the time running out end it with a NOTIFY', async () => {
    const h = await notifying();
    const ok = subscribe(h, { expires: '600', callId: 'sub-r', branch: 'first' });
    const tag = tagOf(ok.headers.get('to'));
    // a retransmission (our 200 lost): the same answer, no second subscription, no second NOTIFY
    const notifies = requests(h, 'NOTIFY').length;
    assert.equal(tagOf(subscribe(h, { expires: '600', callId: 'sub-r', branch: 'first' }).headers.get('to')), tag);
    assert.equal(h.notifier.size, 1);
    assert.equal(requests(h, 'NOTIFY').length, notifies);
    h.clock.advance(500_000);
    const refreshed = subscribe(h, { expires: '300', callId: 'sub-r', toTag: tag, cseq: 2, branch: 'refresh' });
    assert.equal(refreshed.status, 200);
    assert.equal(last(h, 'NOTIFY').headers.get('subscription-state'), 'active;expires=300');
    const count = requests(h, 'NOTIFY').length;
    assert.equal(subscribe(h, { expires: '300', callId: 'sub-r', toTag: tag, cseq: 2, branch: 'refresh' }).status, 200);
    assert.equal(requests(h, 'NOTIFY').length, count, 'a retransmitted refresh is answered again, and NOTIFYs nothing');
    assert.equal(subscribe(h, { expires: '300', callId: 'sub-r', toTag: tag, cseq: 2 }).status, 500, 'an old CSeq');
    h.clock.advance(299_000);
    assert.equal(h.notifier.size, 1);
    h.clock.advance(1000);
    assert.equal(last(h, 'NOTIFY').headers.get('subscription-state'), 'terminated;reason=timeout');
    assert.equal(h.notifier.size, 0);

    const again = subscribe(h, { callId: 'sub-u' });
    assert.equal(again.headers.get('expires'), '3600', 'no Expires asked: an hour');
    const bye = subscribe(h, { expires: '0', callId: 'sub-u', toTag: tagOf(again.headers.get('to')), cseq: 2 });
    assert.equal(bye.status, 200);
    assert.equal(last(h, 'NOTIFY').headers.get('subscription-state'), 'terminated;reason=timeout');
    assert.equal(h.notifier.size, 0);
    // Expires: 0 out of dialog fetches the state once
    const fetch = subscribe(h, { expires: '0' });
    assert.equal(fetch.status, 200);
    assert.equal(last(h, 'NOTIFY').headers.get('subscription-state'), 'terminated;reason=timeout');
    assert.equal(h.notifier.size, 0);
  });

  it('refuses another package (489), a stranger (403), an Accept without dialog-info (406), a short Expires (423), too many (503)', async () => {
    const h = await notifying();
    const presence = subscribe(h, { event: 'presence' });
    assert.equal(presence.status, 489);
    assert.match(presence.headers.get('allow-events') ?? '', /(^|,)dialog(,|$)/);
    assert.equal(subscribe(h, { from: { transport: 'UDP', address: '198.51.100.7', port: 5060 } }).status, 403);
    assert.equal(subscribe(h, { accept: 'application/pidf+xml' }).status, 406);
    assert.equal(subscribe(h, { accept: 'application/pidf+xml, application/dialog-info+xml' }).status, 200);
    assert.equal(subscribe(h, { expires: '10' }).headers.get('min-expires'), '60');
    assert.equal(subscribe(h, { expires: 'soon' }).status, 400);
    assert.equal(subscribe(h, { expires: '99999' }).headers.get('expires'), '3600', 'at most an hour');
    while (h.notifier.size < MAX_SUBSCRIPTIONS) subscribe(h);
    const full = subscribe(h);
    assert.equal(full.status, 503);
    assert.equal(full.headers.get('retry-after'), '60');
    assert.equal(h.notifier.size, MAX_SUBSCRIPTIONS);
  });

  it("a watcher that refuses a NOTIFY (481) or does not answer has let it go; the line's going ends the rest", async () => {
    const h = await notifying();
    h.answering = false;
    subscribe(h);
    answer(h, last(h, 'NOTIFY'), 481, 'Subscription Does Not Exist');
    assert.equal(h.notifier.size, 0);
    const count = requests(h, 'NOTIFY').length;
    ring(h, 'call-2');
    assert.equal(requests(h, 'NOTIFY').length, count, 'nobody to tell');
    h.phone.calls.reject();
    subscribe(h);
    h.clock.advance(32_000); // 64 x T1 without an answer
    assert.equal(h.notifier.size, 0);
    subscribe(h);
    answer(h, last(h, 'NOTIFY'), 200, 'OK');
    h.notifier.prune(() => false);
    assert.equal(last(h, 'NOTIFY').headers.get('subscription-state'), 'terminated;reason=noresource');
    assert.equal(h.notifier.size, 0);
  });
});
