/**
 * The phone as transferee (RFC 3515, RFC 5589), with sipp as the transferor (docs/sipp/refer-transferor.xml) and as
 * the transfer target (refer-target.xml answers, refer-target-404.xml does not exist). The transferor calls the
 * phone and REFERs it; the phone answers 202, NOTIFYs 100 Trying, holds the call and calls the target through its
 * line's server; callStatus shows the held call and the new one ringing out; no BYE goes on the held call. The
 * final NOTIFY carries the target's answer: after 200 the transferor leaves and the new call stays; after 404 the
 * held call stays, and resumes.
 *
 * The line's server is a small relay of this test: it grants REGISTER and passes the rest between the phone and the
 * target sipp, keeping the target's final answer back until the test has looked at callStatus.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { callStates, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'polysim-transferee-'));
const SCENARIOS = new URL('../docs/sipp/', import.meta.url).pathname;
const header = (t: string, n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1]?.trim() ?? '';

/** The line's registrar and proxy: grants REGISTER, relays the rest between the phone and the target. */
class Relay {
  readonly socket: Socket = createSocket('udp4');
  phonePort = 0;
  targetPort = 0;
  /** Final answers to INVITE from the target wait here while `holding`. */
  holding = false;
  private held: Buffer[] = [];

  async start(): Promise<number> {
    this.socket.on('message', (m, from) => {
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
        this.socket.send(lines.join('\r\n'), from.port, from.address);
        return;
      }
      if (from.port === this.phonePort) {
        if (this.targetPort) this.socket.send(m, this.targetPort, '127.0.0.1');
        return;
      }
      if (this.holding && /^SIP\/2\.0 [2-6]\d\d /.test(t) && /INVITE/.test(header(t, 'CSeq'))) {
        this.held.push(m);
        return;
      }
      this.socket.send(m, this.phonePort, '127.0.0.1');
    });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    return this.socket.address().port;
  }

  /** Lets the target's final answer through. */
  release(): void {
    this.holding = false;
    for (const m of this.held.splice(0)) this.socket.send(m, this.phonePort, '127.0.0.1');
  }
}

/** Runs a sipp scenario; resolves with its message log once it exits 0 (rejects with the log otherwise). */
async function sipp(scenario: string, args: string[], name: string): Promise<string> {
  const log = join(dir, `${name}.log`);
  const common = ['-m', '1', '-timeout', '20', '-timeout_error', '-nostdin', '-trace_msg', '-message_file', log, '-trace_err'];
  const errors = join(dir, `${name}.errors`);
  try {
    await exec('sipp', ['-sf', join(SCENARIOS, scenario), ...common, '-error_file', errors, ...args]);
  } catch (e) {
    let text = '';
    for (const f of [log, errors]) text += readFileSync(f, { encoding: 'utf8', flag: 'a+' });
    throw new Error(`sipp ${scenario} failed: ${String(e)}\n${text.slice(-4000)}`);
  }
  return readFileSync(log, 'utf8');
}

/** The messages of a sipp log in order, each as "sent" or "received" with its first line and the whole text. */
function messages(log: string): { dir: 'sent' | 'received'; first: string; text: string }[] {
  const parts = log.split(/^\S+ message (sent|received).*$/m);
  const out: { dir: 'sent' | 'received'; first: string; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const text = (parts[i + 1] ?? '').replace(/-{10,}[^\n]*\s*$/, '').trim();
    out.push({ dir: parts[i] as 'sent' | 'received', first: text.split(/\r?\n/)[0] ?? '', text });
  }
  return out;
}

describe('the phone as transferee, with sipp as transferor and target', { timeout: 60_000, skip: needs('sipp') }, () => {
  let p: TestPhone;
  const relay = new Relay();

  before(async () => {
    const port = await relay.start();
    p = await testPhone({ sipPort: 0, set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(port) } });
    relay.phonePort = p.sip?.port as number;
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    relay.socket.close();
    if (!process.env.KEEP_SIPP_LOGS) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the target and the transferor; the phone answers the transferor's call. */
  async function transfer(target: string, name: string): Promise<{ target: Promise<string>; transferor: Promise<string> }> {
    relay.targetPort = await freePort();
    relay.holding = true;
    const targetRun = sipp(target, ['-i', '127.0.0.1', '-p', String(relay.targetPort)], `${name}-target`);
    const transferorRun = sipp(
      'refer-transferor.xml',
      [
        '-s',
        '1001',
        '-key',
        'refer_to',
        'sip:1003@127.0.0.1',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        `127.0.0.1:${p.sip?.port}`,
      ],
      `${name}-transferor`,
    );
    // a scenario that fails early fails the wait at once
    const failed = Promise.race([targetRun, transferorRun]).then(
      () => undefined,
      (e: unknown) => e,
    );
    const check = async (fn: () => Promise<boolean> | boolean): Promise<void> => {
      const e = await Promise.race([waitFor(fn, 10_000).then(() => undefined), failed]);
      if (e) throw e;
    };
    await check(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    // during the transfer: the transferor's call held, the new call ringing out
    let seen: string[] = [];
    await check(async () => JSON.stringify((seen = await callStates(p))) === JSON.stringify(['sipp:Hold', '1003:RingBack'])).catch(() =>
      assert.deepEqual(seen, ['sipp:Hold', '1003:RingBack']),
    );
    relay.release();
    return { target: targetRun, transferor: transferorRun };
  }

  it('the target answers: 202, NOTIFY 100 Trying, hold, no BYE, NOTIFY 200; the transferor leaves, the new call stays', async () => {
    const run = await transfer('refer-target.xml', 'answers');
    const log = messages(await run.transferor);
    // what the transferor got from the phone, in order (the call's provisional answers aside)
    const fromPhone = log
      .filter((m) => m.dir === 'received')
      .map((m) => (m.first.startsWith('SIP/2.0') ? m.first.split(' ').slice(0, 2).join(' ') : (m.first.split(' ')[0] ?? '')))
      .filter((f) => f !== 'SIP/2.0 100' && f !== 'SIP/2.0 180');
    assert.deepEqual(fromPhone, [
      'SIP/2.0 200', // the call answered
      'SIP/2.0 202', // the REFER accepted
      'NOTIFY', // 100 Trying
      'INVITE', // the call held
      'ACK',
      'NOTIFY', // 200 OK: no BYE before it
      'SIP/2.0 200', // the transferor's BYE
    ]);
    const notifies = log.filter((m) => m.dir === 'received' && m.first.startsWith('NOTIFY'));
    assert.deepEqual(
      notifies.map((m) => [header(m.text, 'Event'), header(m.text, 'Subscription-State'), m.text.split(/\r?\n\r?\n/)[1]?.trim()]),
      [
        ['refer', 'active;expires=60', 'SIP/2.0 100 Trying'],
        ['refer', 'terminated;reason=noresource', 'SIP/2.0 200 OK'],
      ],
    );
    await waitFor(async () => JSON.stringify(await callStates(p)) === JSON.stringify(['1003:Connected']));
    assert.equal(p.phone.calls.recentlyEnded().at(-1)?.endReason, 'transferred');
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    await run.target;
  });

  it('the target does not exist (404): NOTIFY 404 ends the subscription; the call stays on hold and resumes', async () => {
    const run = await transfer('refer-target-404.xml', 'fails');
    await run.target;
    await waitFor(async () => JSON.stringify(await callStates(p)) === JSON.stringify(['sipp:Hold']));
    assert.equal((await p.post('/api/v1/callctrl/resumeCall', { data: {} })).body['Status'], '2000');
    const log = messages(await run.transferor);
    const notifies = log.filter((m) => m.dir === 'received' && m.first.startsWith('NOTIFY'));
    assert.deepEqual(
      notifies.map((m) => [header(m.text, 'Subscription-State'), m.text.split(/\r?\n\r?\n/)[1]?.trim()]),
      [
        ['active;expires=60', 'SIP/2.0 100 Trying'],
        ['terminated;reason=noresource', 'SIP/2.0 404 Not Found'],
      ],
    );
    const invites = log.filter((m) => m.dir === 'received' && m.first.startsWith('INVITE'));
    assert.deepEqual(
      invites.map((m) => /a=(sendrecv|sendonly|recvonly|inactive)/.exec(m.text)?.[1]),
      ['sendonly', 'sendrecv'],
      'held during the transfer, resumed after it failed',
    );
    // the transferor hung up at the end of its scenario
    await waitFor(async () => (await callStates(p)).length === 0);
    const placed = (await p.get('/api/v1/mgmt/callLogs/placed')).body['data'] as { Placed: Record<string, string>[] };
    assert.equal(placed.Placed[0]?.['RemotePartyNumber'], '1003');
  });
});
