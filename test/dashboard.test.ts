/**
 * The dashboard in real headless Chromium (Debian's chromium, driven by playwright-core): the fleet page, a phone
 * page, live updates from the event stream, and clicks that act through the Poly API. Screenshots of both pages go
 * to test-output/ (docs/dashboard.md shows copies).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import { ControlLogin } from '../src/control/login.js';
import type { AddressInfo } from 'node:net';
import type { Fleet } from '../src/runtime/fleet.js';
import { listenControl, PASSWORD, recordingServer, testFleet, waitFor } from './helpers.js';
import { lacks, needs, which } from './peers.js';
import { ROOT } from './root.js';

const exec = promisify(execFile);

const OUT = `${ROOT}test-output`;
/** Debian's chromium (playwright-core downloads no browser). */
const CHROMIUM = which('chromium') ?? 'chromium';
const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };

describe('the dashboard in Chromium', { timeout: 120_000, skip: needs('chromium') }, () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  let browser: Browser;
  let page: Page;
  const url = (i: number): string => fleet.phones[i - 1]?.httpUrl as string;
  const callStates = async (i: number): Promise<string[]> => {
    const res = await fetch(`${url(i)}/api/v2/webCallControl/callStatus`, { headers: AUTH });
    return ((await res.json()) as { data: { CallState: string }[] }).data.map((c) => c.CallState);
  };

  before(async () => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'ignore' });
    mkdirSync(OUT, { recursive: true });
    // Three VVX phones (Basic) and a CCX 600 on PVOS 9.5 (Digest only).
    fleet = await testFleet({
      count: 4,
      firstNumber: 1001,
      timing: { initMs: 0 },
      members: [{}, {}, {}, { model: 'CCX 600', firmware: '9.5.0' }],
    });
    ({ control, url: ctl } = await listenControl(fleet));
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

  it('the fleet page lists the phones, and a REST dial shows the callee ringing within a second', async () => {
    await page.goto(`${ctl}/`);
    await page.waitForSelector('[data-phone="4"]');
    assert.equal(await page.locator('[data-phone]').count(), 4);
    assert.match(await page.locator('[data-phone="2"]').innerText(), /1002[\s\S]*Registered[\s\S]*ready[\s\S]*idle/);

    const dial = await fetch(`${url(1)}/api/v1/callctrl/dial`, { method: 'POST', headers: AUTH, body: '{"data":{"Dest":"1002"}}' });
    assert.equal(dial.status, 200);
    await page.waitForFunction('/Offering 1001/.test(document.querySelector(\'[data-phone="2"] .calls\')?.textContent ?? "")', undefined, {
      timeout: 1000,
    });
    await page.getByLabel('filter phones by number, model or state').fill('1003');
    await page.waitForFunction('document.querySelectorAll("[data-phone]").length === 1');
    await page.getByLabel('filter phones by number, model or state').fill('');
    await page.screenshot({ path: `${OUT}/dashboard-fleet.png` });
  });

  it('the phone page answers with a click, a softkey changes the drawn screen, and the request log shows both', async () => {
    await page.goto(`${ctl}/phones/2`);
    await page.waitForSelector('[data-view="IncomingCall"]');
    // The Answer button of the call (the screen's Answer softkey would do too: it is tried below with Hold).
    await page.locator('tr[data-call] button', { hasText: 'Answer' }).click();
    await waitFor(async () => (await callStates(1)).join() === 'Connected' && (await callStates(2)).join() === 'Connected');
    await page.waitForSelector('[data-view="ActiveCall"]');
    assert.equal(await page.locator('[data-softkey="1"]').innerText(), 'Hold');

    await page.locator('[data-softkey="1"]').click();
    await page.waitForSelector('[data-view="HeldCall"]');
    assert.deepEqual(await callStates(2), ['Hold']);
    assert.equal(await page.locator('[data-softkey="1"]').innerText(), 'Resume');

    await page.locator('tr[data-request]', { hasText: '/api/v1/mgmt/simulateKeyEvent' }).first().waitFor();
    // The click's request, as the phone's journal has it (signed by the control port; its first contact met a 401).
    const answer = page.locator('tr[data-request]', { hasText: /\/api\/v1\/callctrl\/answerCall[\s\S]*2000/ });
    assert.match(await answer.innerText(), /POST[\s\S]*basic[\s\S]*200[\s\S]*2000/);
    assert.ok((await page.locator('tr[data-request].bad').count()) <= 1, 'a 401 only at first contact; then the forwarder signs at once');
    // A request's details: its headers (credentials redacted) and the bodies.
    await answer.getByRole('button').click();
    const detail = await page.locator('tr[data-request-detail] pre').innerText();
    assert.match(detail, /authorization: Basic \*{8}/);
    assert.match(detail, /"Ref":"[0-9a-f]+"/);
    assert.match(detail, /answer: \{"Status":"2000"\}/);
    assert.doesNotMatch(detail, new RegExp(Buffer.from(`Polycom:${PASSWORD}`).toString('base64')));
    await page.screenshot({ path: `${OUT}/dashboard-phone.png`, fullPage: true });

    // Blind transfer of the held call to a number outside the fleet: phone 2 is free, phone 1 talks to the far end.
    await page.getByLabel('transfer destination').fill('5550123');
    await page.locator('tr[data-call] button', { hasText: 'Transfer' }).click();
    await page.waitForSelector('[data-view="Idle"]');
    await waitFor(async () => (await callStates(2)).length === 0);
  });

  it('an incoming call from the form rings the phone; the far end hangs up from the page; all by keyboard too', async () => {
    await page.goto(`${ctl}/phones/3`);
    await page.waitForSelector('[data-view="Idle"]');
    // Keyboard only: Enter in the form's field submits it.
    await page.getByLabel('from').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-view="IncomingCall"]');
    // Tab to the first softkey (Answer) from the line key before it, and press it with the space bar.
    await page.getByRole('button', { name: 'line key 1' }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Answer');
    await page.keyboard.press('Space');
    await page.waitForSelector('[data-view="ActiveCall"]');
    assert.equal(await page.getByTestId('hook').innerText(), 'on hook');
    await page.waitForSelector('[data-farend]');
    await page.getByRole('button', { name: 'far end: hangup' }).click();
    await page.waitForSelector('[data-view="Idle"]');
    assert.deepEqual(await callStates(3), []);
    await page.getByRole('button', { name: 'Off hook' }).click();
    await page.waitForFunction('document.querySelector(\'[data-testid="hook"]\')?.textContent === "off hook"');
    await page.getByRole('button', { name: 'On hook' }).click();
    await page.waitForSelector('[data-view="Idle"]');
  });

  it('a provisioning run that fails shows on the phone page, with why', async () => {
    await page.goto(`${ctl}/phones/2`);
    await page.waitForSelector('[data-view="Idle"]');
    assert.match(await page.getByTestId('provisioning').innerText(), /No run since this page opened/);
    const set = await fetch(`${ctl}/phones/2/config/web`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'device.prov.serverName': 'http://127.0.0.1:9/prov', 'prov.autoConfigUpload.enabled': '0' }),
    });
    assert.equal(set.status, 200);
    const res = await fetch(`${url(2)}/api/v1/mgmt/updateConfiguration`, { method: 'POST', headers: AUTH });
    assert.equal(res.status, 500);
    await page.waitForSelector('[data-testid="provisioning"][data-ok="false"]');
    assert.match(await page.getByTestId('provisioning').innerText(), /request run at \S+: failed: .*127\.0\.0\.1:9/);
  });

  it('the configuration browser sets a value at LOCAL; the UIXML of the screen follows the keys', async () => {
    await page.goto(`${ctl}/phones/3`);
    await page.getByLabel('filter parameters').fill('locInfo.room');
    const row = page.locator('tr[data-param="locInfo.room"]');
    await row.waitFor();
    assert.equal(await row.getByTestId('source').innerText(), 'default');
    await page.getByLabel('value of locInfo.room').fill('Room 7');
    await page.getByRole('button', { name: 'set locInfo.room at LOCAL' }).click();
    await page.waitForFunction('document.querySelector(\'tr[data-param="locInfo.room"] [data-testid="source"]\')?.textContent === "local"');
    assert.deepEqual(fleet.phones[2]?.phone.config.get('locInfo.room'), { value: 'Room 7', source: 'LOCAL' });

    // The screen as the phone's UIXML operation gives it, and again after a key changes the screen.
    await page.getByText('The screen as UIXML').click();
    await page.waitForFunction('/label="New Call"/.test(document.querySelector(\'[data-testid="uixml"]\')?.textContent ?? "")');
    await page.locator('[data-softkey="1"]').click();
    await page.waitForFunction('/label="Dial"/.test(document.querySelector(\'[data-testid="uixml"]\')?.textContent ?? "")');
    await page.locator('[data-softkey="2"]').click();
    await page.waitForSelector('[data-view="Idle"]');
  });

  it('a push shown on a phone appears on its page with how many wait; the lock and the posted documents show too', async (t) => {
    if (lacks(t, 'curl')) return;
    const receiver = await recordingServer(() => ({ status: 200 }));
    try {
      const set = await fetch(`${ctl}/phones/3/config/web`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          'apps.push.username': 'Push',
          'apps.push.password': 'Push-pass1',
          'apps.push.messageType': '5',
          'apps.telNotification.URL': `${receiver.url}/events`,
          'apps.telNotification.userLogInOutEvent': '1',
        }),
      });
      assert.equal(set.status, 200);
      await page.goto(`${ctl}/phones/3`);
      await page.waitForSelector('[data-view="Idle"]');
      assert.equal(await page.getByTestId('posts-delivered').innerText(), '0');
      const push = async (priority: string, text: string): Promise<string> =>
        (
          await exec('curl', [
            ...['-s', '--digest', '-u', 'Push:Push-pass1', '-o', '/dev/null', '-w', '%{http_code}'],
            ...['-H', 'Content-Type: application/xhtml+xml', '--data-binary'],
            `<PolycomIPPhone><Data priority="${priority}"><h1>${text}</h1></Data></PolycomIPPhone>`,
            `${url(3)}/push`,
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

  for (const [phone, scheme] of [
    [1, 'basic'],
    [4, 'digest-sha256'],
  ] as const) {
    it(`"Try it out" in the API explorer reaches phone ${phone} (${scheme}) through the control port`, async () => {
      await page.goto(`${ctl}/docs/`);
      await page.locator('.servers select').selectOption(`/phones/${phone}`);
      // Swagger UI escapes the dot of the operationId in the element's id with a backslash.
      const op = page.locator('[id="operations-Management-Management\\\\.DeviceInfoV2"]');
      await op.locator('.opblock-summary').first().click();
      await op.getByRole('button', { name: 'Try it out' }).click();
      await op.getByRole('button', { name: 'Execute' }).click();
      const body = op.locator('.live-responses-table .response-col_description pre').first();
      await body.waitFor();
      assert.match(await body.innerText(), /"Status": "2000"/);
      assert.equal(await op.locator('.live-responses-table tbody .response-col_status').first().innerText(), '200');
      const journal = (await (await fetch(`${ctl}/phones/${phone}/journal?limit=1`)).json()) as { auth: string; url: string }[];
      assert.deepEqual([journal[0]?.url, journal[0]?.auth], ['/api/v2/mgmt/device/info', scheme]);
    });
  }
});

describe('the dashboard and the explorer in Chromium, with a control token', { timeout: 120_000, skip: needs('chromium') }, () => {
  const TOKEN = 'dashboard-token-42';
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  let browser: Browser;
  const login = new ControlLogin(TOKEN);

  before(async () => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'ignore' });
    fleet = await testFleet({ count: 2, firstNumber: 1101, timing: { initMs: 0 } });
    control = await createControlApp(fleet, false, { token: TOKEN, login });
    await control.listen({ port: 0, host: '127.0.0.1' });
    ctl = `http://127.0.0.1:${(control.server.address() as AddressInfo).port}`;
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
  });
  after(async () => {
    await browser?.close();
    await control?.close();
    await fleet?.stop();
  });

  it('without login shows the login page; with the token pasted the dashboard loads and lives', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${ctl}/phones/2`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.locator('[data-phone]').count(), 0);
    await page.getByLabel('token').fill('not-it');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.match(await page.getByRole('alert').innerText(), /not the token/);
    await page.getByLabel('token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('[data-view="Idle"]');
    assert.equal(new URL(page.url()).pathname, '/phones/2');
    const cookies = await page.context().cookies();
    assert.deepEqual(
      cookies.map((c) => [c.name, c.httpOnly, c.sameSite]),
      [['polysim-control', true, 'Strict']],
    );
    assert.ok(!cookies.some((c) => c.value.includes(TOKEN)));
    // The event stream and the signing proxy work through the cookie: a call from phone 1 rings here, answered by a click.
    const dial = await fetch(`${fleet.phones[0]?.httpUrl}/api/v1/callctrl/dial`, {
      method: 'POST',
      headers: AUTH,
      body: '{"data":{"Dest":"1102"}}',
    });
    assert.equal(dial.status, 200);
    await page.waitForSelector('[data-view="IncomingCall"]');
    await page.locator('tr[data-call] button', { hasText: 'Answer' }).click();
    await page.waitForSelector('[data-view="ActiveCall"]');
    const answered = fleet.phones[1]?.journal.last(50).filter((e) => e.url === '/api/v1/callctrl/answerCall') ?? [];
    // Signed with the phone's credentials (its first contact meets the phone's 401, as without a token).
    assert.deepEqual(answered.map((e) => [e.auth, e.httpStatus]).at(-1), ['basic', 200]);
    await page.goto(`${ctl}/`);
    await page.waitForSelector('[data-phone="2"]');
    await page.context().close();
  });

  it('the banner\'s one-time link logs in; then "Try it out" in the explorer reaches a phone, signed for it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${ctl}/docs/`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.goto(`${ctl}/?login=${login.issueCode()}`);
    await page.waitForSelector('[data-phone="2"]');
    assert.equal(new URL(page.url()).search, '');
    await page.goto(`${ctl}/docs/`);
    await page.locator('.servers select').selectOption('/phones/1');
    const op = page.locator('[id="operations-Management-Management\\\\.DeviceInfoV2"]');
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
