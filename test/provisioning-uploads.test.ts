/**
 * What a phone uploads to its provisioning server besides its overrides: the boot and application logs
 * (<mac>-boot.log, <mac>-app.log, as log.render.file.* says) and the call list (<mac>-calls.xml), into the
 * directories the master configuration file names. Time moves by the phones' clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { parseDirectoryXml } from '../src/phone/contact-directory.js';
import type { RunningPhone } from '../src/runtime/phone-host.js';
import { listenControl, recordingServer, testFleet, testPhone, waitFor } from './helpers.js';

const MASTER = '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="" LOG_FILE_DIRECTORY="logs" CALL_LISTS_DIRECTORY="calls/[PHONE_MAC_ADDRESS]"/>';
/** A log line as the phones write it: MMDDHHMMSS|module|level|missed|message. */
const LINE = /^\d{10}\|[a-z0-9 ]{5}\|\d\|00\|.+$/;

async function provisioned(
  set: Record<string, string> = {},
  extra: { switchboard?: Switchboard; number?: string; clock?: ManualClock } = {},
) {
  const clock = extra.clock ?? new ManualClock(Date.UTC(2027, 0, 4, 10, 0, 0));
  const server = await recordingServer((r) =>
    r.method === 'GET' ? (r.url === '/p/000000000000.cfg' ? { status: 200, body: MASTER } : { status: 404 }) : { status: 201 },
  );
  const p = await testPhone({
    clock,
    ...extra,
    set: { 'device.prov.serverName': `${server.url}/p`, 'device.sntp.gmtOffset': '3600', ...set },
  });
  await waitFor(() => p.phone.isReady);
  const mac = p.phone.identity.mac.toLowerCase();
  const puts = (file: string) => server.received.filter((r) => r.method === 'PUT' && r.url === file);
  return { clock, server, p, mac, puts };
}

describe('log files uploaded to LOG_FILE_DIRECTORY', () => {
  it('the boot log once the phone is ready (UTC times); the application log every upload period (local times)', async () => {
    const { clock, server, p, mac, puts } = await provisioned({ 'log.render.file.upload.period': '600' });
    try {
      await waitFor(() => puts(`/p/logs/${mac}-boot.log`).length === 1);
      const boot = puts(`/p/logs/${mac}-boot.log`)[0]?.body.toString() ?? '';
      const lines = boot.trimEnd().split('\n');
      for (const l of lines) assert.match(l, LINE);
      assert.match(lines[0] ?? '', /^0104100000\|so {3}\|3\|00\|Booting VVX 450 /, 'UTC: 10:00 on 4 January');
      assert.match(boot, /\|cfg {2}\|3\|00\|Provisioning \(boot\): 000000000000\.cfg/);
      assert.match(lines.at(-1) ?? '', /Application ready$/);

      // what happens once ready goes to the application log, uploaded at the period, in local time (UTC+1)
      p.phone.setLocked(true);
      clock.advance(599_000);
      assert.equal(puts(`/p/logs/${mac}-app.log`).length, 0);
      clock.advance(1000);
      await waitFor(() => puts(`/p/logs/${mac}-app.log`).length === 1);
      const first = puts(`/p/logs/${mac}-app.log`)[0]?.body.toString() ?? '';
      assert.match(first, /^0104110000\|app1 \|3\|00\|uiInitialization$/m);
      assert.match(first, /^0104110000\|app1 \|3\|00\|phoneLock$/m);
      // append (the default): the file on the server grows by each upload
      p.phone.setLocked(false);
      clock.advance(600_000);
      await waitFor(() => puts(`/p/logs/${mac}-app.log`).length === 2);
      const second = puts(`/p/logs/${mac}-app.log`)[1]?.body.toString() ?? '';
      assert.ok(second.startsWith(first), 'the earlier lines stay');
      assert.match(second.slice(first.length), /\|phoneUnlock$/m);
      // nothing new: nothing goes
      clock.advance(600_000);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(puts(`/p/logs/${mac}-app.log`).length, 2);
      // every upload is a transfer of the phone, and none is written into the log it sends
      assert.ok(!second.includes('logUpload'));
    } finally {
      await p.stop();
      await server.close();
    }
  });

  it('overwrite mode, the size that forces an upload, the server limit (delete, stop), and log.render.file off', async () => {
    const { clock, server, p, mac, puts } = await provisioned({
      'log.render.file.upload.period': '0',
      'log.render.file.upload.append': '0',
      'log.render.file.size': '1',
    });
    const app = () => puts(`/p/logs/${mac}-app.log`).map((r) => r.body.toString());
    try {
      // Each lock or unlock writes a line of about 32 bytes.
      const flood = (n: number): void => {
        for (let i = 0; i < n; i++) p.phone.setLocked(!p.phone.locked);
      };
      // past 1 KB the log is uploaded at once, with no clock moved; overwrite: each upload is what is new
      flood(40);
      await waitFor(() => app().length === 1);
      assert.ok(Buffer.byteLength(app()[0] ?? '') > 1024);
      flood(40);
      await waitFor(() => app().length === 2);
      assert.match(app()[0] ?? '', /uiInitialization/);
      assert.doesNotMatch(app()[1] ?? '', /uiInitialization/, 'not appended: only what is new');

      // append with a server limit of 3 KB: delete starts the file afresh when it would pass it
      p.phone.config.set('LOCAL', { 'log.render.file.upload.append': '1', 'log.render.file.upload.append.sizeLimit': '3' });
      const from = app().length;
      for (let round = 0; round < 12; round++) {
        const before = app().length;
        flood(40);
        await waitFor(() => app().length > before);
      }
      const appendMode = app().slice(from);
      const pairs = appendMode.slice(1).map((u, i) => [appendMode[i] ?? '', u] as const);
      assert.ok(
        pairs.some(([prev, next]) => next.startsWith(prev) && next.length > prev.length),
        'appended while under the limit',
      );
      assert.ok(
        pairs.some(([prev, next]) => next.length < prev.length),
        'started afresh past the limit',
      );
      for (const u of appendMode) assert.ok(Buffer.byteLength(u) <= 3 * 1024, 'never past the limit');
      // stop: no more uploads once the limit is reached
      p.phone.config.set('LOCAL', { 'log.render.file.upload.append.limitMode': 'stop' });
      flood(400);
      await new Promise((r) => setTimeout(r, 100));
      const stoppedAt = app().length;
      flood(400);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(app().length, stoppedAt);

      // off: nothing is written, nothing goes, not even at the next boot
      p.phone.config.set('LOCAL', { 'log.render.file': '0' });
      const before = server.received.length;
      p.phone.goDown('reboot');
      clock.advance(60_000);
      await waitFor(() => p.phone.isReady);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        server.received.slice(before).filter((r) => r.method === 'PUT'),
        [],
      );
    } finally {
      await p.stop();
      await server.close();
    }
  });
});

describe('the call list uploaded to CALL_LISTS_DIRECTORY', () => {
  it('<mac>-calls.xml callLists.writeDelay.terminated after a call, with its parties, times and disposition', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 4, 10, 0, 0));
    const sb = new Switchboard(clock, randomIds);
    const a = await provisioned({ 'reg.1.displayName': 'Alice' }, { switchboard: sb, number: '1001', clock });
    const b = await testPhone({ switchboard: sb, clock, number: '1002', set: { 'reg.1.displayName': 'Bob' } });
    try {
      const file = `/p/calls/${a.mac}/${a.mac}-calls.xml`;
      const dialed = await a.p.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: '1' } });
      assert.equal(dialed.body['Status'], '2000', dialed.text);
      await b.post('/api/v1/callctrl/answerCall');
      clock.advance(65_000);
      await a.p.post('/api/v1/callctrl/endCall', { data: { Ref: a.p.phone.calls.all()[0]?.handle } });
      // and a call from B that A misses
      await b.post('/api/v1/callctrl/dial', { data: { Dest: '1001', Line: '1' } });
      await b.post('/api/v1/callctrl/endCall', { data: { Ref: b.phone.calls.all()[0]?.handle } });
      clock.advance(59_000);
      assert.equal(a.puts(file).length, 0, 'written 60 s after the list last changed');
      clock.advance(1000);
      await waitFor(() => a.puts(file).length === 1);
      const xml = a.puts(file)[0]?.body.toString() ?? '';
      assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\n<\?Saved @ 2027-01-04T11:02:05 --\?>\n<callList>/);
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'call' }).parse(xml) as {
        callList: { call: Record<string, unknown>[] };
      };
      const [missed, placed] = doc.callList.call;
      assert.deepEqual(
        { ...placed, source: undefined, destination: undefined, connection: undefined },
        {
          direction: 'Out',
          disposition: 'Normal',
          line: '1',
          protocol: 'Sip',
          startTime: '2027-01-04T11:00:00',
          duration: 'PT1M5S',
          count: '1',
          source: undefined,
          destination: undefined,
          connection: undefined,
        },
      );
      assert.equal((placed?.['destination'] as { name: string }).name, 'Bob');
      assert.equal((placed?.['destination'] as { address: string }).address, '1002');
      assert.equal(missed?.['direction'], 'In');
      assert.equal(missed?.['disposition'], 'Partial');
      assert.equal(missed?.['duration'], 'PT0S');
      assert.equal((missed?.['source'] as { address: string }).address, '1002');
    } finally {
      await a.p.stop();
      await b.stop();
      await a.server.close();
    }
  });
});

describe('the contact directory from and to CONTACTS_DIRECTORY', () => {
  it('read after provisioning (the template when the phone has no file), edited on the phone, uploaded, kept', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 4, 10, 0, 0));
    const files: Record<string, string> = {
      '/p/000000000000.cfg': '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="" CONTACTS_DIRECTORY="contacts"/>',
      '/p/contacts/000000000000-directory.xml':
        '<?xml version="1.0" standalone="yes"?>\n<directory>\n <item_list>\n  <item><fn>Ada</fn><ln>Lovelace</ln><ct>1002</ct><sd>1</sd></item>\n' +
        '  <item><fn>Tom &amp; Jerry</fn><ln></ln><ct>sip:tj@example.com</ct></item>\n </item_list>\n</directory>\n',
    };
    const server = await recordingServer((r) =>
      r.method === 'GET' ? (files[r.url] !== undefined ? { status: 200, body: files[r.url] } : { status: 404 }) : { status: 201 },
    );
    const fleet = await testFleet({
      count: 1,
      firstNumber: 1001,
      clock,
      timing: { initMs: 0 },
      set: { 'device.prov.serverName': `${server.url}/p`, 'log.render.file': '0' },
    });
    const { control, url } = await listenControl(fleet);
    const p = (fleet.phones[0] as RunningPhone).phone;
    const mac = p.identity.mac.toLowerCase();
    const reports: { operation: string; ok: boolean; detail?: string }[] = [];
    p.on('transfer', (r) => reports.push(r));
    const directory = async (): Promise<{ contacts: Record<string, unknown>[] }> =>
      (await (await fetch(`${url}/phones/1/directory`)).json()) as { contacts: Record<string, unknown>[] };
    try {
      await waitFor(() => p.directory.all().length === 2);
      assert.deepEqual((await directory()).contacts, [
        { fn: 'Ada', ln: 'Lovelace', ct: '1002', sd: 1 },
        { fn: 'Tom & Jerry', ln: '', ct: 'sip:tj@example.com' },
      ]);
      assert.ok(
        server.received.some((r) => r.url === `/p/contacts/${mac}-directory.xml`),
        'its own file was asked for first',
      );

      // the user edits the directory: kept, and uploaded a second later
      const edit = (contacts: unknown[]): Promise<Response> =>
        fetch(`${url}/phones/1/directory`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ contacts }),
        });
      const three = [
        { fn: 'Ada', ln: 'Lovelace', ct: '1002', sd: 1 },
        { fn: 'Grace', ln: 'Hopper', ct: '1003', sd: 2 },
        { fn: '<Bob>', ln: "O'Brien", ct: '1004' },
      ];
      assert.equal((await edit(three)).status, 200);
      clock.advance(999);
      assert.equal(server.received.filter((r) => r.method === 'PUT').length, 0);
      clock.advance(1);
      await waitFor(() => server.received.some((r) => r.method === 'PUT'));
      const put = server.received.find((r) => r.method === 'PUT');
      assert.equal(put?.url, `/p/contacts/${mac}-directory.xml`);
      const xml = put?.body.toString() ?? '';
      assert.match(xml, /<fn>&lt;Bob&gt;<\/fn>\n\s+<ln>O&apos;Brien<\/ln>/);
      assert.deepEqual(parseDirectoryXml(xml), three, 'the file reads back as the directory');
      assert.deepEqual(reports.at(-1), { operation: 'directoryUpload', ok: true, detail: `${server.url}/p/contacts/${mac}-directory.xml` });

      // refused edits change nothing: a speed dial twice, a contact without a number, a field too long
      for (const bad of [
        [
          { fn: 'a', ln: '', ct: '1', sd: 3 },
          { fn: 'b', ln: '', ct: '2', sd: 3 },
        ],
        [{ fn: 'a', ln: '', ct: '' }],
        [{ fn: 'x'.repeat(129), ln: '', ct: '1' }],
      ]) {
        const r = await edit(bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
      }
      assert.deepEqual((await directory()).contacts, three);

      // the next boot reads the phone's own file from the server (here another one than it uploaded)
      files[`/p/contacts/${mac}-directory.xml`] = '<directory><item_list><item><fn>Only</fn><ct>2000</ct></item></item_list></directory>';
      p.goDown('reboot');
      clock.advance(60_000);
      await waitFor(() => p.isReady && p.directory.all().length === 1);
      assert.deepEqual((await directory()).contacts, [{ fn: 'Only', ln: '', ct: '2000' }]);

      // a file that is not a directory: the phone keeps its own and says why
      files[`/p/contacts/${mac}-directory.xml`] = '<directory><item_list><item><fn>No number</fn></item></item_list></directory>';
      p.goDown('reboot');
      clock.advance(60_000);
      await waitFor(() => reports.some((r) => r.operation === 'directoryDownload' && !r.ok));
      assert.match(reports.find((r) => r.operation === 'directoryDownload')?.detail ?? '', /contact 1: no contact \(ct\)/);
      assert.deepEqual((await directory()).contacts, [{ fn: 'Only', ln: '', ct: '2000' }]);
    } finally {
      await control.close();
      await fleet.stop();
      await server.close();
    }
  });
});
