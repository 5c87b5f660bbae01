/**
 * The dashboard in real headless Chromium (Debian's chromium, driven by playwright-core): one browser and one fleet
 * with a phone of each family (VVX 450, Edge E450, Trio 8800, CCX 600), and a second control port with a token on the
 * same fleet. The fleet page, each model's page drawn as it is, calls placed and acted on from the page with live
 * durations, the control API's powers (faults, latency, registration loss, far ends and their scripts, incoming
 * callers), the history read from the journal, and the API explorer. Screenshots go to test-output/, or with
 * POLYSIM_SCREENSHOTS=1 to docs/images/ (the pictures of docs/dashboard.md).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { ControlFarEnd, ControlFault, ControlJournalEntry, ControlPhone, ControlScripts } from '@polysim/client';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import { ControlLogin } from '../src/control/login.js';
import { resolveProfile } from '../src/phone/models.js';
import type { AddressInfo } from 'node:net';
import type { Fleet } from '../src/runtime/fleet.js';
import { listenControl, PASSWORD, recordingServer, testFleet, waitFor } from './helpers.js';
import { lacks, needs, which } from './peers.js';
import { ROOT } from './root.js';

const exec = promisify(execFile);

/** Where screenshots go: docs/images/ when asked to refresh the docs' pictures, else test-output/ (ignored by git). */
const SHOTS = process.env['POLYSIM_SCREENSHOTS'] === '1' ? `${ROOT}docs/images` : `${ROOT}test-output`;
/** Debian's chromium (playwright-core downloads no browser). */
const CHROMIUM = which('chromium') ?? 'chromium';
const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** The fleet: one phone of each family. Edge E and CCX on PVOS with Digest, VVX and Trio on UCS with Basic. */
const MODELS = [
  { model: 'VVX 450', family: 'VVX', shot: 'vvx', touch: false },
  { model: 'Edge E450', family: 'EdgeE', shot: 'edge-e', touch: false },
  { model: 'Trio 8800', family: 'Trio8x00', shot: 'trio', touch: true },
  { model: 'CCX 600', firmware: '9.5.0', family: 'CCX', shot: 'ccx', touch: true },
] as const;
/** A far end that rings until the page answers for it (PUT /scripts, no-answer). */
const RINGING = (i: number): string => `555010${i}`;

describe('the dashboard in Chromium', { timeout: 240_000, skip: needs('chromium') }, () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  let browser: Browser;
  let page: Page;
  const url = (i: number): string => fleet.phones[i - 1]?.httpUrl as string;
  /** The phone as the control API describes it (GET /phones/{i}). */
  const phone = async (i: number): Promise<ControlPhone> => (await (await fetch(`${ctl}/phones/${i}`)).json()) as ControlPhone;
  const callStates = async (i: number): Promise<string[]> => (await phone(i)).calls.map((c) => c.state);
  const waitStates = async (i: number, states: string): Promise<void> => waitFor(async () => (await callStates(i)).join() === states);
  const put = (path: string, body: unknown): Promise<Response> =>
    fetch(`${ctl}${path}`, { method: 'PUT', headers: JSON_TYPE, body: JSON.stringify(body) });
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${ctl}${path}`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) });
  const farEnds = async (): Promise<ControlFarEnd[]> => (await (await fetch(`${ctl}/far-ends`)).json()) as ControlFarEnd[];
  /** Text of the first element matching a selector, in the page. */
  const text = (selector: string): Promise<string> => page.locator(selector).first().innerText();
  /** Waits for the first element matching a selector to have text matching a pattern. */
  const waitText = (selector: string, pattern: RegExp): Promise<unknown> =>
    page.waitForFunction(
      `new RegExp(${JSON.stringify(pattern.source)}).test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`,
    );
  const openPhone = async (i: number): Promise<void> => {
    await page.goto(`${ctl}/phones/${i}`);
    await page.waitForSelector('[data-view]');
  };

  before(async () => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'ignore' });
    mkdirSync(SHOTS, { recursive: true });
    fleet = await testFleet({
      count: MODELS.length,
      firstNumber: 1001,
      timing: { initMs: 0 },
      members: MODELS.map((m) => ({ model: m.model, ...('firmware' in m ? { firmware: m.firmware } : {}) })),
      // A short outbound queue: a receiver that never answers makes a drop after three events, not 65.
      posts: { max: 2 },
    });
    ({ control, url: ctl } = await listenControl(fleet));
    for (let i = 1; i <= MODELS.length; i++) assert.equal((await put(`/scripts/${RINGING(i)}`, { behaviour: 'no-answer' })).status, 200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await control?.close();
    await fleet?.stop();
  });

  it('opens with history: the fleet page shows each last request and the phone page the journal, before any event', async () => {
    const info = await fetch(`${url(1)}/api/v2/mgmt/device/info`, { headers: AUTH });
    assert.equal(info.status, 200);
    // A Digest phone, through the control port's signing proxy: its first contact meets a 401, then 200.
    assert.equal((await fetch(`${ctl}/phones/4/api/v1/mgmt/network/info`)).status, 200);
    await page.goto(`${ctl}/`);
    await page.waitForSelector('[data-phone="4"]');
    assert.match(await text('[data-phone="1"] .lastreq'), /^GET 2000 \/api\/v2\/mgmt\/device\/info$/);
    assert.match(await text('[data-phone="4"] .lastreq'), /^GET 2000 \/api\/v1\/mgmt\/network\/info$/);
    assert.equal(await text('[data-phone="2"] .lastreq'), '');

    await openPhone(4);
    const row = page.locator('tr[data-request]', { hasText: '/api/v1/mgmt/network/info' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /GET[\s\S]*200[\s\S]*2000/);
    await row.getByRole('button').click();
    assert.match(await text('tr[data-request-detail] pre'), /from the journal/);
    // New requests join the history, newest first.
    assert.equal((await fetch(`${url(1)}/api/v2/mgmt/device/info`, { headers: AUTH })).status, 200);
    assert.equal((await fetch(`${ctl}/phones/4/api/v2/mgmt/device/info`)).status, 200);
    await waitText('tr[data-request]', /\/api\/v2\/mgmt\/device\/info/);
  });

  it('the fleet page sums the fleet up, and a REST dial shows the callee ringing within a second', async () => {
    await page.goto(`${ctl}/`);
    await page.waitForSelector('[data-phone="4"]');
    assert.equal(await page.locator('[data-phone]').count(), 4);
    const summary = async (): Promise<string[]> =>
      Promise.all(['phones', 'ready', 'registered', 'in-call', 'errors'].map((k) => page.getByTestId(`summary-${k}`).innerText()));
    assert.deepEqual(await summary(), ['4', '4', '4', '0', '0']);
    assert.match(await page.locator('[data-phone="2"]').innerText(), /Edge E450[\s\S]*1002[\s\S]*Registered[\s\S]*ready[\s\S]*idle/);

    const dial = await fetch(`${url(1)}/api/v1/callctrl/dial`, { method: 'POST', headers: AUTH, body: '{"data":{"Dest":"1002"}}' });
    assert.equal(dial.status, 200);
    await page.waitForFunction('/Offering 1001/.test(document.querySelector(\'[data-phone="2"] .calls\')?.textContent ?? "")', undefined, {
      timeout: 1000,
    });
    await waitText('[data-testid="summary-in-call"]', /^2$/);
    await page.getByLabel('filter phones by number, model or state').fill('1003');
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 1');
    await page.getByLabel('filter phones by number, model or state').fill('');
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 4');
    await page.screenshot({ path: `${SHOTS}/dashboard-fleet.png` });
  });

  it('the phone page answers with a click, a softkey changes the drawn screen, and the request log shows both', async () => {
    await openPhone(2);
    await page.waitForSelector('[data-view="IncomingCall"]');
    // The Answer button of the call (the screen's Answer softkey would do too: it is tried below with Hold).
    await page.locator('tr[data-call] button', { hasText: 'Answer' }).click();
    await waitStates(1, 'Connected');
    await waitStates(2, 'Connected');
    await page.waitForSelector('[data-view="ActiveCall"]');
    assert.equal(await page.locator('[data-softkey="1"]').innerText(), 'Hold');

    await page.locator('[data-softkey="1"]').click();
    await page.waitForSelector('[data-view="HeldCall"]');
    assert.deepEqual(await callStates(2), ['Hold']);
    assert.equal(await page.locator('[data-softkey="1"]').innerText(), 'Resume');

    await page.locator('tr[data-request]', { hasText: '/api/v1/mgmt/simulateKeyEvent' }).first().waitFor();
    // The click's request, as the phone's journal has it (signed by the control port; its first contact met a 401).
    const answer = page.locator('tr[data-request]', { hasText: /\/api\/v1\/callctrl\/answerCall[\s\S]*2000/ });
    assert.match(await answer.innerText(), /POST[\s\S]*digest[\s\S]*200[\s\S]*2000/);
    assert.ok((await page.locator('tr[data-request].bad').count()) <= 1, 'a 401 only at first contact; then the forwarder signs at once');
    // A request's details: its headers (credentials redacted) and the bodies.
    await answer.getByRole('button').click();
    const detail = await text('tr[data-request-detail] pre');
    assert.match(detail, /authorization: Digest \*{8}/);
    assert.match(detail, /"Ref":"[0-9a-f]+"/);
    assert.match(detail, /answer: \{"Status":"2000"\}/);

    // Blind transfer of the held call to a number outside the fleet: phone 2 is free, phone 1 talks to the far end.
    await page.getByLabel('transfer destination').fill('5550123');
    await page.locator('tr[data-call] button', { hasText: 'Transfer' }).click();
    await page.waitForSelector('[data-view="Idle"]');
    await waitStates(2, '');
    const far = (await farEnds()).find((f) => f.number === '5550123' && f.state !== 'ended');
    assert.ok(far, 'the transfer target is a far end');
    assert.equal((await post(`/far-ends/${far.id}/hangup`, {})).status, 200);
    await waitStates(1, '');
  });

  for (const [k, m] of MODELS.entries()) {
    const i = k + 1;
    it(`${m.model}: drawn as it is (${m.touch ? 'a dial form and call buttons' : 'its keys'}, its line label); a call placed, live and acted on from the page`, async () => {
      assert.equal((await put(`/phones/${i}/config/web`, { 'reg.1.label': `Desk ${i}` })).status, 200);
      await openPhone(i);
      const device = page.locator('.device');
      assert.equal(await device.getAttribute('data-family'), m.family);
      assert.equal(await device.getAttribute('data-touch'), String(m.touch));
      await waitText('[data-testid="line-label-1"]', new RegExp(`^Desk ${i}$`));
      // Only keys of the model's key set are drawn.
      const keys = new Set(resolveProfile(m.model, 'firmware' in m ? m.firmware : undefined).keys);
      const drawn = await page.locator('[data-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key') ?? ''));
      assert.ok(drawn.length > 0);
      assert.deepEqual(
        drawn.filter((d) => !keys.has(d)),
        [],
      );
      const number = RINGING(i);
      if (m.touch) {
        assert.equal(await page.locator('[data-key^="Dialpad"], [data-softkey]').count(), 0);
        await page.getByLabel('Number to dial').fill(number);
        await page.getByRole('button', { name: 'Dial', exact: true }).click();
      } else {
        assert.equal(await page.getByLabel('Number to dial').count(), 0);
        for (const [n, d] of [...number].entries()) {
          await page.getByRole('button', { name: `key ${d}`, exact: true }).click();
          await waitText('[data-testid="dial-buffer"]', new RegExp(`^${number.slice(0, n + 1)}$`));
        }
        await page.locator('[data-softkey]', { hasText: /^Dial$/ }).click();
      }
      // It rings at the far end, which answers from the page.
      await waitText('[data-screen-call]', /RingBack/);
      await waitStates(i, 'RingBack');
      await page.locator('[data-farend][data-state="ringing"]').getByRole('button', { name: 'far end: answer' }).click();
      await waitStates(i, 'Connected');
      await waitText('tr[data-call] [data-testid="duration"]', /^0:\d\d$/);
      // The duration follows the phone clock: a minute later by it, a minute more, also for a page opened then.
      assert.equal((await post('/clock/advance', { ms: 60_000 })).status, 200);
      await waitText('tr[data-call] [data-testid="duration"]', /^1:\d\d$/);
      await openPhone(i);
      await waitText('tr[data-call] [data-testid="duration"]', /^1:\d\d$/);
      await waitText('[data-testid="screen-duration"]', /^1:\d\d$/);
      await page.screenshot({ path: `${SHOTS}/dashboard-${m.shot}.png` });

      const press = async (label: string): Promise<void> =>
        m.touch
          ? page.locator('[data-screen-call] button', { hasText: new RegExp(`^${label}$`) }).click()
          : page.locator('[data-softkey]', { hasText: new RegExp(`^${label}$`) }).click();
      await press('Hold');
      await waitStates(i, 'Hold');
      await press('Resume');
      await waitStates(i, 'Connected');
      await press(m.touch ? 'End' : 'End Call');
      await waitStates(i, '');
      await page.waitForSelector('[data-view="Idle"]');
      // The page never sent the phone a key it refuses.
      const journal = (await (await fetch(`${ctl}/phones/${i}/journal?limit=200`)).json()) as ControlJournalEntry[];
      assert.deepEqual(
        journal.filter((e) => e.status === '4000').map((e) => e.url),
        [],
      );
    });
  }

  it('faults, latency and registration loss from the page change the phone', async () => {
    await openPhone(4);
    await page.getByLabel('fault count').fill('1');
    await page.getByLabel('fault path').fill('/api/v1/callctrl/dial');
    await page.getByLabel('fault status').selectOption('4002');
    await page.getByRole('button', { name: 'Add fault' }).click();
    await page.locator('[data-fault="4002"]').waitFor();
    const faults = (await (await fetch(`${ctl}/phones/4/faults`)).json()) as ControlFault[];
    assert.deepEqual(faults, [{ status: '4002', path: '/api/v1/callctrl/dial', remaining: 1 }]);
    // The next dial meets it: Status 4002, no call; the fault is used up.
    await page.getByLabel('Number to dial').fill('5550109');
    await page.getByRole('button', { name: 'Dial', exact: true }).click();
    await waitText('[data-testid="device-last"]', /callctrl\/dial: HTTP \d+ .*"Status":"4002"/);
    assert.deepEqual(await callStates(4), []);
    await waitText('[data-testid="faults"]', /No fault waiting/);
    assert.deepEqual(await (await fetch(`${ctl}/phones/4/faults`)).json(), []);

    await page.getByLabel('latency in ms').fill('25');
    await page.getByRole('button', { name: 'Set latency' }).click();
    await waitText('[data-testid="latency"]', /now 25 ms/);
    assert.equal((await phone(4)).latencyMs, 25);
    await page.getByLabel('latency in ms').fill('0');
    await page.getByRole('button', { name: 'Set latency' }).click();
    await waitText('[data-testid="latency"]', /now 0 ms/);

    await page.locator('[data-line-registration="1"]').getByRole('button', { name: 'Lose registration' }).click();
    await waitText('[data-line-registration="1"]', /unregistered/);
    assert.equal(fleet.phones[3]?.phone.lines.get(1).registered, false);
    assert.deepEqual(await (await fetch(`${ctl}/ready`)).json(), { ready: true, phones: 4, notReady: 0, registered: 3 });
    await page.locator('[data-line-registration="1"]').getByRole('button', { name: 'Register again' }).click();
    await waitText('[data-line-registration="1"]', /^line 1 \(Desk 4\)\s*registered/);
    assert.equal(fleet.phones[3]?.phone.lines.get(1).registered, true);
  });

  it('an incoming-call scenario from the page: two callers ring the Trio, one is answered on its screen, the far ends hang up', async () => {
    await openPhone(3);
    await page.getByLabel('caller number').fill('+15550100');
    await page.getByLabel('how many callers').fill('2');
    await page.getByRole('button', { name: 'Call this phone' }).click();
    await waitStates(3, 'Offering,Offering');
    assert.deepEqual(
      (await phone(3)).calls.map((c) => c.remoteNumber),
      ['+15550100', '+15550101'],
    );
    await page.waitForFunction('document.querySelectorAll("[data-screen-call]").length === 2');
    await page.locator('[data-screen-call]', { hasText: 'Customer 1' }).getByRole('button', { name: 'Answer' }).click();
    await waitFor(async () => (await callStates(3)).sort().join() === 'Connected,Offering');
    for (const state of ['connected', 'ringing']) {
      await page.locator(`[data-farend][data-state="${state}"]`).getByRole('button', { name: 'far end: hangup' }).click();
      await page.locator(`[data-farend][data-state="${state}"]`).waitFor({ state: 'detached' });
    }
    await waitStates(3, '');
  });

  it('far-end scripts are set and removed from the page', async () => {
    await openPhone(1);
    await page.getByLabel('script number').fill('5550199');
    await page.getByLabel('script behaviour').selectOption('busy');
    await page.getByLabel('far end name').fill('Busy Line');
    await page.getByRole('button', { name: 'Set script' }).click();
    await page.locator('tr[data-script="5550199"]').waitFor();
    const scripts = (await (await fetch(`${ctl}/scripts`)).json()) as ControlScripts;
    assert.deepEqual(scripts.numbers['5550199'], { behaviour: 'busy', name: 'Busy Line' });
    await page.getByRole('button', { name: 'remove the script for 5550199' }).click();
    await page.locator('tr[data-script="5550199"]').waitFor({ state: 'detached' });
    assert.equal(((await (await fetch(`${ctl}/scripts`)).json()) as ControlScripts).numbers['5550199'], undefined);
  });

  it('an incoming call from the form rings the phone; the far end hangs up from the page; all by keyboard too', async () => {
    await openPhone(1);
    await page.waitForSelector('[data-view="Idle"]');
    // Keyboard only: Enter in the form's field submits it.
    await page.getByLabel('caller number').fill('+15551234');
    await page.getByLabel('how many callers').fill('1');
    await page.getByLabel('caller number').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-view="IncomingCall"]');
    // Tab to the first softkey (Answer) from the line key before it, and press it with the space bar.
    await page.getByRole('button', { name: 'line key 1' }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Answer');
    await page.keyboard.press('Space');
    await page.waitForSelector('[data-view="ActiveCall"]');
    assert.equal(await page.getByTestId('hook').innerText(), 'on hook');
    await page.locator('[data-farend][data-state="connected"]').getByRole('button', { name: 'far end: hangup' }).click();
    await page.waitForSelector('[data-view="Idle"]');
    assert.deepEqual(await callStates(1), []);
    await page.getByRole('button', { name: 'Off hook' }).click();
    await page.waitForFunction('document.querySelector(\'[data-testid="hook"]\')?.textContent === "off hook"');
    await page.getByRole('button', { name: 'On hook' }).click();
    await page.waitForSelector('[data-view="Idle"]');
  });

  it('a provisioning run that fails shows on the phone page, with why', async () => {
    await openPhone(1);
    assert.match(await page.getByTestId('provisioning').innerText(), /No run since this page opened/);
    const set = await put('/phones/1/config/web', {
      'device.prov.serverName': 'http://127.0.0.1:9/prov',
      'prov.autoConfigUpload.enabled': '0',
    });
    assert.equal(set.status, 200);
    const res = await fetch(`${url(1)}/api/v1/mgmt/updateConfiguration`, { method: 'POST', headers: AUTH });
    assert.equal(res.status, 500);
    await page.waitForSelector('[data-testid="provisioning"][data-ok="false"]');
    assert.match(await page.getByTestId('provisioning').innerText(), /request run at \S+: failed: .*127\.0\.0\.1:9/);
  });

  it('the configuration browser sets a value at LOCAL; the UIXML of the screen follows the keys, asked again when busy', async () => {
    await openPhone(1);
    await page.getByLabel('filter parameters').fill('locInfo.room');
    const row = page.locator('tr[data-param="locInfo.room"]');
    await row.waitFor();
    assert.equal(await row.getByTestId('source').innerText(), 'default');
    await page.getByLabel('value of locInfo.room').fill('Room 7');
    await page.getByRole('button', { name: 'set locInfo.room at LOCAL' }).click();
    await page.waitForFunction('document.querySelector(\'tr[data-param="locInfo.room"] [data-testid="source"]\')?.textContent === "local"');
    assert.deepEqual(fleet.phones[0]?.phone.config.get('locInfo.room'), { value: 'Room 7', source: 'LOCAL' });

    // The screen as the phone's UIXML operation gives it; its first two answers are "busy" (4001): asked again.
    assert.equal((await post('/phones/1/faults', { status: '4001', path: '/api/v1/mgmt/uixml', count: 2 })).status, 201);
    await page.getByText('The screen as UIXML').click();
    await waitText('[data-testid="uixml"]', /label="New Call"/);
    assert.deepEqual(await (await fetch(`${ctl}/phones/1/faults`)).json(), []);
    // And again after a key changes the screen.
    await page.locator('[data-softkey="1"]').click();
    await waitText('[data-testid="uixml"]', /label="Dial"/);
    await page.locator('[data-softkey="2"]').click();
    await page.waitForSelector('[data-view="Idle"]');
  });

  it('a push shown on a phone appears on its page with how many wait; the lock and the posted documents show too', async (t) => {
    if (lacks(t, 'curl')) return;
    const receiver = await recordingServer(() => ({ status: 200 }));
    try {
      const set = await put('/phones/1/config/web', {
        'apps.push.username': 'Push',
        'apps.push.password': 'Push-pass1',
        'apps.push.messageType': '5',
        'apps.telNotification.URL': `${receiver.url}/events`,
        'apps.telNotification.userLogInOutEvent': '1',
      });
      assert.equal(set.status, 200);
      await openPhone(1);
      await page.waitForSelector('[data-view="Idle"]');
      assert.equal(await page.getByTestId('posts-delivered').innerText(), '0');
      const push = async (priority: string, body: string): Promise<string> =>
        (
          await exec('curl', [
            ...['-s', '--digest', '-u', 'Push:Push-pass1', '-o', '/dev/null', '-w', '%{http_code}'],
            ...['-H', 'Content-Type: application/xhtml+xml', '--data-binary'],
            `<PolycomIPPhone><Data priority="${priority}"><h1>${body}</h1></Data></PolycomIPPhone>`,
            `${url(1)}/push`,
          ])
        ).stdout;
      assert.equal(await push('Important', 'Fire drill at 3'), '200');
      assert.equal(await push('Normal', 'Lunch is served'), '200');
      await page.waitForSelector('[data-view="Browser"] [data-testid="push"][data-priority="Important"]');
      await page.waitForFunction('document.querySelector(\'[data-testid="push"]\')?.textContent.includes("(1 waiting)")');
      assert.match(await page.getByTestId('push').innerText(), /Important \(1 waiting\)\s+Fire drill at 3/);

      // Locked from the page: the screen says so, the phone posts PhoneLockedEvent, the page counts it delivered.
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await page.getByTestId('locked').waitFor();
      await waitFor(() => receiver.received.length === 1);
      assert.match(receiver.received[0]?.body.toString() ?? '', /<PhoneLockedEvent>/);
      await page.waitForFunction('document.querySelector(\'[data-testid="posts-delivered"]\')?.textContent === "1"');
      assert.match(await page.locator('tr[data-request]', { hasText: '/events' }).first().innerText(), /http out[\s\S]*POST[\s\S]*200/);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByTestId('locked').waitFor({ state: 'detached' });

      // Closing the message shows the one that waited, then the phone is idle again.
      await page.getByRole('button', { name: 'Close message' }).click();
      await page.waitForSelector('[data-testid="push"][data-priority="Normal"]');
      assert.match(await page.getByTestId('push').innerText(), /^Normal\s+Lunch is served/);
      await page.getByRole('button', { name: 'Close message' }).click();
      await page.waitForSelector('[data-view="Idle"]');
      assert.equal(await page.getByTestId('push').count(), 0);
    } finally {
      await receiver.close();
    }
  });

  it('a posted document dropped from the full queue shows in the posted documents panel', async () => {
    const hanging = await recordingServer(() => new Promise<never>(() => undefined));
    const set = (values: Record<string, string>): Promise<Response> => put('/phones/1/config/web', values);
    try {
      assert.equal(
        (await set({ 'apps.telNotification.URL': `${hanging.url}/tel`, 'apps.telNotification.userLogInOutEvent': '1' })).status,
        200,
      );
      await openPhone(1);
      await page.waitForFunction('document.querySelector(\'[data-testid="posts-dropped"]\')?.textContent === "0"');
      const phone1 = fleet.phones[0]?.phone;
      assert.ok(phone1);
      // One in flight (never answered), two waiting, the fourth drops the oldest waiting.
      for (const locked of [true, false, true, false]) phone1.setLocked(locked);
      await page.waitForFunction('document.querySelector(\'[data-testid="posts-dropped"]\')?.textContent === "1"');
      assert.equal(await page.getByTestId('posts-waiting').innerText(), '3');
      assert.match((await page.getByTestId('posts-dropped').locator('xpath=..').getAttribute('class')) ?? '', /\bbad\b/);
    } finally {
      await hanging.close();
      await set({ 'apps.telNotification.URL': '' });
    }
  });

  it('the dashboard links the API explorer, whose "Try it out" reaches a Basic and a Digest phone, and which links back', async () => {
    await page.goto(`${ctl}/`);
    await page.getByRole('link', { name: 'API explorer' }).click();
    await page.waitForURL(`${ctl}/docs/**`);
    // Swagger UI escapes the dot of the operationId in the element's id with a backslash.
    const op = page.locator('[id="operations-Management-Management\\\\.DeviceInfoV2"]');
    await op.locator('.opblock-summary').first().click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    for (const [i, scheme] of [
      [1, 'basic'],
      [4, 'digest-sha256'],
    ] as const) {
      const before = fleet.phones[i - 1]?.journal.last(1)[0]?.at;
      await page.locator('.servers select').selectOption(`/phones/${i}`);
      await op.getByRole('button', { name: 'Execute' }).click();
      // The phone answered it, signed for it by the control port.
      await waitFor(() => {
        const last = fleet.phones[i - 1]?.journal.last(1)[0];
        return last?.url === '/api/v2/mgmt/device/info' && last.httpStatus === 200 && last.at !== before;
      });
      assert.equal(fleet.phones[i - 1]?.journal.last(1)[0]?.auth, scheme);
      const body = op.locator('.live-responses-table .response-col_description pre').first();
      await body.waitFor();
      assert.match(await body.innerText(), /"Status": "2000"/);
      assert.equal(await op.locator('.live-responses-table tbody .response-col_status').first().innerText(), '200');
    }
    await page.getByRole('link', { name: '← polysim dashboard' }).click();
    await page.waitForSelector('[data-phone="4"]');
  });

  describe('with a control token (a second control port on the same fleet)', () => {
    const TOKEN = 'dashboard-token-42';
    const login = new ControlLogin(TOKEN);
    let guarded: ControlApp;
    let gctl: string;

    before(async () => {
      guarded = await createControlApp(fleet, false, { token: TOKEN, login });
      await guarded.listen({ port: 0, host: '127.0.0.1' });
      gctl = `http://127.0.0.1:${(guarded.server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await guarded?.close();
    });

    it('without login shows the login page; with the token pasted the dashboard loads and lives', async () => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(`${gctl}/phones/2`);
      assert.equal(new URL(p.url()).pathname, '/login');
      assert.equal(await p.locator('[data-phone]').count(), 0);
      await p.getByLabel('token').fill('not-it');
      await p.getByRole('button', { name: 'Log in' }).click();
      assert.match(await p.getByRole('alert').innerText(), /not the token/);
      await p.getByLabel('token').fill(TOKEN);
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.waitForSelector('[data-view="Idle"]');
      assert.equal(new URL(p.url()).pathname, '/phones/2');
      const cookies = await context.cookies();
      assert.deepEqual(
        cookies.map((c) => [c.name, c.httpOnly, c.sameSite]),
        [['polysim-control', true, 'Strict']],
      );
      assert.ok(!cookies.some((c) => c.value.includes(TOKEN)));
      // The event stream, the clock and the signing proxy work through the cookie: a call from phone 1 rings here,
      // answered by a click, and its duration ticks.
      const dial = await fetch(`${url(1)}/api/v1/callctrl/dial`, { method: 'POST', headers: AUTH, body: '{"data":{"Dest":"1002"}}' });
      assert.equal(dial.status, 200);
      await p.waitForSelector('[data-view="IncomingCall"]');
      await p.locator('tr[data-call] button', { hasText: 'Answer' }).click();
      await p.waitForSelector('[data-view="ActiveCall"]');
      await p.waitForFunction(
        '/^\\d+:\\d\\d$/.test(document.querySelector(\'tr[data-call] [data-testid="duration"]\')?.textContent ?? "")',
      );
      const answered = fleet.phones[1]?.journal.last(50).filter((e) => e.url === '/api/v1/callctrl/answerCall') ?? [];
      // Signed with the phone's credentials (its first contact meets the phone's 401, as without a token).
      assert.deepEqual(answered.map((e) => e.httpStatus).at(-1), 200);
      assert.match(answered.at(-1)?.auth ?? '', /^digest/);
      await p.locator('tr[data-call] button', { hasText: 'Hang up' }).click();
      await waitStates(2, '');
      await p.goto(`${gctl}/`);
      await p.waitForSelector('[data-phone="2"]');
      await context.close();
    });

    it('the banner\'s one-time link logs in; then "Try it out" in the explorer reaches a phone, signed for it', async () => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(`${gctl}/docs/`);
      assert.equal(new URL(p.url()).pathname, '/login');
      await p.goto(`${gctl}/?login=${login.issueCode()}`);
      await p.waitForSelector('[data-phone="2"]');
      assert.equal(new URL(p.url()).search, '');
      await p.goto(`${gctl}/docs/`);
      await p.locator('.servers select').selectOption('/phones/1');
      const op = p.locator('[id="operations-Management-Management\\\\.DeviceInfoV2"]');
      await op.locator('.opblock-summary').first().click();
      await op.getByRole('button', { name: 'Try it out' }).click();
      await op.getByRole('button', { name: 'Execute' }).click();
      const body = op.locator('.live-responses-table .response-col_description pre').first();
      await body.waitFor();
      assert.match(await body.innerText(), /"Status": "2000"/);
      const journal = fleet.phones[0]?.journal.last(1)[0];
      assert.deepEqual([journal?.url, journal?.auth, journal?.httpStatus], ['/api/v2/mgmt/device/info', 'basic', 200]);
      await context.close();
    });
  });
});
