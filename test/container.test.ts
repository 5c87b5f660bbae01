// test-tier: slow (podman builds the image and runs it: minutes)
/**
 * The container image as users build it: `podman build` of the Dockerfile, then the image started as the README
 * says (its default command: one phone on 0.0.0.0, state in the /data volume, the unprivileged `node` user) and as
 * examples/compose.yaml runs it (its command, its fleet file mounted, its ports), answered through published ports.
 *
 * Offline, as every test here: the base is the local stand-in for node:26-slim that scripts/container-base.sh makes
 * (npm run setup calls it; no registry is reachable from this project's machines), the build runs with --network none
 * and npm takes every package from this machine's npm cache. Layers are cached, so an unchanged tree rebuilds at once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { waitFor } from './helpers.js';
import { needs } from './peers.js';
import { buildImage, IMAGE, limits, podman, run } from './podman.js';
import { ROOT } from './root.js';

const tag = `polysim-test-${process.pid}`;

/** The container's log (stdout and stderr) once `pattern` appears in it. */
async function logsUntil(name: string, pattern: RegExp): Promise<string> {
  let text = '';
  await waitFor(async () => {
    const { stdout, stderr } = await run('podman', ['logs', name]);
    text = stdout + stderr;
    return pattern.test(text);
  }, 30_000).catch(() => {
    throw new Error(`${name}: ${String(pattern)} not in its log in 30 s:\n${text}`);
  });
  return text;
}

/** The host port podman published a container port on (`-p 127.0.0.1::PORT` lets it pick a free one, with no race
 * against other tests picking ports). */
async function hostPort(name: string, port: number): Promise<number> {
  const out = (await podman(['port', name, `${port}/tcp`])).trim();
  const m = /:(\d+)$/m.exec(out);
  assert.ok(m, `no published port for ${port}: ${out}`);
  return Number(m[1]);
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: await r.text() };
}

const basic = (password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`Polycom:${password}`).toString('base64')}`,
});

describe('container image (podman)', { timeout: 900_000, skip: needs('podman', 'container-base') }, () => {
  const containers: string[] = [];
  const volumes: string[] = [];

  before(async () => {
    await buildImage();
  });

  after(async () => {
    for (const c of containers) await run('podman', ['rm', '-f', '-t', '0', c]).catch(() => undefined);
    for (const v of volumes) await run('podman', ['volume', 'rm', '-f', v]).catch(() => undefined);
  });

  it('starts one phone as the README says: non-root, answering on published ports, its state kept in /data', async () => {
    const volume = `${tag}-data`;
    volumes.push(volume);
    let [http, https, control] = [0, 0, 0];
    const start = async (name: string): Promise<string> => {
      containers.push(name);
      await podman([
        'run',
        '-d',
        '--name',
        name,
        ...limits,
        '-p',
        '127.0.0.1::8080',
        '-p',
        '127.0.0.1::8443',
        '-p',
        '127.0.0.1::8790',
        '-v',
        `${volume}:/data`,
        IMAGE,
      ]);
      [http, https, control] = [await hostPort(name, 8080), await hostPort(name, 8443), await hostPort(name, 8790)];
      return logsUntil(name, /token\s+\S+/);
    };
    const first = await start(`${tag}-one`);
    const password = /login\s+Polycom \/ (\S+)/.exec(first)?.[1];
    const token = /token\s+(\S+)/.exec(first)?.[1];
    const mac = /MAC (0004F2[0-9A-F]{6})/.exec(first)?.[1];
    assert.ok(password && token && mac, first);
    assert.match(first, /VVX 450 \(UCS 6\.4\.3\)/);
    assert.match(first, /line 1\s+1001, on the built-in switchboard/);

    const info = await get(`http://127.0.0.1:${http}/api/v2/mgmt/device/info`, basic(password));
    assert.equal(info.status, 200, info.body);
    const device = JSON.parse(info.body) as { Status: string; data: { IPAddress: string } };
    assert.equal(device.Status, '2000');
    // Bound to 0.0.0.0, the phone reports the container's own address, as a phone reports its interface's.
    const inside = (
      await podman([
        'exec',
        `${tag}-one`,
        'node',
        '-p',
        "Object.values(require('os').networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal).address",
      ])
    ).trim();
    assert.equal(device.data.IPAddress, inside);
    assert.notEqual(inside, '0.0.0.0');
    assert.equal((await get(`http://127.0.0.1:${http}/api/v2/mgmt/device/info`, basic('wrong'))).status, 401);
    // Listening beyond loopback, the control API wants the printed token.
    assert.equal((await get(`http://127.0.0.1:${control}/phones`)).status, 401);
    const phones = await get(`http://127.0.0.1:${control}/phones`, { authorization: `Bearer ${token}` });
    assert.equal(phones.status, 200, phones.body);
    // HTTPS with the generated certificate answers too.
    const tls = await run('curl', ['-sk', '-u', `Polycom:${password}`, `https://127.0.0.1:${https}/api/v1/mgmt/device/info`]);
    assert.match(tls.stdout, /"Status":"2000"/);
    assert.equal((await podman(['exec', `${tag}-one`, 'id', '-un'])).trim(), 'node');
    // Node.js 26 (node:26-slim), whose OpenSSL 3.5 makes a phone's TLS context for a third of OpenSSL 3.0's CPU.
    assert.match(
      (await podman(['exec', `${tag}-one`, 'node', '-p', 'process.version + " " + process.versions.openssl'])).trim(),
      /^v26\.\S+ 3\.[5-9]/,
    );

    // A value set over REST, then a new container on the same volume: same phone, same password, same value.
    const set = await fetch(`http://127.0.0.1:${http}/api/v1/mgmt/config/set`, {
      method: 'POST',
      headers: { ...basic(password), 'content-type': 'application/json' },
      body: JSON.stringify({ data: { 'reg.1.label': 'Container' } }),
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(set.status, 200);
    await podman(['rm', '-f', '-t', '5', `${tag}-one`]);
    const second = await start(`${tag}-two`);
    assert.match(second, new RegExp(`MAC ${mac}`));
    assert.match(second, new RegExp(`login\\s+Polycom / ${password}`));
    const label = await fetch(`http://127.0.0.1:${http}/api/v1/mgmt/config/get`, {
      method: 'POST',
      headers: { ...basic(password), 'content-type': 'application/json' },
      body: JSON.stringify({ data: ['reg.1.label'] }),
      signal: AbortSignal.timeout(5000),
    });
    assert.deepEqual(((await label.json()) as { data: unknown }).data, { 'reg.1.label': { Value: 'Container', Source: 'local' } });
  });

  it('runs the fleet of examples/compose.yaml with its command, fleet file and ports', async () => {
    const composeFile = join(ROOT, 'examples', 'compose.yaml');
    const compose = parse(readFileSync(composeFile, 'utf8')) as {
      services: { phones: { command: string[]; volumes: string[]; ports: string[] } };
    };
    const service = compose.services.phones;
    const name = `${tag}-fleet`;
    containers.push(name);
    const args = ['run', '-d', '--name', name, ...limits];
    for (const v of service.volumes) {
      const [source = '', target = '', mode] = v.split(':');
      if (source.startsWith('.')) args.push('-v', `${join(dirname(composeFile), source)}:${target}${mode ? `:${mode}` : ''}`);
      else {
        volumes.push(`${tag}-${source}`);
        args.push('-v', `${tag}-${source}:${target}`);
      }
    }
    // The file's ports, each published on a port podman picks (the fixed ones may be taken by other tests).
    for (const entry of service.ports) {
      const [range = '', proto] = entry.replace(/^.*:/, '').split('/');
      const [lo, hi] = range.split('-').map(Number) as [number, number | undefined];
      for (let port = lo; port <= (hi ?? lo); port++) args.push('-p', `127.0.0.1::${port}${proto ? `/${proto}` : ''}`);
    }
    await podman([...args, IMAGE, ...service.command]);
    // No fixed token in the file: the one generated at start, as the log shows it.
    const log = await logsUntil(name, /token\s+\S+/);
    assert.match(log, /control\s+http/);
    const token = /token\s+(\S+)/.exec(log)?.[1] ?? '';
    const published = new Map<number, number>([
      [8790, await hostPort(name, 8790)],
      [9003, await hostPort(name, 9003)],
    ]);
    assert.equal((await get(`http://127.0.0.1:${published.get(8790)}/phones`)).status, 401);
    const list = await get(`http://127.0.0.1:${published.get(8790)}/phones`, { authorization: `Bearer ${token}` });
    assert.equal(list.status, 200, list.body);
    const phones = JSON.parse(list.body) as { model: string; number: string }[];
    assert.deepEqual(
      phones.map((p) => `${p.model} ${p.number}`),
      ['VVX 450 1001', 'VVX 450 1002', 'Trio 8800 2001', 'CCX 600 3001', 'Edge E450 4001', 'Edge E450 4002', 'Edge E450 4003'],
    );
    // Phone 3 (the Trio, on its own password) through its published HTTP port.
    await waitFor(
      async () =>
        (await get(`http://127.0.0.1:${published.get(9003)}/api/v1/mgmt/device/info`, basic('Trio-Pass-1')).catch(() => ({ status: 0 })))
          .status === 200,
      20_000,
    );
    const trio = await get(`http://127.0.0.1:${published.get(9003)}/api/v1/mgmt/device/info`, basic('Trio-Pass-1'));
    assert.match(trio.body, /"ModelNumber":"Trio 8800"/);
  });
});
