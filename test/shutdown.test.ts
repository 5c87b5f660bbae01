/**
 * SIGTERM and SIGINT stop `polysim start` whatever its clients hold open: an event stream of the dashboard, an idle
 * or silent connection to the control port, a connection to the HTTPS or SIP-TLS port that never handshakes.
 * Each runs as a process of its own, as signals need.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { POLYSIM_BIN } from './child-process.js';

const CLI = [POLYSIM_BIN];

/** Generous: a clean stop takes well under a second; a stop that waits for its clients takes until they leave. */
const EXIT_WITHIN_MS = 8000;
/** As generous: a start takes about a second. */
const START_WITHIN_MS = 30_000;

interface Running {
  child: ChildProcess;
  control: URL;
  https: URL;
  sipTlsPort: number;
  stderr: () => string;
}

function start(): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...CLI,
        'start',
        '--http-port',
        '0',
        '--https-port',
        '0',
        '--control-port',
        '0',
        '--sip-port',
        '0',
        '--sip-tls-port',
        '0',
        '--init-ms',
        '0',
        '--log-level',
        'info',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const https = /(https:\/\/\S+?)\/api/.exec(stdout)?.[1];
      const sipTls = /SIP\s+\S+ UDP and TCP, (\d+) TLS/.exec(stdout)?.[1];
      const control = /control\s+(http:\/\/\S+)\/phones/.exec(stdout)?.[1];
      if (https && sipTls && control && stdout.includes('try')) {
        resolve({ child, control: new URL(control), https: new URL(https), sipTlsPort: Number(sipTls), stderr: () => stderr });
      }
    });
    child.on('exit', (code) => reject(new Error(`polysim exited ${code}: ${stderr}`)));
    // a start that never comes is a failure with what it printed, not a test that waits for ever
    setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`polysim did not start in ${START_WITHIN_MS} ms:\n${stdout}\n${stderr}`));
    }, START_WITHIN_MS).unref();
  });
}

/** A client that connects and holds on; `first` is what it sends (nothing: it never speaks, TLS handshake included). */
async function holdOn(port: number, first?: string, waitFor?: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => reject(new Error('closed before it was held')));
  });
  if (first) socket.write(first);
  if (waitFor) {
    let got = '';
    await new Promise<void>((resolve) =>
      socket.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.includes(waitFor)) resolve();
      }),
    );
  }
  return socket;
}

/** Sends the signal; the exit code, or 'still running' when the process is still there after EXIT_WITHIN_MS. */
async function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | string | null> {
  // The exit code, or the signal that ended the process (a signal it did not handle).
  const exited = new Promise<number | string | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code, by) => resolve(code ?? by)),
  );
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still running'), EXIT_WITHIN_MS);
  });
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'still running') {
    child.kill('SIGKILL');
    await exited;
  }
  return outcome;
}

const clients: [string, NodeJS.Signals, (r: Running) => Promise<Socket>][] = [
  [
    'an event stream of the control API (GET /events)',
    'SIGTERM',
    (r) =>
      holdOn(
        Number(r.control.port),
        `GET /events HTTP/1.1\r\nHost: ${r.control.host}\r\nAccept: text/event-stream\r\n\r\n`,
        ': polysim events',
      ),
  ],
  [
    'an idle keep-alive connection to the control port',
    'SIGTERM',
    (r) => holdOn(Number(r.control.port), `GET /ready HTTP/1.1\r\nHost: ${r.control.host}\r\n\r\n`, '"ready"'),
  ],
  ['a silent connection to the control port', 'SIGTERM', (r) => holdOn(Number(r.control.port))],
  ['a connection to the HTTPS port that never handshakes', 'SIGTERM', (r) => holdOn(Number(r.https.port))],
  ['a connection to the SIP-TLS port that never handshakes', 'SIGTERM', (r) => holdOn(r.sipTlsPort)],
  [
    'an event stream of the control API',
    'SIGINT',
    (r) => holdOn(Number(r.control.port), `GET /events HTTP/1.1\r\nHost: ${r.control.host}\r\n\r\n`, ': polysim events'),
  ],
];

describe('polysim start stops on a signal, whatever its clients hold', () => {
  for (const [what, signal, client] of clients) {
    it(`${signal} with ${what}: exits with code 0`, async () => {
      const r = await start();
      const socket = await client(r).catch(async (err: unknown) => {
        r.child.kill('SIGKILL');
        throw err;
      });
      try {
        const outcome = await stopWith(r.child, signal);
        assert.equal(outcome, 0, `polysim after ${signal}: ${outcome}\n${r.stderr()}`);
        assert.doesNotMatch(r.stderr(), /exiting anyway/, 'it stopped by itself, not by the last-resort deadline');
      } finally {
        socket.destroy();
      }
    });
  }
});
