import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthError, PolyError, TransportError } from '@polysim/client';
import { ctlFailure } from '../src/cli/ctl-errors.js';
import { flatten, format, WIDTH } from '../src/cli/ctl-format.js';
import { CliError } from '../src/errors.js';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { cli, listenControl, PASSWORD, testFleet } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'polysim-ctl-'));

/** `polysim ctl <args>` in this process. */
async function ctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = cli(['ctl', ...args], env);
  const code = await r.code;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

describe('polysim ctl', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let controlUrl: string;
  before(async () => {
    fleet = await testFleet({ count: 3, firstNumber: 4001, timing: { initMs: 200, restartMs: 300 } });
    ({ control, url: controlUrl } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const phone = (i: number) => fleet.phones[i] as Fleet['phones'][number];

  it('prints a device as name/value lines, and JSON with --json', async () => {
    const r = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'device', 'info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ModelNumber\s+VVX 450$/m);
    const j = await ctl(['--host', phone(0).httpUrl, '--json', 'device', 'info'], { POLYSIM_PASSWORD: PASSWORD });
    assert.equal((JSON.parse(j.stdout) as { MACAddress: string }).MACAddress, phone(0).phone.identity.mac.toLowerCase());
  });

  it('sets and gets configuration as a table, and drives a call between two phones', async () => {
    assert.equal(
      (await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'config', 'set', 'locInfo.city=Oslo', 'reg.1.label=Desk 1'])).code,
      0,
    );
    const got = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'config', 'get', 'locInfo.city', 'reg.1.label']);
    assert.match(got.stdout, /^name\s+value\s+source$/m);
    assert.match(got.stdout, /^locInfo\.city\s+Oslo\s+local$/m);
    assert.equal((await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'call', 'dial', '4002'])).code, 0);
    assert.equal((await ctl(['--host', phone(1).httpUrl, '--password', PASSWORD, 'call', 'answer'])).code, 0);
    const list = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'call', 'list']);
    assert.match(list.stdout, /Connected/);
    const handle = phone(0).phone.calls.all()[0]?.handle ?? '';
    assert.equal((await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'call', 'end', handle])).code, 0);
    assert.deepEqual(phone(1).phone.calls.all(), []);
  });

  it('exit codes tell usage, transport, authentication and Status errors apart', async () => {
    assert.equal((await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'call', 'fly'])).code, 2);
    assert.equal((await ctl(['--host', phone(0).httpUrl, 'device', 'info'])).code, 2, 'no password');
    assert.equal((await ctl(['--host', 'http://127.0.0.1:1', '--password', PASSWORD, 'device', 'info'])).code, 3);
    const auth = await ctl(['--host', phone(0).httpUrl, '--password', 'wrong', 'device', 'info']);
    assert.equal(auth.code, 4);
    assert.match(auth.stderr, /authentication failed/);
    const status = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'call', 'end', 'nope']);
    assert.equal(status.code, 5);
    assert.match(status.stderr, /Status 4007 \(Call does not exist\)/);
  });

  it("a Status error shows the phone's reason when --control names its polysim (the Poly answer has none)", async () => {
    const bare = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'screen', 'key', 'Home']);
    assert.equal(bare.code, 5);
    assert.equal(bare.stderr, `polysim ctl: ${phone(0).httpUrl}: Status 4000 (Invalid input parameters)\n`);
    const why = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, '--control', controlUrl, 'screen', 'key', 'Home']);
    assert.equal(why.code, 5);
    assert.equal(why.stderr, `polysim ctl: ${phone(0).httpUrl}: Status 4000 (Invalid input parameters): VVX 450 has no key Home\n`);
    // The phone named otherwise than polysim names it (localhost) is found by its port; every phone of --hosts too.
    const file = join(dir, 'two.txt');
    writeFileSync(file, `${phone(1).httpUrl.replace('127.0.0.1', 'localhost')}\n${phone(2).httpUrl}\n`);
    const many = await ctl(['--hosts', file, '--password', PASSWORD, '--control', controlUrl, 'call', 'end', 'nope']);
    assert.equal(many.code, 5);
    assert.equal((many.stderr.match(/failed: Status 4007 \(Call does not exist\): no call nope$/gm) ?? []).length, 2, many.stderr);
    // A control API that cannot say: the Status error as the phone gave it.
    const dead = await ctl([
      '--host',
      phone(0).httpUrl,
      '--password',
      PASSWORD,
      '--control',
      'http://127.0.0.1:1',
      'screen',
      'key',
      'Home',
    ]);
    assert.equal(dead.code, 5);
    assert.equal(dead.stderr, bare.stderr);
  });

  it('--json prints errors as one JSON object on stdout, with the same exit code', async () => {
    const status = await ctl([
      '--host',
      phone(0).httpUrl,
      '--password',
      PASSWORD,
      '--json',
      '--control',
      controlUrl,
      'screen',
      'key',
      'Home',
    ]);
    assert.equal(status.code, 5);
    assert.equal(status.stderr, '');
    assert.deepEqual(JSON.parse(status.stdout), {
      host: phone(0).httpUrl,
      ok: false,
      code: 5,
      errorCode: 'status',
      error: 'Status 4000 (Invalid input parameters): VVX 450 has no key Home',
      status: '4000',
    });
    const unreachable = await ctl(['--host', 'http://127.0.0.1:1', '--password', PASSWORD, '--json', 'device', 'info']);
    assert.equal(unreachable.code, 3);
    assert.deepEqual(JSON.parse(unreachable.stdout), {
      host: 'http://127.0.0.1:1',
      ok: false,
      code: 3,
      errorCode: 'unreachable',
      error: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    const file = await ctl(['--hosts', join(dir, 'absent.txt'), '--password', PASSWORD, '--json', 'device', 'info']);
    assert.equal(file.code, 2);
    assert.match((JSON.parse(file.stdout) as { error: string }).error, /^--hosts .*absent\.txt: ENOENT$/);
    const usage = await ctl(['--host', phone(0).httpUrl, '--json', 'call', 'fly']);
    assert.equal(usage.code, 2);
    assert.deepEqual(JSON.parse(usage.stdout), { ok: false, code: 2, errorCode: 'usage', error: 'unknown command "call fly"' });
  });

  it("a host without a scheme on a plain-HTTP port: one line saying to use http:// (exit 3), not OpenSSL's words", async () => {
    const host = new URL(phone(0).httpUrl).host;
    const r = await ctl(['--host', host, '--password', PASSWORD, 'device', 'info']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `polysim ctl: ${host}: this port speaks plain HTTP, not HTTPS: use http://${host}\n`);
  });

  it('a --host that makes no URL is a usage error (2), not an unreachable phone (3)', async () => {
    const r = await ctl(['--host', 'not a host', '--password', PASSWORD, 'device', 'info']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not a host\[:port\] or URL/);
  });

  it("an unexpected error is the catalogue's internal entry (exit 1, with its message); the SDK's errors keep theirs", () => {
    const bug = ctlFailure(new TypeError('x is not a function'));
    assert.deepEqual([bug.code, bug.exitCode, bug.message], ['internal', 1, 'internal error: x is not a function']);
    assert.deepEqual(
      [
        ctlFailure(new TransportError('ECONNREFUSED')).exitCode,
        ctlFailure(new AuthError([])).exitCode,
        ctlFailure(new PolyError('4007', 200)).exitCode,
        ctlFailure(new CliError('usage')).exitCode,
      ],
      [3, 4, 5, 2],
    );
  });

  it('HTTPS with a self-signed certificate is trusted by --mac, refused without', async () => {
    const mac = phone(2).phone.identity.mac;
    const host = new URL(phone(2).httpsUrl).host;
    assert.equal((await ctl(['--host', host, '--mac', mac, '--password', PASSWORD, 'device', 'info'])).code, 0);
    assert.equal((await ctl(['--host', host, '--password', PASSWORD, 'device', 'info'])).code, 3);
  });

  it('--hosts runs one command across the fleet with a per-phone summary', async () => {
    const file = join(dir, 'hosts.txt');
    writeFileSync(file, `# the fleet\n${fleet.phones.map((p) => p.httpUrl).join('\n')}\nhttp://127.0.0.1:1\n`);
    const r = await ctl(['--hosts', file, '--password', PASSWORD, '--concurrency', '2', 'config', 'set', 'locInfo.building=HQ']);
    assert.equal(r.code, 3, 'the unreachable one decides the exit code');
    assert.match(r.stdout, /^host\s+result\s+detail$/m);
    assert.equal((r.stdout.match(/ ok/g) ?? []).length, 3);
    assert.match(r.stdout, /127\.0\.0\.1:1\s+failed/);
    // Not a terminal: a plain line per phone instead of a progress bar.
    assert.doesNotMatch(r.stderr, /\[#+/);
    assert.match(r.stderr, /^http:\/\/127\.0\.0\.1:1: failed: .*ECONNREFUSED/m);
    assert.equal((r.stderr.match(/: ok$/gm) ?? []).length, 3);
    assert.match(r.stderr, /3 of 4 phones done/);
    for (const p of fleet.phones) assert.equal(p.phone.config.get('locInfo.building')?.value, 'HQ');
  });

  it('--wait after a restart returns once the phone has gone and answers again, initialised', async () => {
    const r = await ctl(['--host', phone(2).httpUrl, '--password', PASSWORD, '--wait', '--json', 'device', 'restart']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { back: boolean; awayMs: number };
    assert.equal(result.back, true);
    // A line on stderr per change it saw (initialising shows when a poll fell in the 200 ms it lasts).
    const seen = r.stderr.split('\n').filter((l) => l !== '');
    const at = `polysim ctl: ${phone(2).httpUrl}: `;
    assert.equal(seen[0], `${at}waiting for the phone to go down`);
    assert.match(seen[1] ?? '', new RegExp(`^${at}(down|back, initialising)$`));
    assert.match(seen.at(-1) ?? '', new RegExp(`^${at}ready \\(away \\d+\\.\\d s\\)$`));
    assert.ok(seen.length <= 4, r.stderr);
    assert.ok(result.awayMs > 0, 'it saw the phone away');
    assert.equal(phone(2).phone.isReady, true, 'and back, initialised');
    const info = await ctl(['--host', phone(2).httpUrl, '--password', PASSWORD, 'call', 'list']);
    assert.equal(info.code, 0, 'callStatus answers 2000 again');
  });

  it('tables fit in 100 columns, nested values flattened as a.b; too many columns become records', async () => {
    assert.deepEqual(flatten({ a: { b: 1, c: [{ d: 'x' }] }, e: [] }), { 'a.b': 1, 'a.c.0.d': 'x', e: [] });
    const wide = format([{ name: 'n'.repeat(80), value: 'v'.repeat(80), source: 'local' }]);
    for (const line of wide.split('\n')) assert.ok(line.length <= WIDTH, `${line.length}: ${line}`);
    assert.match(wide, /…/);
    const lines = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'line', 'info']);
    assert.equal(lines.code, 0, lines.stderr);
    for (const line of lines.stdout.split('\n')) assert.ok(line.length <= WIDTH, `${line.length}: ${line}`);
    assert.match(lines.stdout, /^CallServers\.0\.Address\s+127\.0\.0\.1$/m);
    const info = await ctl(['--host', phone(0).httpUrl, '--password', PASSWORD, 'device', 'info']);
    assert.match(info.stdout, /^Firmware\.Application\s+\d/m);
    for (const line of info.stdout.split('\n')) assert.ok(line.length <= WIDTH);
  });
});
