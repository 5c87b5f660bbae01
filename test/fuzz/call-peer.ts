/**
 * A far end for generated call sequences (test/sip-call-invariant.test.ts): one UDP socket that is a registered
 * line's registrar and proxy and every party the phone talks to. It keeps the dialogs both sides made, answers what
 * the phone sends inside them (re-INVITE with SDP, REFER 202, NOTIFY and BYE 200, CANCEL with 487), and on command
 * answers the phone's INVITEs, calls the phone, and sends BYE, REFER (blind or with Replaces), NOTIFY and CANCEL.
 * It notes which dialogs were confirmed and which saw a BYE, either way.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

const header = (t: string, n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1]?.trim() ?? '';
const tagOf = (v: string): string => /;tag=([^;>\s]+)/.exec(v)?.[1] ?? '';
const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n';

export interface PeerDialog {
  readonly callId: string;
  /** Who sent the INVITE. */
  readonly by: 'phone' | 'peer';
  /** The INVITE as it came (phone's) or went (ours), for answers, ACK and CANCEL. */
  invite: string;
  phoneTag: string;
  readonly peerTag: string;
  cseq: number;
  /** A 2xx to the INVITE went or came. */
  confirmed: boolean;
  /** A final answer went or came (so the INVITE is over). */
  final: boolean;
  bye: boolean;
  /** The phone sent REFER in this dialog (it awaits our NOTIFY). */
  referred: boolean;
}

export class CallPeer {
  readonly socket: Socket = createSocket('udp4');
  readonly dialogs = new Map<string, PeerDialog>();
  phonePort = 0;
  private n = 0;

  async start(): Promise<number> {
    this.socket.on('message', (m) => this.onMessage(m.toString()));
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    return this.socket.address().port;
  }

  private get port(): number {
    return this.socket.address().port;
  }

  private send(text: string): void {
    this.socket.send(text, this.phonePort, '127.0.0.1');
  }

  private reply(req: string, status: number, reason: string, toTag = '', body = ''): void {
    const to = header(req, 'To');
    this.send(
      [
        `SIP/2.0 ${status} ${reason}`,
        ...req
          .split('\r\n')
          .filter((l) => /^Via:/i.test(l))
          .map((l) => l),
        `From: ${header(req, 'From')}`,
        `To: ${to}${toTag && !tagOf(to) ? `;tag=${toTag}` : ''}`,
        `Call-ID: ${header(req, 'Call-ID')}`,
        `CSeq: ${header(req, 'CSeq')}`,
        `Contact: <sip:peer@127.0.0.1:${this.port}>`,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
  }

  /** A request of ours in dialog d (or out of dialog with an INVITE). */
  private request(d: PeerDialog, method: string, extra: string[] = [], body = '', cseq = ++d.cseq): string {
    const [from, to] =
      d.by === 'peer'
        ? [`<sip:peer@127.0.0.1>;tag=${d.peerTag}`, `<sip:1001@127.0.0.1>${d.phoneTag ? `;tag=${d.phoneTag}` : ''}`]
        : [`<sip:${/^INVITE sip:([^@]+)/.exec(d.invite)?.[1] ?? 'x'}@127.0.0.1>;tag=${d.peerTag}`, header(d.invite, 'From')];
    const text = [
      `${method} sip:1001@127.0.0.1:${this.phonePort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bKcp${++this.n}`,
      `From: ${from}`,
      `To: ${to}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${cseq} ${method}`,
      'Max-Forwards: 70',
      `Contact: <sip:peer@127.0.0.1:${this.port}>`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    this.send(text);
    return text;
  }

  private onMessage(t: string): void {
    const callId = header(t, 'Call-ID');
    const [cseqNo, cseqMethod] = header(t, 'CSeq').split(/\s+/);
    if (t.startsWith('REGISTER')) {
      this.reply(t, 200, 'OK', 'reg');
      return;
    }
    const d = this.dialogs.get(callId);
    if (t.startsWith('SIP/2.0')) {
      // answers to our requests: to our INVITE, ACK it (a 2xx confirms the dialog)
      const status = Number(t.slice(8, 11));
      if (!d || cseqMethod !== 'INVITE' || status < 200 || d.by !== 'peer' || d.final) return;
      d.final = true;
      d.phoneTag = tagOf(header(t, 'To'));
      d.confirmed = status < 300;
      this.request(d, 'ACK', [], '', Number(cseqNo));
      return;
    }
    const method = t.split(' ')[0] ?? '';
    if (method === 'INVITE' && !tagOf(header(t, 'To'))) {
      if (!d) {
        this.dialogs.set(callId, {
          callId,
          by: 'phone',
          invite: t,
          phoneTag: tagOf(header(t, 'From')),
          peerTag: `p${++this.n}`,
          cseq: 100,
          confirmed: false,
          final: false,
          bye: false,
          referred: false,
        });
      }
      return; // answered on command (answer())
    }
    if (method === 'ACK') return;
    if (method === 'CANCEL') {
      this.reply(t, 200, 'OK');
      if (d && !d.final) {
        d.final = true;
        this.reply(d.invite, 487, 'Request Terminated', d.peerTag);
      }
      return;
    }
    if (method === 'INVITE') this.reply(t, 200, 'OK', '', SDP);
    else if (method === 'REFER') {
      this.reply(t, 202, 'Accepted');
      if (d) d.referred = true;
    } else {
      if (method === 'BYE' && d) d.bye = true;
      this.reply(t, d || method !== 'BYE' ? 200 : 481, d || method !== 'BYE' ? 'OK' : 'Call/Transaction Does Not Exist');
    }
  }

  /** Phone's INVITEs not answered finally yet. */
  pendingFromPhone(): PeerDialog[] {
    return [...this.dialogs.values()].filter((d) => d.by === 'phone' && !d.final);
  }

  /** Dialogs confirmed and not ended by BYE. */
  confirmedDialogs(): PeerDialog[] {
    return [...this.dialogs.values()].filter((d) => d.confirmed && !d.bye);
  }

  /** Answers a phone's INVITE: 180, 200 (with SDP), or a failure. */
  answer(d: PeerDialog, status: 180 | 200 | 404 | 486): void {
    if (d.final) return;
    const reason = { 180: 'Ringing', 200: 'OK', 404: 'Not Found', 486: 'Busy Here' }[status];
    if (status >= 200) d.final = true;
    if (status === 200) d.confirmed = true;
    this.reply(d.invite, status, reason, d.peerTag, status === 200 ? SDP : '');
  }

  /** A call to the phone's line. */
  call(): void {
    const callId = `inv-${++this.n}`;
    const d: PeerDialog = {
      callId,
      by: 'peer',
      invite: '',
      phoneTag: '',
      peerTag: `p${this.n}`,
      cseq: 0,
      confirmed: false,
      final: false,
      bye: false,
      referred: false,
    };
    this.dialogs.set(callId, d);
    d.invite = this.request(d, 'INVITE', ['Content-Type: application/sdp'], SDP);
  }

  /** Gives up on our INVITE. */
  cancel(d: PeerDialog): void {
    if (d.by !== 'peer' || d.final) return;
    const via = header(d.invite, 'Via');
    this.send(
      [
        `CANCEL sip:1001@127.0.0.1:${this.phonePort} SIP/2.0`,
        `Via: ${via}`,
        `From: ${header(d.invite, 'From')}`,
        `To: ${header(d.invite, 'To')}`,
        `Call-ID: ${d.callId}`,
        `CSeq: ${header(d.invite, 'CSeq').split(' ')[0]} CANCEL`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }

  bye(d: PeerDialog): void {
    d.bye = true;
    this.request(d, 'BYE');
  }

  /** REFER the phone to a target (blind), or to another dialog's far end with Replaces (attended). */
  refer(d: PeerDialog, replaces?: PeerDialog): void {
    const target = replaces
      ? `<sip:2002@127.0.0.1?Replaces=${encodeURIComponent(`${replaces.callId};to-tag=${replaces.peerTag};from-tag=${replaces.phoneTag}`)}>`
      : '<sip:2005@127.0.0.1>';
    this.request(d, 'REFER', [`Refer-To: ${target}`]);
  }

  /** The transferee's report on the phone's REFER. */
  notify(d: PeerDialog, status: 100 | 200 | 404): void {
    const body = `SIP/2.0 ${status} ${{ 100: 'Trying', 200: 'OK', 404: 'Not Found' }[status]}\r\n`;
    const state = status === 100 ? 'active;expires=60' : 'terminated;reason=noresource';
    this.request(d, 'NOTIFY', ['Event: refer', `Subscription-State: ${state}`, 'Content-Type: message/sipfrag;version=2.0'], body);
  }

  close(): void {
    this.socket.close();
  }
}
