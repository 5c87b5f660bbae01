/** Odd option values and files given to `polysim`: each ends with one line on stderr and exit code 2, nothing starts. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cli } from './helpers.js';
import { lacks } from './peers.js';

const dir = mkdtempSync(join(tmpdir(), 'polysim-cli-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Free ports and no waiting, so that a case wrongly accepted starts (and is stopped) quickly instead of failing on a port. */
const FREE = ['--http-port', '0', '--https-port', '0', '--sip-port', '0', '--sip-tls-port', '0', '--control-port', '0', '--init-ms', '0'];

/** Runs polysim in this process; a case that starts a phone is stopped at once and reported as exit code -1. */
async function refused(args: string[]): Promise<{ code: number; stderr: string }> {
  const r = cli(args);
  const code = await Promise.race([r.code, new Promise<number>((res) => setTimeout(() => res(-1), 3_000))]);
  if (code === -1) await r.stop();
  return { code, stderr: r.stderr() };
}

async function assertRefused(args: string[], message: RegExp): Promise<void> {
  const r = await refused(args);
  assert.equal(r.code, 2, `polysim ${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
  assert.match(r.stderr, message, `polysim ${args.join(' ')}`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `polysim ${args.join(' ')}: one line, not\n${r.stderr}`);
}

describe('files named by options', () => {
  const big = join(dir, 'big.pem');
  writeFileSync(big, `-----BEGIN CERTIFICATE-----\n${'A'.repeat(5 * 1024 * 1024)}\n`);
  const bigYaml = join(dir, 'big.yaml');
  writeFileSync(bigYaml, `phones: [{}]\n${'#'.repeat(5 * 1024 * 1024)}\n`);
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);

  it('a fleet file that is a device, a pipe, a directory or over 4 MB is refused before it is read', async () => {
    await assertRefused(['fleet', '--config', bigYaml, ...FREE], /^polysim: .*big\.yaml: cannot read: larger than 4 MB$/m);
    await assertRefused(['fleet', '--config', '/dev/zero', ...FREE], /^polysim: \/dev\/zero: cannot read: a device, not a file$/m);
    await assertRefused(['fleet', '--config', fifo, ...FREE], /^polysim: .*fifo\.yaml: cannot read: a pipe, not a file$/m);
    await assertRefused(['fleet', '--config', dir, ...FREE], /^polysim: .*: cannot read: a directory, not a file$/m);
  });

  it('so are a certificate and a key', async () => {
    await assertRefused(
      ['start', ...FREE, '--tls-cert', big, '--tls-key', big],
      /^polysim: cannot read certificate .*big\.pem: larger than 4 MB$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--tls-cert', '/dev/zero', '--tls-key', '/dev/zero'],
      /^polysim: cannot read certificate \/dev\/zero: a device, not a file$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--tls-cert', fifo, '--tls-key', fifo],
      /^polysim: cannot read certificate .*fifo\.yaml: a pipe, not a file$/m,
    );
  });

  it('a certificate or key that is PEM in name only, or a key of another certificate, is refused before anything listens', async (t) => {
    if (lacks(t, 'openssl')) return;
    const pair = (name: string): [string, string] => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-subj',
          `/CN=${name}`,
          '-days',
          '30',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.crt`),
        ],
        { stdio: 'ignore' },
      );
      return [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
    };
    const [certA, keyA] = pair('a');
    const [, keyB] = pair('b');
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    await assertRefused(
      ['start', ...FREE, '--tls-cert', junk, '--tls-key', keyA],
      /^polysim: certificate .*junk\.pem is not a PEM certificate/m,
    );
    await assertRefused(['start', ...FREE, '--tls-cert', certA, '--tls-key', junk], /^polysim: key .*junk\.pem is not a PEM private key/m);
    await assertRefused(
      ['start', ...FREE, '--tls-cert', certA, '--tls-key', keyB],
      /^polysim: key .*b\.key is not the key of certificate .*a\.crt$/m,
    );
  });

  it("and ctl's --hosts list and --ca, with exit code 2 before any phone is asked", async () => {
    await assertRefused(
      ['ctl', '--hosts', '/dev/zero', '--password', 'x', 'device', 'info'],
      /^polysim ctl: --hosts \/dev\/zero: a device, not a file$/m,
    );
    await assertRefused(
      ['ctl', '--hosts', join(dir, 'absent'), '--password', 'x', 'device', 'info'],
      /^polysim ctl: --hosts .*absent: ENOENT$/m,
    );
    await assertRefused(
      ['ctl', '--host', '127.0.0.1:1', '--ca', big, '--password', 'x', 'device', 'info'],
      /^polysim ctl: --ca .*big\.pem: larger than 4 MB$/m,
    );
    await assertRefused(
      ['ctl', '--host', '127.0.0.1:1', '--ca', '/dev/zero', '--password', 'x', 'device', 'info'],
      /^polysim ctl: --ca \/dev\/zero: a device, not a file$/m,
    );
  });
});

describe('numbers given to options', () => {
  it('a transfer rate that is not a positive number of transfers a second is refused', async () => {
    for (const bad of ['0', '-1', 'fast', '1e3', '100001'])
      await assertRefused(
        ['fleet', ...FREE, '--count', '1', '--transfer-rate', bad],
        /^polysim: .*--transfer-rate <n>.* expected transfers a second/m,
      );
  });

  it('a count or first number past its range (or past 2^53, where numbers lose their last digits) is refused', async () => {
    // 2^53 + 1 reads as 2^53: before, it was taken (and only the ports said no); the count is what is wrong.
    await assertRefused(
      ['fleet', ...FREE, '--http-port', '60000', '--count', '9007199254740993'],
      /^polysim: .*--count <n>.* expected a whole number 1-10000$/m,
    );
    await assertRefused(
      ['fleet', ...FREE, '--address-range', '127.0.0.1', '--count', '10001'],
      /^polysim: .*--count <n>.* expected a whole number 1-10000$/m,
    );
    // Phones 9007199254740992 and 9007199254740993 would both have been 9007199254740992.
    await assertRefused(
      ['fleet', ...FREE, '--count', '2', '--first-number', '9007199254740992'],
      /^polysim: .*--first-number <n>.* expected a whole number 1-999999999999999$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--first-number', '1000000000000000'],
      /^polysim: .*--first-number <n>.* expected a whole number 1-999999999999999$/m,
    );
  });

  it('every millisecond option is bounded to an hour (setTimeout took 99999999999 ms as 1 ms)', async () => {
    for (const option of [
      '--latency-ms',
      '--body-timeout-ms',
      '--transfer-timeout-ms',
      '--transfer-answer-ms',
      '--init-ms',
      '--restart-ms',
      '--reboot-ms',
    ]) {
      await assertRefused(
        ['start', ...FREE, option, '99999999999'],
        new RegExp(`^polysim: .*${option} <ms>.* expected milliseconds [01]-3600000 \\(an hour\\)$`, 'm'),
      );
    }
    await assertRefused(
      ['ctl', '--host', '127.0.0.1:1', '--password', 'x', '--wait', '--wait-timeout', '99999999999', 'device', 'info'],
      /^polysim: .*--wait-timeout <s>.* expected seconds 1-3600 \(an hour\)$/m,
    );
  });

  it("ctl's --concurrency, --mac and --pin take what they name", async () => {
    const ctl = ['ctl', '--host', '127.0.0.1:1', '--password', 'x'];
    await assertRefused(
      [...ctl, '--concurrency', '99999999999999999999', 'device', 'info'],
      /^polysim: .*--concurrency <n>.* expected a whole number 1-1000$/m,
    );
    await assertRefused(
      [...ctl, '--mac', '1e6', 'device', 'info'],
      /^polysim: .*--mac <mac>.* expected a MAC address: 12 hex digits, e\.g\. 0004f2ab12cd$/m,
    );
    await assertRefused([...ctl, '--mac', '0004f2ab12cd00', 'device', 'info'], /expected a MAC address/);
    await assertRefused(
      [...ctl, '--pin', 'abc', 'device', 'info'],
      /^polysim: .*--pin <sha256>.* expected a SHA-256 fingerprint: 64 hex digits$/m,
    );
  });

  it("a fleet's ports leave room for every phone, SIP ports too", async () => {
    for (const option of ['--http-port', '--https-port', '--sip-port', '--sip-tls-port']) {
      const args = ['fleet', '--count', '2', ...FREE, option, '65535'];
      await assertRefused(
        args,
        new RegExp(`^polysim: ${option} 65535 leaves no room for 2 phones on consecutive ports \\(the last would be 65536\\)$`, 'm'),
      );
    }
  });
});

describe('other odd values', () => {
  it('--ready-file, --data-dir, --tls-cert: a path that can be used (a ready file in no directory ended in a stack trace once the phones ran)', async () => {
    await assertRefused(
      ['start', ...FREE, '--ready-file', '/nonexistent/ready.json'],
      /^polysim: .*--ready-file <file>.* no directory \/nonexistent to write it in$/m,
    );
    await assertRefused(['start', ...FREE, '--ready-file', dir], /^polysim: .*--ready-file <file>.* expected a file, not a directory$/m);
    await assertRefused(['start', ...FREE, '--ready-file', ''], /^polysim: .*--ready-file <file>.* expected a path$/m);
    await assertRefused(['start', ...FREE, '--data-dir', ''], /^polysim: .*--data-dir <dir>.* expected a path$/m);
    await assertRefused(['start', ...FREE, '--tls-cert', '', '--tls-key', ''], /^polysim: .*--tls-cert <file>.* expected a path$/m);
  });

  it('passwords as the phone keeps them, blamed on their own option (not on --set)', async () => {
    await assertRefused(['start', ...FREE, '--admin-password', ''], /^polysim: .*--admin-password <pw>.* expected a password/m);
    await assertRefused(
      ['start', ...FREE, '--admin-password', 'x'.repeat(33)],
      /^polysim: .*--admin-password <pw>.* longer than 32 characters$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--admin-password', 'a\u0001b'],
      /^polysim: .*--admin-password <pw>.* control characters are not allowed$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--sip-password', 'x'.repeat(256)],
      /^polysim: .*--sip-password <password>.* longer than 255 characters$/m,
    );
  });

  it('--registrar: a host name or IP address and a port 1-65535; --address an IP address; --set a name', async () => {
    await assertRefused(
      ['start', ...FREE, '--registrar', 'a b'],
      /^polysim: .*--registrar <host\[:port\]>.* host "a b": expected a host name or IP address$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--registrar', '-x:5060'],
      /^polysim: .*--registrar .* host "-x": expected a host name or IP address$/m,
    );
    await assertRefused(
      ['start', ...FREE, '--registrar', '[zz]:5060'],
      /^polysim: .*--registrar .* host "zz": expected a host name or IP address$/m,
    );
    await assertRefused(['start', ...FREE, '--registrar', 'pbx.example:0'], /^polysim: .*--registrar .* port 0: expected 1-65535$/m);
    await assertRefused(
      ['start', ...FREE, '--registrar', 'pbx.example:99999999999999999999'],
      /^polysim: .*--registrar .* port 99999999999999999999: expected 1-65535$/m,
    );
    await assertRefused(['start', ...FREE, '--address', 'abc'], /^polysim: .*--address <ip>.* expected an IP address/m);
    await assertRefused(['start', ...FREE, '--set', ' =1'], /^polysim: .*--set <name=value>.* expected name=value$/m);
  });

  it("commander's suggestions stay on the line of their error", async () => {
    await assertRefused(['start', '--modle', 'x'], /^polysim: unknown option '--modle' \(Did you mean --model\?\)$/m);
    await assertRefused(['strat'], /^polysim: unknown command 'strat' \(Did you mean start\?\)$/m);
  });
});
