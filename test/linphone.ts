/**
 * Debian's linphone (linphonec, the console client of package linphone-cli) as the tests' softphone: started headless
 * with a configuration made for the run in a directory of its own (its HOME too, where it keeps its chat database),
 * on 127.0.0.1 only, IPv4, G.711, no video, WAV files instead of a sound card (a tone as its microphone, a file as
 * its speaker), one account registered to the test's SIP server or none. It is driven as a user types at its
 * prompt: commands written to its standard input, and the state lines it prints (`-S`) read from its output; its
 * log (`-d`) goes to a file of the directory.
 *
 * Its addresses drop the port: an account at 127.0.0.1:5070 is sip:user@127.0.0.1 in its REGISTER, its chat's
 * Request-URI and the GRUU it takes as its Contact, so the registrar must answer for the host at port 5060 too
 * (startKamailio's `domain`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toneWav } from './baresip.js';
import { gone, stopChild } from './child-process.js';
import { freePort } from './kamailio.js';
import { program } from './peers.js';

export interface Linphone {
  readonly sipPort: number;
  /** Its address of record: sip:user@registrar (or at its own port without one). */
  readonly aor: string;
  /** The lines it printed so far (prompts taken off), in order. */
  readonly lines: string[];
  /** Types a command at its prompt (`call <uri>`, `answer`, `pause`, `transfer <uri>`, `chat <uri> <text>`...). */
  command(line: string): void;
  /** The first line from `since` (an index into lines) that `re` matches, within `ms`. */
  waitLine(re: RegExp, ms?: number, since?: number): Promise<string>;
  /**
   * Its calls as its `calls` command lists them: id, the far end's address, state (`StreamsRunning`, `Paused`,
   * `PausedByRemote`, `OutgoingRinging`...).
   */
  calls(): Promise<LinphoneCall[]>;
  /** How far its log has grown (a mark for waitLog). */
  logMark(): number;
  /**
   * The first match of `re` in its log from `since` (a logMark), within `ms`: what it prints no state line for (a
   * transfer's outcome, the RTP packets a call received, counted when the call ends).
   */
  waitLog(re: RegExp, ms?: number, since?: number): Promise<RegExpExecArray>;
  /**
   * What it played of its last call (the WAV file it records its speaker to): read once the call has ended, when the
   * file has its header; empty before a call.
   */
  heard(): Buffer;
  /** Its log and output, for a failing assertion's message. */
  output(): string;
  stop(): Promise<void>;
}

export interface LinphoneCall {
  readonly id: number;
  readonly peer: string;
  readonly state: string;
}

export interface LinphoneOptions {
  readonly user: string;
  /** The SIP server it registers with (`host:port`, UDP) and its password there. */
  readonly registrar?: string;
  readonly password?: string;
  /**
   * SRTP with SDES keys (its `[sip] media_encryption=srtp`, with the suites polysim has): `srtp` optional (it offers
   * RTP/SAVP and takes a plain offer too), `srtp-mandatory` (a plain offer is refused).
   */
  readonly srtp?: 'srtp' | 'srtp-mandatory';
}

/** A port p free on 127.0.0.1 with p+1 free too (UDP): its RTP and RTCP. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p >= 65535) continue;
    const s = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.bind(p + 1, '127.0.0.1', () => resolve(true));
    });
    s.close();
    if (ok) return p;
  }
}

export async function startLinphone(opts: LinphoneOptions): Promise<Linphone> {
  const dir = mkdtempSync(join(tmpdir(), 'polysim-linphone-'));
  // Where it keeps its chat rooms (HOME/.local/share/linphone/linphone.db): without the directory it cannot open its
  // database and never starts listening.
  mkdirSync(join(dir, '.local', 'share', 'linphone'), { recursive: true });
  const sipPort = await freePort();
  const rtpPort = await freePortPair();
  const tone = join(dir, 'tone.wav');
  const heard = join(dir, 'heard.wav');
  const log = join(dir, 'linphone.log');
  writeFileSync(tone, toneWav(60));
  const host = opts.registrar ?? `127.0.0.1:${sipPort}`;
  const aor = `sip:${opts.user}@${host}`;
  const config = [
    '[sip]',
    `sip_port=${sipPort}`,
    // UDP only: 0 turns TCP and TLS off (-1 would pick random ports for them).
    'sip_tcp_port=0',
    'sip_tls_port=0',
    // Loopback and IPv4 only: without these it advertises the machine's first interface (or IPv6) address, and
    // its Contact without a proxy becomes sip:user@:-1.
    'bind_address=127.0.0.1',
    'use_ipv6=0',
    'ipv6_migration_done=1',
    'guess_hostname=0',
    `contact="${opts.user}" <sip:${opts.user}@127.0.0.1:${sipPort}>`,
    'inc_timeout=60',
    ...(opts.srtp
      ? [
          'media_encryption=srtp',
          `media_encryption_mandatory=${opts.srtp === 'srtp-mandatory' ? 1 : 0}`,
          'srtp_crypto_suites=AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32',
        ]
      : []),
    ...(opts.registrar ? ['default_proxy=0'] : []),
    '[rtp]',
    `audio_rtp_port=${rtpPort}`,
    'bind_address=127.0.0.1',
    '[video]',
    'capture=0',
    'display=0',
    'automatically_initiate=0',
    'automatically_accept=0',
    '[audio_codec_0]',
    'mime=PCMU',
    'rate=8000',
    'channels=1',
    'enabled=1',
    '[audio_codec_1]',
    'mime=PCMA',
    'rate=8000',
    'channels=1',
    'enabled=1',
    ...(opts.registrar
      ? [
          '[proxy_0]',
          `reg_proxy=<sip:${opts.registrar};transport=udp>`,
          `reg_route=<sip:${opts.registrar};transport=udp;lr>`,
          `reg_identity="${opts.user}" <${aor}>`,
          'reg_expires=600',
          'reg_sendregister=1',
          'publish=0',
          'dial_escape_plus=0',
          '[auth_info_0]',
          `username=${opts.user}`,
          `passwd=${opts.password ?? ''}`,
        ]
      : []),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'linphonerc'), config);
  let output = '';
  const lines: string[] = [];
  let partial = '';
  const child: ChildProcess = spawn(program('linphonec'), ['-c', join(dir, 'linphonerc'), '-S', '-d', '1', '-l', log], {
    env: { ...process.env, HOME: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    const text = c.toString();
    output += text;
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    // a line it printed without its end (`Performing attended transfer ...`) runs into the prompt and the next one
    for (const p of parts)
      for (const piece of p.split('linphonec> ')) {
        const line = piece.trim();
        if (line) lines.push(line);
      }
  });
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  child.stdin?.on('error', () => undefined); // it exited: the next wait says so
  const command = (line: string): void => {
    child.stdin?.write(`${line}\n`);
  };
  const waitLine = async (re: RegExp, ms = 8000, since = 0): Promise<string> => {
    const until = Date.now() + ms;
    for (;;) {
      const found = lines.slice(since).find((l) => re.test(l));
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`linphonec exited:\n${output.slice(-3000)}`);
      if (Date.now() > until)
        throw new Error(`linphonec printed no line like ${String(re)}; it printed:\n${lines.slice(since).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const readLog = (): string => (existsSync(log) ? readFileSync(log, 'latin1') : '');
  const stop = async (): Promise<void> => {
    if (!gone(child)) {
      // its own way out first (it unregisters); then as every peer program ends
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      command('quit');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      await stopChild(child);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Files instead of a sound card: its prompt answers once the core is up; then the tone it sends and the file it
    // writes what it hears to (both for every call from now on).
    command('soundcard use files');
    await waitLine(/^Using wav files instead of soundcard/, 10_000);
    command(`play ${tone}`);
    command(`record ${heard}`);
    // Registered: it prints no state line for it, so its status is asked until it says so.
    if (opts.registrar) {
      const until = Date.now() + 10_000;
      for (;;) {
        const from = lines.length;
        command('status register');
        // `registered, identity=...` once it is, `registered=-1` while it tries
        const answer = await waitLine(/^(registered|unregistered)/, 2000, from);
        if (answer.startsWith('registered,')) break;
        if (Date.now() > until) throw new Error(`linphonec did not register: ${answer}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    sipPort,
    aor,
    lines,
    command,
    waitLine,
    calls: async (): Promise<LinphoneCall[]> => {
      // its table has no last line: the answer to a second command closes it
      const from = lines.length;
      command('calls');
      command('status register');
      await waitLine(/^(registered|unregistered)/, 3000, from);
      const end = lines.findIndex((l, i) => i >= from && /^(registered|unregistered)/.test(l));
      return lines.slice(from, end).flatMap((l) => {
        const m = /^(\d+)\s*\|\s*(.*?)\s*\|\s*(\w+)\s*\|/.exec(l);
        return m ? [{ id: Number(m[1]), peer: m[2] ?? '', state: m[3] ?? '' }] : [];
      });
    },
    logMark: () => readLog().length,
    waitLog: async (re: RegExp, ms = 8000, since = 0): Promise<RegExpExecArray> => {
      const until = Date.now() + ms;
      for (;;) {
        const found = re.exec(readLog().slice(since));
        if (found) return found;
        if (Date.now() > until) throw new Error(`linphonec logged nothing like ${String(re)}:\n${readLog().slice(since).slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    heard: () => (existsSync(heard) ? readFileSync(heard) : Buffer.alloc(0)),
    output: () => `${output}\n--- its log, the end ---\n${readLog().slice(-6000)}`,
    stop,
  };
}
