/**
 * A phone's certificate made ahead (a fleet's worker thread, src/transport/certificate-pool.ts): presented over
 * HTTPS and kept; a connection that comes before it makes the phone's own, which stays. A process that exits while
 * its worker is making certificates ends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { describe, it } from 'node:test';
import { selfSignedCertificate } from '../src/transport/certificate.js';
import type { CertificateRequest } from '../src/transport/certificate.js';
import type { TlsMaterial } from '../src/transport/tls.js';
import { testPhone, waitFor } from './helpers.js';

/** The certificate a phone presents on a new HTTPS connection. */
function presented(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = s.getPeerX509Certificate();
      s.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    s.on('error', reject);
  });
}

/** A maker that answers when told, with a certificate for what it was asked. */
function heldMaker(): { make(r: CertificateRequest): Promise<TlsMaterial | undefined>; asked: CertificateRequest[]; release(): void } {
  const asked: CertificateRequest[] = [];
  const waiting: (() => void)[] = [];
  return {
    asked,
    make: (r) => {
      asked.push(r);
      return new Promise((resolve) => waiting.push(() => resolve(selfSignedCertificate(r))));
    },
    release: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

describe("a phone's certificate made ahead", () => {
  it("is asked for with the phone's own names at start, presented once it came, and kept across a restart", async () => {
    const maker = heldMaker();
    const p = await testPhone({ certificates: maker });
    try {
      const mac = p.phone.identity.mac.toLowerCase();
      assert.equal(maker.asked.length, 1);
      assert.equal(maker.asked[0]?.commonName, mac);
      assert.deepEqual(maker.asked[0]?.ipAddresses, ['127.0.0.1']);
      maker.release();
      await new Promise((r) => setImmediate(r));
      const first = await presented(p.listeners.httpsPort);
      assert.equal(first.subject, `CN=${mac}\nO=Polycom Inc.`);
      assert.equal(first.fingerprint256, new X509Certificate(p.certificate()).fingerprint256);
      let down = false;
      p.phone.once('down', () => (down = true));
      assert.equal((await p.post('/api/v1/mgmt/safeRestart')).http, 200);
      await waitFor(() => down && p.phone.isUp);
      await p.listeners.settled();
      assert.equal((await presented(p.listeners.httpsPort)).fingerprint256, first.fingerprint256, 'the same after a restart');
    } finally {
      await p.stop();
    }
  });

  it('a connection before it came makes the phone its own, which stays when the one made ahead comes', async () => {
    const maker = heldMaker();
    const p = await testPhone({ certificates: maker });
    try {
      const own = await presented(p.listeners.httpsPort);
      maker.release();
      await new Promise((r) => setImmediate(r));
      assert.equal((await presented(p.listeners.httpsPort)).fingerprint256, own.fingerprint256);
      assert.equal(new X509Certificate(p.certificate()).fingerprint256, own.fingerprint256);
    } finally {
      await p.stop();
    }
  });

  it('a process that exits while its worker is making certificates ends (node 20 could hang there, 1 exit in 15)', async () => {
    // A fleet stopped by a signal while its certificates are being made: process.exit() joins the worker thread.
    // Before certificate.ts left node's crypto job objects aside, the worker collecting one could wait on a lock the
    // exiting thread held, for ever.
    const pool = new URL('../src/transport/certificate-pool.js', import.meta.url).href;
    const child = (exitAfter: number): Promise<{ code: number | null; made: number }> =>
      new Promise((resolve, reject) => {
        const script = `
          const { CertificatePool } = await import(${JSON.stringify(pool)});
          const pool = new CertificatePool();
          const r = (i) => ({ commonName: 'p' + i, organization: 'Polycom Inc.', dnsNames: [], ipAddresses: ['127.0.0.1'], notBefore: new Date(), notAfter: new Date(Date.now() + 1e10) });
          for (let i = 0; i < 5000; i++) void pool.make(r(i));
          const t = setInterval(() => { if (pool.made < ${exitAfter}) return; process.stdout.write(String(pool.made)); process.exit(0); }, 2);`;
        // a file, not -e: a worker thread inherits node's options, and --input-type fails its start
        const file = join(mkdtempSync(join(tmpdir(), 'polysim-exit-')), 'exit.mjs');
        writeFileSync(file, script);
        const c = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        // not a speed limit: a process still there after 30 s has hung (it exits in well under a second)
        const hung = setTimeout(() => {
          c.kill('SIGKILL');
          reject(new Error(`the process exiting after ${exitAfter} certificates hung (${out} certificates made)`));
        }, 30_000);
        c.on('exit', (code) => {
          clearTimeout(hung);
          resolve({ code, made: Number(out) });
        });
      });
    for (let round = 0; round < 20; round += 2) {
      const runs = await Promise.all([child(1 + round * 30), child(10 + round * 30)]);
      for (const r of runs) {
        assert.equal(r.code, 0);
        assert.ok(r.made > 0 && r.made < 5000, `exited while the worker was at work (${r.made} made)`);
      }
    }
  });
});
