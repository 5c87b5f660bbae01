// Benchmark: a fleet of N phones (default 1000) with every listener (HTTP, HTTPS, SIP over UDP, TCP and TLS) in one
// child process, and the time from the fleet's start until every phone has answered GET device/info over HTTPS
// (a full TLS handshake with each phone, its own certificate, then the request). Aim: <= 3 s.
// Run by `npm run bench` (bench/all.mjs) and `npm run bench:fleet`; FLEET_SIZE changes the size, HTTPS_ROUNDS
// (default 3) the number of fleets started, one after the other (the median is printed).
import { connect, createSecureContext } from 'node:tls';
import { cpuSeconds, fleetServe } from './child.mjs';

const N = Number(process.env.FLEET_SIZE ?? 1000);
const ROUNDS = Number(process.env.HTTPS_ROUNDS ?? 3);
const PHONE_PORT = 12000; // HTTP; HTTPS, SIP (UDP and TCP) and SIP TLS follow at +N, +2N, +3N
const auth = `Basic ${Buffer.from('Polycom:Bench-123').toString('base64')}`;
const path = '/api/v2/mgmt/device/info';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One HTTPS request on a new connection (a full handshake), written and read on the TLS socket itself: node's
 * https client and agent, and a parsed copy of the certificate with its three fingerprints, cost this client more
 * CPU than the phone spends answering, on the two cores it shares with the fleet. One client TLS context serves every
 * connection (node's client otherwise makes one per connection). The phone's certificate is self-signed. It offers
 * X25519 alone, the group a phone agrees (src/tls-groups.ts): on node 24 it would also make a post-quantum key share
 * for every connection that the phone then declines.
 */
const clientContext = createSecureContext({ ecdhCurve: 'X25519' });
const requestBytes = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`;
function get(port) {
  return new Promise((resolve, reject) => {
    let answer = '';
    const s = connect({ host: '127.0.0.1', port, secureContext: clientContext, rejectUnauthorized: false }, () => s.end(requestBytes));
    s.setEncoding('latin1');
    s.on('data', (d) => (answer += d));
    s.on('error', reject);
    // a connection closed before its answer ended (no 'end') would otherwise leave this waiting for ever
    s.on('close', () =>
      reject(
        Object.assign(new Error(`phone on port ${port} closed the connection after ${JSON.stringify(answer.slice(0, 80))}`), { port }),
      ),
    );
    s.on('end', () => {
      const status = Number(answer.slice(9, 12));
      resolve({ status, subject: s.getPeerX509Certificate()?.subject });
    });
  });
}

/** Every phone once over HTTPS, `parallel` at a time; a phone not listening yet is asked again 20 ms later. */
async function everyPhone(basePort, parallel = 32) {
  const subjects = new Set();
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < N) {
        const i = next++;
        for (;;) {
          try {
            const r = await get(basePort + i);
            if (r.status !== 200) throw new Error(`phone ${i + 1} answered ${r.status} over HTTPS`);
            subjects.add(r.subject);
            break;
          } catch (err) {
            if (err.code !== 'ECONNREFUSED' && err.code !== 'ECONNRESET') throw err;
            refused++;
            await sleep(20);
          }
        }
      }
    }),
  );
  return { at: now(), subjects: subjects.size, refused };
}

export async function fleetHttpsStart() {
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const spawned = now();
    const fleet = fleetServe(['phones', String(N), String(PHONE_PORT)]);
    const listening = await fleet.until('listening');
    const cpuAtListening = cpuSeconds(fleet.p.pid);
    const client = process.cpuUsage();
    const done = await everyPhone(PHONE_PORT + N);
    const clientUsage = process.cpuUsage(client);
    const cpu = cpuSeconds(fleet.p.pid);
    fleet.p.kill('SIGTERM');
    await fleet.exited;
    runs.push({
      fromStart: (done.at - listening.startedAt) / 1000,
      fromSpawn: (done.at - spawned) / 1000,
      listening: listening.listening / 1000,
      subjects: done.subjects,
      refused: done.refused,
      httpsCpu: cpu - cpuAtListening,
      clientCpu: (clientUsage.user + clientUsage.system) / 1e6,
    });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    fromStart: median(runs.map((r) => r.fromStart)),
    fromSpawn: median(runs.map((r) => r.fromSpawn)),
    listening: median(runs.map((r) => r.listening)),
    httpsCpu: median(runs.map((r) => r.httpsCpu)),
    clientCpu: median(runs.map((r) => r.clientCpu)),
    subjects: Math.min(...runs.map((r) => r.subjects)),
    runs,
  };
}

export function printFleetHttps(r) {
  console.log(
    `fleet of ${N} VVX 450 phones, every listener; ${r.runs.length} start(s), median; node ${process.version}, OpenSSL ${process.versions.openssl}`,
  );
  console.log(
    `every phone answered HTTPS (new connection, full handshake, device/info 200): ${r.fromStart.toFixed(2)} s after the fleet's start ` +
      `(aim <= 3 s); ${r.fromSpawn.toFixed(2)} s after spawning the process`,
  );
  console.log(
    `  every listener of every phone open after ${r.listening.toFixed(2)} s (a phone's TLS server is made on its first connection, ` +
      `its certificate ahead on a worker thread); ` +
      `${r.subjects} distinct certificate subjects presented`,
  );
  console.log(
    `  CPU from listening to the last HTTPS answer: the fleet's ${r.httpsCpu.toFixed(2)} s, this client's ${r.clientCpu.toFixed(2)} s; ` +
      `each start: ${r.runs.map((x) => x.fromStart.toFixed(2)).join(', ')} s`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printFleetHttps(await fleetHttpsStart());
