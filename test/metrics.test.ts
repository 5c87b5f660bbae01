/**
 * `/metrics` on the control port, scraped by Prometheus itself (Debian's, every 250 ms) and read back with PromQL, and
 * linted by its promtool: two phones registered to Kamailio call each other with RTP, answer Poly API requests (some
 * refused) and post telephony events to two receivers (one refuses them), and every number Prometheus holds is what
 * happened. Fleets in one process keep their own numbers, and the route is behind the control API's door: Prometheus
 * scrapes it with the token, and is refused without.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlApp } from '../src/control/app.js';
import { prometheusScrapeJob } from '../src/deploy/kubernetes.js';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { ALL_TELEPHONY_EVENTS, listenControl, PASSWORD, recordingServer, testFleet, waitFor } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { lacks, needs, which } from './peers.js';
import { startPrometheus } from './prometheus.js';
import type { Prometheus } from './prometheus.js';

const BASIC = (password: string): string => `Basic ${Buffer.from(`Polycom:${password}`).toString('base64')}`;

/**
 * Waits for a scrape of the job that began after now and succeeded (the first one comes some seconds after Prometheus
 * starts: its discovery sends targets every 5 s): what the queries then read is what was done before.
 */
async function scrapedAfterNow(prom: Prometheus, job: string): Promise<void> {
  const now = Date.now() / 1000;
  await waitFor(async () => {
    const [at] = await prom.query(`timestamp(up{job="${job}"})`);
    const [up] = await prom.query(`up{job="${job}"}`);
    return at !== undefined && at.value > now && up?.value === 1;
  }, 20_000);
}

/** The one value a query gives now (0 when it gives none: a counter that has no series yet). */
async function value(prom: Prometheus, promql: string): Promise<number> {
  const samples = await prom.query(promql);
  assert.ok(samples.length <= 1, `${promql}: ${JSON.stringify(samples)}`);
  return samples[0]?.value ?? 0;
}

describe('GET /metrics: a fleet calling through Kamailio, scraped by Prometheus', { skip: needs('kamailio', 'prometheus') }, () => {
  let kamailio: Kamailio;
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  let prom: Prometheus;
  const receivers: Awaited<ReturnType<typeof recordingServer>>[] = [];
  const url = (i: number): string => fleet.phones[i - 1]?.httpUrl as string;
  const rest = (i: number, path: string, data?: unknown, password = PASSWORD): Promise<Response> =>
    fetch(`${url(i)}${path}`, {
      method: data === undefined ? 'GET' : 'POST',
      headers: { authorization: BASIC(password), 'content-type': 'application/json' },
      body: data === undefined ? undefined : JSON.stringify({ data }),
    });

  before(async () => {
    kamailio = await startKamailio({ algorithm: 'MD5' });
    // phone 1's telephony events are taken, phone 2's refused
    receivers.push(await recordingServer(() => ({ status: 200 })), await recordingServer(() => ({ status: 503 })));
    const events = (i: number): Record<string, string> => ({
      ...ALL_TELEPHONY_EVENTS,
      'apps.telNotification.URL': receivers[i]?.url ?? '',
    });
    fleet = await testFleet({
      count: 2,
      firstNumber: 1001,
      sipPort: 0,
      registrar: { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' },
      sipPassword: 'secret-{number}',
      members: [{ set: events(0) }, { set: events(1) }],
    });
    ({ control, url: ctl } = await listenControl(fleet));
    prom = await startPrometheus([{ name: 'fleet', url: ctl }]);
    await waitFor(() => fleet.phones.every((r) => r.phone.isReady && r.phone.lines.get(1).registered), 10_000);
  });
  after(async () => {
    await prom?.stop();
    await control?.close();
    await fleet?.stop();
    await kamailio?.stop();
    for (const r of receivers) await r.close();
  });

  it('holds the phones, lines, the call, the requests by operation and Status, SIP messages, RTP, posts and the event stream', async () => {
    // Poly API requests: four taken, four refused (wrong password, invalid input, no such path, a GET-only path posted to)
    assert.equal((await rest(1, '/api/v2/mgmt/device/info')).status, 200);
    assert.equal((await rest(2, '/api/v2/mgmt/device/info')).status, 200);
    assert.equal((await rest(1, '/api/v2/mgmt/device/info', undefined, 'wrong')).status, 401);
    assert.equal((await rest(1, '/api/v1/callctrl/dial', {})).status, 400);
    assert.equal((await rest(1, '/api/v1/no/such/path')).status, 404);
    assert.equal((await rest(1, '/api/v2/mgmt/device/info', {})).status, 405);
    // the call: phone 1 dials phone 2 through Kamailio, phone 2 answers
    assert.equal((await rest(1, '/api/v1/callctrl/dial', { Dest: '1002' })).status, 200);
    await waitFor(() => fleet.phones[1]?.phone.calls.all()[0]?.state === 'Offering', 5000);
    assert.equal((await rest(2, '/api/v1/callctrl/answerCall', {})).status, 200);
    await waitFor(() => fleet.phones.every((r) => r.phone.calls.all()[0]?.state === 'Connected'), 5000);
    // media flows both ways (on the media engine's 20 ms tick), and every telephony event has had its answer
    await waitFor(() => fleet.phones.every((r) => (r.ua?.rtp.received ?? 0) > 0), 5000);
    await Promise.all(fleet.phones.map((r) => r.posts.settled()));
    // a reader of the event stream, kept open to the end: it has both snapshots
    const reader = new AbortController();
    const stream = await fetch(`${ctl}/events`, { signal: reader.signal });
    const chunks = stream.body?.getReader();
    let seen = '';
    while ((seen.match(/event: snapshot/g) ?? []).length < 2) {
      const chunk = await chunks?.read();
      if (!chunk || chunk.done) assert.fail(`the stream ended: ${seen}`);
      seen += new TextDecoder().decode(chunk.value);
    }
    const rtp = (direction: 'sent' | 'received'): number => fleet.phones.reduce((n, r) => n + (r.ua?.rtp[direction] ?? 0), 0);
    const before = { sent: rtp('sent'), received: rtp('received') };
    await scrapedAfterNow(prom, 'fleet');
    // Queries read the latest scrape: nothing changes from here on but RTP (the call goes on, the reader stays)
    const v = (promql: string): Promise<number> => value(prom, promql);

    assert.equal(await v('polysim_phones{state="ready"}'), 2);
    assert.equal(await v('polysim_phones{state="down"}'), 0);
    assert.equal(await v('polysim_lines{server="sip",state="registered"}'), 2);
    assert.equal(await v('sum(polysim_lines{server="switchboard"})'), 0);
    assert.equal(await v('polysim_calls{state="Connected",direction="Outgoing"}'), 1);
    assert.equal(await v('polysim_calls{state="Connected",direction="Incoming"}'), 1);
    assert.equal(await v('sum(polysim_calls)'), 2);

    const req = (operation: string, status: string, code: string): Promise<number> =>
      v(`polysim_rest_requests_total{transport="http",operation="${operation}",status="${status}",code="${code}"}`);
    assert.equal(await req('Management.DeviceInfoV2', '2000', '200'), 2);
    assert.equal(await req('Management.DeviceInfoV2', 'none', '401'), 1);
    assert.equal(await req('Management.DeviceInfoV2', '4400', '405'), 1);
    assert.equal(await req('WebCallControl.Dial', '4000', '400'), 1);
    assert.equal(await req('WebCallControl.Dial', '2000', '200'), 1);
    assert.equal(await req('WebCallControl.AnswerCall', '2000', '200'), 1);
    assert.equal(await req('none', 'none', '404'), 1);
    assert.equal(await v('sum(polysim_rest_requests_total)'), 8);
    assert.equal(await v('sum(polysim_rest_requests_total{status=~"4..."})'), 2);
    // the histogram counts the same requests by operation; its +Inf bucket is its count
    const hist = 'polysim_rest_request_duration_seconds';
    assert.equal(await v(`${hist}_count{operation="Management.DeviceInfoV2"}`), 4);
    assert.equal(await v(`${hist}_bucket{operation="Management.DeviceInfoV2",le="+Inf"}`), 4);
    assert.equal(await v(`${hist}_count{operation="WebCallControl.Dial"}`), 2);
    assert.equal(await v(`sum(${hist}_count)`), 8);
    const median = await v(`histogram_quantile(0.5, sum by (le) (${hist}_bucket))`);
    assert.ok(median > 0 && median <= 10, `median ${median} s`);

    // SIP: phone 1 sent the INVITE (again with credentials after Kamailio's 407), phone 2 received it and answered 200
    const sip = (kind: 'requests' | 'responses', labels: string): Promise<number> => v(`polysim_sip_${kind}_total{${labels}}`);
    assert.ok((await sip('requests', 'direction="out",method="INVITE"')) >= 2);
    assert.ok((await sip('responses', 'direction="in",method="INVITE",code="407"')) >= 1);
    assert.ok((await sip('requests', 'direction="in",method="INVITE"')) >= 1);
    assert.ok((await sip('responses', 'direction="out",method="INVITE",code="200"')) >= 1);
    assert.ok((await sip('responses', 'direction="in",method="INVITE",code="200"')) >= 1);
    assert.ok((await sip('requests', 'direction="out",method="ACK"')) >= 1);
    assert.ok((await sip('requests', 'direction="out",method="REGISTER"')) >= 2);
    assert.ok((await sip('responses', 'direction="in",method="REGISTER",code="200"')) >= 2);
    // RTP: at least what the phones had counted before the scrape, and no more than they have now
    for (const direction of ['sent', 'received'] as const) {
      const n = await v(`polysim_rtp_packets_total{direction="${direction}"}`);
      assert.ok(n > 0 && n >= before[direction] && n <= rtp(direction), `${direction}: ${before[direction]} <= ${n} <= ${rtp(direction)}`);
    }
    // posted documents: phone 1's delivered, phone 2's failed, each one its receiver got
    const [taken, refused] = receivers.map((r) => r.received);
    assert.ok(taken && taken.length > 0 && refused && refused.length > 0);
    assert.equal(await v('sum(polysim_posted_documents_total{result="delivered"})'), taken.length);
    assert.equal(await v('sum(polysim_posted_documents_total{result="failed"})'), refused.length);
    assert.equal(await v('sum(polysim_posted_documents_total{result="dropped"})'), 0);
    const incoming = refused.filter((r) => r.body.toString().includes('<IncomingCallEvent')).length;
    assert.ok(incoming > 0);
    assert.equal(await v('polysim_posted_documents_total{document="IncomingCallEvent",result="failed"}'), incoming);
    assert.equal(await v('polysim_posted_documents_waiting'), 0);
    // the event stream: one reader, who got both snapshots at least
    assert.equal(await v('polysim_event_stream_readers'), 1);
    assert.ok((await v('polysim_event_stream_events_total{result="delivered"}')) >= 2);
    assert.equal(await v('polysim_event_stream_events_total{result="dropped"}'), 0);
    // the process
    assert.ok((await v('process_resident_memory_bytes{job="fleet"}')) > 0);
    reader.abort();
  });

  it("is text promtool lints clean, but for prom-client's own gauges named *_total", async (t) => {
    if (lacks(t, 'promtool')) return;
    const res = await fetch(`${ctl}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const run = spawnSync(which('promtool') as string, ['check', 'metrics'], { input: await res.text(), encoding: 'utf8' });
    // 0: clean; 3: lint problems (1 would be a text it cannot parse)
    assert.ok(run.status === 0 || run.status === 3, `promtool exited ${run.status}: ${run.stderr}`);
    const problems = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
    assert.deepEqual(
      problems.filter((l) => !/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(l)),
      [],
    );
  });
});

describe('GET /metrics: its own numbers per fleet, behind the door', { skip: needs('prometheus') }, () => {
  const fleets: Fleet[] = [];
  const controls: ControlApp[] = [];
  let prom: Prometheus;
  const TOKEN = 'metrics-token-0123456789';
  const tokenDir = mkdtempSync(join(tmpdir(), 'polysim-token-'));
  const tokenFile = join(tokenDir, 'control-token');
  before(async () => {
    fleets.push(await testFleet({ count: 1, firstNumber: 5001 }), await testFleet({ count: 3, firstNumber: 6001 }));
    await waitFor(() => fleets.every((f) => f.phones.every((r) => r.phone.isReady)));
    const one = await listenControl(fleets[0] as Fleet);
    const three = await listenControl(fleets[1] as Fleet);
    // fleet one again, behind a token
    const guarded = await createControlApp(fleets[0] as Fleet, false, { token: TOKEN });
    await guarded.listen({ port: 0, host: '127.0.0.1' });
    const guardedUrl = `http://127.0.0.1:${(guarded.server.address() as AddressInfo).port}`;
    controls.push(one.control, three.control, guarded);
    // The job `polysim k8s --scrape-config` prints, its token read from a file as from the mounted Secret. Debian's
    // Prometheus is built without Kubernetes discovery, so the pods it would find are given as static targets with
    // the labels that discovery gives each port of a pod (the control port, and another port the job must drop).
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const { kubernetes_sd_configs: _discovery, ...k8sJob } = prometheusScrapeJob({ name: 'polysim', namespace: 'lab' }, tokenFile);
    const pod = (port: string, target: string): Record<string, unknown> => ({
      targets: [target],
      labels: {
        __meta_kubernetes_pod_container_port_name: port,
        __meta_kubernetes_pod_name: 'polysim-0',
        __meta_kubernetes_namespace: 'lab',
      },
    });
    const phoneHost = new URL(fleets[0]?.phones[0]?.httpUrl as string).host;
    prom = await startPrometheus(
      [
        { name: 'one', url: one.url },
        { name: 'three', url: three.url },
        { name: 'with-token', url: guardedUrl, token: TOKEN },
        { name: 'without-token', url: guardedUrl },
      ],
      [{ ...k8sJob, static_configs: [pod('control', new URL(guardedUrl).host), pod('http', phoneHost)] }],
    );
  });
  after(async () => {
    rmSync(tokenDir, { recursive: true, force: true });
    await prom?.stop();
    for (const c of controls) await c.close();
    for (const f of fleets) await f.stop();
  });

  it('counts each fleet in its own registry: the requests of one are not in the other', async () => {
    const phone = fleets[0]?.phones[0];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${phone?.httpUrl}/api/v1/mgmt/device/info`, { headers: { authorization: BASIC(PASSWORD) } });
      assert.equal(res.status, 200);
    }
    await scrapedAfterNow(prom, 'one');
    await scrapedAfterNow(prom, 'three');
    const v = (promql: string): Promise<number> => value(prom, promql);
    assert.equal(await v('polysim_phones{job="one",state="ready"}'), 1);
    assert.equal(await v('polysim_phones{job="three",state="ready"}'), 3);
    assert.equal(await v('polysim_lines{job="one",server="switchboard",state="registered"}'), 1);
    assert.equal(await v('polysim_lines{job="three",server="switchboard",state="registered"}'), 3);
    assert.equal(await v('polysim_rest_requests_total{job="one",operation="Management.DeviceInfo",status="2000",code="200"}'), 3);
    assert.equal(await v('sum(polysim_rest_requests_total{job="three"})'), 0);
    // on the switchboard, calls carry no SIP and no RTP
    assert.equal(await v('sum(polysim_sip_requests_total{job="one"})'), 0);
    assert.equal(await v('sum(polysim_rtp_packets_total{job="one"})'), 0);
  });

  it('wants the token when one is in force, as every control route does: Prometheus sends it, and is refused without', async () => {
    await scrapedAfterNow(prom, 'with-token');
    assert.equal(await value(prom, 'polysim_phones{job="with-token",state="ready"}'), 1);
    await waitFor(async () => (await prom.targets()).some((t) => t.job === 'without-token' && t.health === 'down'), 10_000);
    const refused = (await prom.targets()).find((t) => t.job === 'without-token');
    assert.match(refused?.lastError ?? '', /401/);
    assert.equal(await value(prom, 'up{job="without-token"}'), 0);
  });

  it("the cluster's scrape job (polysim k8s --scrape-config): the token from its file, only the control port, a shard label", async () => {
    await scrapedAfterNow(prom, 'polysim');
    assert.equal(await value(prom, 'polysim_phones{job="polysim",shard="polysim-0",namespace="lab",state="ready"}'), 1);
    // the pod's other ports are dropped by the job's relabelling: one target only, the control port's
    const targets = (await prom.targets()).filter((t) => t.job === 'polysim');
    assert.equal(targets.length, 1);
    assert.equal(targets[0]?.health, 'up');
  });
});
