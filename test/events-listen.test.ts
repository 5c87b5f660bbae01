// `polysim events listen` as a process of its own: phones post to it over HTTP and HTTPS, it prints a line (or a
// JSON line) per document, answers what is not one with an error line and its status, and stops on a signal.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PHONE_DOCUMENT_LIMIT } from '@polysim/client';
import { LISTEN_LIMITS } from '../src/cli/events-listen.js';
import { cli, testPhone, waitFor } from './helpers.js';
import { POLYSIM_BIN } from './child-process.js';
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);

interface Listener {
  child: ChildProcessWithoutNullStreams;
  url: string;
  banner: string;
  /** Lines printed so far. */
  lines: () => string[];
  /** Waits for at least n lines. */
  atLeast: (n: number) => Promise<string[]>;
  stop: (signal: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `polysim events listen --port 0 ...` and waits for the banner that names its URL. */
async function listen(args: string[]): Promise<Listener> {
  const child = spawn(process.execPath, [POLYSIM_BIN, 'events', 'listen', '--port', '0', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /at (https?:\/\/\S+\/)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`events listen exited ${code}: ${stderr}`)));
  });
  const lines = (): string[] => stdout.split('\n').filter(Boolean);
  return {
    child,
    url,
    banner: stderr,
    lines,
    atLeast: async (n) => {
      await waitFor(() => lines().length >= n);
      return lines();
    },
    stop: (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('polysim events listen --json', () => {
  let listener: Listener;
  let phone: TestPhone;
  before(async () => {
    listener = await listen(['--json']);
    phone = await testPhone({
      set: { 'apps.telNotification.URL': `${listener.url}events?mac=1`, 'apps.telNotification.userLogInOutEvent': '1' },
    });
  });
  after(async () => {
    await phone.stop();
    if (listener.child.exitCode === null) await listener.stop('SIGKILL');
  });

  it('prints one JSON line per document a phone posts: the parsed document, when, from where, to what path', async () => {
    phone.phone.setLocked(true);
    phone.phone.setLocked(false);
    phone.phone.logIn('alice');
    await phone.posts.settled();
    const docs = (await listener.atLeast(3)).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      docs.map((d) => d['type']),
      ['PhoneLockedEvent', 'PhoneUnlockedEvent', 'UserLoginOutEvent'],
    );
    for (const d of docs) {
      assert.match(String(d['receivedAt']), isoTime);
      assert.equal(d['from'], '127.0.0.1');
      assert.equal(d['path'], '/events?mac=1');
      assert.equal(d['MACAddress'], phone.phone.identity.mac.toLowerCase());
      assert.equal(d['PhoneIP'], '127.0.0.1');
    }
    assert.deepEqual(
      [docs[2]?.['LoggedIn'], docs[2]?.['UserLoggedIn'], docs[2]?.['CallLineInfo']],
      [true, 'alice', [{ LineKeyNum: 1, LineDirNum: '1001' }]],
    );
    // Answered 200: the phone counts them delivered.
    assert.equal(phone.posts.counts.delivered, 3);
  });

  it('a body that is not a document, one too large, another method: an error line each, and it goes on receiving', async () => {
    const before = listener.lines().length;
    const notXml = await fetch(`${listener.url}bad`, { method: 'POST', body: 'not xml', headers: { 'content-type': 'text/plain' } });
    assert.equal(notXml.status, 400);
    assert.match(await notXml.text(), /^not XML/);
    const push = await fetch(`${listener.url}push`, { method: 'POST', body: '<PolycomIPPhone><Data>hi</Data></PolycomIPPhone>' });
    assert.equal(push.status, 400);
    const large = await fetch(`${listener.url}large`, { method: 'POST', body: 'x'.repeat(PHONE_DOCUMENT_LIMIT + 1) });
    assert.equal(large.status, 413);
    const get = await fetch(`${listener.url}events`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    phone.phone.setLocked(true);
    await phone.posts.settled();
    const lines = (await listener.atLeast(before + 5)).slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l['path'], l['status'] ?? l['type']]),
      [
        ['/bad', 400],
        ['/push', 400],
        ['/large', 413],
        ['/events', 405],
        ['/events?mac=1', 'PhoneLockedEvent'],
      ],
    );
    assert.match(String(lines[0]?.['error']), /^not XML/);
    assert.match(String(lines[1]?.['error']), /not a document of a phone: <Data>/);
    assert.equal(lines[2]?.['error'], `a body over ${PHONE_DOCUMENT_LIMIT} bytes`);
  });

  it('a curl POST of a document, as the docs show', async (t) => {
    if (lacks(t, 'curl')) return;
    const before = listener.lines().length;
    const { stdout } = await exec('curl', [
      '-s',
      '-w',
      '%{http_code}',
      '-H',
      'Content-Type: application/xml',
      '--data-binary',
      '<PolycomIPPhone><OffHookEvent><PhoneIP>10.0.0.5</PhoneIP><MACAddress>0004f2a1b2c3</MACAddress><TimeStamp>2026-12-03T10:15:02+01:00</TimeStamp></OffHookEvent></PolycomIPPhone>',
      `${listener.url}events`,
    ]);
    assert.equal(stdout, '200');
    const [line] = (await listener.atLeast(before + 1)).slice(before);
    const doc = JSON.parse(line ?? '{}') as Record<string, unknown>;
    assert.deepEqual(
      { ...doc, receivedAt: 'x' },
      {
        receivedAt: 'x',
        from: '127.0.0.1',
        path: '/events',
        type: 'OffHookEvent',
        PhoneIP: '10.0.0.5',
        MACAddress: '0004f2a1b2c3',
        TimeStamp: '2026-12-03T10:15:02+01:00',
      },
    );
  });

  it('holds at most LISTEN_LIMITS.maxConnections connections: one more is closed at once, and posts go on after', async () => {
    const { port } = new URL(listener.url);
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(Number(port), '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    const held = await Promise.all(Array.from({ length: LISTEN_LIMITS.maxConnections }, open));
    try {
      const extra = await open();
      // Refused: closed by the listener without a byte, though it sends a request.
      const closed = await new Promise<string>((resolve) => {
        let got = '';
        extra.on('data', (c: Buffer) => (got += c.toString()));
        extra.once('close', () => resolve(got));
        extra.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n<OffHookEvent/>');
      });
      assert.equal(closed, '');
    } finally {
      for (const s of held) s.destroy();
    }
    // until the listener has seen the held connections go: before, it may still close a new one at once
    await waitFor(
      async () => (await fetch(listener.url, { method: 'POST', body: '<OffHookEvent/>' }).catch(() => undefined))?.status === 200,
    );
  });

  it('stops on SIGTERM with exit code 0', async () => {
    assert.equal(await listener.stop('SIGTERM'), 0);
  });
});

describe('polysim events listen --https (text lines)', () => {
  let listener: Listener;
  let phone: TestPhone;
  before(async () => {
    listener = await listen(['--https', '--host', '127.0.0.1']);
    phone = await testPhone({
      set: {
        'apps.telNotification.URL': `${listener.url}tel`,
        'apps.telNotification.userLogInOutEvent': '1',
        'apps.statePolling.URL': `${listener.url}poll`,
        'apps.statePolling.username': 'poller',
        'apps.statePolling.password': 'Poll-pass1',
        'apps.statePolling.responseMode': '1',
      },
    });
  });
  after(async () => {
    await phone.stop();
    if (listener.child.exitCode === null) await listener.stop('SIGKILL');
  });

  it('the banner names the HTTPS URL and the certificate; events and polled state arrive as one line each', async (t) => {
    if (lacks(t, 'curl')) return;
    assert.match(listener.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(listener.banner, /self-signed, SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    phone.phone.setLocked(true);
    phone.phone.logIn('bob');
    phone.phone.logOut();
    await phone.posts.settled();
    // State polling in responseMode 1: the GET is answered empty and the state is posted to apps.statePolling.URL.
    await exec('curl', ['-s', '--digest', '-u', 'poller:Poll-pass1', `${phone.httpUrl}/polling/deviceHandler`]);
    await phone.posts.settled();
    const mac = phone.phone.identity.mac.toLowerCase();
    const lines = await listener.atLeast(4);
    const stamp = '\\S+Z 127\\.0\\.0\\.1';
    assert.match(lines[0] ?? '', new RegExp(`^${stamp} /tel PhoneLockedEvent mac=${mac} ip=127\\.0\\.0\\.1$`));
    assert.match(lines[1] ?? '', new RegExp(`^${stamp} /tel UserLoginOutEvent mac=${mac} ip=127\\.0\\.0\\.1 login user=bob$`));
    assert.match(lines[2] ?? '', new RegExp(`^${stamp} /tel UserLoginOutEvent mac=${mac} ip=127\\.0\\.0\\.1 logout$`));
    assert.match(
      lines[3] ?? '',
      new RegExp(`^${stamp} /poll DeviceInformation mac=${mac} model="VVX 450" dn=Line1:1001 app="\\S+ [^"]+"$`),
    );
    assert.ok(isoTime.test(lines[0]?.split(' ')[0] ?? ''));
  });

  it('stops on SIGINT with exit code 0', async () => {
    assert.equal(await listener.stop('SIGINT'), 0);
  });
});

describe('polysim events listen: usage', () => {
  it('--port is required; a port in use is exit code 2 with one line', async () => {
    const missing = cli(['events', 'listen']);
    assert.equal(await missing.code, 2);
    assert.equal(missing.stderr(), "polysim: required option '--port <port>' not specified\n");
    const first = await listen([]);
    try {
      const port = new URL(first.url).port;
      const taken = cli(['events', 'listen', '--port', port]);
      assert.equal(await taken.code, 2);
      assert.equal(taken.stderr(), `polysim: port in use: 127.0.0.1:${port}\n`);
    } finally {
      await first.stop('SIGTERM');
    }
  });
});
