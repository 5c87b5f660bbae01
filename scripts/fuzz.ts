/**
 * `npm run fuzz`: the long fuzz run. Phones of three families on loopback take generated requests over HTTP (every
 * operation, inputs drawn from its schema and bent) and SIP (NOTIFYs valid, mutated and garbage), then must still
 * answer. A phone whose line registers takes generated dialog traffic (INVITEs with SDP whose media flows,
 * re-INVITEs, BYE, CANCEL, REFER, INFO...), its calls answered and ended as it goes; a fleet's control port takes
 * generated requests on every documented path. Prints what was sent and what held; exits 1 when anything did not.
 * Seeded: FUZZ_SEED=<n> replays a run.
 *   FUZZ_HTTP=<n> (default 50,000 per run), FUZZ_SIP=<n> (default 60,000), FUZZ_DIALOG=<n> (default 30,000) and
 *   FUZZ_CONTROL=<n> (default 10,000) and FUZZ_PUSH=<n> (default 10,000: bodies POSTed to /push) set the counts.
 */
import fc from 'fast-check';
import { startPhone } from '../src/runtime/phone-host.js';
import type { RunningPhone } from '../src/runtime/phone-host.js';
import { createHttpApp } from '../src/transport/http/app.js';
import type { AddressInfo } from 'node:net';
import { createControlApp } from '../src/control/app.js';
import { startFleet } from '../src/runtime/fleet.js';
import { controlCase, newControlTally, sendControl } from '../test/fuzz/control.js';
import { DialogFuzzer, dialogMessage, grantingRegistrar } from '../test/fuzz/dialog.js';
import { httpCase, newTally, sendHttp, sendSip, sipMessages } from '../test/fuzz/harness.js';
import type { Tally } from '../test/fuzz/harness.js';
import { newPushTally, pushCase, PushSender } from '../test/fuzz/push.js';

const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
const httpCases = Number(process.env['FUZZ_HTTP'] ?? 50_000);
const sipCases = Number(process.env['FUZZ_SIP'] ?? 60_000);
const dialogCases = Number(process.env['FUZZ_DIALOG'] ?? 30_000);
const controlCases = Number(process.env['FUZZ_CONTROL'] ?? 10_000);
const pushCases = Number(process.env['FUZZ_PUSH'] ?? 10_000);
const PASSWORD = 'Fuzz-Secret-1';
const SET = { 'apps.restapi.sipNotify.enabled': '1', 'apps.restapi.sipNotify.bindRequired': '0', 'httpd.cfg.lockWebUI.enable': '0' };

let crashes = 0;
process.on('uncaughtException', (err) => {
  crashes++;
  console.error('uncaught:', err);
});
process.on('unhandledRejection', (err) => {
  crashes++;
  console.error('unhandled rejection:', err);
});

const app = await createHttpApp(false);
const models = [
  ['VVX 450', undefined],
  ['Trio 8800', undefined],
  ['CCX 600', '9.5.0'],
] as const;
const phones: RunningPhone[] = [];
for (const [model, firmware] of models) {
  phones.push(
    await startPhone(
      {
        model,
        firmware,
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        sipPort: 0,
        adminPassword: PASSWORD,
        set: { ...SET, ...(model === 'CCX 600' ? { 'httpd.rest.auth.basic.enabled': '1' } : {}) },
        timing: { initMs: 0 },
      },
      app,
    ),
  );
}
const auth = `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`;
const started = performance.now();
const httpTallies: Tally[] = [];
const sipTallies: Tally[] = [];

// HTTP: each phone takes its share of the cases, one at a time (as a phone serves them), the phones side by side.
await Promise.all(
  phones.map(async (p, i) => {
    const t = newTally();
    httpTallies.push(t);
    const share = Math.ceil(httpCases / phones.length);
    const cases = fc.sample(httpCase(), { numRuns: share, seed: seed + i });
    for (const c of cases) await sendHttp(p.httpUrl, auth, c, t);
  }),
);
const httpMs = performance.now() - started;

// SIP: datagrams to every phone.
const sipStarted = performance.now();
await Promise.all(
  phones.map(async (p, i) => {
    const t = newTally();
    sipTallies.push(t);
    const port = p.sip?.port ?? 0;
    await sendSip(port, sipMessages(port, Math.ceil(sipCases / phones.length), seed + 100 + i), t);
  }),
);
const sipMs = performance.now() - sipStarted;

// Dialogs: a fourth phone, its line registered, takes generated calls whose media flows.
const dialogStarted = performance.now();
const registrar = await grantingRegistrar();
const dialogPhone = await startPhone(
  {
    model: 'VVX 450',
    address: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    sipPort: 0,
    adminPassword: PASSWORD,
    timing: { initMs: 0 },
    set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(registrar.address().port), 'call.callsPerLineKey': '24' },
  },
  app,
);
phones.push(dialogPhone);
const fuzzer = new DialogFuzzer(dialogPhone);
await fuzzer.start();
for (const m of fc.sample(dialogMessage, { numRuns: dialogCases, seed: seed + 200 })) await fuzzer.send(m);
await new Promise((r) => setTimeout(r, 200));
const dialogThrown = fuzzer.thrown();
const dialogRtp = fuzzer.rtpSent();
const dialog488 = fuzzer.answers.filter((a) => /^SIP\/2\.0 488 /.test(a)).length;
fuzzer.endCalls();
fuzzer.close();
registrar.close();
const dialogMs = performance.now() - dialogStarted;

// The control port: a fleet of two phones behind it.
const controlStarted = performance.now();
const fleet = await startFleet(
  {
    model: 'VVX 450',
    count: 2,
    firstNumber: 4101,
    address: '127.0.0.1',
    httpPort: 0,
    httpsPort: 0,
    adminPassword: PASSWORD,
    timing: { initMs: 0 },
  },
  app,
);
const control = await createControlApp(fleet, false);
await control.listen({ port: 0, host: '127.0.0.1' });
const controlUrl = `http://127.0.0.1:${(control.server.address() as AddressInfo).port}`;
const controlTally = newControlTally();
for (const c of fc.sample(controlCase(2), { numRuns: controlCases, seed: seed + 300 })) await sendControl(controlUrl, c, controlTally);
const controlMs = performance.now() - controlStarted;
let fleetAlive = 0;
for (let i = 1; i <= fleet.phones.length; i++) {
  // alive: it answers within the envelope (the generated requests may have changed its password, so not always 2000)
  const res = await fetch(`${controlUrl}/phones/${i}/api/v2/mgmt/device/info`);
  const text = await res.text();
  if (res.status < 500 && /"Status":"\d{4}"/.test(text)) fleetAlive++;
  else console.log(`phone ${i}: ${res.status} ${text.slice(0, 200)}`);
}
await control.close();
await fleet.stop();

// Pushes: the VVX with a push account takes generated push bodies over HTTP, Digest-signed.
const pushStarted = performance.now();
const pushPhone = phones[0] as RunningPhone;
pushPhone.phone.config.set('LOCAL', { 'apps.push.username': 'Push', 'apps.push.password': 'Fuzz-push-1', 'apps.push.messageType': '5' });
const pushTally = newPushTally();
const pushSender = new PushSender(pushPhone.httpUrl, 'Push', 'Fuzz-push-1');
for (const c of fc.sample(pushCase(), { numRuns: pushCases, seed: seed + 400 })) {
  await pushSender.send(c, pushTally);
  pushPhone.phone.calls.endAll();
}
const pushMs = performance.now() - pushStarted;

// Afterwards, every phone still answers.
let alive = 0;
for (const p of phones) {
  const res = await fetch(`${p.httpUrl}/api/v2/mgmt/device/info`, { headers: { authorization: auth } });
  if (res.status === 200) alive++;
}

const tallies = [...httpTallies, ...sipTallies];
const sum = (f: (t: Tally) => number, of = tallies): number => of.reduce((a, t) => a + f(t), 0);
const sipAnswers = sum(
  (t) =>
    Object.entries(t.byStatus)
      .filter(([k]) => k.startsWith('SIP '))
      .reduce((a, [, v]) => a + v, 0),
  sipTallies,
);
const byStatus: Record<string, number> = {};
for (const t of tallies) for (const [k, v] of Object.entries(t.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
const problems = [
  ...tallies.flatMap((t) => [...t.outsideEnvelope, ...t.unexpected5xx, ...t.badSip]),
  ...dialogThrown.map((l) => `dialog: ${l}`),
];
if (dialogRtp === 0) problems.push('dialog: no call of the dialog run sent media');
problems.push(...controlTally.failed.map((f) => `control: ${f}`));
problems.push(...pushTally.unexpected.map((u) => `push: ${u}`));
if (fleetAlive !== 2) problems.push(`control: ${fleetAlive}/2 phones answer through the control port after`);
const report = {
  seed,
  httpSent: sum((t) => t.sent, httpTallies),
  sipSent: sum((t) => t.sent, sipTallies),
  sipAnswered: sipAnswers,
  httpSeconds: Math.round(httpMs / 100) / 10,
  sipSeconds: Math.round(sipMs / 100) / 10,
  dialogSent: dialogCases,
  dialogAnswered: fuzzer.answers.length,
  dialogRefused488: dialog488,
  dialogRtpPacketsSent: dialogRtp,
  dialogThrown: dialogThrown.length,
  dialogSeconds: Math.round(dialogMs / 100) / 10,
  controlSent: controlTally.sent,
  controlFailed: controlTally.failed.length,
  controlByStatus: controlTally.byStatus,
  controlSeconds: Math.round(controlMs / 100) / 10,
  pushSent: pushCases,
  pushByStatus: pushTally.byStatus,
  pushSeconds: Math.round(pushMs / 100) / 10,
  crashes,
  outsideEnvelope: sum((t) => t.outsideEnvelope.length),
  unexpected5xx: sum((t) => t.unexpected5xx.length),
  badSip: sum((t) => t.badSip.length),
  phonesAnsweringAfter: `${alive}/${phones.length}`,
  byStatus,
};
console.log(JSON.stringify(report, null, 2));
for (const p of problems.slice(0, 20)) console.log('problem:', p);
for (const p of phones) await p.stop();
await app.close();
const ok = crashes === 0 && problems.length === 0 && alive === phones.length;
console.log(
  ok
    ? `fuzz: ${report.httpSent + report.sipSent + report.dialogSent + report.controlSent} cases, 0 crashes, 0 answers outside the envelope, 0 unexpected 5xx`
    : 'fuzz: FAILED',
);
process.exit(ok ? 0 : 1);
