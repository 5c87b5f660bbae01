/**
 * SRTP offers from sipp (docs/sipp/srtp-offer.xml) to a phone, as sec.srtp.* set it: an RTP/SAVP offer with keys is
 * answered RTP/SAVP with the phone's own key under the first usable tag; one without a crypto line or with only
 * suites the phone lacks is refused 488, and so is any RTP/SAVP offer with sec.srtp.enable=0, and a plain RTP/AVP
 * offer with sec.srtp.require=1, each with a Warning saying why.
 *
 * The line's server is a small relay of this test that grants REGISTER (the phone calls no one here).
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
const dir = mkdtempSync(join(tmpdir(), 'polysim-srtp-'));
const SCENARIOS = new URL('../docs/sipp/', import.meta.url).pathname;
const header = (t: string, n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1]?.trim() ?? '';
const KEY80 = 'WnD7c1ksDGs+dIefCEo8omPg4uO8DYIinNGL5yxQ';
const KEY32 = 't0r0/apkukU7JjjfR0mY8GEimBq4OiPEm9eKSFOx';

let runs = 0;
/** Runs srtp-offer.xml once; resolves with the messages sipp received (rejects with its log when it fails). */
async function offer(port: number, proto: string, crypto: string[]): Promise<{ first: string; text: string }[]> {
  const n = ++runs;
  const log = join(dir, `${n}.log`);
  const errors = join(dir, `${n}.errors`);
  const args = ['-sf', join(SCENARIOS, 'srtp-offer.xml'), '-s', '1001', '-m', '1', '-timeout', '15', '-timeout_error', '-nostdin'];
  args.push('-key', 'proto', proto, '-key', 'crypto', crypto.map((c) => `\r\na=crypto:${c}`).join(''));
  args.push('-trace_msg', '-message_file', log, '-trace_err', '-error_file', errors, '-i', '127.0.0.1');
  args.push('-p', String(await freePort()), `127.0.0.1:${port}`);
  try {
    await exec('sipp', args);
  } catch (e) {
    let text = '';
    for (const f of [log, errors]) text += readFileSync(f, { encoding: 'utf8', flag: 'a+' });
    throw new Error(`sipp failed: ${String(e)}\n${text.slice(-4000)}`);
  }
  const parts = readFileSync(log, 'utf8').split(/^\S+ message (sent|received).*$/m);
  const out: { first: string; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    if (parts[i] !== 'received') continue;
    const text = (parts[i + 1] ?? '').replace(/-{10,}[^\n]*\s*$/, '').trim();
    out.push({ first: text.split(/\r?\n/)[0] ?? '', text });
  }
  return out;
}

describe('SRTP offers (RFC 4568) from sipp', { skip: needs('sipp'), timeout: 60_000 }, () => {
  let p: TestPhone;
  const relay = createSocket('udp4');

  before(async () => {
    relay.on('message', (m, from) => {
      const t = m.toString();
      if (!t.startsWith('REGISTER')) return;
      const lines = ['SIP/2.0 200 OK', `Via: ${header(t, 'Via')}`, `From: ${header(t, 'From')}`, `To: ${header(t, 'To')};tag=reg`];
      lines.push(`Call-ID: ${header(t, 'Call-ID')}`, `CSeq: ${header(t, 'CSeq')}`, `Contact: ${header(t, 'Contact')}`);
      relay.send([...lines, 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
    });
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
    const port = relay.address().port;
    p = await testPhone({ sipPort: 0, set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(port) } });
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    relay.close();
    if (!process.env.KEEP_SIPP_LOGS) rmSync(dir, { recursive: true, force: true });
  });

  const srtp = (set: Record<string, string>): void =>
    p.phone.config.set('LOCAL', { 'sec.srtp.enable': '1', 'sec.srtp.require': '0', ...set });

  it('an RTP/SAVP offer is answered RTP/SAVP with its first tag we take and a key of our own', async () => {
    srtp({});
    const run = offer(p.sip?.port as number, 'RTP/SAVP', [
      '3 AES_256_CM_HMAC_SHA1_80 inline:8AbZePWwsKhLGX3GlXA+yHYPQ3cgraer/9DkFJYCOPZZy3o9wC0NIbIFYZfyHw==',
      `5 AES_CM_128_HMAC_SHA1_32 inline:${KEY32}|2^31`,
      `7 AES_CM_128_HMAC_SHA1_80 inline:${KEY80}`,
    ]);
    await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'), 10_000);
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    const ok = (await run).find((m) => m.first.startsWith('SIP/2.0 200') && /INVITE/.test(header(m.text, 'CSeq')));
    assert.ok(ok, 'a 200 to the INVITE');
    assert.match(ok.text, /^m=audio [1-9]\d* RTP\/SAVP 0 101$/m);
    const crypto = ok.text.split(/\r?\n/).filter((l) => l.startsWith('a=crypto:'));
    assert.equal(crypto.length, 1, ok.text);
    const m = /^a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:([A-Za-z0-9+/]{40})$/.exec(crypto[0] ?? '');
    assert.ok(m, crypto[0]);
    assert.equal(Buffer.from(m[1] as string, 'base64').length, 30);
    assert.notEqual(m[1], KEY32, 'its own key, not ours');
    await waitFor(async () => (await callStates(p)).length === 0);
  });

  /** An offer the phone refuses: 488 Not Acceptable Here with the Warning `warning`, and no call. */
  async function refused(set: Record<string, string>, proto: string, crypto: string[], warning: RegExp): Promise<void> {
    srtp(set);
    const got = await offer(p.sip?.port as number, proto, crypto);
    const final = got.find((r) => !/^SIP\/2\.0 1\d\d /.test(r.first));
    assert.equal(final?.first, 'SIP/2.0 488 Not Acceptable Here');
    assert.match(header(final.text, 'Warning'), warning);
    assert.deepEqual(await callStates(p), []);
  }

  it('RTP/SAVP without a crypto line, or with only suites, keys or parameters the phone cannot use: 488', async () => {
    const warning = /^399 \S+ "no SRTP crypto suite in common"$/;
    await refused({}, 'RTP/SAVP', [], warning);
    await refused(
      {},
      'RTP/SAVP',
      [
        '1 AES_256_CM_HMAC_SHA1_80 inline:8AbZePWwsKhLGX3GlXA+yHYPQ3cgraer/9DkFJYCOPZZy3o9wC0NIbIFYZfyHw==',
        '2 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=',
        `3 AES_CM_128_HMAC_SHA1_80 inline:${KEY80} UNENCRYPTED_SRTP`,
      ],
      warning,
    );
  });

  it('RTP/SAVP to a phone with sec.srtp.enable=0: 488, incompatible transport protocol', async () => {
    await refused(
      { 'sec.srtp.enable': '0' },
      'RTP/SAVP',
      [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY80}`],
      /^302 \S+ "incompatible transport protocol"$/,
    );
  });

  it('plain RTP/AVP to a phone with sec.srtp.require=1: 488, secure media required', async () => {
    await refused({ 'sec.srtp.require': '1' }, 'RTP/AVP', [], /^302 \S+ "secure media \(RTP\/SAVP\) required"$/);
  });
});
