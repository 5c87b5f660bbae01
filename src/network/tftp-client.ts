/**
 * A TFTP client (RFC 1350): read (RRQ) and write (WRQ) requests in octet mode, 512-byte blocks, one packet in
 * flight, the last packet sent again when no answer comes in time, an overall deadline and a bound on the size.
 *
 * Written here because npm has no maintained TFTP client: `tftp` (gagle/node-tftp) had its last release in 2015 and
 * pulls in command-line dependencies, `tftp-client` is under a proprietary licence, `tftp2` is a 0.0.1 sketch.
 * RFC 1350 is small; this is the client half, with no option extensions (RFC 2347), as the simplest phones send.
 *
 * What comes back is checked as the RFC says: the server answers from a port of its own (its transfer ID), which
 * the client holds to; a packet from anywhere else gets an ERROR 5 and changes nothing. A packet from the server
 * that is not TFTP, or not what the transfer expects, ends the transfer with ERROR 4 and an error here; a DATA block
 * already acknowledged is acknowledged again; a duplicate ACK is not answered (the Sorcerer's Apprentice bug).
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

const RRQ = 1;
const WRQ = 2;
const DATA = 3;
const ACK = 4;
const ERROR = 5;

/** The block size of RFC 1350. */
export const TFTP_BLOCK = 512;
/** The most blocks a transfer can have without wrapping the 16-bit block number. */
const MAX_BLOCKS = 65535;
/** The most ERROR 5 answers given to strangers during one transfer. */
const MAX_STRANGER_ANSWERS = 16;

/** An ERROR packet: the server's code (RFC 1350 section 5) and message, or one this client sent. */
export class TftpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TftpError';
  }
}

export interface TftpOptions {
  /** Everything together: the request, every block, every retransmission. */
  readonly deadlineMs: number;
  /** How long an answer is waited for before the last packet is sent again. */
  readonly retransmitMs: number;
  /** Times the same packet is sent before the transfer gives up (besides the deadline). */
  readonly maxSends?: number;
  /** The most a read receives. */
  readonly maxBytes: number;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
};

function request(op: number, filename: string): Buffer {
  if (filename === '' || filename.includes('\0')) throw new Error(`not a TFTP file name: ${JSON.stringify(filename)}`);
  const packet = Buffer.concat([u16(op), Buffer.from(filename, 'utf8'), Buffer.from([0]), Buffer.from('octet'), Buffer.from([0])]);
  if (packet.length > TFTP_BLOCK) throw new Error('TFTP file name too long');
  return packet;
}

const ack = (block: number): Buffer => Buffer.concat([u16(ACK), u16(block)]);
const data = (block: number, bytes: Buffer): Buffer => Buffer.concat([u16(DATA), u16(block), bytes]);
const errorPacket = (code: number, message: string): Buffer =>
  Buffer.concat([u16(ERROR), u16(code), Buffer.from(message, 'utf8'), Buffer.from([0])]);

/** The text of an ERROR packet's message: up to its NUL, printable, bounded. */
function errorText(msg: Buffer): string {
  const end = msg.indexOf(0, 4);
  return (
    msg
      .subarray(4, end < 0 ? msg.length : end)
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '?')
      .slice(0, 200) || 'no message'
  );
}

type Step = { readonly send?: Buffer; readonly done?: boolean };

/**
 * One transfer: sends `first` to host:port, then hands each packet from the server's transfer ID to `step`, which
 * says what to send next and whether it is done. Resolves when it is done; rejects on an ERROR, a packet `step`
 * refuses, silence after `maxSends` sends of the same packet, or the deadline.
 */
async function transfer(host: string, port: number, first: Buffer, o: TftpOptions, step: (op: number, msg: Buffer) => Step): Promise<void> {
  const address = isIP(host) ? host : (await lookup(host)).address;
  const socket: Socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  const maxSends = o.maxSends ?? 5;
  return new Promise<void>((resolve, reject) => {
    let peerPort: number | undefined;
    let last = first;
    let sends = 0;
    let strangers = 0;
    let finished = false;
    let retransmit: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearTimeout(retransmit);
      socket.close();
      if (err) reject(err);
      else resolve();
    };
    const deadline = setTimeout(() => finish(new Error(`not done within ${o.deadlineMs} ms`)), o.deadlineMs);
    const send = (packet: Buffer, toPort: number): void => {
      socket.send(packet, toPort, address, (err) => {
        if (err) finish(err);
      });
    };
    const sendLast = (): void => {
      if (finished) return;
      if (sends >= maxSends) {
        finish(new Error(`no answer from ${host}:${peerPort ?? port} after ${sends} sends`));
        return;
      }
      sends++;
      send(last, peerPort ?? port);
      retransmit = setTimeout(sendLast, o.retransmitMs);
    };
    const refuse = (code: number, why: string): void => {
      if (peerPort !== undefined) send(errorPacket(code, why), peerPort);
      finish(new TftpError(code, `TFTP: ${why}`));
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (finished) return;
      if (from.address !== address || (peerPort !== undefined && from.port !== peerPort)) {
        // not the server's transfer ID: told so, and otherwise ignored (RFC 1350 section 4)
        if (strangers++ < MAX_STRANGER_ANSWERS) {
          socket.send(errorPacket(5, 'Unknown transfer ID'), from.port, from.address, () => undefined);
        }
        return;
      }
      if (msg.length < 4) {
        peerPort ??= from.port;
        refuse(4, `a packet of ${msg.length} bytes is not TFTP`);
        return;
      }
      const op = msg.readUInt16BE(0);
      if (op === ERROR) {
        finish(new TftpError(msg.readUInt16BE(2), `TFTP error ${msg.readUInt16BE(2)}: ${errorText(msg)}`));
        return;
      }
      peerPort ??= from.port;
      let next: Step;
      try {
        next = step(op, msg);
      } catch (err) {
        if (err instanceof TftpError) refuse(err.code, err.message.replace(/^TFTP: /, ''));
        else finish(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (next.send) {
        clearTimeout(retransmit);
        last = next.send;
        sends = 0;
        if (next.done) {
          // the last ACK of a read: sent once; a lost one makes the server send its block again, to nobody
          send(next.send, peerPort);
        } else sendLast();
      }
      if (next.done) finish();
    });
    socket.bind(0, () => sendLast());
  });
}

const illegal = (why: string): TftpError => new TftpError(4, `TFTP: ${why}`);

/** Reads `filename` from the server (RRQ): its bytes. */
export async function tftpGet(host: string, port: number, filename: string, o: TftpOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let expected = 1;
  await transfer(host, port, request(RRQ, filename), o, (op, msg) => {
    if (op !== DATA) throw illegal(`opcode ${op} during a read`);
    const block = msg.readUInt16BE(2);
    const bytes = msg.subarray(4);
    if (bytes.length > TFTP_BLOCK) throw illegal(`a block of ${bytes.length} bytes`);
    if (block === expected - 1) return { send: ack(block) }; // our ACK was lost: again
    if (block !== expected) return {}; // an old or stray block: nothing to do
    size += bytes.length;
    if (size > o.maxBytes) throw new TftpError(3, `TFTP: file too large (over ${o.maxBytes} bytes)`);
    if (expected === MAX_BLOCKS && bytes.length === TFTP_BLOCK) throw new TftpError(3, 'TFTP: file too large for 512-byte blocks');
    chunks.push(Buffer.from(bytes));
    expected++;
    return { send: ack(block), done: bytes.length < TFTP_BLOCK };
  });
  return Buffer.concat(chunks);
}

/** Writes `body` as `filename` on the server (WRQ). */
export async function tftpPut(host: string, port: number, filename: string, body: Buffer, o: TftpOptions): Promise<void> {
  const blocks = Math.floor(body.length / TFTP_BLOCK) + 1; // the last is shorter than 512, empty if need be
  if (blocks > MAX_BLOCKS) throw new Error(`too large for TFTP (${body.length} bytes)`);
  let sent = 0; // the block waiting for its ACK (0: the request)
  await transfer(host, port, request(WRQ, filename), o, (op, msg) => {
    if (op !== ACK) throw illegal(`opcode ${op} during a write`);
    const block = msg.readUInt16BE(2);
    if (block !== sent) return {}; // a duplicate ACK: not answered
    if (sent === blocks) return { done: true };
    sent++;
    return { send: data(sent, body.subarray((sent - 1) * TFTP_BLOCK, sent * TFTP_BLOCK)) };
  });
}
