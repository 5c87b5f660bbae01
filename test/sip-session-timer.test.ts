/**
 * Session timers (RFC 4028) with voIpProt.SIP.keepalive.sessionTimers=1, with sipp as the far end, the phone on a
 * manual clock: sipp runs in real time, the phone's clock is moved to the refresh or the expiry.
 * - docs/sipp/timer-refresh.xml calls the phone asking 90 s with the phone as refresher: the phone's refresh comes
 *   45 s on, by UPDATE when the caller's Allow lists it, else by re-INVITE; a refresh of sipp's is answered with
 *   Session-Expires.
 * - docs/sipp/timer-expiry.xml asks 60 s and gets 422 with Min-SE: 90; asks 90 s refreshing itself, and does not
 *   refresh: 60 s on the phone's BYE ends the call, in the phone's call list too.
 * - docs/sipp/timer-callee.xml is called by the phone, answers 422 with Min-SE: 3600, and gets the INVITE again
 *   asking 3600 s; made the refresher, the phone re-INVITEs 30 minutes on.
 * - OPTIONS says `timer` in Supported while the setting is 1, and not once it is 0 (read live, capabilities.ts).
 *
 * The line's server is a small relay of this test: it grants REGISTER and passes the rest between the phone and
 * sipp, counting the ACKs it passes to the phone (the clock moves only once the 200 is acknowledged: before, the
 * phone would send it again and give up).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { callStates, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';
import { udpTaken } from './sipp.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'polysim-timer-'));
const SCENARIOS = new URL('../docs/sipp/', import.meta.url).pathname;
const header = (t: string, n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1]?.trim() ?? '';

/** Runs a sipp scenario; resolves with its message log once it exits 0 (rejects with the log otherwise). */
async function sipp(scenario: string, args: string[], name: string): Promise<string> {
  const log = join(dir, `${name}.log`);
  const errors = join(dir, `${name}.errors`);
  const common = ['-m', '1', '-timeout', '20', '-timeout_error', '-nostdin', '-trace_msg', '-message_file', log, '-trace_err'];
  try {
    await exec('sipp', ['-sf', join(SCENARIOS, scenario), ...common, '-error_file', errors, ...args]);
  } catch (e) {
    let text = '';
    for (const f of [log, errors]) text += readFileSync(f, { encoding: 'utf8', flag: 'a+' });
    throw new Error(`sipp ${scenario} failed: ${String(e)}\n${text.slice(-4000)}`);
  }
  return readFileSync(log, 'utf8');
}

/** The messages sipp received, in order, each with its first line and whole text. */
function received(log: string): { first: string; text: string }[] {
  const parts = log.split(/^\S+ message (sent|received).*$/m);
  const out: { first: string; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    if (parts[i] !== 'received') continue;
    const text = (parts[i + 1] ?? '').replace(/-{10,}[^\n]*\s*$/, '').trim();
    out.push({ first: text.split(/\r?\n/)[0] ?? '', text });
  }
  return out;
}

/** A sipp run that fails the test at once (with its log) when it fails before the test is done waiting. */
function running(run: Promise<string>): { run: Promise<string>; until: (fn: () => Promise<boolean> | boolean) => Promise<void> } {
  const failed = run.then(
    () => undefined,
    (e: unknown) => e,
  );
  return {
    run,
    until: async (fn) => {
      // generous: under a loaded CI machine sipp writes its message log late
      const e = await Promise.race([waitFor(fn, 25_000).then(() => undefined), failed]);
      if (e) throw e;
    },
  };
}

/** Lets datagrams already sent on loopback reach their sockets. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

describe('session timers (RFC 4028), with sipp', { timeout: 90_000, skip: needs('sipp') }, () => {
  let p: TestPhone;
  const clock = new ManualClock(Date.now());
  const relay = createSocket('udp4');
  let relayPort = 0;
  let phonePort = 0;
  /** sipp's port when the phone calls it (else sipp calls through the relay and is answered where it sent from). */
  let calleePort = 0;
  let sippPort = 0;
  /** ACKs passed from sipp to the phone. */
  let acks = 0;

  before(async () => {
    relay.on('message', (m, from) => {
      const t = m.toString();
      if (t.startsWith('REGISTER')) {
        const lines = ['SIP/2.0 200 OK', `Via: ${header(t, 'Via')}`, `From: ${header(t, 'From')}`, `To: ${header(t, 'To')};tag=reg`];
        lines.push(
          `Call-ID: ${header(t, 'Call-ID')}`,
          `CSeq: ${header(t, 'CSeq')}`,
          `Contact: ${header(t, 'Contact')}`,
          'Content-Length: 0',
          '',
          '',
        );
        relay.send(lines.join('\r\n'), from.port, from.address);
      } else if (from.port === phonePort) {
        const to = calleePort || sippPort;
        if (to) relay.send(m, to, '127.0.0.1');
      } else {
        if (t.startsWith('ACK ')) acks++;
        relay.send(m, phonePort, '127.0.0.1');
      }
    });
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
    relayPort = relay.address().port;
    p = await testPhone({
      sipPort: 0,
      clock,
      set: {
        'reg.1.server.1.address': '127.0.0.1',
        'reg.1.server.1.port': String(relayPort),
        'voIpProt.SIP.keepalive.sessionTimers': '1',
      },
    });
    phonePort = p.sip?.port as number;
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    relay.close();
    if (!process.env['KEEP_SIPP_LOGS']) rmSync(dir, { recursive: true, force: true });
  });

  /** sipp calls the phone through the relay with `scenario`; the phone answers once it rings; the 200 is ACKed. */
  async function callIn(scenario: string, name: string, extra: string[] = []): Promise<{ run: Promise<string> }> {
    sippPort = await freePort();
    const before = acks;
    const s = running(sipp(scenario, ['-s', '1001', '-i', '127.0.0.1', '-p', String(sippPort), ...extra, `127.0.0.1:${relayPort}`], name));
    await s.until(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    await s.until(() => acks > before);
    await settle();
    return s;
  }

  /** sipp calls asking 90 s with the phone as refresher; the phone's refresh comes 45 s on, by `how`. */
  async function refreshedBy(how: 'UPDATE' | 'INVITE', allow: string): Promise<void> {
    const { run } = await callIn('timer-refresh.xml', `refresh-${how}`, ['-key', 'allow', allow]);
    clock.advance(44_000);
    await settle();
    const early = received(readFileSync(join(dir, `refresh-${how}.log`), { encoding: 'utf8', flag: 'a+' }));
    assert.deepEqual(
      early.filter((m) => !m.first.startsWith('SIP/2.0')),
      [],
      'no refresh before 45 s',
    );
    assert.deepEqual(await callStates(p), ['sipp:Connected']);
    clock.advance(1_000);
    const log = received(await run);
    const firsts = log.map((m) => (m.first.split(' ')[0] === 'SIP/2.0' ? m.first.split(' ').slice(0, 2).join(' ') : m.first.split(' ')[0]));
    const refresh = log.find((m) => m.first.startsWith(`${how} `));
    assert.ok(refresh, `the refresh came as ${how}: ${firsts.join(', ')}`);
    assert.equal(header(refresh.text, 'Session-Expires'), '90;refresher=uac');
    assert.match(header(refresh.text, 'Supported'), /(^|,)timer(,|$)/);
    assert.equal(refresh.text.includes('m=audio'), how === 'INVITE', 'an SDP in a re-INVITE only');
    const ok = log.find((m) => m.first.startsWith('SIP/2.0 200') && /^CSeq: 2 UPDATE/m.test(m.text));
    assert.equal(header(ok?.text ?? '', 'Session-Expires'), '90;refresher=uas', "sipp's refresh answered with Session-Expires");
    await waitFor(async () => (await callStates(p)).length === 0);
  }

  it('refreshes at half the interval as the refresher: by UPDATE when the caller allows it', async () => {
    await refreshedBy('UPDATE', 'INVITE, ACK, BYE, CANCEL, UPDATE');
  });

  it('refreshes at half the interval as the refresher: by re-INVITE when the caller allows no UPDATE', async () => {
    await refreshedBy('INVITE', 'INVITE, ACK, BYE, CANCEL');
  });

  it('422 with Min-SE: 90 to an INVITE asking 60 s; the call asking 90 s ends with our BYE when no refresh comes', async () => {
    const logBefore = p.phone.callLog().length;
    const { run } = await callIn('timer-expiry.xml', 'expiry');
    clock.advance(59_000);
    await settle();
    assert.deepEqual(await callStates(p), ['sipp:Connected'], 'still up 59 s on');
    clock.advance(1_000);
    const log = received(await run);
    const ok = log.find((m) => m.first.startsWith('SIP/2.0 422'));
    assert.equal(header(ok?.text ?? '', 'Min-SE'), '90');
    assert.ok(log.some((m) => m.first.startsWith('BYE ')));
    await waitFor(async () => (await callStates(p)).length === 0);
    const entry = p.phone
      .callLog()
      .slice(logBefore)
      .find((r) => r.kind === 'received');
    assert.ok(entry, 'the call is in the call list');
    assert.equal(entry.durationSeconds, 60);
  });

  it('says timer in Supported while voIpProt.SIP.keepalive.sessionTimers is 1, and not once it is 0', async () => {
    const ask = async (): Promise<string> => {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      const port = s.address().port;
      const answer = new Promise<string>((r) => s.once('message', (m) => r(m.toString())));
      const options = [
        `OPTIONS sip:1001@127.0.0.1:${phonePort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKopt${port}`,
        `From: <sip:probe@127.0.0.1:${port}>;tag=probe`,
        `To: <sip:1001@127.0.0.1:${phonePort}>`,
        `Call-ID: options-${port}`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ];
      s.send(options.join('\r\n'), phonePort, '127.0.0.1');
      const text = await answer;
      s.close();
      return header(text, 'Supported');
    };
    assert.equal(await ask(), 'replaces,100rel,timer');
    p.phone.config.set('LOCAL', { 'voIpProt.SIP.keepalive.sessionTimers': '0' });
    try {
      assert.equal(await ask(), 'replaces,100rel');
    } finally {
      p.phone.config.set('LOCAL', { 'voIpProt.SIP.keepalive.sessionTimers': '1' });
    }
  });

  it('as the caller: asks 1800 s, asks again the 3600 s of a 422, and re-INVITEs half the interval on as the refresher', async () => {
    calleePort = await freePort();
    const s = running(sipp('timer-callee.xml', ['-i', '127.0.0.1', '-p', String(calleePort)], 'callee'));
    // the phone's clock stands: an INVITE sent before sipp listens would never be sent again
    await s.until(() => udpTaken(calleePort));
    assert.equal((await p.post('/api/v1/callctrl/dial', { data: { Dest: '2002' } })).body['Status'], '2000');
    await s.until(async () => (await callStates(p)).some((st) => st.endsWith(':Connected')));
    // the ACK of the 200 on its way first, so the refresh is the dialog's next request
    await settle();
    clock.advance(1_800_000);
    await s.until(() => {
      const log = readFileSync(join(dir, 'callee.log'), { encoding: 'utf8', flag: 'a+' });
      return received(log).filter((m) => m.first.startsWith('INVITE ')).length === 3;
    });
    await settle();
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    const log = received(await s.run);
    assert.deepEqual(
      log.map((m) => m.first.split(' ')[0]),
      ['INVITE', 'ACK', 'INVITE', 'ACK', 'INVITE', 'ACK', 'BYE'],
    );
    const [first, , second, , refresh] = log;
    assert.equal(header(first?.text ?? '', 'Session-Expires'), '1800');
    assert.equal(header(second?.text ?? '', 'Session-Expires'), '3600');
    assert.equal(header(second?.text ?? '', 'Min-SE'), '3600');
    assert.equal(Number(header(second?.text ?? '', 'CSeq').split(' ')[0]), Number(header(first?.text ?? '', 'CSeq').split(' ')[0]) + 1);
    assert.equal(header(refresh?.text ?? '', 'Session-Expires'), '3600;refresher=uac');
    calleePort = 0;
  });
});
