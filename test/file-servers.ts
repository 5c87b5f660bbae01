/**
 * Real file servers from Debian for the transfer tests, each started on loopback on a free port with a
 * configuration written for the run: nginx (a provisioning tree, WebDAV PUT for uploads, Basic auth from an
 * htpasswd file made with `openssl passwd`, HTTPS with a certificate of a CA made for the run), lighttpd (Digest
 * auth, MD5 and SHA-256), pyftpdlib (FTP: a user with a password, and anonymous), vsftpd (explicit FTPS) and
 * tftpd-hpa (TFTP, --secure, --create for uploads). pyftpdlib's FTPS is not used: Debian 12's 1.5.7 drops every
 * protected data connection (curl fails the same way). Tests that start them say so with test/peers.ts's needs().
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child-process.js';
import { waitFor } from './helpers.js';
import { freePort } from './kamailio.js';
import { program } from './peers.js';

/** Debian's Python, whose module python3-pyftpdlib is (test/peers.ts checks it there). */
const PYTHON = '/usr/bin/python3';
const isRoot = process.getuid?.() === 0;

/** A directory for one run: the servers' trees, configurations and logs. */
export const runDir = (): string => mkdtempSync(join(tmpdir(), 'polysim-files-'));

const openssl = (dir: string, ...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};

/** A CA (name.key, name.pem) made with openssl in `dir`. */
export function makeCa(dir: string, name: string): string {
  openssl(
    dir,
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
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  );
  return readFileSync(join(dir, `${name}.pem`), 'utf8');
}

/** A server certificate (name.key, name.pem) signed by `ca` for the subjectAltName given. */
export function makeServerCert(dir: string, name: string, ca: string, san: string): void {
  openssl(
    dir,
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface Server {
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `cmd` and waits until `ready` says it serves. */
async function run(
  cmd: string,
  args: string[],
  ready: () => Promise<boolean>,
  name: string,
): Promise<{ child: ChildProcess; output(): string }> {
  let out = '';
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  child.on('error', (err) => (out += String(err)));
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${out}`);
      return ready();
    }, 8000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { child, output: () => out };
}

export interface Nginx extends Server {
  /** HTTPS with a certificate for 127.0.0.1 and localhost, from the run's CA. */
  readonly tlsPort: number;
  /** HTTPS with a certificate of the same CA for another name (other.example) only. */
  readonly otherNamePort: number;
  /** The access log's lines so far: `<status> <method> <path> <user or ->`. */
  accessLog(): string[];
}

/**
 * nginx serving `www`: everything readable; /secure/ behind Basic auth (`user`, `password`); PUT into
 * /up/ and /secure/ (WebDAV's dav_methods PUT, directories made as needed). The same tree on the two HTTPS ports.
 */
export async function startNginx(dir: string, www: string, user: string, password: string): Promise<Nginx> {
  const [port, tlsPort, otherNamePort] = [await freePort(), await freePort(), await freePort()];
  const hash = execFileSync('openssl', ['passwd', '-apr1', password], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'htpasswd'), `${user}:${hash}\n`);
  mkdirSync(join(dir, 'nginx-tmp'), { recursive: true });
  const locations = `
    root ${www};
    location /up/ { dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; }
    location /secure/ { auth_basic "provisioning"; auth_basic_user_file ${join(dir, 'htpasswd')};
                        dav_methods PUT; create_full_put_path on; }`;
  const conf = `
${isRoot ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} info;
events { worker_connections 64; }
http {
  log_format brief '$status $request_method $uri $remote_user';
  access_log ${join(dir, 'nginx-access.log')} brief;
  client_body_temp_path ${join(dir, 'nginx-tmp', 'body')};
  proxy_temp_path ${join(dir, 'nginx-tmp', 'proxy')};
  fastcgi_temp_path ${join(dir, 'nginx-tmp', 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'nginx-tmp', 'uwsgi')};
  scgi_temp_path ${join(dir, 'nginx-tmp', 'scgi')};
  client_max_body_size 32m;
  server { listen 127.0.0.1:${port}; ${locations} }
  server { listen 127.0.0.1:${tlsPort} ssl; ssl_certificate ${join(dir, 'server.pem')}; ssl_certificate_key ${join(dir, 'server.key')}; ${locations} }
  server { listen 127.0.0.1:${otherNamePort} ssl; ssl_certificate ${join(dir, 'other.pem')}; ssl_certificate_key ${join(dir, 'other.key')}; ${locations} }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  const r = await run(
    program('nginx'),
    ['-e', join(dir, 'nginx-error.log'), '-c', file],
    async () => (await listening(port)) && (await listening(otherNamePort)),
    'nginx',
  );
  return {
    port,
    tlsPort,
    otherNamePort,
    accessLog: () => readFileSync(join(dir, 'nginx-access.log'), 'utf8').split('\n').filter(Boolean),
    output: () => `${r.output()}${readFileSync(join(dir, 'nginx-error.log'), 'utf8')}`,
    stop: () => stopChild(r.child),
  };
}

/** lighttpd serving `www` with Digest auth: /md5/ (MD5) and /sha256/ (SHA-256), realm `provisioning`. */
export async function startLighttpd(dir: string, www: string, user: string, password: string): Promise<Server> {
  const port = await freePort();
  writeFileSync(join(dir, 'lighttpd-users'), `${user}:${password}\n`);
  const conf = `
server.document-root = "${www}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${join(dir, 'lighttpd-error.log')}"
server.modules = ( "mod_auth", "mod_authn_file" )
auth.backend = "plain"
auth.backend.plain.userfile = "${join(dir, 'lighttpd-users')}"
auth.require = (
  "/md5/" => ( "method" => "digest", "realm" => "provisioning", "require" => "valid-user", "algorithm" => "MD5" ),
  "/sha256/" => ( "method" => "digest", "realm" => "provisioning", "require" => "valid-user", "algorithm" => "SHA-256" ),
)
`;
  const file = join(dir, 'lighttpd.conf');
  writeFileSync(file, conf);
  const r = await run(program('lighttpd'), ['-D', '-f', file], () => listening(port), 'lighttpd');
  return { port, output: r.output, stop: () => stopChild(r.child) };
}

const PYFTPD = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
port, root, user, password = sys.argv[1:5]
auth = DummyAuthorizer()
auth.add_user(user, password, root, perm="elrw")
auth.add_anonymous(root, perm="elr")
FTPHandler.authorizer = auth
FTPHandler.banner = "pyftpdlib ready"
FTPHandler.auth_failed_timeout = 0.1
server = FTPServer(("127.0.0.1", int(port)), FTPHandler)
print("listening", flush=True)
server.serve_forever()
`;

/** pyftpdlib serving `root`: `user` with `password` may read and write, anonymous may read. */
export async function startFtp(dir: string, root: string, user: string, password: string): Promise<Server> {
  const port = await freePort();
  const script = join(dir, 'ftpd.py');
  writeFileSync(script, PYFTPD);
  const r = await run(PYTHON, [script, String(port), root, user, password], () => listening(port), 'pyftpdlib');
  return { port, output: r.output, stop: () => stopChild(r.child) };
}

/**
 * vsftpd serving `root` over explicit FTPS only (AUTH TLS, logins and data protected), with the run's server
 * certificate (dir/server.pem): anonymous may read, and write into `root`/up (made writable for vsftpd's user).
 */
export async function startFtps(dir: string, root: string): Promise<Server> {
  const port = await freePort();
  const empty = join(dir, 'vsftpd-empty');
  mkdirSync(empty, { recursive: true });
  // vsftpd's anonymous user reads the tree and writes into up/
  for (const d of [dir, root]) chmodSync(d, 0o755);
  chmodSync(join(root, 'up'), 0o777);
  const conf = [
    'listen=YES',
    'listen_ipv6=NO',
    'listen_address=127.0.0.1',
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=YES',
    'local_enable=NO',
    'write_enable=YES',
    'anon_upload_enable=YES',
    'anon_umask=022',
    `anon_root=${root}`,
    'no_anon_password=YES',
    `secure_chroot_dir=${empty}`,
    'seccomp_sandbox=NO',
    'ssl_enable=YES',
    'allow_anon_ssl=YES',
    'force_anon_logins_ssl=YES',
    'force_anon_data_ssl=YES',
    'require_ssl_reuse=NO',
    `rsa_cert_file=${join(dir, 'server.pem')}`,
    `rsa_private_key_file=${join(dir, 'server.key')}`,
    `vsftpd_log_file=${join(dir, 'vsftpd.log')}`,
    'xferlog_enable=YES',
  ].join('\n');
  const file = join(dir, 'vsftpd.conf');
  writeFileSync(file, `${conf}\n`);
  const r = await run(program('vsftpd'), [file], () => listening(port), 'vsftpd');
  return { port, output: r.output, stop: () => stopChild(r.child) };
}

/** tftpd-hpa serving `root` (--secure: names are from there), writable (--create). */
export async function startTftp(root: string): Promise<Server> {
  const port = await freePort();
  const args = ['--foreground', '--listen', '--address', `127.0.0.1:${port}`, '--secure', '--create', '--user', 'root', '--verbose', root];
  let started = false;
  const r = await run(
    program('in.tftpd'),
    args,
    async () => {
      // UDP: nothing to connect to; it has had a moment to bind once it has not exited
      if (started) return true;
      started = true;
      await new Promise((res) => setTimeout(res, 100));
      return false;
    },
    'in.tftpd',
  );
  return { port, output: r.output, stop: () => stopChild(r.child) };
}
