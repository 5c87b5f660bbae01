/**
 * Real SIP: two polysim processes register to Kamailio (SHA-256 digest; MD5 on a second instance) and call each
 * other through it with RTP: dial, answer, hold, resume, DTMF, hang up, busy and not found, blind and consultative
 * transfer, conference. A wrong password fails to register; Kamailio restarts and the lines register again; a
 * NOTIFY through the proxy drives a phone that requires binding; sipp calls a phone and is called by one.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { POLYSIM_BIN, stopChild } from './child-process.js';
import { waitFor } from './helpers.js';
import { freePort, startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { lacks, needs } from './peers.js';
import { ROOT } from './root.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'polysim-sipua-'));
const AUTH = `Basic ${Buffer.from('Polycom:Secret-123').toString('base64')}`;
type Row = Record<string, string>;

interface Proc {
  child: ChildProcess;
  phones: { httpUrl: string; number: string }[];
  control: string;
  output: () => string;
  sipPort: number;
}

/** A polysim fleet in a process of its own, registered to the registrar. */
/** The registrar comes on the command line, or (inFile) in the fleet file. */
async function polysim(name: string, numbers: string[], registrar: Kamailio, sipPort = 0, inFile = false): Promise<Proc> {
  const file = join(dir, `${name}.json`);
  const server = `${registrar.address}:${registrar.port}`;
  writeFileSync(
    file,
    JSON.stringify({
      httpPort: 0,
      httpsPort: 0,
      sipPort,
      sipTlsPort: 0,
      controlPort: 0,
      ...(inFile ? { registrar: server, sipPassword: 'secret-{number}' } : {}),
      defaults: { adminPassword: 'Secret-123' },
      phones: numbers.map((number) => ({ number })),
    }),
  );
  const ready = join(dir, `${name}.ready.json`);
  const child = spawn(
    process.execPath,
    [
      POLYSIM_BIN,
      'fleet',
      '--config',
      file,
      '--init-ms',
      '0',
      '--ready-file',
      ready,
      ...(inFile ? [] : ['--registrar', server, '--sip-password', 'secret-{number}']),
      '--set',
      'reg.1.server.1.expires=10',
      '--set',
      'reg.1.server.1.expires.overlap=5',
      '--set',
      'reg.1.server.1.retryTimeOut=200',
      '--set',
      'reg.1.server.1.retryMaxCount=2',
      '--set',
      'reg.1.server.1.registerRetry.baseTimeOut=10',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(output);
    return existsSync(ready);
  }, 30_000);
  const r = JSON.parse(readFileSync(ready, 'utf8')) as { control: string; phones: { httpUrl: string; number: string }[] };
  return { child, phones: r.phones, control: r.control, output: () => output, sipPort };
}

async function api(url: string, path: string, data?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: data === undefined ? 'GET' : 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: data === undefined ? undefined : JSON.stringify({ data }),
  });
  return (await res.json()) as Record<string, unknown>;
}

const calls = async (url: string): Promise<Row[]> =>
  ((await api(url, '/api/v2/webCallControl/callStatus'))['data'] as Row[] | undefined) ?? [];
const states = async (url: string): Promise<string[]> => (await calls(url)).map((c) => `${c['RemotePartyNumber']}:${c['CallState']}`);
const line = async (url: string, n = 1): Promise<Row> => ((await api(url, `/api/v2/mgmt/lineInfo?line=${n}`))['data'] as Row[])[0] as Row;
async function until(what: () => Promise<unknown>, expected: unknown, ms = 5000): Promise<void> {
  let last: unknown;
  try {
    await waitFor(async () => {
      last = await what();
      return JSON.stringify(last) === JSON.stringify(expected);
    }, ms);
  } catch {
    assert.deepEqual(last, expected);
  }
}
/** Sends one NOTIFY with sipp (From a platform of another domain) and answers the status it got back. */
async function sippNotify(port: number, user: string, event: string, type: string, body: string): Promise<string> {
  const scenario = join(dir, `notify-${event}.xml`);
  writeFileSync(
    scenario,
    `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="notify">
  <send><![CDATA[
NOTIFY sip:${user}@127.0.0.1:${port} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:platform@example.com>;tag=[pid]SIPpTag00[call_number]
To: <sip:${user}@127.0.0.1>
Call-ID: [call_id]
CSeq: 1 NOTIFY
Max-Forwards: 70
Contact: <sip:platform@[local_ip]:[local_port]>
Event: ${event}
Subscription-State: active
Content-Type: ${type}
Content-Length: [len]

${body}
]]></send>
  <recv response="200" optional="true" next="ok"/>
  <recv response="403"/>
  <label id="ok"/>
</scenario>`,
  );
  const log = join(dir, `notify-${event}-${port}-${Math.random().toString(16).slice(2)}.log`);
  await exec('sipp', [
    '-sf',
    scenario,
    '-m',
    '1',
    '-timeout',
    '5',
    '-timeout_error',
    '-nostdin',
    '-trace_msg',
    '-message_file',
    log,
    '-p',
    String(await freePort()),
    `127.0.0.1:${port}`,
  ]).catch(() => undefined);
  return /SIP\/2\.0 (\d{3})/.exec(readFileSync(log, 'utf8').split('received').slice(1).join(''))?.[1] ?? 'none';
}

/** The lines of a phone's snapshot event, from the control API's event stream. */
async function snapshotLines(url: string): Promise<Record<string, unknown>[]> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
      const m = /^data: (.*)$/m.exec(text);
      if (m) return (JSON.parse(m[1] as string) as { lines: Record<string, unknown>[] }).lines;
    }
  } finally {
    ac.abort();
  }
  return [];
}
/** `from` (number fromNumber) dials `toNumber` on `line`; the phone at `to` rings with the caller's number. */
async function ring(from: string, fromNumber: string, to: string, toNumber: string, line = '1'): Promise<void> {
  await api(from, '/api/v1/callctrl/dial', { Dest: toNumber, Line: line });
  await until(() => states(to), [`${fromNumber}:Offering`]);
}

/** As ring, then `to` answers and the caller sees the call connected. */
async function connect(from: string, fromNumber: string, to: string, toNumber: string, line = '1'): Promise<void> {
  await ring(from, fromNumber, to, toNumber, line);
  await api(to, '/api/v1/callctrl/answerCall', {});
  await until(() => states(from), [`${toNumber}:Connected`]);
}

const handle = async (url: string, remote: string): Promise<string> =>
  (await calls(url)).find((c) => c['RemotePartyNumber'] === remote)?.['CallHandle'] ?? '';

/** Kamailio with TLS (its certificate made with openssl): without them the suite is skipped, saying which is missing. */
const kamailioTls = needs('kamailio', 'kamailio-tls', 'openssl');

describe('real SIP through Kamailio: two polysim processes', { timeout: 180_000, skip: kamailioTls }, () => {
  let kam: Kamailio;
  let a: Proc;
  let b: Proc;
  let A: string; // 1001, process a
  let C: string; // 1003, process a
  let B: string; // 1002, process b

  before(async () => {
    kam = await startKamailio({ tls: true });
    [a, b] = await Promise.all([polysim('a', ['1001', '1003'], kam), polysim('b', ['1002'], kam, await freePort(), true)]);
    A = a.phones[0]?.httpUrl as string;
    C = a.phones[1]?.httpUrl as string;
    B = b.phones[0]?.httpUrl as string;
    // Both processes start at once on a busy machine: a first REGISTER whose answer waits behind a start may time out
    // (200 ms retransmissions, two of them) and the line then backs off for 10 s (registerRetry.baseTimeOut). Each test
    // begins with every line registered; the first one checks how.
    for (const url of [A, B, C]) await until(async () => (await line(url))['RegistrationStatus'], 'Registered', 15_000);
  });

  // a test that fails leaves no call behind for the next
  afterEach(async () => {
    for (const url of [A, B, C]) {
      for (const c of await calls(url).catch(() => [])) {
        await api(url, c['CallState'] === 'Offering' ? '/api/v1/callctrl/rejectCall' : '/api/v1/callctrl/endCall', {
          Ref: c['CallHandle'],
        }).catch(() => undefined);
      }
    }
  });

  after(async () => {
    for (const p of [a, b]) await stopChild(p?.child);
    await kam?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers every line with SHA-256 digest; lineInfo shows the server', async () => {
    for (const url of [A, B, C]) await until(async () => (await line(url))['RegistrationStatus'], 'Registered');
    const servers = (await line(A))['CallServers'] as unknown as Row[];
    assert.deepEqual([servers[0]?.['Address'], servers[0]?.['Port'], servers[0]?.['Working']], ['127.0.0.1', String(kam.port), 'True']);
  });

  it('calls through the proxy: ringing, answer, RTP both ways, hold and resume by re-INVITE, DTMF, hang up', async () => {
    assert.equal((await api(A, '/api/v1/callctrl/dial', { Dest: '1002', Line: '1' }))['Status'], '2000');
    await until(() => states(B), ['1001:Offering']);
    await until(() => states(A), ['1002:RingBack']);
    assert.equal((await api(B, '/api/v1/callctrl/answerCall', {}))['Status'], '2000');
    await until(() => states(A), ['1002:Connected']);
    // media: packets actually received on both sides, G.722 (both phones rank it first, as Poly's wideband phones do)
    for (const url of [A, B]) {
      await waitFor(async () => {
        const s = ((await api(url, '/api/v1/mgmt/media/sessionStats'))['data'] as { Streams: Row[] }[])[0]?.Streams[0];
        return Number(s?.['PacketsReceived']) > 10 && Number(s?.['PacketsSent']) > 10 && s?.['RxCodec'] === '9:G.722';
      }, 5000);
    }
    await api(A, '/api/v1/callctrl/holdCall', {});
    await until(() => states(A), ['1002:Hold']);
    await until(async () => ((await api(B, '/api/v1/mgmt/media/communicationInfo'))['data'] as Row)['CommunicationType'], ['RxOnly']);
    assert.equal((await calls(B))[0]?.['CallState'], 'Held', 'the far end sees the remote hold');
    await api(A, '/api/v1/callctrl/resumeCall', {});
    await until(async () => ((await api(B, '/api/v1/mgmt/media/communicationInfo'))['data'] as Row)['CommunicationType'], ['RxTx']);
    await api(A, '/api/v1/callctrl/sendDTMF', { Digits: '159#' });
    await until(
      async () => ((await (await fetch(`${b.control}/phones/1`)).json()) as { calls: { dtmfReceived: string }[] }).calls[0]?.dtmfReceived,
      '159#',
    );
    await api(B, '/api/v1/callctrl/endCall', { Ref: await handle(B, '1001') });
    await until(() => states(A), []);
    const log = (await api(A, '/api/v1/mgmt/callLogs'))['data'] as { Placed: Row[] };
    assert.equal(log.Placed[0]?.['RemotePartyNumber'], '1002');
  });

  it('DTMF by SIP INFO when voIpProt.SIP.dtmfViaSignaling.rfc2976 is on', async () => {
    await api(C, '/api/v1/mgmt/config/set', { 'voIpProt.SIP.dtmfViaSignaling.rfc2976': '1' });
    await connect(C, '1003', B, '1002');
    await api(C, '/api/v1/callctrl/sendDTMF', { Digits: '7*' });
    await until(
      async () => ((await (await fetch(`${b.control}/phones/1`)).json()) as { calls: { dtmfReceived: string }[] }).calls[0]?.dtmfReceived,
      '7*',
    );
    await api(C, '/api/v1/callctrl/endCall', { Ref: await handle(C, '1002') });
    await until(() => states(B), []);
  });

  it('a rejected call is busy or declined for the caller; an unknown number is not found', async () => {
    await ring(A, '1001', B, '1002');
    await api(B, '/api/v1/callctrl/rejectCall', {});
    await until(() => states(A), []);
    await api(A, '/api/v1/callctrl/dial', { Dest: '1999', Line: '1' });
    await until(() => states(A), []);
    const placed = ((await api(A, '/api/v1/mgmt/callLogs'))['data'] as { Placed: Row[] }).Placed.map((r) => r['RemotePartyNumber']);
    assert.deepEqual(placed.slice(0, 2), ['1999', '1002']);
    const missed = ((await api(B, '/api/v1/mgmt/callLogs'))['data'] as { Missed: Row[] }).Missed;
    assert.equal(missed[0]?.['RemotePartyNumber'], '1001');
  });

  it('the caller hangs up while the callee rings: CANCEL, and the callee logs a missed call', async () => {
    await ring(A, '1001', B, '1002');
    await until(() => states(A), ['1002:RingBack']);
    await api(A, '/api/v1/callctrl/endCall', { Ref: await handle(A, '1002') });
    await until(() => states(B), []);
    const missed = ((await api(B, '/api/v1/mgmt/callLogs'))['data'] as { Missed: Row[] }).Missed;
    assert.equal(missed.length, 2, 'the rejected call and this one');
  });

  it('G.711 A-law when the caller prefers it (voice.codecPref)', async () => {
    await api(C, '/api/v1/mgmt/config/set', { 'voice.codecPref.G722': '0', 'voice.codecPref.G711Mu': '0' });
    try {
      await ring(C, '1003', B, '1002');
      await api(B, '/api/v1/callctrl/answerCall', {});
      for (const url of [B, C]) {
        await waitFor(async () => {
          const s = ((await api(url, '/api/v1/mgmt/media/sessionStats'))['data'] as { Streams: Row[] }[])[0]?.Streams[0];
          return Number(s?.['PacketsReceived']) > 5 && s?.['RxCodec'] === '8:G.711A' && s?.['TxCodec'] === '8:G.711A';
        }, 5000);
      }
      await api(B, '/api/v1/callctrl/endCall', { Ref: await handle(B, '1003') });
      await until(() => states(C), []);
    } finally {
      await api(C, '/api/v1/mgmt/config/set', { 'voice.codecPref.G722': '4', 'voice.codecPref.G711Mu': '6' });
    }
  });

  it('blind transfer: REFER, the transferee calls the target, the transferor leaves', async () => {
    await connect(A, '1001', B, '1002');
    await api(A, '/api/v1/callctrl/transferCall', { Ref: await handle(A, '1002'), TransferDest: '1003' });
    await until(() => states(C), ['1002:Offering']);
    await until(() => states(A), []);
    await api(C, '/api/v1/callctrl/answerCall', {});
    await until(() => states(B), ['1003:Connected']);
    await api(C, '/api/v1/callctrl/endCall', { Ref: await handle(C, '1002') });
    await until(() => states(B), []);
  });

  it('consultative transfer: the held call and the consultation are joined by REFER with Replaces', async () => {
    await connect(B, '1002', A, '1001');
    // the transferor's screen: Transfer, then the target's number, then Transfer again
    await api(A, '/api/v1/mgmt/transferType/set', { Type: 'Consultative' });
    await api(A, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Transfer' });
    await api(A, '/api/v1/mgmt/simulateTextInput', { Value: '1003' });
    await api(A, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Select' });
    await until(() => states(C), ['1001:Offering']);
    await api(C, '/api/v1/callctrl/answerCall', {});
    await until(async () => (await states(A)).sort(), ['1002:Hold', '1003:Connected']);
    await api(A, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Transfer' });
    await until(() => states(A), []);
    // B and C now talk to each other: C's call (kept, its far end replaced) shows B
    await until(() => states(C), ['1002:Connected']);
    await until(() => states(B), ['1003:Connected']);
    await api(B, '/api/v1/callctrl/endCall', { Ref: await handle(B, '1003') });
    await until(() => states(C), []);
  });

  it('conference: the phone joins two SIP calls and keeps both', async () => {
    await connect(A, '1001', B, '1002');
    await ring(A, '1001', C, '1003');
    await api(C, '/api/v1/callctrl/answerCall', {});
    await until(async () => (await states(A)).sort(), ['1002:Hold', '1003:Connected']);
    assert.equal((await api(A, '/api/v1/callctrl/joinCalls', {}))['Status'], '2000');
    await until(async () => (await states(A)).sort(), ['1002:Connected', '1003:Connected']);
    await until(async () => ((await api(B, '/api/v1/mgmt/media/communicationInfo'))['data'] as Row)['CommunicationType'], ['RxTx']);
    for (const r of ['1002', '1003']) await api(A, '/api/v1/callctrl/endCall', { Ref: await handle(A, r) });
    await until(() => states(B), []);
    await until(() => states(C), []);
  });

  it('a wrong password does not register: lineInfo says Unregistered, dialling answers 4002', async () => {
    await api(C, '/api/v1/mgmt/config/set', {
      'reg.2.address': '1003',
      'reg.2.auth.password': 'not-the-password',
      'reg.2.server.1.address': '127.0.0.1',
      'reg.2.server.1.port': String(kam.port),
    });
    await waitFor(async () => (await fetch(`${a.control}/phones/2`)).ok);
    await until(async () => (await line(C, 2))['RegistrationStatus'], 'Unregistered');
    assert.equal((await api(C, '/api/v1/callctrl/dial', { Dest: '1002', Line: '2' }))['Status'], '4002');
    // the event stream's snapshot says why, and where
    await until(async () => (await snapshotLines(`${a.control}/phones/2/events`)).find((l) => l['line'] === 2), {
      line: 2,
      address: '1003',
      // no reg.2.label: the line is labelled with its address's user, as a phone shows it
      label: '1003',
      registered: false,
      server: `127.0.0.1:${kam.port}`,
      reason: '401 Unauthorized (wrong credentials)',
    });
    await api(C, '/api/v1/mgmt/config/set', { 'reg.2.auth.password': 'secret-1003' });
    await until(async () => (await line(C, 2))['RegistrationStatus'], 'Registered');
    await api(C, '/api/v1/mgmt/config/set', { 'reg.2.address': '' });
  });

  for (const transport of ['TCPOnly', 'TLS'] as const) {
    it(`registers over ${transport === 'TLS' ? 'TLS' : 'TCP'} and calls a phone registered over UDP`, async () => {
      const port = transport === 'TLS' ? kam.tlsPort : kam.port;
      await api(C, '/api/v1/mgmt/config/set', {
        'reg.2.address': '1003',
        'reg.2.auth.password': 'secret-1003',
        'reg.2.server.1.address': '127.0.0.1',
        'reg.2.server.1.port': String(port),
        'reg.2.server.1.transport': transport,
      });
      try {
        await until(async () => (await line(C, 2))['RegistrationStatus'], 'Registered');
        assert.equal(((await line(C, 2))['CallServers'] as unknown as Row[])[0]?.['Transport'], transport === 'TLS' ? 'TLS' : 'TcpOnly');
        await connect(C, '1003', B, '1002', '2');
        await api(B, '/api/v1/callctrl/endCall', { Ref: await handle(B, '1003') });
        await until(() => states(C), []);
      } finally {
        await api(C, '/api/v1/mgmt/config/set', { 'reg.2.address': '', 'reg.2.server.1.transport': 'DNSnaptr' });
      }
    });
  }

  it('registers with MD5 digest to a server that asks for it', async () => {
    const md5 = await startKamailio({ algorithm: 'MD5' });
    try {
      await api(C, '/api/v1/mgmt/config/set', {
        'reg.2.address': '1003',
        'reg.2.auth.password': 'secret-1003',
        'reg.2.server.1.address': '127.0.0.1',
        'reg.2.server.1.port': String(md5.port),
      });
      await until(async () => (await line(C, 2))['RegistrationStatus'], 'Registered');
    } finally {
      await api(C, '/api/v1/mgmt/config/set', { 'reg.2.address': '' });
      await md5.stop();
    }
  });

  it('Kamailio stops: the lines fall to Unregistered; it comes back: they register again and calls go through', async () => {
    await kam.stop();
    await until(async () => (await line(B))['RegistrationStatus'], 'Unregistered', 15_000);
    await kam.start();
    await until(async () => (await line(B))['RegistrationStatus'], 'Registered', 25_000);
    await until(async () => (await line(A))['RegistrationStatus'], 'Registered', 25_000);
    await ring(A, '1001', B, '1002');
    await api(A, '/api/v1/callctrl/endCall', { Ref: await handle(A, '1002') });
    await until(() => states(B), []);
  });

  it('sipp calls a phone through the proxy (its uac scenario): the phone rings, answers, and sipp hangs up', async (t) => {
    if (lacks(t, 'sipp')) return;
    const run = exec('sipp', [
      '-sn',
      'uac',
      '-s',
      '1002',
      '-m',
      '1',
      '-timeout',
      '10',
      '-timeout_error',
      '-nostdin',
      '-p',
      String(await freePort()),
      `127.0.0.1:${kam.port}`,
    ]);
    await until(() => states(B), ['sipp:Offering']);
    await api(B, '/api/v1/callctrl/answerCall', {});
    await run; // exit code 0: 200 to its INVITE, and to its BYE
    await until(() => states(B), []);
    const received = ((await api(B, '/api/v1/mgmt/callLogs'))['data'] as { Received: Row[] }).Received;
    assert.equal(received[0]?.['RemotePartyNumber'], 'sipp');
  });

  it('a phone calls sipp (its uas scenario) through the proxy, and hangs up', async (t) => {
    if (lacks(t, 'sipp')) return;
    const port = await freePort();
    const run = exec('sipp', [
      '-sn',
      'uas',
      '-m',
      '1',
      '-timeout',
      '10',
      '-timeout_error',
      '-nostdin',
      '-p',
      String(port),
      '-i',
      '127.0.0.1',
    ]);
    await new Promise((r) => setTimeout(r, 300)); // sipp binds its port
    assert.equal((await api(A, '/api/v1/callctrl/dial', { Dest: `sip:service@127.0.0.1:${port}`, Line: '1' }))['Status'], '2000');
    await until(() => states(A), ['service:Connected']);
    await api(A, '/api/v1/callctrl/endCall', { Ref: await handle(A, 'service') });
    await run; // sipp got its ACK and BYE
    await until(() => states(A), []);
  });

  it("a voicemail server's message-summary NOTIFY through the proxy lights the MWI LED, and puts it out", async (t) => {
    if (lacks(t, 'sipp')) return;
    const leds = async (): Promise<Row> => ((await api(B, '/api/v1/mgmt/ledStatus'))['data'] as { MWI: Row })['MWI'];
    assert.deepEqual(await leds(), { State: 'off' });
    const summary = (waiting: boolean): string =>
      `Messages-Waiting: ${waiting ? 'yes' : 'no'}\r\nMessage-Account: sip:1002@127.0.0.1\r\nVoice-Message: ${waiting ? '2/8' : '0/8'} (0/0)\r\n`;
    assert.equal(await sippNotify(kam.port, '1002', 'message-summary', 'application/simple-message-summary', summary(true)), '200');
    await until(leds, { Color: 'red', State: 'flashing' });
    assert.equal(await sippNotify(kam.port, '1002', 'message-summary', 'application/simple-message-summary', summary(false)), '200');
    await until(leds, { State: 'off' });
  });

  it('bindRequired: a NOTIFY through the registrar drives the phone; sent around it, it is refused', async (t) => {
    if (lacks(t, 'sipp')) return;
    await api(B, '/api/v1/mgmt/config/set', { 'apps.restapi.sipNotify.enabled': '1', 'apps.restapi.sipNotify.bindRequired': '1' });
    const command = '{"command-URI":"/api/v1/callctrl/dial","data":{"Dest":"1001","Line":"1"}}';
    const send = (port: number, user: string): Promise<string> => sippNotify(port, user, 'ACTION-URI', 'application/json', command);
    assert.equal(await send(b.sipPort, '1002'), '403');
    assert.equal(await send(kam.port, '1002'), '200');
    await until(() => states(A), ['1002:Offering']);
    await api(A, '/api/v1/callctrl/rejectCall', {});
    await until(() => states(B), []);
  });
});
