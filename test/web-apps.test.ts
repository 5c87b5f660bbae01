// State polling and the Push API: real clients (Python requests with HTTPDigestAuth, curl --digest) against the
// phone's web application handlers over HTTP and HTTPS, through the same road as the REST API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { challenges, sign } from './digest-client.js';
import { assertOk, listenControl, PASSWORD, python, recordingServer, testFleet, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

const POLL = {
  'apps.statePolling.username': 'poller',
  'apps.statePolling.password': 'Poll-pass1',
  'apps.statePolling.responseMode': '0',
};
const PUSH = { 'apps.push.username': 'Push', 'apps.push.password': 'Push-pass1', 'apps.push.messageType': '5' };

/** GET with Python's requests and HTTPDigestAuth (as polling clients do): [status, body, content type]. */
async function pyGet(url: string, user: string, password: string): Promise<[number, string, string]> {
  const script = [
    'import sys, json, requests',
    'from requests.auth import HTTPDigestAuth',
    'r = requests.get(sys.argv[1], auth=HTTPDigestAuth(sys.argv[2], sys.argv[3]), verify=False, timeout=10)',
    'print(json.dumps([r.status_code, r.text, r.headers.get("content-type", "")]))',
  ].join('\n');
  const { stdout } = await exec(python(), ['-W', 'ignore', '-c', script, url, user, password]);
  return JSON.parse(stdout) as [number, string, string];
}

const bodies = mkdtempSync(join(tmpdir(), 'polysim-push-'));
let bodyCount = 0;

/** curl --digest POST to /push (the body from a file: any bytes); the HTTP status. */
async function push(
  p: TestPhone,
  body: string | Buffer,
  options: { type?: string; user?: string; secure?: boolean } = {},
): Promise<number> {
  const url = `${options.secure ? p.httpsUrl : p.httpUrl}/push`;
  const file = join(bodies, `body-${bodyCount++}`);
  writeFileSync(file, body);
  const { stdout } = await exec('curl', [
    '-sk',
    '--digest',
    '-u',
    `${options.user ?? 'Push:Push-pass1'}`,
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-H',
    `Content-Type: ${options.type ?? 'application/xhtml+xml'}`,
    '--data-binary',
    `@${file}`,
    url,
  ]);
  return Number(stdout);
}

const data = (priority: string, content: string): string =>
  `<PolycomIPPhone><Data priority="${priority}">${content}</Data></PolycomIPPhone>`;

async function handle(p: TestPhone): Promise<string> {
  const [c] =
    (assertOk(await p.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<string, string>[]) ??
    [];
  return c?.['CallHandle'] ?? '';
}

describe('state polling', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let a: TestPhone;
  let b: TestPhone;
  before(async () => {
    a = await testPhone({ switchboard: sb, clock, number: '1001', set: { ...POLL, 'reg.1.displayName': 'Alice' } });
    b = await testPhone({ switchboard: sb, clock, number: '1002', set: { 'reg.1.displayName': 'Bob' } });
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('asks for Digest MD5 in its own realm; a wrong password is refused (403); no account configured, no handler (404)', async (t) => {
    if (lacks(t, 'python3-requests')) return;
    const res = await fetch(`${a.httpUrl}/polling/callstateHandler`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Digest realm="PUSH Authentication", qop="auth", algorithm=MD5, nonce="/);
    const [wrong] = await pyGet(`${a.httpUrl}/polling/callstateHandler`, 'poller', 'nope');
    assert.equal(wrong, 403);
    // The admin's credentials (Basic) are not the poller's.
    assert.equal((await a.raw('/polling/deviceHandler')).status, 403);
    const [none] = await pyGet(`${b.httpUrl}/polling/deviceHandler`, 'poller', 'Poll-pass1');
    assert.equal(none, 404);
  });

  it('callStateHandler: every line, and a call as callStatus shows it (Python requests, HTTPDigestAuth)', async (t) => {
    if (lacks(t, 'python3-requests')) return;
    const [idleStatus, idle] = await pyGet(`${a.httpUrl}/polling/callStateHandler`, 'poller', 'Poll-pass1');
    assert.equal(idleStatus, 200);
    assert.equal(
      idle,
      '<PolycomIPPhone>\n<CallLineInfo>\n<LineKeyNum>1</LineKeyNum>\n<LineDirNum>1001</LineDirNum>\n<LineState>Inactive</LineState>\n</CallLineInfo>\n</PolycomIPPhone>\n',
    );
    assertOk(await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: 1 } }), '/api/v1/callctrl/dial');
    assertOk(await b.post('/api/v1/callctrl/answerCall', { data: { Ref: await handle(b) } }), '/api/v1/callctrl/answerCall');
    clock.advance(7000);
    const [status, xml, type] = await pyGet(`${a.httpUrl}/polling/callstateHandler`, 'poller', 'Poll-pass1');
    assert.equal(status, 200);
    assert.equal(type, 'application/xml');
    const info = (parser.parse(xml) as { PolycomIPPhone: { CallLineInfo: { LineState: string; CallInfo: Record<string, string> } } })
      .PolycomIPPhone.CallLineInfo;
    assert.equal(info.LineState, 'Active');
    assert.deepEqual(Object.keys(info.CallInfo), [
      'CallReference',
      'CallState',
      'CallType',
      'UIAppearanceIndex',
      'CalledPartyName',
      'CalledPartyDirNum',
      'CallingPartyName',
      'CallingPartyDirNum',
      'CallDuration',
      'Protocol',
      'Muted',
      'Ringing',
    ]);
    assert.equal(info.CallInfo['CallReference'], await handle(a));
    assert.equal(info.CallInfo['CallState'], 'Connected');
    assert.equal(info.CallInfo['CallType'], 'Outgoing');
    assert.equal(info.CallInfo['UIAppearanceIndex'], '1*');
    assert.equal(info.CallInfo['CalledPartyName'], 'Bob');
    assert.equal(info.CallInfo['CalledPartyDirNum'], 'sip:1002@127.0.0.1');
    assert.equal(info.CallInfo['CallDuration'], '7');
    assertOk(await a.post('/api/v1/callctrl/endCall', { data: { Ref: await handle(a) } }), '/api/v1/callctrl/endCall');
  });

  it('deviceHandler and networkHandler over HTTPS (curl --digest), as captured phones answer them', async (t) => {
    if (lacks(t, 'curl')) return;
    const get = async (path: string): Promise<string> =>
      (await exec('curl', ['-sk', '--digest', '-u', 'poller:Poll-pass1', `${a.httpsUrl}${path}`])).stdout;
    const device = (parser.parse(await get('/polling/deviceHandler')) as { PolycomIPPhone: { DeviceInformation: Record<string, string> } })
      .PolycomIPPhone.DeviceInformation;
    assert.deepEqual(Object.keys(device), ['MACAddress', 'PhoneDN', 'AppLoadID', 'UpdaterID', 'ModelNumber', 'TimeStamp']);
    assert.equal(device['MACAddress'], a.phone.identity.mac.toLowerCase());
    assert.equal(device['PhoneDN'], 'Line1:1001');
    assert.equal(device['ModelNumber'], 'VVX 450');
    assert.match(device['AppLoadID'] ?? '', /^\d+\.\d+\.\d+\.\d+ \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d$/);
    assert.equal(device['TimeStamp'], '2026-11-25T09:00:07+00:00');
    const networkXml = await get('/polling/networkHandler');
    assert.match(networkXml, /<VLANID\/>/);
    const network = (parser.parse(networkXml) as { PolycomIPPhone: { NetworkConfiguration: Record<string, string> } }).PolycomIPPhone
      .NetworkConfiguration;
    assert.deepEqual(Object.keys(network).slice(0, 5), ['DHCPServer', 'MACAddress', 'DNSSuffix', 'IPAddress', 'SubnetMask']);
    assert.equal(network['IPAddress'], '127.0.0.1');
    assert.equal(network['DHCPEnabled'], 'Yes');
  });

  it('response mode 1: the state is posted to apps.statePolling.URL, the answer is empty', async (t) => {
    if (lacks(t, 'python3-requests')) return;
    const receiver = await recordingServer(() => ({ status: 200 }));
    try {
      a.phone.config.set('LOCAL', { 'apps.statePolling.responseMode': '1', 'apps.statePolling.URL': `${receiver.url}/state` });
      const [status, body] = await pyGet(`${a.httpUrl}/polling/deviceHandler`, 'poller', 'Poll-pass1');
      assert.equal(status, 200);
      assert.equal(body, '');
      await a.posts.settled();
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.received[0]?.url, '/state');
      assert.match(receiver.received[0]?.body.toString() ?? '', /^<PolycomIPPhone>\n<DeviceInformation>/);
    } finally {
      a.phone.config.set('LOCAL', { 'apps.statePolling.responseMode': '0', 'apps.statePolling.URL': '' });
      await receiver.close();
    }
  });

  it('faults and latency of the control port apply to the handlers too: a fault answers its status as the handler does', async (t) => {
    if (lacks(t, 'python3-requests')) return;
    a.faults.add({ status: '5000', path: '/polling/deviceHandler', remaining: 1 });
    const [faulted] = await pyGet(`${a.httpUrl}/polling/deviceHandler`, 'poller', 'Poll-pass1');
    assert.equal(faulted, 503);
    const [after] = await pyGet(`${a.httpUrl}/polling/deviceHandler`, 'poller', 'Poll-pass1');
    assert.equal(after, 200);
    const control = await fetch(`${a.httpUrl}/polling/deviceHandler`);
    assert.equal(control.status, 401);
  });

  it('goes through the road: in the journal with its login, not shut with the REST API, one request at a time', async (t) => {
    if (lacks(t, 'python3-requests')) return;
    a.phone.config.set('LOCAL', { 'apps.restapi.enabled': '0' });
    try {
      const [status] = await pyGet(`${a.httpUrl}/polling/networkHandler`, 'poller', 'Poll-pass1');
      assert.equal(status, 200);
      const last = a.journal.last(1)[0];
      assert.equal(last?.url, '/polling/networkHandler');
      assert.equal(last?.auth, 'digest-md5');
      assert.equal(last?.httpStatus, 200);
      assert.equal((await a.raw('/api/v2/mgmt/device/info')).status, 404);
    } finally {
      a.phone.config.set('LOCAL', { 'apps.restapi.enabled': '1' });
    }
    a.slot.acquire();
    try {
      const [busy] = await pyGet(`${a.httpUrl}/polling/networkHandler`, 'poller', 'Poll-pass1');
      assert.equal(busy, 403);
    } finally {
      a.slot.release();
    }
  });
});

describe('the Push API', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let a: TestPhone;
  let b: TestPhone;
  before(async () => {
    a = await testPhone({ switchboard: sb, clock, number: '1001', set: PUSH });
    b = await testPhone({ switchboard: sb, clock, number: '1002' });
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  const uixml = async (p: TestPhone): Promise<string> =>
    assertOk(await p.get('/api/v1/mgmt/uixml'), '/api/v1/mgmt/uixml')['data'] as string;
  const back = async (p: TestPhone): Promise<void> => {
    assertOk(
      await p.post('/api/v1/mgmt/simulateKeyEvent', { data: { Type: 'Tap', KeyName: 'SoftKey1' } }),
      '/api/v1/mgmt/simulateKeyEvent',
    );
  };

  it('without a push account there is no push server (404); a wrong password 403; no credentials 401', async (t) => {
    if (lacks(t, 'curl')) return;
    assert.equal(await push(b, data('Normal', 'hello')), 404);
    assert.equal(await push(a, data('Normal', 'hello'), { user: 'Push:wrong' }), 403);
    const res = await fetch(`${a.httpUrl}/push`, { method: 'POST', body: data('Normal', 'x') });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /realm="PUSH Authentication"/);
    assert.equal(a.phone.screen.view(), 'Idle');
  });

  it('a Data push shows on the screen, in UIXML and on the event stream; Back closes it', async (t) => {
    if (lacks(t, 'curl')) return;
    assert.equal(await push(a, data('Important', '<h1>Fire drill</h1><p>Please exit &amp; gather outside</p>')), 200);
    assert.equal(a.phone.screen.view(), 'Browser');
    const xml = await uixml(a);
    assert.match(xml, /<Screen name="Browser">/);
    assert.match(xml, /<Browser priority="Important" waiting="0">Fire drill\nPlease exit &amp; gather outside<\/Browser>/);
    assert.match(xml, /label="Back"/);
    await back(a);
    assert.equal(a.phone.screen.view(), 'Idle');
  });

  it('priorities against the phone state: Normal waits for idle, Critical interrupts the call, High waits behind Critical', async (t) => {
    if (lacks(t, 'curl')) return;
    assertOk(await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: 1 } }), '/api/v1/callctrl/dial');
    assertOk(await b.post('/api/v1/callctrl/answerCall', { data: { Ref: await handle(b) } }), '/api/v1/callctrl/answerCall');
    assert.equal(a.phone.screen.view(), 'ActiveCall');
    assert.equal(await push(a, data('Normal', 'lunch is served')), 200);
    assert.equal(a.phone.screen.view(), 'ActiveCall', 'a Normal push waits while the phone is in a call');
    assert.equal(await push(a, data('critical', 'EVACUATE')), 200);
    assert.equal(a.phone.screen.view(), 'Browser', 'a Critical push shows over the call');
    assert.equal(a.phone.screen.push.shown?.text, 'EVACUATE');
    assert.equal(await push(a, data('High', 'after the critical one')), 200);
    assert.equal(a.phone.screen.push.shown?.text, 'EVACUATE', 'High does not replace a Critical message');
    await back(a);
    // Back on the call: High and Normal wait for the phone to be idle.
    assert.equal(a.phone.screen.view(), 'ActiveCall');
    assertOk(await a.post('/api/v1/callctrl/endCall', { data: { Ref: await handle(a) } }), '/api/v1/callctrl/endCall');
    assert.equal(a.phone.screen.push.shown?.text, 'after the critical one');
    await back(a);
    assert.equal(a.phone.screen.push.shown?.text, 'lunch is served');
    await back(a);
    assert.equal(a.phone.screen.view(), 'Idle');
  });

  it('apps.push.messageType lets in one priority, all, or none (403)', async (t) => {
    if (lacks(t, 'curl')) return;
    a.phone.config.set('LOCAL', { 'apps.push.messageType': '4' });
    try {
      assert.equal(await push(a, data('Normal', 'no')), 403);
      assert.equal(await push(a, data('Critical', 'yes')), 200);
      await back(a);
      a.phone.config.set('LOCAL', { 'apps.push.messageType': '0' });
      assert.equal(await push(a, data('Critical', 'no')), 403);
      assert.equal(a.phone.screen.view(), 'Idle');
    } finally {
      a.phone.config.set('LOCAL', { 'apps.push.messageType': '5' });
    }
  });

  it('internal URIs with application/x-com-polycom-spipx run: tel:\\\\ dials, Key: presses keys (any case); as XHTML they only show', async (t) => {
    if (lacks(t, 'curl')) return;
    assert.equal(await push(a, data('Critical', 'tel:\\\\1002'), { type: 'application/x-com-polycom-spipx' }), 200);
    const [call] =
      (assertOk(await a.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<
        string,
        string
      >[]) ?? [];
    assert.equal(call?.['RemotePartyNumber'], '1002');
    assert.equal(await push(a, data('Critical', 'Key:SoftKey1'), { type: 'application/x-com-polycom-spipx' }), 200);
    assert.equal(a.phone.calls.all().length, 0, 'SoftKey1 (End Call) of a ringing outgoing call ends it');
    assert.equal(await push(a, data('Critical', 'Key:Dialpad5\nKey:DIALPAD6'), { type: 'application/x-com-polycom-spipx' }), 200);
    assert.equal(a.phone.screen.dialBuffer, '56');
    a.phone.calls.endAll();
    assert.equal(await push(a, data('Critical', 'Key:Dialpad5'), { type: 'application/xhtml+xml' }), 200);
    assert.equal(a.phone.screen.push.shown?.text, 'Key:Dialpad5');
    await back(a);
  });

  it('a URL push fetches from apps.push.serverRootURL after answering (HTTPS push too)', async (t) => {
    if (lacks(t, 'curl')) return;
    const server = await recordingServer((r) =>
      r.url === '/apps/notice.xhtml'
        ? { status: 200, body: '<html><body><h2>Notice</h2>Boiler test at 3pm</body></html>' }
        : { status: 404 },
    );
    try {
      a.phone.config.set('LOCAL', { 'apps.push.serverRootURL': `${server.url}/apps/` });
      assert.equal(await push(a, '<PolycomIPPhone><URL priority="High">/notice.xhtml</URL></PolycomIPPhone>', { secure: true }), 200);
      const { waitFor } = await import('./helpers.js');
      await waitFor(() => a.phone.screen.push.shown !== undefined);
      assert.equal(a.phone.screen.push.shown?.text, 'Notice\nBoiler test at 3pm');
      assert.equal(a.phone.screen.push.shown?.url, `${server.url}/apps/notice.xhtml`);
      await back(a);
      // Content the phone cannot fetch: the push is ignored.
      assert.equal(await push(a, '<PolycomIPPhone><URL>/missing.xhtml</URL></PolycomIPPhone>'), 200);
      await waitFor(() => server.received.length === 2);
      assert.equal(a.phone.screen.view(), 'Idle');
    } finally {
      await server.close();
    }
  });

  it('bodies that are not pushes get 400, over 2 KB 413 (over 20 KB too); nothing crashes', async (t) => {
    if (lacks(t, 'curl')) return;
    const bad = [
      '',
      'not xml at all',
      '<PolycomIPPhone></PolycomIPPhone>',
      '<PolycomIPPhone><Data>a</Data><URL>/b</URL></PolycomIPPhone>',
      '<PolycomIPPhone><URL>/a</URL><URL>/b</URL></PolycomIPPhone>',
      '<Other><Data>x</Data></Other>',
      '<PolycomIPPhone><Data priority="High">',
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><PolycomIPPhone><Data>&b;</Data></PolycomIPPhone>',
    ];
    for (const body of bad) {
      const code = await push(a, body);
      assert.ok(code === 400 || code === 200, `${JSON.stringify(body)}: ${code}`);
    }
    assert.equal(await push(a, '<PolycomIPPhone><Data>x</Data><URL>/b</URL></PolycomIPPhone>'), 400);
    assert.equal(await push(a, data('Normal', 'x'.repeat(2100))), 413);
    assert.equal(await push(a, data('Normal', 'x'.repeat(21_000))), 413);
    for (let i = 0; i < 40; i++) {
      const random = Buffer.from(Array.from({ length: 1 + ((i * 97) % 1500) }, (_, j) => (i * 31 + j * 17) % 256));
      const code = await push(
        a,
        Buffer.concat([Buffer.from('<PolycomIPPhone><Data priority="Normal">'), random, Buffer.from('</Data></PolycomIPPhone>')]),
      );
      assert.ok([200, 400, 413].includes(code), `case ${i}: ${code}`);
      a.phone.screen.push.clear();
    }
    assertOk(await a.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
  });
});

describe("the web application handlers take the REST API's road: faults, journal, one at a time, latency (control API)", () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  const running = (): Fleet['phones'][number] => fleet.phones[0] as Fleet['phones'][number];
  before(async () => {
    fleet = await testFleet({ count: 1, firstNumber: 4101, timing: { initMs: 0 }, set: { ...PUSH, ...POLL } });
    await waitFor(() => running().phone.isReady);
    ({ control, url: ctl } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });
  const toControl = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${ctl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });

  /** A Digest request as clients make it (challenge, then signed: test/digest-client.ts); the signed one's status and time. */
  async function prepare(
    method: 'GET' | 'POST',
    path: string,
    user: string,
    password: string,
    body?: string,
  ): Promise<() => Promise<{ status: number; ms: number }>> {
    const url = `${running().httpUrl}${path}`;
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/xhtml+xml' };
    const first = await fetch(url, { method, headers, body });
    await first.text();
    assert.equal(first.status, 401, `${path}: challenged`);
    const [ch] = challenges(first);
    assert.ok(ch);
    return async () => {
      const started = performance.now();
      const res = await fetch(url, {
        method,
        body,
        headers: { ...headers, authorization: sign(ch, { method, uri: path, user, password }) },
      });
      await res.text();
      return { status: res.status, ms: performance.now() - started };
    };
  }
  const pushing = (text: string): Promise<() => Promise<{ status: number; ms: number }>> =>
    prepare('POST', '/push', 'Push', 'Push-pass1', data('Critical', text));
  const polling = (): Promise<() => Promise<{ status: number; ms: number }>> =>
    prepare('GET', '/polling/deviceHandler', 'poller', 'Poll-pass1');

  it('a fault set on /push answers as the handlers answer faults (5000: 503), only there, once; the push is not shown', async () => {
    const added = await toControl('POST', '/phones/1/faults', { status: '5000', path: '/push' });
    assert.equal(added.status, 201);
    assert.equal((await (await polling())()).status, 200, 'a poll is not faulted by a fault on /push');
    assert.equal((await (await pushing('faulted'))()).status, 503);
    assert.equal(running().phone.screen.push.shown, undefined, 'the faulted push did not run');
    assert.deepEqual(await (await toControl('GET', '/phones/1/faults')).json(), [], 'used up');
    assert.equal((await (await pushing('after the fault'))()).status, 200);
    assert.equal(running().phone.screen.push.shown?.text, 'after the fault');
    running().phone.screen.push.clear();
    // 4403 answers 403, as a busy phone does.
    await toControl('POST', '/phones/1/faults', { status: '4403', path: '/push' });
    assert.equal((await (await pushing('refused'))()).status, 403);
  });

  it('push requests are in the journal the control API reads, with their Digest login, answers and faults', async () => {
    const journal = (await (await toControl('GET', '/phones/1/journal?limit=50')).json()) as {
      url: string;
      method: string;
      httpStatus: number;
      auth?: string;
      status?: string;
    }[];
    const pushes = journal.filter((e) => e.url === '/push').map((e) => [e.method, e.httpStatus, e.auth ?? '', e.status ?? '']);
    // Each push: its challenge (401), then the signed request (503 faulted, 200 taken, 403 faulted).
    assert.deepEqual(
      pushes.filter(([, code]) => code !== 401),
      [
        ['POST', 503, 'digest-md5', '5000'],
        ['POST', 200, 'digest-md5', ''],
        ['POST', 403, 'digest-md5', '4403'],
      ],
    );
    assert.equal(pushes.filter(([, code]) => code === 401).length, 3);
  });

  it('one at a time: while a REST request holds the phone, /push and the polling handlers are refused 403 as the REST API is', async () => {
    assert.equal((await toControl('PUT', '/phones/1/latency', { ms: 800 })).status, 200);
    try {
      const push = await pushing('while busy');
      const poll = await polling();
      const rest = fetch(`${running().httpUrl}/api/v2/mgmt/device/info`, {
        headers: { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}` },
      });
      await waitFor(() => running().slot.inUse, 700);
      const [pushed, polled] = await Promise.all([push(), poll()]);
      assert.equal(pushed.status, 403);
      assert.equal(polled.status, 403);
      assert.equal((await rest).status, 200);
      assert.equal(running().phone.screen.push.shown, undefined, 'the refused push did not run');
    } finally {
      await toControl('PUT', '/phones/1/latency', { ms: 0 });
    }
  });

  it('latency set through the control API holds /push and the polling handlers as it holds the REST API', async () => {
    const push = await pushing('slow');
    const poll = await polling();
    assert.equal((await toControl('PUT', '/phones/1/latency', { ms: 300 })).status, 200);
    try {
      const pushed = await push();
      const polled = await poll();
      assert.equal(pushed.status, 200);
      assert.equal(polled.status, 200);
      assert.ok(pushed.ms >= 290, `push answered in ${pushed.ms} ms`);
      assert.ok(polled.ms >= 290, `poll answered in ${polled.ms} ms`);
    } finally {
      await toControl('PUT', '/phones/1/latency', { ms: 0 });
      running().phone.screen.push.clear();
    }
  });
});
