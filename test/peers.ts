/**
 * The programs nobody here wrote that the tests drive (their peers), and one way for every test file to say one is
 * missing: `needs('sipp', ...)` is the `skip` option of a describe or it; a test among others that need nothing starts
 * with `if (lacks(t, 'curl')) return;` instead (so its title stays on its line: the docs name tests by it).
 *
 * - With every peer there: nothing happens, the tests run.
 * - With one missing: one line naming it and its Debian package ("sipp is not installed (Debian: apt-get install
 *   sip-tester)"), so node:test reports the suite or test as skipped with that reason, and the program is never
 *   started (no `spawn sipp ENOENT`, no cancelled tests). `npm run setup` (Debian, root) installs them all.
 * - Under CI (CI=true, as .ci/run runs): never a skip. The tests run and fail without their peer: needs() adds a
 *   failing test named after the missing peer beside them, lacks() fails its test with the line. CI loses nothing
 *   silently.
 *
 * Call needs() where the tests are declared (in a describe's or it's options), not inside a running test.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { it } from 'node:test';
import type { TestContext } from 'node:test';

/** The base image test/container.test.ts builds on (scripts/container-base.sh makes it). */
export const CONTAINER_BASE = 'localhost/polysim-node-base:26';
/** Kamailio's image for the Kubernetes manifests (npm run setup builds deploy/kamailio.Containerfile). */
export const KAMAILIO_IMAGE = 'localhost/polysim-kamailio:5.6';

/** Debian's db_text tables for Kamailio (its presence modules keep their state in a copy). */
export const KAMAILIO_DBTEXT = '/usr/share/kamailio/dbtext/kamailio';

/**
 * Where a program is: on PATH, else in the sbin directories Debian installs servers in (kamailio, nginx, dnsmasq),
 * which a user other than root does not have on PATH. The helpers start peers by this path.
 */
export function which(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `which(name)`, or an error with the line needs() gives (for a helper started without needs() in front of it). */
export function program(name: string): string {
  const file = which(name);
  if (!file) throw new Error(PEERS[name as Peer]?.line ?? `${name} is not installed`);
  return file;
}

/** Whether `python -c <code>` succeeds. */
function runs(python: string, code: string): boolean {
  try {
    execFileSync(python, ['-c', code], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The Python with `requests`: POLYSIM_PYTHON, else python3 on PATH, else Debian's; undefined when none has it. */
export function pythonWithRequests(): string | undefined {
  return [process.env['POLYSIM_PYTHON'], 'python3', '/usr/bin/python3'].find((p): p is string => !!p && runs(p, 'import requests'));
}

/** Whether a Kamailio module is installed (Debian's multiarch directory, or the plain one). */
function kamailioModule(name: string): boolean {
  let arches: string[] = [];
  try {
    arches = readdirSync('/usr/lib');
  } catch {
    return false;
  }
  return ['', ...arches].some((arch) => existsSync(join('/usr/lib', arch, 'kamailio/modules', `${name}.so`)));
}

const installed = (what: string, debian: string): string => `${what} is not installed (Debian: apt-get install ${debian})`;
const onPath = (name: string, debian = name): { found: () => boolean; line: string } => ({
  found: () => which(name) !== undefined,
  line: installed(name, debian),
});

/** Every peer: how to tell it is there, and the line that says it is not. */
const PEERS = {
  curl: onPath('curl'),
  openssl: onPath('openssl'),
  sipp: onPath('sipp', 'sip-tester'),
  sipsak: onPath('sipsak'),
  baresip: onPath('baresip'),
  linphonec: onPath('linphonec', 'linphone-cli'),
  ffmpeg: onPath('ffmpeg'),
  kamailio: onPath('kamailio'),
  'kamailio-tls': {
    found: () => kamailioModule('tls'),
    line: installed("Kamailio's TLS module", 'kamailio-tls-modules'),
  },
  'kamailio-presence': {
    found: () => kamailioModule('presence_dialoginfo') && existsSync(KAMAILIO_DBTEXT),
    line: installed("Kamailio's presence modules", 'kamailio-presence-modules'),
  },
  dnsmasq: onPath('dnsmasq', 'dnsmasq-base'),
  ip: onPath('ip', 'iproute2'),
  nginx: onPath('nginx'),
  lighttpd: onPath('lighttpd'),
  vsftpd: onPath('vsftpd'),
  'in.tftpd': onPath('in.tftpd', 'tftpd-hpa'),
  chromium: onPath('chromium'),
  podman: onPath('podman'),
  // Prometheus scrapes the control API's /metrics, and its promtool lints them (test/metrics.test.ts).
  prometheus: onPath('prometheus'),
  promtool: onPath('promtool', 'prometheus'),
  'python3-requests': {
    found: () => pythonWithRequests() !== undefined,
    line: installed("Python's requests", 'python3 python3-requests'),
  },
  // Debian's python3-pyftpdlib is a module of Debian's Python (test/file-servers.ts runs it with /usr/bin/python3).
  pyftpdlib: {
    found: () => runs('/usr/bin/python3', 'import pyftpdlib'),
    line: installed('pyftpdlib', 'python3-pyftpdlib'),
  },
  'container-base': {
    found: () => {
      const podman = which('podman');
      try {
        if (podman) execFileSync(podman, ['image', 'exists', CONTAINER_BASE], { stdio: 'ignore', timeout: 30_000 });
        return podman !== undefined;
      } catch {
        return false;
      }
    },
    line: `the container test's base image ${CONTAINER_BASE} is not built (Debian, as root: npm run setup)`,
  },
  // podman kube play's pods: a network with names (netavark, aardvark-dns), a pause process, Kamailio's image
  'kube-play': {
    found: () => {
      const podman = which('podman');
      if (!podman || !existsSync('/usr/lib/podman/netavark') || !existsSync('/usr/lib/podman/aardvark-dns')) return false;
      if (which('catatonit') === undefined && !existsSync('/usr/libexec/podman/catatonit')) return false;
      try {
        execFileSync(podman, ['image', 'exists', KAMAILIO_IMAGE], { stdio: 'ignore', timeout: 30_000 });
        return true;
      } catch {
        return false;
      }
    },
    line: `podman kube play needs netavark, aardvark-dns, catatonit and the image ${KAMAILIO_IMAGE} (Debian, as root: npm run setup)`,
  },
  root: {
    found: () => process.getuid?.() === 0,
    line: 'these tests need root (network namespaces; tftpd-hpa and vsftpd): run them as root',
  },
} satisfies Record<string, { found: () => boolean; line: string }>;

export type Peer = keyof typeof PEERS;

const seen = new Map<Peer, boolean>();
const failing = new Set<string>();

/** Why the tests cannot run here (the missing peers' lines, joined), or undefined when every peer is there. */
export function missing(...peers: Peer[]): string | undefined {
  const gone = peers.filter((p) => {
    if (!seen.has(p)) seen.set(p, PEERS[p].found());
    return !seen.get(p);
  });
  return gone.length > 0 ? gone.map((p) => PEERS[p].line).join('; ') : undefined;
}

/** The `skip` option for tests that drive these peers: false when all are there (or under CI), else the reason. */
export function needs(...peers: Peer[]): string | false {
  const reason = missing(...peers);
  if (!reason) return false;
  if (process.env['CI'] !== 'true') return reason;
  // CI installs every peer (.ci/run): one missing is a failure, named, beside the tests that then fail without it.
  if (!failing.has(reason)) {
    failing.add(reason);
    it(`a peer is missing (CI=true): ${reason}`, () => {
      throw new Error(reason);
    });
  }
  return false;
}

/**
 * For one test among others that do not need the peer (its suite's options cannot say it): at the start of the test,
 * `if (lacks(t, 'curl')) return;` skips it with the same line as needs(). Under CI it throws that line: the test fails.
 */
export function lacks(t: TestContext, ...peers: Peer[]): boolean {
  const reason = missing(...peers);
  if (!reason) return false;
  if (process.env['CI'] === 'true') throw new Error(`a peer is missing (CI=true): ${reason}`);
  t.skip(reason);
  return true;
}
