// The dashboard with a fleet of 1,000 phones in Debian's Chromium: how long until the fleet page shows them all,
// and how much of the page's main thread the updates take while the fleet is busy (calls being placed and answered
// all over it). Prints figures; no thresholds. `npm run bench:dashboard` (needs /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const COUNT = Number(process.env.PHONES ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONTROL = 'http://127.0.0.1:8799';
const PASSWORD = 'Bench-123';
const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };

const fleet = spawn(
  process.execPath,
  [
    'bin/polysim.js',
    'fleet',
    '--count',
    String(COUNT),
    '--http-port',
    '0',
    '--https-port',
    '0',
    '--sip-port',
    '0',
    '--sip-tls-port',
    '0',
    '--control-port',
    '8799',
    '--admin-password',
    PASSWORD,
    '--init-ms',
    '0',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
fleet.stdout.on('data', (c) => {
  out += c.toString();
});
while (!out.includes('dashboard')) await new Promise((r) => setTimeout(r, 100));
const phones = await (await fetch(`${CONTROL}/phones`)).json();

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0;

let t = performance.now();
await page.goto(`${CONTROL}/`);
await page.waitForFunction(`document.body.innerText.includes('${COUNT} of ${COUNT} phones')`, undefined, { timeout: 60_000 });
const firstFull = performance.now() - t;
const rowsDrawn = await page.locator('[data-phone]').count();

// A busy fleet: phone 2k dials phone 2k+1, which answers; then both hang up; over and over, for SECONDS.
const busyUntil = Date.now() + SECONDS * 1000;
let requests = 0;
const worker = async (k) => {
  const a = phones[2 * k];
  const b = phones[2 * k + 1];
  while (Date.now() < busyUntil) {
    await fetch(`${a.httpUrl}/api/v1/callctrl/dial`, { method: 'POST', headers: AUTH, body: JSON.stringify({ data: { Dest: b.number } }) });
    await fetch(`${b.httpUrl}/api/v1/callctrl/answerCall`, { method: 'POST', headers: AUTH, body: '{}' });
    const calls = await (await fetch(`${a.httpUrl}/api/v2/webCallControl/callStatus`, { headers: AUTH })).json();
    for (const c of calls.data ?? [])
      await fetch(`${a.httpUrl}/api/v1/callctrl/endCall`, {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify({ data: { Ref: c.CallHandle } }),
      });
    requests += 3 + (calls.data?.length ?? 0);
  }
};
const task0 = await metric('TaskDuration');
const script0 = await metric('ScriptDuration');
t = performance.now();
await Promise.all(Array.from({ length: Math.min(50, Math.floor(COUNT / 2)) }, (_, k) => worker(k)));
const elapsed = (performance.now() - t) / 1000;
const task = (await metric('TaskDuration')) - task0;
const script = (await metric('ScriptDuration')) - script0;

console.log(`phones: ${COUNT}; fleet page showed all of them after ${Math.round(firstFull)} ms, drawing ${rowsDrawn} rows`);
console.log(
  `busy fleet: ${requests} REST requests in ${elapsed.toFixed(1)} s (${Math.round(requests / elapsed)}/s, each a request event, calls, LEDs, screens)`,
);
console.log(
  `page main thread: ${((task / elapsed) * 100).toFixed(1)}% busy (${((task / elapsed) * 1000).toFixed(0)} ms of tasks per second), script ${((script / elapsed) * 1000).toFixed(0)} ms per second`,
);
await browser.close();
fleet.kill('SIGTERM');
