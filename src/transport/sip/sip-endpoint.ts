/**
 * One phone's SIP endpoint: what its sockets receive (receiver.ts) is parsed once and goes to the phone's SIP user
 * agent (calls, registrations, message waiting) or else to the REST-over-NOTIFY handler (notify.ts). UDP
 * retransmissions of a request are answered again from the server transaction's cached answer and run once
 * (transactions.ts). Commands run after their 200 OK has gone; a failed command's report goes back to the sender
 * in an INFO (notify-report.ts).
 */
import type { PhonePipeline } from '../../gate/pipeline.js';
import type { Phone } from '../../phone/phone.js';
import type { Capabilities } from '../../sip/codec/capabilities.js';
import type { Destination, SipTransportName } from '../../sip/codec/destination.js';
import { newTag, parseSip, responseTo, SipParseError, transactionKey, writeSip } from '../../sip/codec/message.js';
import type { SipRequest, SipResponse } from '../../sip/codec/message.js';
import { handleSipRequest, REQUIRED } from './notify.js';
import { notifyReport } from './notify-report.js';
import type { Arrival, SipReceiver, Sender } from './receiver.js';
import { TransactionTable } from './transactions.js';

/** What the endpoint hands to the phone's SIP user agent. */
export interface SipAgent {
  onResponse(res: SipResponse): boolean;
  /** A request for the user agent (its dialogs, calls to its lines, message summaries); false when it is none of its business. */
  onRequest(req: SipRequest, ctx: { reply: (buf: Buffer) => void; transport: SipTransportName; address: string; port: number }): boolean;
  /** What the phone supports now (capabilities.ts): what the requests left to the endpoint are answered from. */
  capabilities(): Capabilities;
  /** bindRequired: whether a line is registered with this server. */
  boundTo(address: string, port: number): boolean;
  /** The listener is open (again): registrations may go out. */
  transportUp(): void;
  /** A send failed or a connection this phone opened closed (`why`: how, when known): its transactions end. */
  transportFailed(dest: Destination, why?: string): void;
}

export interface SipEndpointOptions {
  /** Told of anything a message handler or a command threw (a message is answered 500 and the endpoint goes on). */
  readonly onError?: (err: unknown) => void;
}

export class SipEndpoint implements SipReceiver {
  private agent: SipAgent | undefined;
  private readonly transactions = new TransactionTable<Buffer | undefined>();
  private local = { address: '', port: 0 };
  private infoSeq = 1;

  constructor(
    private readonly phone: Phone,
    private readonly pipeline: PhonePipeline,
    private readonly options: SipEndpointOptions = {},
  ) {}

  /**
   * The user agent, given once. It cannot come through the constructor: it sends through the listener and the
   * outbound connections, which deliver here, so it is made after them. The listener opens only once it is given.
   */
  attach(agent: SipAgent): void {
    if (this.agent) throw new Error('the SIP endpoint has its user agent already');
    this.agent = agent;
  }

  opened(local: { readonly address: string; readonly port: number }): void {
    if (!this.agent) throw new Error('the SIP endpoint opened before its user agent was attached');
    this.local = { address: local.address, port: local.port };
    this.transactions.clear();
    this.agent.transportUp();
  }

  failed(dest: Destination, why?: string): void {
    this.agent?.transportFailed(dest, why);
  }

  /** Every message goes through here; nothing it throws gets past (answered 500, logged, and the endpoint goes on). */
  receive(raw: Buffer, arrival: Arrival): void {
    try {
      this.handle(raw, arrival);
    } catch (err) {
      this.options.onError?.(err);
      answerMalformed(raw, arrival.sender, 'internal error', 500, 'Server Internal Error');
    }
  }

  private handle(raw: Buffer, { datagram, sender, address, port }: Arrival): void {
    if (!this.phone.isUp) return;
    let req: SipRequest;
    try {
      const msg = parseSip(raw, datagram);
      if (msg.kind === 'response') {
        this.agent?.onResponse(msg); // answers to our INFOs need nothing
        return;
      }
      req = msg;
    } catch (err) {
      if (err instanceof SipParseError) answerMalformed(raw, sender, err.message);
      return;
    }
    this.phone.traffic.noteRequest();
    if (
      this.agent &&
      REQUIRED.every((h) => req.headers.has(h)) &&
      this.agent.onRequest(req, { reply: (buf) => sender.send(buf), transport: sender.transport, address, port })
    )
      return;
    const key = datagram ? `${address}:${port}|${transactionKey(req)}` : undefined;
    const now = Date.now();
    if (key) {
      const seen = this.transactions.get(key, now);
      if (seen !== undefined || this.transactions.has(key)) {
        // A retransmission: the same answer again, and the command does not run twice.
        if (seen) sender.send(seen);
        return;
      }
    }
    const verdict = handleSipRequest(
      this.phone,
      this.pipeline,
      req,
      address,
      this.agent?.boundTo(address, port) ?? false,
      this.agent?.capabilities(),
    );
    // every answer out of a dialog its own random To-tag (RFC 3261 19.3); a retransmission gets the cached answer
    const toTag = newTag();
    const answer = verdict.answer
      ? responseTo(req, verdict.answer.status, verdict.answer.reason, toTag, [
          ['Server', `Polycom/${this.phone.profile.firmware}`],
          ...(verdict.answer.headers ?? []),
        ])
      : undefined;
    if (key) this.transactions.set(key, answer, now);
    if (answer) sender.send(answer);
    if (verdict.command) {
      verdict
        .command()
        .then((report) => {
          if (!report) return;
          sender.send(
            notifyReport(req, report, {
              transport: sender.transport,
              address: this.local.address,
              port: this.local.port,
              user: this.phone.lines.get(1).address.split('@')[0] || 'phone',
              toTag,
              cseq: this.infoSeq++,
            }),
          );
        })
        .catch((err: unknown) => this.options.onError?.(err));
    }
  }
}

/** A request that cannot be parsed gets 400 when it still names a Via to answer to; anything else is dropped. */
function answerMalformed(raw: Buffer, sender: Sender, why: string, status = 400, reason = 'Bad Request'): void {
  const text = raw.subarray(0, 8192).toString('utf8');
  if (!/^[A-Za-z0-9.!%*_+`'~-]+ \S+ SIP\/2\.0\r\n/.test(text)) return;
  const header = (name: string): string | undefined => new RegExp(`\\r\\n(?:${name})[ \\t]*:[ \\t]*([^\\r\\n]*)`, 'i').exec(text)?.[1];
  const via = header('via|v');
  if (!via) return;
  sender.send(
    writeSip(`SIP/2.0 ${status} ${reason}`, [
      ['Via', via],
      ['From', header('from|f') ?? ''],
      ['To', header('to|t') ?? ''],
      ['Call-ID', header('call-id|i') ?? ''],
      ['CSeq', header('cseq') ?? ''],
      ['Warning', `399 polysim "${why.replaceAll('"', "'")}"`],
    ]),
  );
}
