/**
 * Reliable provisional responses (RFC 3262) both ways, with sipp as the far end. As the callee
 * (docs/sipp/prack-caller.xml): an INVITE with Require: 100rel gets a reliable 180 (Require: 100rel, RSeq), a PRACK
 * naming another RAck gets 481, the right one 200, and the INVITE's 200 comes only after it, though the phone was
 * answered before. As the caller (docs/sipp/prack-callee.xml): the INVITE says Supported: 100rel, and a reliable 180
 * is PRACKed once in its early dialog, with the RAck naming its RSeq and the INVITE's CSeq.
 *
 * The line's server is a small relay of this test: it grants REGISTER and passes the rest between the phone and the
 * callee sipp.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
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
const dir = mkdtempSync(join(tmpdir(), 'polysim-prack-'));
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

describe('reliable provisional responses (RFC 3262), with sipp', { timeout: 60_000, skip: needs('sipp') }, () => {
  let p: TestPhone;
  const relay = createSocket('udp4');
  let phonePort = 0;
  let calleePort = 0;

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
        if (calleePort) relay.send(m, calleePort, '127.0.0.1');
      } else relay.send(m, phonePort, '127.0.0.1');
    });
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
    const port = relay.address().port;
    p = await testPhone({ sipPort: 0, set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(port) } });
    phonePort = p.sip?.port as number;
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    relay.close();
    if (!process.env.KEEP_SIPP_LOGS) rmSync(dir, { recursive: true, force: true });
  });

  it('as the callee: a reliable 180, 481 for another RAck, 200 for its PRACK, and only then the 200 of the INVITE', async () => {
    const run = sipp(
      'prack-caller.xml',
      ['-s', '1001', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${phonePort}`],
      'caller',
    );
    const failed = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // answered while sipp holds its PRACK back: the scenario fails on a 200 before it
    const e = await Promise.race([
      waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'), 10_000).then(() => undefined),
      failed,
    ]);
    if (e) throw e;
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    const log = received(await run);
    const ringing = log.filter((m) => m.first.startsWith('SIP/2.0 180'));
    assert.ok(ringing.length >= 1);
    assert.deepEqual([...new Set(ringing.map((m) => header(m.text, 'RSeq')))].length, 1, 'a retransmitted 180 keeps its RSeq');
    assert.match(header(ringing[0]?.text ?? '', 'RSeq'), /^[1-9]\d*$/);
    assert.equal(header(ringing[0]?.text ?? '', 'Require'), '100rel');
    const finals = log
      .filter((m) => !/^SIP\/2\.0 1\d\d /.test(m.first))
      .map((m) => `${m.first.split(' ')[1] ?? ''} ${header(m.text, 'CSeq')}`);
    assert.deepEqual(finals, ['481 2 PRACK', '200 3 PRACK', '200 1 INVITE', '200 4 BYE']);
    await waitFor(async () => (await callStates(p)).length === 0);
  });

  it('as the caller: Supported: 100rel, and the reliable 180 PRACKed once in the early dialog', async () => {
    calleePort = await freePort();
    const run = sipp('prack-callee.xml', ['-i', '127.0.0.1', '-p', String(calleePort)], 'callee');
    const failed = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((await p.post('/api/v1/callctrl/dial', { data: { Dest: '2002' } })).body['Status'], '2000');
    const e = await Promise.race([
      waitFor(async () => (await callStates(p)).some((s) => s.endsWith(':Connected')), 10_000).then(() => undefined),
      failed,
    ]);
    if (e) throw e;
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    const log = received(await run);
    assert.deepEqual(
      log.map((m) => m.first.split(' ')[0]),
      ['INVITE', 'PRACK', 'ACK', 'BYE'],
    );
    const [invite, prack] = log;
    assert.match(header(invite?.text ?? '', 'Supported'), /(^|,)\s*100rel\s*(,|$)/);
    const inviteCseq = header(invite?.text ?? '', 'CSeq').split(' ')[0];
    assert.equal(header(prack?.text ?? '', 'RAck'), `1 ${inviteCseq} INVITE`);
    assert.match(header(prack?.text ?? '', 'To'), /;tag=\S*SIPpTag01/, 'in the early dialog the 180 set up');
    assert.ok(Number(header(prack?.text ?? '', 'CSeq').split(' ')[0]) > Number(inviteCseq));
    calleePort = 0;
  });
});
