import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { cli } from './helpers.js';
import { POLYSIM_BIN } from './child-process.js';
import { lacks } from './peers.js';

const CLI = [POLYSIM_BIN];

interface Started {
  child: ChildProcess;
  stdout: string;
  http: string;
  https: string;
  password: string;
}

/** The CLI in this process, as `polysim <args>` would run: its exit code and what it wrote. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = cli(args);
  const code = await r.code;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** `polysim start` in this process, once its banner is out; stop() ends it as SIGTERM would. */
async function startHere(args: string[]): Promise<Omit<Started, 'child'> & { stop: () => Promise<number> }> {
  const r = cli([
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
    ...args,
  ]);
  let over = false;
  void r.code.then(() => {
    over = true;
  });
  for (;;) {
    const out = r.stdout();
    const http = /REST API\s+(http:\/\/\S+?)\/api/.exec(out)?.[1];
    const https = /(https:\/\/\S+?)\/api/.exec(out)?.[1];
    const password = /login\s+Polycom \/ (\S+)/.exec(out)?.[1];
    if (http && https && password && out.includes('try')) return { stdout: out, http, https, password, stop: r.stop };
    if (over) throw new Error(`polysim exited ${await r.code}: ${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Starts `polysim start` as a process of its own (where signals and kill -9 matter), and waits for its banner. */
function start(args: string[]): Promise<Started> {
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
        ...args,
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
      const http = /REST API\s+(http:\/\/\S+?)\/api/.exec(stdout)?.[1];
      const https = /(https:\/\/\S+?)\/api/.exec(stdout)?.[1];
      const password = /login\s+Polycom \/ (\S+)/.exec(stdout)?.[1];
      if (http && https && password && stdout.includes('try')) resolve({ child, stdout, http, https, password });
    });
    child.on('exit', (code) => reject(new Error(`polysim exited ${code}: ${stderr}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function api(
  s: Pick<Started, 'http' | 'password'>,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.http}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Basic ${Buffer.from(`Polycom:${s.password}`).toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function certificate(httpsUrl: string): Promise<{ cn: string; fingerprint: string }> {
  const u = new URL(httpsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ cn: String(cert.subject.CN), fingerprint: cert.fingerprint256 });
    });
    socket.on('error', reject);
  });
}

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'polysim-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('polysim start', () => {
  it('keeps config, identity and certificate across kill -9 and restart', async () => {
    const dir = tempDir();
    const first = await start(['--data-dir', dir]);
    const info1 = (await api(first, '/api/v2/mgmt/device/info')).json['data'] as Record<string, string>;
    const cert1 = await certificate(first.https);
    assert.equal(cert1.cn, info1['MACAddress']);
    const set = await api(first, '/api/v1/mgmt/config/set', { data: { 'locInfo.room': 'Room 7', 'reg.2.address': '1002' } });
    assert.equal(set.json['Status'], '2000');
    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = await start(['--data-dir', dir]);
    try {
      assert.equal(second.password, first.password, 'the generated password is kept in the data dir');
      const info2 = (await api(second, '/api/v2/mgmt/device/info')).json['data'] as Record<string, string>;
      assert.equal(info2['MACAddress'], info1['MACAddress']);
      assert.equal(info2['SerialNumber'], info1['SerialNumber']);
      assert.equal((await certificate(second.https)).fingerprint, cert1.fingerprint);
      const got = await api(second, '/api/v1/mgmt/config/get', { data: ['locInfo.room', 'reg.2.address'] });
      assert.deepEqual(got.json['data'], {
        'locInfo.room': { Value: 'Room 7', Source: 'local' },
        'reg.2.address': { Value: '1002', Source: 'local' },
      });
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await exited(second.child), 0);
    }
  });

  it('--factory starts the phone as shipped: REST API off (404) and password 456', async () => {
    const s = await startHere(['--factory', '--model', 'edge e450']);
    try {
      assert.equal(s.password, '456');
      assert.match(s.stdout, /Edge E450 \(PVOS 8\.6\.0\)/);
      const res = await fetch(`${s.http}/api/v2/mgmt/device/info`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  it('--set values land at CONFIG and --admin-password is used; --ready-file says when and where the phone is', async () => {
    const ready = join(tempDir(), 'ready.json');
    const s = await startHere([
      '--admin-password',
      'Pw-1',
      '--set',
      'locInfo.city=Rome',
      '--set',
      'reg.1.label=Front desk',
      '--model',
      'Trio 8800',
      '--ready-file',
      ready,
    ]);
    try {
      assert.equal(s.password, 'Pw-1');
      const r = JSON.parse(readFileSync(ready, 'utf8')) as { ready: boolean; phones: { httpUrl: string }[]; control: string };
      assert.equal(r.ready, true);
      assert.equal(r.phones[0]?.httpUrl, s.http);
      assert.match(r.control, /^http:\/\/127\.0\.0\.1:\d+$/);
      const got = await api(s, '/api/v1/mgmt/config/get', { data: ['locInfo.city', 'reg.1.label'] });
      assert.deepEqual(got.json['data'], {
        'locInfo.city': { Value: 'Rome', Source: 'config' },
        'reg.1.label': { Value: 'Front desk', Source: 'config' },
      });
    } finally {
      await s.stop();
    }
  });

  it('refuses bad options with one clear line and exit code 2', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = String((busy.address() as AddressInfo).port);
    try {
      const cases: [string[], RegExp][] = [
        [['start', '--model', 'VVX 9000'], /^polysim: unknown model "VVX 9000"/],
        [['start', '--model', 'VVX 450', '--firmware', '9.5.0'], /^polysim: firmware 9\.5\.0 does not exist for VVX 450/],
        [['start', '--firmware', 'latest'], /^polysim: firmware "latest" is not a version/],
        [['start', '--http-port', port, '--https-port', '0'], new RegExp(`^polysim: port in use: 127\\.0\\.0\\.1:${port}`)],
        [['start', '--data-dir', '/dev/null/polysim'], /^polysim: cannot create data dir \/dev\/null\/polysim/],
        [
          ['start', '--http-port', '0', '--https-port', '0', '--set', 'no.such.param=1'],
          /^polysim: --set: unknown parameter no\.such\.param/,
        ],
        [
          ['start', '--http-port', '0', '--https-port', '0', '--set', 'apps.restapi.enabled=2'],
          /^polysim: --set: apps\.restapi\.enabled: expected 0 or 1/,
        ],
        [
          ['start', '--http-port', '0', '--https-port', '0', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key'],
          /^polysim: cannot read certificate \/nonexistent\.pem: ENOENT/,
        ],
      ];
      for (const [args, message] of cases) {
        const r = await run(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      const badPort = await run(['start', '--http-port', '70000']);
      assert.equal(badPort.code, 2);
      assert.match(badPort.stderr, /expected a port number/);
      for (const args of [['start', '--no-such-option'], ['no-such-command'], [], ['fleet']]) {
        assert.equal((await run(args)).code, 2, `polysim ${args.join(' ')} is a usage error`);
      }
    } finally {
      busy.close();
    }
  });

  it("--tls-cert and --tls-key serve the user's own certificate", async (t) => {
    if (lacks(t, 'openssl')) return;
    const dir = tempDir();
    // The user's own certificate, made as users make one: with openssl.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=my-own-phone.test',
        '-days',
        '30',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      { stdio: 'ignore' },
    );
    const s = await startHere(['--tls-cert', join(dir, 'c.pem'), '--tls-key', join(dir, 'k.pem')]);
    try {
      assert.equal((await certificate(s.https)).cn, 'my-own-phone.test');
    } finally {
      await s.stop();
    }
    const half = await run(['start', '--http-port', '0', '--https-port', '0', '--tls-cert', join(dir, 'c.pem')]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  });

  it('help marks required options and shows defaults, never {}', async () => {
    const compare = await run(['compare', '--help']);
    assert.equal(compare.code, 0);
    assert.match(compare.stdout, /--real <url>\s+the real phone[^]*?\(required\)/);
    const fleet = await run(['fleet', '--help']);
    assert.match(fleet.stdout, /--http-port <port>[^]*?\(default:\s+8080\)/);
    assert.doesNotMatch(fleet.stdout + compare.stdout, /\{\}/);
  });

  it('lists the models', async () => {
    const r = await run(['models']);
    assert.equal(r.code, 0);
    for (const m of ['VVX 450', 'Trio 8800', 'Trio 8300', 'Trio C60', 'CCX 600', 'Edge E450', 'CCX 350'])
      assert.match(r.stdout, new RegExp(m));
  });
});

describe('polysim fleet', () => {
  it('starts N phones with consecutive numbers and a control API, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        ...CLI,
        'fleet',
        '--count',
        '3',
        '--http-port',
        '0',
        '--https-port',
        '0',
        '--sip-port',
        '0',
        '--sip-tls-port',
        '0',
        '--control-port',
        '0',
        '--init-ms',
        '0',
        '--first-number',
        '7001',
        '--admin-password',
        'Pw-7',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const control = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /control\s+(http:\/\/\S+)\/phones/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    try {
      assert.match(out, /fleet of 3 VVX 450/);
      assert.match(out, /numbers\s+7001 \.\.\. 7003/);
      const phones = (await (await fetch(`${control}/phones`)).json()) as { number: string; httpUrl: string }[];
      assert.deepEqual(
        phones.map((p) => p.number),
        ['7001', '7002', '7003'],
      );
      const auth = { authorization: `Basic ${Buffer.from('Polycom:Pw-7').toString('base64')}`, 'content-type': 'application/json' };
      await fetch(`${phones[0]?.httpUrl}/api/v1/callctrl/dial`, { method: 'POST', headers: auth, body: '{"data":{"Dest":"7003"}}' });
      const ringing = (await (await fetch(`${phones[2]?.httpUrl}/api/v2/webCallControl/callStatus`, { headers: auth })).json()) as {
        data: { CallState: string }[];
      };
      assert.equal(ringing.data[0]?.CallState, 'Offering');
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
    }
    const bad = await run(['fleet', '--count', '0']);
    assert.equal(bad.code === 0, false);
    const range = await run(['fleet', '--count', '2', '--address-range', '255.255.255.255', '--control-port', '0']);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /no room for 2 phones/);
  });
});
