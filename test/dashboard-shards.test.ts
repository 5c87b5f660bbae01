/**
 * The dashboard of a fleet in shards, in real headless Chromium (Debian's chromium, driven by playwright-core): two
 * fleets in this process as two shards, the first told of the second (which demands a token) and of a third that
 * does not answer. The fleet page lists the phones of both with their shard, sums them all up and says which shard
 * does not answer; a phone of the second shard opens through the first's port and is driven from its page.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { ControlShard } from '@polysim/client';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { testFleet, waitFor } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs, which } from './peers.js';
import { ROOT } from './root.js';

const CHROMIUM = which('chromium') ?? 'chromium';
const TOKEN = 'peers-token-0123456789';

describe('the dashboard of a fleet in shards, in Chromium', { timeout: 120_000, skip: needs('chromium') }, () => {
  let a: Fleet;
  let b: Fleet;
  let controlA: ControlApp;
  let controlB: ControlApp;
  let urlA: string;
  let nameB: string;
  let dead: string;
  let browser: Browser;
  let page: Page;
  const listen = async (app: ControlApp): Promise<string> => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  };
  const text = (selector: string): Promise<string> => page.locator(selector).first().innerText();
  const waitText = (selector: string, pattern: RegExp): Promise<unknown> =>
    page.waitForFunction(
      `new RegExp(${JSON.stringify(pattern.source)}).test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`,
    );

  before(async () => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'ignore' });
    mkdirSync(`${ROOT}test-output`, { recursive: true });
    a = await testFleet({ count: 2, firstNumber: 1001, timing: { initMs: 0 } });
    b = await testFleet({ count: 2, firstNumber: 2001, model: 'Trio 8800', timing: { initMs: 0 } });
    controlB = await createControlApp(b, false, { token: TOKEN });
    const urlB = await listen(controlB);
    nameB = new URL(urlB).host;
    dead = `127.0.0.1:${await freePort()}`;
    controlA = await createControlApp(a, false, {}, {}, {}, { source: { urls: [urlB, `http://${dead}`] }, token: TOKEN });
    urlA = await listen(controlA);
    await waitFor(() => [...a.phones, ...b.phones].every((r) => r.phone.isReady), 10_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await controlA?.close();
    await controlB?.close();
    await a?.stop();
    await b?.stop();
  });

  it('GET /shards names this shard and its peers; a peer is reached through this port, others are not', async () => {
    const shards = (await (await fetch(`${urlA}/shards`)).json()) as ControlShard[];
    assert.deepEqual(
      shards.map((s) => [s.name, s.local]),
      [
        [new URL(urlA).host, true],
        [nameB, false],
        [dead, false],
      ],
    );
    // Through A, with the peers' token added: B's phones, and B's refusals as B gives them.
    const phones = await fetch(`${urlA}/shards/${nameB}/phones`);
    assert.equal(phones.status, 200);
    assert.deepEqual(
      ((await phones.json()) as { number: string }[]).map((p) => p.number),
      ['2001', '2002'],
    );
    assert.equal((await fetch(`${urlA}/shards/${nameB}/phones/9`)).status, 404);
    assert.equal((await fetch(`${urlA}/shards/${dead}/phones`)).status, 502);
    assert.equal((await fetch(`${urlA}/shards/127.0.0.1:1/phones`)).status, 404, 'not a peer: never reached');
    const crossSite = await fetch(`${urlA}/shards/${nameB}/phones`, { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
  });

  it('the fleet page lists the phones of every shard with their shard, sums them all up, and says which shard does not answer', async () => {
    await page.goto(`${urlA}/`);
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 4');
    const rows = await page
      .locator('[data-phone]')
      .evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-shard')} ${(e as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ')}`),
      );
    assert.equal(rows.length, 4);
    assert.match(rows[0] ?? '', new RegExp(`^${new URL(urlA).host} ${new URL(urlA).host} 1 VVX 450 .* 1001 `));
    assert.match(rows[2] ?? '', new RegExp(`^${nameB} ${nameB} 1 Trio 8800 .* 2001 `));
    assert.match(rows[3] ?? '', new RegExp(`^${nameB} ${nameB} 2 Trio 8800 .* 2002 `));
    assert.equal(await text('[data-testid="summary-phones"]'), '4');
    assert.equal(await text('[data-testid="summary-registered"]'), '4');
    await waitText('[data-testid="summary-shards"]', /^2 of 3$/);
    await waitText('[aria-label="shards not answering"]', new RegExp(`shard ${dead}: not answering`));
    // The filter matches a shard too.
    await page.getByLabel('filter phones by number, model, state or shard').fill(nameB);
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 2');
    await page.getByLabel('filter phones by number, model, state or shard').fill('');
    await page.screenshot({ path: `${ROOT}test-output/dashboard-shards.png` });
  });

  it("a phone of the other shard opens through this port and is driven from its page; the fleet page follows that shard's events", async () => {
    await page.goto(`${urlA}/`);
    await page.waitForSelector(`[data-shard="${nameB}"][data-phone="2"] a`);
    await page.locator(`[data-shard="${nameB}"][data-phone="2"] a`).click();
    await page.waitForURL((u) => u.pathname.endsWith('/phones/2'));
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/shards/${nameB}/phones/2`);
    await page.waitForSelector('[data-view]');
    assert.equal(await text('[data-testid="phone-shard"]'), ` of shard ${nameB}`);
    assert.match(await text('h2.title'), /Phone 2 of shard .*: Trio 8800 .* 2002/);
    await page.getByLabel('Number to dial').fill('2001');
    await page.getByRole('button', { name: 'Dial', exact: true }).click();
    await waitFor(() => b.phones[0]?.phone.calls.all()[0]?.stateLabel === 'Offering');
    // The request log of B's phone shows the dial, read through this port.
    await waitText('tr[data-request]', /\/api\/v1\/callctrl\/dial/);

    await page.goto(`${urlA}/`);
    await page.waitForFunction(
      `/Offering 2002/.test(document.querySelector('[data-shard="${nameB}"][data-phone="1"] .calls')?.textContent ?? '')`,
    );
    await waitText('[data-testid="summary-in-call"]', /^2$/);
  });

  it('a shard that stops answering leaves the fleet page (its phones no longer counted) and comes back with its phones', async () => {
    await page.goto(`${urlA}/`);
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 4');
    const port = Number(nameB.split(':')[1]);
    await controlB.close();
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 2');
    await waitText('[data-testid="summary-shards"]', /^1 of 3$/);
    await waitText('[aria-label="shards not answering"]', new RegExp(`shard ${nameB}: not answering`));
    controlB = await createControlApp(b, false, { token: TOKEN });
    await controlB.listen({ port, host: '127.0.0.1' });
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 4', undefined, { timeout: 15_000 });
    await waitText('[data-testid="summary-shards"]', /^2 of 3$/);
  });
});
