/**
 * Debian's baresip as the tests' softphone: started headless with a configuration made for the run (G.711, or the
 * codecs asked for such as G.722, a sine tone as its microphone, what it decodes dumped to WAV files), driven through its ctrl_tcp module (netstring-framed JSON commands
 * and events, baresip's own remote control), one account registered to the test's SIP server or none.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './kamailio.js';
import { stopChild } from './child-process.js';
import { program } from './peers.js';

export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly peeruri?: string;
  readonly param?: string;
  readonly [key: string]: unknown;
}

export interface Baresip {
  readonly sipPort: number;
  readonly aor: string;
  readonly events: BaresipEvent[];
  /** Runs a command (as typed after the slash: `dial`, `accept`, `hold`, `transfer`, ...); its answer's text. */
  command(name: string, params?: string): Promise<string>;
  /** The first event of `type` (from `since`, an index into events) that `match` accepts, within `ms`. */
  waitEvent(type: string, match?: (e: BaresipEvent) => boolean, ms?: number, since?: number): Promise<BaresipEvent>;
  output(): string;
  /** What it decoded of its last call (WAV, by its sndfile module), as written so far; empty before a call. */
  heard(): Buffer;
  stop(): Promise<void>;
}

export interface BaresipOptions {
  readonly user: string;
  /** The SIP server it registers with (`host:port`, UDP), and its password there. */
  readonly registrar?: string;
  readonly password?: string;
  /** Its codecs as baresip names them (default PCMU and PCMA); `G722/16000/1` loads its G.722 module (spandsp's codec). */
  readonly codecs?: readonly string[];
  /** Media encryption of its account (`;mediaenc=`): `srtp` (optional, RTP/AVP with keys) or `srtp-mand` (RTP/SAVP). */
  readonly mediaenc?: 'srtp' | 'srtp-mand';
  /**
   * Its address book (its contact module): SIP URIs, the first its current contact, to which its `message` command
   * sends (baresip 1.0.0 sends instant messages to the current contact only). Its stdio module comes with it: the
   * messages it receives are printed to its output only through a user interface.
   */
  readonly contacts?: readonly string[];
}

/** A WAV file of `seconds` of a 400 Hz tone, 16-bit mono, at `rate` (8 kHz for G.711, 16 kHz for G.722). */
export function toneWav(seconds: number, rate = 8000): Buffer {
  const samples = seconds * rate;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 400 * i) / rate)), 44 + i * 2);
  return wav;
}

/** A WAV file's sample rate, and how much of the power of its last `seconds` is at `freq` (Goertzel; 0..1). */
export function toneIn(wav: Buffer, freq: number, seconds: number): { rate: number; share: number; seconds: number } {
  if (wav.length < 44) return { rate: 0, share: 0, seconds: 0 };
  const rate = wav.readUInt32LE(24);
  const samples = Math.floor((wav.length - 44) / 2);
  const n = Math.min(samples, Math.round(rate * seconds));
  const k = (2 * Math.PI * freq) / rate;
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = samples - n; i < samples; i++) {
    const x = wav.readInt16LE(44 + 2 * i);
    energy += x * x;
    const s0 = x + 2 * Math.cos(k) * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - 2 * Math.cos(k) * s1 * s2;
  return { rate, share: energy > 0 ? (2 * power) / (n * energy) : 0, seconds: samples / (rate || 1) };
}

/** Splits netstrings (`len:payload,`) out of a stream. */
function netstrings(onMessage: (payload: string) => void): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const colon = buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(buf.subarray(0, colon).toString());
      if (!Number.isInteger(len) || buf.length < colon + 1 + len + 1) return;
      onMessage(buf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      buf = buf.subarray(colon + 1 + len + 1);
    }
  };
}

/**
 * A port for its SIP (UDP and TCP) whose next port is free for TCP too: baresip 1.0.0 also listens for SIP over TLS
 * there (its ua.c: the SIP port + 1; its config has no switch for the transports), and fails to start when that
 * port is taken.
 */
async function freeSipPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port >= 65535) continue;
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    if (ok) await new Promise<void>((r) => tcp.close(() => r()));
    if (ok) return port;
  }
}

export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  const dir = mkdtempSync(join(tmpdir(), 'polysim-baresip-'));
  const sipPort = await freeSipPort();
  let ctrlPort = await freePort();
  while (ctrlPort === sipPort + 1) ctrlPort = await freePort();
  const codecs = opts.codecs ?? ['PCMU', 'PCMA'];
  const wideband = codecs.some((c) => c.startsWith('G722'));
  const tone = join(dir, 'tone.wav');
  writeFileSync(tone, toneWav(60, wideband ? 16000 : 8000));
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      // Loopback only: without this baresip puts the machine's first interface address in its SDP and Contact.
      'net_interface 127.0.0.1',
      `sip_listen 127.0.0.1:${sipPort}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      ...(wideband ? ['module g722.so'] : []),
      // SRTP with SDES keys (RFC 4568), for an account whose mediaenc names it
      'module srtp.so',
      'module aufile.so',
      // sndfile dumps each call's audio, what it encodes and what it decodes, to WAV files in snd_path
      'module sndfile.so',
      `snd_path ${dir}`,
      'module menu.so',
      'module account.so',
      ...(opts.contacts ? ['module contact.so', 'module stdio.so'] : []),
      'module ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      `audio_player aufile,${join(dir, 'heard.wav')}`,
      // A 400 Hz tone at the codec's rate as its microphone (baresip's own sine source makes 48 kHz only, which G.711
      // refuses).
      `audio_source aufile,${tone}`,
      `audio_alert aufile,${join(dir, 'alert.wav')}`,
      'rtp_ports 30000-39998',
      '',
    ].join('\n'),
  );
  const host = opts.registrar ?? `127.0.0.1:${sipPort}`;
  const aor = `sip:${opts.user}@${host}`;
  const params = opts.registrar
    ? `;auth_pass=${opts.password ?? ''};outbound="sip:${opts.registrar}";regint=600;answermode=manual;audio_codecs=${codecs.join(',')}`
    : `;regint=0;answermode=manual;audio_codecs=${codecs.join(',')}`;
  const mediaenc = opts.mediaenc ? `;mediaenc=${opts.mediaenc}` : '';
  writeFileSync(join(dir, 'accounts'), `<${aor}>${params}${mediaenc}\n`);
  if (opts.contacts) {
    writeFileSync(join(dir, 'contacts'), opts.contacts.map((uri) => `<${uri}>\n`).join(''));
    if (opts.contacts[0]) writeFileSync(join(dir, 'current_contact'), opts.contacts[0]);
  }
  let output = '';
  const child: ChildProcess = spawn(program('baresip'), ['-f', dir, '-v'], {
    // its stdio module waits for keys on its standard input: a pipe (it cannot wait on /dev/null), never written to
    stdio: [opts.contacts ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const events: BaresipEvent[] = [];
  const waiting = new Map<string, (r: { ok: boolean; data: string }) => void>();
  let socket: Socket | undefined;
  const end = Date.now() + 10_000;
  while (!socket) {
    if (child.exitCode !== null) throw new Error(`baresip exited:\n${output}`);
    if (Date.now() > end) throw new Error(`baresip's control port did not open:\n${output}`);
    socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(ctrlPort, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (!socket) await new Promise((r) => setTimeout(r, 50));
  }
  socket.on(
    'data',
    netstrings((payload) => {
      const m = JSON.parse(payload) as { response?: boolean; event?: boolean; token?: string; ok?: boolean; data?: string } & BaresipEvent;
      if (m.response && m.token) {
        waiting.get(m.token)?.({ ok: m.ok === true, data: m.data ?? '' });
        waiting.delete(m.token);
      } else if (m.event) {
        events.push(m);
      }
    }),
  );
  let token = 0;
  const ctrl = socket;
  const command = (name: string, params = ''): Promise<string> =>
    new Promise((resolve, reject) => {
      const t = String(++token);
      const timer = setTimeout(() => {
        waiting.delete(t);
        reject(new Error(`baresip did not answer ${name}`));
      }, 5000);
      waiting.set(t, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve(r.data);
        else reject(new Error(`baresip refused ${name} ${params}: ${r.data}`));
      });
      const body = Buffer.from(JSON.stringify({ command: name, params, token: t }));
      ctrl.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  const waitEvent = async (type: string, match: (e: BaresipEvent) => boolean = () => true, ms = 8000, since = 0): Promise<BaresipEvent> => {
    const until = Date.now() + ms;
    for (;;) {
      const found = events.slice(since).find((e) => e.type === type && match(e));
      if (found) return found;
      if (Date.now() > until)
        throw new Error(`no baresip event ${type}; saw ${JSON.stringify(events.slice(since))}\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Registered: its registration info shows the registrar's 200 OK (the event may come before the control port).
  if (opts.registrar) {
    const until = Date.now() + 10_000;
    for (;;) {
      // Its registration info, without the terminal colours around the status.
      const info = (await command('reginfo')).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
      if (/\sOK\s/.test(info)) break;
      if (Date.now() > until) throw new Error(`baresip did not register:\n${info}\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    sipPort,
    aor,
    events,
    command,
    waitEvent,
    output: () => output,
    heard: () => {
      const dumps = readdirSync(dir)
        .filter((f) => f.endsWith('-dec.wav'))
        .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
        .sort((a, b) => b.at - a.at);
      return dumps[0] ? readFileSync(join(dir, dumps[0].f)) : Buffer.alloc(0);
    },
    stop: async () => {
      ctrl.destroy();
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
