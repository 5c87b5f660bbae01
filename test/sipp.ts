/**
 * sipp as a far end for the tests that run the scenarios of docs/sipp/ (UPDATE, 420, 481 after a call ended): one
 * run of a scenario with its message log, the messages sipp received, and a relay that serves as a phone's line
 * server (it grants REGISTER and passes everything else between the phone and a callee sipp), so the phone's line is
 * registered by SIP and its calls go to sipp.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const exec = promisify(execFile);
export const SCENARIOS = new URL('../docs/sipp/', import.meta.url).pathname;

/** A header's value in a message's text (the first of that name). */
export const header = (t: string, n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1]?.trim() ?? '';

/** Where a test file's sipp runs keep their logs; remove() unless KEEP_SIPP_LOGS is set. */
export class SippLogs {
  readonly dir = mkdtempSync(join(tmpdir(), 'polysim-sipp-'));

  /**
   * Runs a scenario of docs/sipp/ once (-m 1, 20 s at most); resolves with its message log once sipp exits 0, rejects
   * with the end of the log and its errors otherwise.
   */
  async run(scenario: string, args: string[], name: string): Promise<string> {
    const log = join(this.dir, `${name}.log`);
    const errors = join(this.dir, `${name}.errors`);
    const common = ['-m', '1', '-timeout', '20', '-timeout_error', '-nostdin', '-trace_msg', '-message_file', log, '-trace_err'];
    try {
      await exec('sipp', ['-sf', join(SCENARIOS, scenario), ...common, '-error_file', errors, ...args]);
    } catch (e) {
      let text = '';
      for (const f of [log, errors]) text += readFileSync(f, { encoding: 'utf8', flag: 'a+' });
      throw new Error(`sipp ${scenario} failed: ${String(e)}\n${text.slice(-4000)}`);
    }
    return readFileSync(log, 'utf8');
  }

  remove(): void {
    if (!process.env.KEEP_SIPP_LOGS) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Whether something (a sipp just started) has bound UDP `port`, from the kernel's table (/proc/net/udp): a probe that
 * bound the port itself could take it from sipp at that moment. Where there is no such table, true.
 */
export function udpTaken(port: number): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return true;
  }
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(suffix));
}

/** The messages of a sipp log that went one way, in order, each with its first line and whole text. */
export function messages(log: string, way: 'sent' | 'received'): { first: string; text: string }[] {
  const parts = log.split(/^\S+ message (sent|received).*$/m);
  const out: { first: string; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    if (parts[i] !== way) continue;
    const text = (parts[i + 1] ?? '').replace(/-{10,}[^\n]*\s*$/, '').trim();
    out.push({ first: text.split(/\r?\n/)[0] ?? '', text });
  }
  return out;
}

/** A status line's code and the CSeq it answers ("491 4 UPDATE"), for the responses in a list of messages. */
export const answers = (list: readonly { first: string; text: string }[]): string[] =>
  list.filter((m) => m.first.startsWith('SIP/2.0 ')).map((m) => `${m.first.split(' ')[1] ?? ''} ${header(m.text, 'CSeq')}`);

/**
 * A phone's line server on loopback UDP: grants every REGISTER, and passes what the phone sends to `callee` (a sipp
 * port, when set) and what anyone else sends to the phone.
 */
export class Relay {
  private readonly socket = createSocket('udp4');
  phonePort = 0;
  callee = 0;
  /** While set, the callee's final answers to INVITE wait here (`release()` lets them through). */
  holding = false;
  private held: Buffer[] = [];

  async start(): Promise<number> {
    this.socket.on('message', (m, from) => {
      const t = m.toString();
      if (t.startsWith('REGISTER')) {
        const lines = ['SIP/2.0 200 OK', `Via: ${header(t, 'Via')}`, `From: ${header(t, 'From')}`, `To: ${header(t, 'To')};tag=reg`];
        lines.push(
          `Call-ID: ${header(t, 'Call-ID')}`,
          `CSeq: ${header(t, 'CSeq')}`,
          `Contact: ${header(t, 'Contact')}`,
          'Content-Length: 0',
          '',
          '',
        );
        this.socket.send(lines.join('\r\n'), from.port, from.address);
      } else if (from.port === this.phonePort) {
        if (this.callee) this.socket.send(m, this.callee, '127.0.0.1');
      } else if (this.holding && /^SIP\/2\.0 [2-6]\d\d /.test(t) && /INVITE/.test(header(t, 'CSeq'))) {
        this.held.push(m);
      } else this.socket.send(m, this.phonePort, '127.0.0.1');
    });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    return this.socket.address().port;
  }

  /** Lets the callee's final answers through. */
  release(): void {
    this.holding = false;
    for (const m of this.held.splice(0)) this.socket.send(m, this.phonePort, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * For a describe's tests: a phone whose line 1 registers through a Relay (made before them, registered; stopped after
 * them, with the relay and the sipp logs). `phone()` gives it inside the tests.
 */
export function relayedPhone(): { readonly relay: Relay; readonly logs: SippLogs; phone(): TestPhone } {
  const relay = new Relay();
  const logs = new SippLogs();
  let p: TestPhone | undefined;
  before(async () => {
    const port = await relay.start();
    const made = await testPhone({ sipPort: 0, set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(port) } });
    p = made;
    relay.phonePort = made.sip?.port as number;
    await waitFor(() => made.phone.lines.get(1).registered);
  });
  after(async () => {
    await p?.stop();
    relay.close();
    logs.remove();
  });
  return {
    relay,
    logs,
    phone: () => {
      if (!p) throw new Error('the phone is made before the tests');
      return p;
    },
  };
}
