import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import { resolveShards } from '../src/control/shard-list.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { startDnsmasq } from './dnsmasq.js';
import type { Dnsmasq } from './dnsmasq.js';
import { cli, listenControl, testFleet, waitFor } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';

const TOKEN = 'shard-token-0123456789';

async function ctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = cli(['ctl', ...args], env);
  const code = await r.code;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** The data rows of a ctl table (header and rule aside), split on runs of 2+ spaces. */
const rows = (table: string): string[][] =>
  table
    .trimEnd()
    .split('\n')
    .slice(2)
    .map((l) => l.split(/\s{2,}/));

describe('polysim ctl on the phones of two shards', { timeout: 60_000 }, () => {
  let a: Fleet;
  let b: Fleet;
  let controlA: ControlApp;
  let controlB: ControlApp;
  let urlA: string;
  let urlB: string;
  const dir = mkdtempSync(join(tmpdir(), 'polysim-shards-'));
  // Shard B demands a token, as shards beyond loopback do; A takes the same token and ignores it.
  const both = (): string[] => ['--control', `${urlA},${urlB}`, '--control-token', TOKEN];
  const nameOf = (url: string): string => new URL(url).host;

  before(async () => {
    a = await testFleet({ count: 2, firstNumber: 5001 });
    b = await testFleet({ count: 3, firstNumber: 6001, model: 'Edge E450' });
    ({ control: controlA, url: urlA } = await listenControl(a));
    controlB = await createControlApp(b, false, { token: TOKEN });
    await controlB.listen({ port: 0, host: '127.0.0.1' });
    urlB = `http://127.0.0.1:${(controlB.server.address() as { port: number }).port}`;
    await waitFor(() => [...a.phones, ...b.phones].every((r) => r.phone.isReady), 10_000);
  });
  after(async () => {
    await controlA.close();
    await controlB.close();
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('phones list shows every phone of every shard with its shard; --where picks by model, shard, number, state, registration', async () => {
    const all = await ctl([...both(), 'phones', 'list']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^shard\s+phone\s+model\s+firmware\s+number\s+state\s+registered\s+calls$/m);
    const listed = rows(all.stdout).map((r) => `${r[0]} ${r[1]} ${r[2]} ${r[4]}`);
    assert.deepEqual(listed, [
      `${nameOf(urlA)} 1 VVX 450 5001`,
      `${nameOf(urlA)} 2 VVX 450 5002`,
      `${nameOf(urlB)} 1 Edge E450 6001`,
      `${nameOf(urlB)} 2 Edge E450 6002`,
      `${nameOf(urlB)} 3 Edge E450 6003`,
    ]);
    assert.equal(all.stderr, '5 phones on 2 of 2 shards\n');
    const edge = await ctl([...both(), '--where', 'model=edgee450', '--where', 'number!=6002', 'phones', 'list']);
    assert.deepEqual(
      rows(edge.stdout).map((r) => r[4]),
      ['6001', '6003'],
    );
    const ofB = await ctl([...both(), '--where', `shard=${nameOf(urlB)}`, '--where', 'index=2-3', '--json', 'phones', 'list']);
    const j = JSON.parse(ofB.stdout) as {
      shards: { shard: string; ok: boolean; phones: number }[];
      phones: { shard: string; number: string }[];
    };
    assert.deepEqual(
      j.shards.map((s) => [s.shard, s.ok, s.phones]),
      [
        [nameOf(urlA), true, 2],
        [nameOf(urlB), true, 3],
      ],
    );
    assert.deepEqual(
      j.phones.map((p) => `${p.shard} ${p.number}`),
      [`${nameOf(urlB)} 6002`, `${nameOf(urlB)} 6003`],
    );
    const registered = await ctl([
      ...both(),
      '--where',
      'registered=yes',
      '--where',
      'state=ready',
      '--where',
      'number=50*,600?',
      'phones',
      'list',
    ]);
    assert.equal(rows(registered.stdout).length, 5);
    const bad = await ctl([...both(), '--where', 'colour=red', 'phones', 'list']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--where colour: no such field; fields: shard, index, model/);
  });

  it('phones count counts by shard (the default) or by any field, with a total', async () => {
    const byShard = await ctl([...both(), 'phones', 'count']);
    assert.equal(byShard.code, 0, byShard.stderr);
    assert.deepEqual(rows(byShard.stdout), [
      [nameOf(urlA), '2'],
      [nameOf(urlB), '3'],
      ['total', '5'],
    ]);
    const byModel = await ctl([...both(), '--json', '--where', 'index=1,2', 'phones', 'count', 'model']);
    assert.deepEqual(JSON.parse(byModel.stdout).counts, { 'Edge E450': 2, 'VVX 450': 2 });
    assert.equal(JSON.parse(byModel.stdout).total, 4);
  });

  it('drives phones of both shards through their control APIs: a command on many, calls, Status reasons', async () => {
    const set = await ctl([...both(), '--where', 'index=1', '--concurrency', '2', 'config', 'set', 'reg.1.label=Front desk']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(
      rows(set.stdout).map((r) => `${r[0]} ${r[1]} ${r[2]} ${r[3]}`),
      [`${nameOf(urlA)} 1 5001 ok`, `${nameOf(urlB)} 1 6001 ok`],
    );
    assert.match(set.stderr, /2 of 2 phones done, on 2 of 2 shards\n$/);
    for (const fleet of [a, b]) assert.equal(fleet.phones[0]?.phone.config.get('reg.1.label')?.value, 'Front desk');
    assert.notEqual(b.phones[1]?.phone.config.get('reg.1.label')?.value, 'Front desk');

    // A call within each shard: 5002 calls 5001, 6002 calls 6001; the ringing ones are found and answered.
    assert.equal((await ctl([...both(), '--where', 'number=5002', 'call', 'dial', '5001'])).code, 0);
    assert.equal((await ctl([...both(), '--where', 'number=6002', 'call', 'dial', '6001'])).code, 0);
    await waitFor(() => a.phones[0]?.phone.calls.all().length === 1 && b.phones[0]?.phone.calls.all().length === 1);
    const inCall = await ctl([...both(), '--where', 'calls!=0', 'phones', 'count']);
    assert.deepEqual(rows(inCall.stdout).at(-1), ['total', '4']);
    const answer = await ctl([...both(), '--where', 'number=5001,6001', 'call', 'answer']);
    assert.equal(answer.code, 0, answer.stdout);
    for (const fleet of [a, b]) assert.equal(fleet.phones[0]?.phone.calls.all()[0]?.stateLabel, 'Connected');

    // A Status error on every phone picked, with the phone's reason from its shard's journal.
    const key = await ctl([...both(), '--where', `shard=${nameOf(urlA)}`, '--json', 'screen', 'key', 'Home']);
    assert.equal(key.code, 5);
    const results = (JSON.parse(key.stdout) as { results: { phone: number; ok: boolean; errorCode: string; error: string }[] }).results;
    assert.deepEqual(
      results.map((r) => [r.phone, r.ok, r.errorCode, r.error]),
      [1, 2].map((i) => [i, false, 'status', 'Status 4000 (Invalid input parameters): VVX 450 has no key Home']),
    );
  });

  it('a shard that does not answer is said, the others are listed and driven, and the exit code says so (3)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await ctl([...both(), '--control', dead, 'phones', 'list']);
    assert.equal(r.code, 3);
    assert.equal(rows(r.stdout).length, 5);
    assert.match(
      r.stderr,
      new RegExp(`^polysim ctl: shard ${nameOf(dead)}: its control API ${dead} does not answer \\(ECONNREFUSED\\)$`, 'm'),
    );
    assert.match(r.stderr, /^5 phones on 2 of 3 shards$/m);
    const info = await ctl([...both(), '--control', dead, '--json', 'device', 'info']);
    assert.equal(info.code, 3);
    const j = JSON.parse(info.stdout) as { shards: { shard: string; ok: boolean; errorCode?: string }[]; results: { ok: boolean }[] };
    assert.deepEqual(
      j.shards.map((s) => [s.shard, s.ok, s.errorCode]),
      [
        [nameOf(urlA), true, undefined],
        [nameOf(urlB), true, undefined],
        [nameOf(dead), false, 'unreachable'],
      ],
    );
    assert.equal(j.results.filter((x) => x.ok).length, 5);
    // Without the token, shard B refuses: authentication (4), shard A still answers.
    const noToken = await ctl(['--control', urlA, '--control', urlB, 'phones', 'count']);
    assert.equal(noToken.code, 4);
    assert.match(noToken.stderr, new RegExp(`shard ${nameOf(urlB)}: its control API ${urlB} wants its token`));
    assert.deepEqual(rows(noToken.stdout), [
      [nameOf(urlA), '2'],
      ['total', '2'],
    ]);
  });

  it('--controls reads the shards from a file; a bad --control is a usage error', async () => {
    const file = join(dir, 'shards.txt');
    writeFileSync(file, `# the shards\n${urlA}\n\n${urlB}\n`);
    const r = await ctl(['--controls', file, '--control-token', TOKEN, 'phones', 'count']);
    assert.deepEqual(rows(r.stdout).at(-1), ['total', '5']);
    assert.equal((await ctl(['--control', 'ftp://x', 'phones', 'list'])).code, 2);
    const host = await ctl(['--host', 'http://127.0.0.1:1', '--where', 'model=x', 'device', 'info']);
    assert.equal(host.code, 2);
    assert.match(host.stderr, /--where picks phones of shards/);
  });
});

describe('shards found in DNS', { timeout: 60_000, skip: needs('dnsmasq') }, () => {
  let dns: Dnsmasq;
  const fleets: Fleet[] = [];
  const controls: ControlApp[] = [];
  let port: number;
  before(async () => {
    // Two shards on one port, at two loopback addresses, as the pods behind a headless Service.
    port = await freePort();
    dns = await startDnsmasq({
      a: [
        ['shards.test', '127.0.0.2'],
        ['shards.test', '127.0.0.3'],
      ],
    });
    for (const [i, host] of ['127.0.0.2', '127.0.0.3'].entries()) {
      const fleet = await testFleet({ count: 2, firstNumber: 7001 + 100 * i });
      const control = await createControlApp(fleet, false);
      await control.listen({ port, host });
      fleets.push(fleet);
      controls.push(control);
    }
    await waitFor(() => fleets.every((f) => f.phones.every((r) => r.phone.isReady)), 10_000);
  });
  after(async () => {
    for (const c of controls) await c.close();
    for (const f of fleets) await f.stop();
    await dns?.stop();
  });

  it('--control-dns name:port makes one shard per A record; --dns-server asks that server', async () => {
    assert.deepEqual(await resolveShards({ dns: `shards.test:${port}`, dnsServer: dns.server }), [
      { name: `127.0.0.2:${port}`, url: `http://127.0.0.2:${port}` },
      { name: `127.0.0.3:${port}`, url: `http://127.0.0.3:${port}` },
    ]);
    const r = await ctl(['--control-dns', `shards.test:${port}`, '--dns-server', dns.server, 'phones', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      rows(r.stdout).map((x) => `${x[0]} ${x[4]}`),
      [`127.0.0.2:${port} 7001`, `127.0.0.2:${port} 7002`, `127.0.0.3:${port} 7101`, `127.0.0.3:${port} 7102`],
    );
    const dial = await ctl([
      '--control-dns',
      `shards.test:${port}`,
      '--dns-server',
      dns.server,
      '--where',
      'index=1',
      'call',
      'dial',
      '12345',
    ]);
    assert.equal(dial.code, 0, dial.stdout);
    const missing = await ctl(['--control-dns', `nowhere.test:${port}`, '--dns-server', dns.server, 'phones', 'list']);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /--control-dns nowhere\.test:\d+: nowhere\.test does not resolve \(ENOTFOUND\)/);
  });

  it('a control port told of its peers by DNS (--peers-dns) names itself and the other shard, not itself twice', async () => {
    const control = await createControlApp(
      fleets[0] as Fleet,
      false,
      {},
      {},
      {},
      { source: { dns: `shards.test:${port}`, dnsServer: dns.server } },
    );
    await control.listen({ port: 0, host: '127.0.0.2' });
    const own = (control.server.address() as { port: number }).port;
    try {
      // Reached on another port than the shards', it is not one of the records: both are its peers.
      const other = (await (await fetch(`http://127.0.0.2:${own}/shards`)).json()) as { name: string; local: boolean }[];
      assert.deepEqual(
        other.map((s) => [s.name, s.local]),
        [
          [`127.0.0.2:${own}`, true],
          [`127.0.0.2:${port}`, false],
          [`127.0.0.3:${port}`, false],
        ],
      );
    } finally {
      await control.close();
    }
    // The shard at 127.0.0.2 itself, told of the same name: itself once (local), the other as its peer.
    const self = await createControlApp(
      fleets[0] as Fleet,
      false,
      {},
      {},
      {},
      { source: { dns: `shards.test:${port}`, dnsServer: dns.server } },
    );
    await (controls[0] as ControlApp).close();
    await self.listen({ port, host: '127.0.0.2' });
    controls[0] = self;
    const shards = (await (await fetch(`http://127.0.0.2:${port}/shards`)).json()) as { name: string; local: boolean }[];
    assert.deepEqual(
      shards.map((s) => [s.name, s.local]),
      [
        [`127.0.0.2:${port}`, true],
        [`127.0.0.3:${port}`, false],
      ],
    );
    const peerPhones = (await (await fetch(`http://127.0.0.2:${port}/shards/127.0.0.3:${port}/phones`)).json()) as { number: string }[];
    assert.deepEqual(
      peerPhones.map((p) => p.number),
      ['7101', '7102'],
    );
  });

  it("without --dns-server, the system's resolver: localhost is one shard", async () => {
    assert.deepEqual(await resolveShards({ dns: 'localhost:8790' }), [{ name: '127.0.0.1:8790', url: 'http://127.0.0.1:8790' }]);
    assert.equal((await ctl(['--control-dns', 'localhost', 'phones', 'list'])).code, 2);
  });
});
