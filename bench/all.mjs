// `npm run bench` (after the build): the project's two speed aims in one run, each against its baseline.
// 1. The request path: one phone's GET device/info against bare node:http answering the same bytes, measured with
//    wrk in the same run (bench/device-info.mjs; aim >= 0.90x node:http).
// 2. A fleet of 1,000 phones with HTTPS: the time from the fleet's start until every phone has answered over HTTPS
//    (bench/fleet-https.mjs; aim <= 3 s). The time until HTTP listens on every phone is printed beside it.
// Each runs as its own process, one after the other, so that neither measures the other's load.
import { spawnSync } from 'node:child_process';

// The runtime, first: a phone's TLS context costs about three times as much CPU under node 20's OpenSSL 3.0 as under
// node 24's 3.5 (docs/benchmarks.md, "Node.js 20, 24 and 26").
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}`);

for (const script of ['device-info.mjs', 'fleet-https.mjs']) {
  console.log(`\n== bench/${script}`);
  const run = spawnSync(process.execPath, [new URL(script, import.meta.url).pathname], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
