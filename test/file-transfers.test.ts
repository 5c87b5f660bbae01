/**
 * The phone's file transfers against real servers from Debian on loopback (test/file-servers.ts): nginx (HTTP,
 * HTTPS, Basic auth, WebDAV PUT), lighttpd (Digest MD5 and SHA-256), pyftpdlib (FTP), vsftpd (FTPS) and tftpd-hpa
 * (TFTP).
 * Files arrive byte for byte whatever their size around TFTP's 512-byte block; the phone provisions over REST
 * (updateConfiguration) from every kind of server and exports its configuration to nginx, FTP and TFTP; an HTTPS
 * server is trusted when its CA is configured and refused when not, its name checked unless told not to; wrong
 * credentials fail the transfer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PhoneTransfers } from '../src/network/transfers.js';
import { DEFAULT_TRUST } from '../src/network/transfer-trust.js';
import type { TransferTrust } from '../src/network/transfer-trust.js';
import { ManualClock } from '../src/phone/clock.js';
import type { TransferReport } from '../src/phone/phone.js';
import { makeCa, makeServerCert, runDir, startFtp, startFtps, startLighttpd, startNginx, startTftp } from './file-servers.js';
import type { Nginx, Server } from './file-servers.js';
import { assertOk, assertStatus, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { needs } from './peers.js';

const USER = 'prov';
const PASSWORD = 'pass word:1';
const UPDATE = '/api/v1/mgmt/updateConfiguration';
const EXPORT = '/api/v1/mgmt/config/export';
/** Sizes around TFTP's block (the last block empty when a file is a whole number of blocks). */
const SIZES = [0, 1, 511, 512, 513, 1024, 1536, 70_001];

describe(
  'file transfers with real servers (nginx, lighttpd, pyftpdlib, vsftpd, tftpd-hpa)',
  { skip: needs('nginx', 'lighttpd', 'pyftpdlib', 'vsftpd', 'in.tftpd', 'openssl', 'root') },
  () => {
    let dir: string;
    let www: string;
    let ca: string;
    let nginx: Nginx;
    let lighttpd: Server;
    let ftp: Server;
    let ftps: Server;
    let tftp: Server;
    const files = new Map<number, Buffer>();

    before(async () => {
      dir = runDir();
      www = join(dir, 'www');
      for (const sub of ['bin', 'prov', 'secure', 'md5', 'sha256', 'up', 'up/ftp', 'secure/up'])
        mkdirSync(join(www, sub), { recursive: true });
      for (const size of SIZES) {
        const bytes = randomBytes(size);
        files.set(size, bytes);
        writeFileSync(join(www, 'bin', `${size}.bin`), bytes);
      }
      ca = makeCa(dir, 'ca');
      makeServerCert(dir, 'server', 'ca', 'IP:127.0.0.1,DNS:localhost');
      makeServerCert(dir, 'other', 'ca', 'DNS:other.example');
      nginx = await startNginx(dir, www, USER, PASSWORD);
      lighttpd = await startLighttpd(dir, www, USER, PASSWORD);
      ftp = await startFtp(dir, www, USER, PASSWORD);
      ftps = await startFtps(dir, www);
      tftp = await startTftp(www);
    });
    after(async () => {
      await nginx?.stop();
      await lighttpd?.stop();
      await ftp?.stop();
      await ftps?.stop();
      await tftp?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const caAttribute = (): string => ca.replace(/\n/g, ' ');
    const trusting: TransferTrust = { customCas: [], strictName: true };
    const transfers = (trust: TransferTrust = trusting): PhoneTransfers =>
      new PhoneTransfers({ deadlineMs: 8000, trust: () => trust, tftpRetransmitMs: 300 });
    const bases = (): Record<string, string> => ({
      http: `http://127.0.0.1:${nginx.port}/`,
      https: `https://127.0.0.1:${nginx.tlsPort}/`,
      ftp: `ftp://127.0.0.1:${ftp.port}/`,
      ftps: `ftps://127.0.0.1:${ftps.port}/`,
      tftp: `tftp://127.0.0.1:${tftp.port}/`,
    });

    it('every server hands over each file byte for byte, and says 404 for a file it does not have', async () => {
      const t = transfers({ customCas: [ca], strictName: true });
      for (const [kind, base] of Object.entries(bases())) {
        for (const [size, bytes] of files) {
          const res = await t.get(`${base}bin/${size}.bin`);
          assert.equal(res.status, 200, `${kind} ${size}`);
          assert.ok(res.body.equals(bytes), `${kind}: ${size} bytes arrive as they are (${res.body.length} received)`);
        }
        assert.equal((await t.get(`${base}bin/none.bin`)).status, 404, `${kind}: a missing file`);
      }
    });

    it('uploads arrive byte for byte: WebDAV PUT, FTP and FTPS STOR with the URL credentials, TFTP WRQ', async () => {
      const t = transfers({ customCas: [ca], strictName: true });
      const b = bases();
      const auth = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@`;
      const targets: Record<string, string> = {
        http: `${b['http']}up/put.bin`,
        'http with Basic': `http://${auth}127.0.0.1:${nginx.port}/secure/up/put.bin`,
        https: `${b['https']}up/puts.bin`,
        ftp: `ftp://${auth}127.0.0.1:${ftp.port}/up/stor.bin`,
        ftps: `ftps://127.0.0.1:${ftps.port}/up/stors.bin`,
        tftp: `${b['tftp']}up/wrq.bin`,
      };
      for (const [kind, url] of Object.entries(targets)) {
        // vsftpd drops an FTPS upload of nothing (its data connection closes before TLS is up); phones upload no empty files
        for (const size of kind === 'ftps' ? [512, 1537] : [0, 512, 1537]) {
          const body = randomBytes(size);
          // a new file each time: vsftpd's anonymous user may not overwrite
          const target = `${url}.${size}`;
          const res = await t.upload(target, body, 'application/octet-stream');
          assert.ok(res.status >= 200 && res.status < 300, `${kind}: ${res.status}`);
          const path = new URL(target).pathname;
          assert.ok(readFileSync(join(www, path)).equals(body), `${kind}: ${size} bytes stored as sent`);
        }
      }
      await assert.rejects(t.upload(`${b['ftp']}up/anon.bin`, Buffer.from('x'), 'text/plain'), /FTP/, 'anonymous may not write');
    });

    it('wrong credentials fail: Basic (nginx), Digest (lighttpd), FTP login', async () => {
      const t = transfers();
      const wrong = { user: USER, password: 'wrong' };
      assert.equal((await t.get(`http://127.0.0.1:${nginx.port}/secure/bin/1.bin`, wrong)).status, 401);
      assert.equal((await t.get(`http://127.0.0.1:${lighttpd.port}/md5/x.cfg`, wrong)).status, 401);
      await assert.rejects(t.get(`ftp://127.0.0.1:${ftp.port}/bin/1.bin`, wrong), /FTP login refused: 530/);
    });

    it('HTTPS and FTPS servers are verified: the configured CA, the name unless told not to', async () => {
      const other = `https://127.0.0.1:${nginx.otherNamePort}/bin/1.bin`;
      await assert.rejects(transfers(DEFAULT_TRUST).get(`${bases()['https']}bin/1.bin`), /TLS: the server's certificate is not trusted/);
      await assert.rejects(transfers(DEFAULT_TRUST).get(`${bases()['ftps']}bin/1.bin`), /TLS: the server's certificate is not trusted/);
      await assert.rejects(
        transfers({ customCas: [ca], strictName: true }).get(other),
        /TLS: the server's certificate is not for 127\.0\.0\.1/,
      );
      assert.equal((await transfers({ customCas: [ca], strictName: false }).get(other)).status, 200);
    });

    /** A phone set to provision from `serverName`, with the provisioning credentials and the run's CA. */
    async function provisioningPhone(set: Record<string, string>): Promise<TestPhone> {
      return testPhone({
        transferTimeoutMs: 8000,
        timing: { transferAnswerMs: 10_000 },
        set: { 'device.prov.redunAttemptLimit': '1', ...set },
      });
    }

    const MASTER = '<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="site.cfg, [PHONE_MAC_ADDRESS]-phone.cfg"/>';
    const writeTree = (sub: string, mac: string, city: string): void => {
      writeFileSync(join(www, sub, '000000000000.cfg'), MASTER);
      writeFileSync(join(www, sub, 'site.cfg'), `<site><loc locInfo.city="${city}"/></site>`);
      writeFileSync(join(www, sub, `${mac}-phone.cfg`), `<phone reg.2.address="2002" reg.2.label="${city}"/>`);
    };

    it('a phone provisions over REST from nginx, lighttpd (Digest), FTP, FTPS and TFTP, as serverType or the URL says', async () => {
      const p = await provisioningPhone({});
      const mac = p.phone.identity.mac.toLowerCase();
      const ways: [string, Record<string, string>, string][] = [
        [
          'http Basic',
          { 'device.prov.serverName': `http://127.0.0.1:${nginx.port}/secure`, 'device.prov.user': USER, 'device.prov.password': PASSWORD },
          'secure',
        ],
        [
          'https (CA configured)',
          {
            'device.prov.serverName': `127.0.0.1:${nginx.tlsPort}/prov`,
            'device.prov.serverType': '3',
            'device.sec.TLS.customCaCert1': caAttribute(),
          },
          'prov',
        ],
        [
          'http Digest MD5',
          {
            'device.prov.serverName': `http://127.0.0.1:${lighttpd.port}/md5/`,
            'device.prov.user': USER,
            'device.prov.password': PASSWORD,
          },
          'md5',
        ],
        [
          'http Digest SHA-256',
          {
            'device.prov.serverName': `http://127.0.0.1:${lighttpd.port}/sha256/`,
            'device.prov.user': USER,
            'device.prov.password': PASSWORD,
          },
          'sha256',
        ],
        [
          'ftp (user)',
          {
            'device.prov.serverName': `127.0.0.1:${ftp.port}/prov`,
            'device.prov.serverType': '0',
            'device.prov.user': USER,
            'device.prov.password': PASSWORD,
          },
          'prov',
        ],
        ['ftp (anonymous)', { 'device.prov.serverName': `ftp://127.0.0.1:${ftp.port}/md5`, 'device.prov.user': '' }, 'md5'],
        [
          'ftps',
          {
            'device.prov.serverName': `127.0.0.1:${ftps.port}/sha256`,
            'device.prov.serverType': '4',
            'device.prov.user': '',
            'device.sec.TLS.customCaCert1': caAttribute(),
          },
          'sha256',
        ],
        [
          'tftp',
          { 'device.prov.serverName': `127.0.0.1:${tftp.port}/prov`, 'device.prov.serverType': '1', 'device.prov.user': '' },
          'prov',
        ],
      ];
      try {
        for (const [kind, set, sub] of ways) {
          const city = `City ${kind}`;
          writeTree(sub, mac, city);
          assertOk(await p.post('/api/v1/mgmt/config/set', { data: set }), '/api/v1/mgmt/config/set');
          const logged = nginx.accessLog().length;
          const ftpOutput = ftp.output().length;
          const a = await p.post(UPDATE);
          assert.equal(a.body['Status'], '2000', `${kind}: ${a.text}`);
          assertOk(a, UPDATE);
          assert.equal((a.body['data'] as Record<string, string>)['ProvisioningState'], 'Completed', kind);
          assert.deepEqual(p.phone.config.get('locInfo.city'), { value: city, source: 'CONFIG' }, kind);
          assert.equal(p.phone.config.value('reg.2.label'), city, kind);
          if (kind === 'http Basic') {
            // asked once, then the credentials go with every file at once
            assert.deepEqual(nginx.accessLog().slice(logged), [
              `401 GET /secure/${mac}.cfg -`,
              `404 GET /secure/${mac}.cfg ${USER}`,
              `200 GET /secure/000000000000.cfg ${USER}`,
              `200 GET /secure/site.cfg ${USER}`,
              `200 GET /secure/${mac}-phone.cfg ${USER}`,
              `404 GET /secure/sip.ld ${USER}`,
              // the contact directory, read as the phone provisions: its own file, then the template
              `404 GET /secure/${mac}-directory.xml ${USER}`,
              `404 GET /secure/000000000000-directory.xml ${USER}`,
            ]);
          }
          if (kind === 'ftp (anonymous)') assert.match(ftp.output().slice(ftpOutput), /USER 'anonymous' logged in/);
          if (kind === 'ftp (user)') assert.match(ftp.output().slice(ftpOutput), new RegExp(`USER '${USER}' logged in`));
          // the next way starts from a clean slate
          const clean = {
            'device.prov.user': '',
            'device.prov.password': '',
            'device.sec.TLS.customCaCert1': '',
            'device.prov.serverType': '2',
          };
          assertOk(await p.post('/api/v1/mgmt/config/set', { data: clean }), '/api/v1/mgmt/config/set');
        }
      } finally {
        await p.stop();
      }
    });

    it('provisioning fails (5000) with an untrusted HTTPS server, a wrong name, or wrong credentials', async () => {
      const cases: [string, Record<string, string>][] = [
        ['https without the CA', { 'device.prov.serverName': `https://127.0.0.1:${nginx.tlsPort}/prov` }],
        [
          'https for another name',
          { 'device.prov.serverName': `https://127.0.0.1:${nginx.otherNamePort}/prov`, 'device.sec.TLS.customCaCert1': caAttribute() },
        ],
        [
          'nginx Basic, wrong password',
          { 'device.prov.serverName': `http://127.0.0.1:${nginx.port}/secure`, 'device.prov.user': USER, 'device.prov.password': 'x' },
        ],
        [
          'lighttpd Digest, wrong password',
          { 'device.prov.serverName': `http://127.0.0.1:${lighttpd.port}/md5`, 'device.prov.user': USER, 'device.prov.password': 'x' },
        ],
        [
          'ftp, wrong password',
          { 'device.prov.serverName': `ftp://127.0.0.1:${ftp.port}/prov`, 'device.prov.user': USER, 'device.prov.password': 'x' },
        ],
      ];
      for (const [kind, set] of cases) {
        const p = await provisioningPhone(set);
        try {
          writeTree('prov', p.phone.identity.mac.toLowerCase(), 'Nowhere');
          writeTree('secure', p.phone.identity.mac.toLowerCase(), 'Nowhere');
          writeTree('md5', p.phone.identity.mac.toLowerCase(), 'Nowhere');
          assertStatus(await p.post(UPDATE), '5000', 500);
          assert.notEqual(p.phone.config.value('locInfo.city'), 'Nowhere', kind);
        } finally {
          await p.stop();
        }
      }
      // the strict name check off: the same server is taken
      const p = await provisioningPhone({
        'device.prov.serverName': `https://127.0.0.1:${nginx.otherNamePort}/prov`,
        'device.sec.TLS.customCaCert1': caAttribute(),
        'device.sec.TLS.prov.strictCertCommonNameValidation': '0',
      });
      try {
        writeTree('prov', p.phone.identity.mac.toLowerCase(), 'Nowhere');
        assertOk(await p.post(UPDATE), UPDATE);
        assert.equal(p.phone.config.value('locInfo.city'), 'Nowhere');
      } finally {
        await p.stop();
      }
    });

    it('config export uploads the same bytes to nginx (PUT, Basic), FTP and TFTP', async () => {
      const clock = new ManualClock();
      const p = await testPhone({ clock, transferTimeoutMs: 8000 });
      const reports: TransferReport[] = [];
      p.phone.on('transfer', (r) => reports.push(r));
      const mac = p.phone.identity.mac.toLowerCase();
      const auth = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@`;
      try {
        p.phone.config.set('LOCAL', { 'locInfo.room': 'R42' });
        const urls: Record<string, string> = {
          nginx: `http://127.0.0.1:${nginx.port}/up/`,
          'nginx Basic': `http://${auth}127.0.0.1:${nginx.port}/secure/up/`,
          ftp: `ftp://${auth}127.0.0.1:${ftp.port}/up/ftp/`,
          tftp: `tftp://127.0.0.1:${tftp.port}/up/tftp-local.cfg`,
        };
        const stored: Buffer[] = [];
        for (const [kind, url] of Object.entries(urls)) {
          const a = await p.post(EXPORT, { data: { Url: url, ConfigType: 'Local' } });
          assert.equal(a.body['Status'], '2000', `${kind}: ${a.text}`);
          const path = url.endsWith('/') ? `${new URL(url).pathname}${mac}-local.cfg` : new URL(url).pathname;
          stored.push(readFileSync(join(www, path)));
        }
        const [first, ...rest] = stored;
        assert.match(first?.toString('utf8') ?? '', /locInfo\.room="R42"/);
        for (const s of rest) assert.ok(s.equals(first as Buffer), 'every server stored the same bytes');
        assertStatus(await p.post(EXPORT, { data: { Url: `ftp://127.0.0.1:${ftp.port}/up/`, ConfigType: 'Local' } }), '4008', 400);
        assert.deepEqual(reports, []);
      } finally {
        await p.stop();
      }
    });
  },
);
