/** A fleet from a file: validation with paths, mixed phones, far ends, scenarios, the examples and the compose file. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ControlApp } from '../src/control/app.js';
import { FleetFileError } from '../src/errors.js';
import { ManualClock } from '../src/phone/clock.js';
import { startFleet } from '../src/runtime/fleet.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { parseFleetFile } from '../src/runtime/fleet-file.js';
import type { ScenarioSpec } from '../src/runtime/fleet-file.js';
import { runScenarios } from '../src/runtime/scenarios.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { cli, listenControl, PASSWORD, recordingServer, waitFor } from './helpers.js';

const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

function problems(text: string, file = 'f.yaml'): string[] {
  try {
    parseFleetFile(file, text);
  } catch (err) {
    assert.ok(err instanceof FleetFileError, String(err));
    assert.equal(err.exitCode, 2);
    return [...err.problems];
  }
  assert.fail('the file was accepted');
}

describe('fleet files', () => {
  it('reports every bad field with its path and why', () => {
    assert.deepEqual(
      problems(
        [
          'httpPort: 99999',
          'phones:',
          '  - model: VVX 450',
          '    colour: red',
          '    number: "12a"',
          'scenarios:',
          '  - { kind: teleport, phone: 1 }',
          '  - { kind: incoming-queue, phone: 1 }',
          '  - { kind: periodic-reboot, phone: 1, everyMinutes: -1 }',
        ].join('\n'),
      ).sort(),
      [
        'httpPort: expected integer to be less or equal to 65535',
        'phones[0].colour: not a field here (a typo?)',
        'phones[0].number: expected a line number (digits, * # +)',
        'scenarios[0].kind: expected one of busy-agent, incoming-queue, periodic-reboot, registration-loss',
        'scenarios[1].perMinute: missing (required)',
        'scenarios[2].everyMinutes: expected number to be greater than 0',
      ],
    );
  });

  it('then checks models, firmware, values, numbers and scenario phones', () => {
    const found = problems(
      [
        'phones:',
        '  - model: VVX 9000',
        '  - { model: CCX 600, firmware: 1.0.0 }',
        '  - { number: "1001", set: { apps.restapi.enabled: 7, no.such.thing: 1 } }',
        'scenarios:',
        '  - { kind: busy-agent, phone: 9 }',
      ].join('\n'),
    );
    assert.equal(found.length, 6, found.join('\n'));
    assert.match(found[0] as string, /^phones\[0\]\.model: unknown model "VVX 9000"/);
    assert.match(found[1] as string, /^phones\[1\]\.firmware: firmware 1\.0\.0 does not exist for CCX 600/);
    assert.match(found[2] as string, /^phones\[2\]\.set\["apps\.restapi\.enabled"\]: /);
    assert.equal(found[3], 'phones[2].set["no.such.thing"]: unknown parameter for the VVX 450');
    assert.equal(found[4], 'phones: phone 3 has number 1001, as phone 1 has');
    assert.equal(found[5], 'scenarios[0].phone: the fleet has 3 phones, no phone 9');
    assert.deepEqual(
      problems('phones: [', 'f.yaml').map((p) => p.split(':')[0]),
      ['not YAML'],
    );
    assert.deepEqual(problems('{"phones": []}', 'f.json'), ['phones: expected array length to be greater or equal to 1']);
    // Scenarios are checked apart (their kind picks their fields): not a list was a TypeError with a stack.
    for (const scenarios of ['0', '"x"', '{ kind: busy-agent }', 'null'])
      assert.deepEqual(problems(`phones: [{}]\nscenarios: ${scenarios}`), ['scenarios: expected a list'], scenarios);
  });

  it("checks every port: a number 0-65535, room for a count of phones on consecutive ports, the registrar's port", () => {
    for (const field of ['httpPort', 'httpsPort', 'sipPort', 'sipTlsPort', 'controlPort']) {
      for (const [value, why] of [
        ['65536', 'expected integer to be less or equal to 65535'],
        ['-1', 'expected integer to be greater or equal to 0'],
        ['80.5', 'expected integer'],
        ['"http"', 'expected integer'],
        ['1e400', 'expected integer'],
      ]) {
        assert.deepEqual(problems(`${field}: ${value}\nphones: [{}]`), [`${field}: ${why}`], `${field}: ${value}`);
        if (field !== 'controlPort')
          assert.deepEqual(problems(`phones: [{ ${field}: ${value} }]`), [`phones[0].${field}: ${why}`], `phones[0].${field}: ${value}`);
      }
      if (field === 'controlPort') continue;
      // Phone i takes the port + i: the last must still be a port.
      assert.deepEqual(problems(`phones: [{}, { count: 3, ${field}: 65534 }]`), [
        `phones[1].${field}: 65534 leaves no room for 3 phones on consecutive ports (the last would be 65536)`,
      ]);
      assert.deepEqual(problems(`${field}: 65535\nphones: [{ count: 2 }]`), [
        `${field}: 65535 leaves no room for 2 phones on consecutive ports (the last would be 65536)`,
      ]);
      // A phone with a port of its own does not take the fleet's port + i.
      assert.equal(parseFleetFile('f.yaml', `${field}: 65535\nphones: [{}, { ${field}: 9000 }]`).members.length, 2);
      assert.equal(parseFleetFile('f.yaml', `phones: [{ count: 2, ${field}: 0 }]`).members.length, 2, 'port 0: any free port, for each');
    }
    assert.deepEqual(problems('registrar: "pbx.example:99999"\nphones: [{}]'), ['registrar: port 99999: expected 1-65535']);
    assert.deepEqual(problems('registrar: "[::1]:0"\nphones: [{}]'), ['registrar: port 0: expected 1-65535']);
    assert.deepEqual(problems('registrar: "pbx.example:-5"\nphones: [{}]'), ['registrar: expected a SIP server: host[:port]']);
    assert.deepEqual(problems('registrar: "-x:5060"\nphones: [{}]'), ['registrar: host "-x": expected a host name or IP address']);
    assert.equal(parseFleetFile('f.yaml', 'registrar: "pbx.example:65535"\nphones: [{}]').registrar, 'pbx.example:65535');
    // A password the phone would refuse is the file's field's fault, not a --set value's.
    assert.deepEqual(problems(`phones: [{ adminPassword: "${'x'.repeat(33)}" }]`), [
      'phones[0].adminPassword: expected string length less or equal to 32',
    ]);
  });

  it('takes a dialect per phone or as a default: device or manual, nothing else', () => {
    const plan = parseFleetFile('f.yaml', 'defaults: { dialect: manual }\nphones: [{}, { dialect: device }, { model: CCX 600 }]');
    assert.deepEqual(
      plan.members.map((m) => m.dialect),
      ['manual', 'device', 'manual'],
    );
    assert.deepEqual(
      parseFleetFile('f.yaml', 'phones: [{}]').members.map((m) => m.dialect),
      [undefined],
    );
    const found = problems('phones: [{ dialect: manuel }]');
    assert.equal(found.length, 1);
    assert.match(found[0] as string, /^phones\[0\]\.dialect: /);
  });

  it('counts numbers up exactly, however long, keeping their leading zeros; a fleet has at most 10000 phones', () => {
    const numbers = (text: string): (string | undefined)[] => parseFleetFile('f.yaml', text).members.map((m) => m.number);
    // Past 2^53 a double drops the last digits: these were 9007199254740992 twice, then 9007199254740996.
    assert.deepEqual(numbers('phones: [{ number: "9007199254740993", count: 3 }]'), [
      '9007199254740993',
      '9007199254740994',
      '9007199254740995',
    ]);
    assert.deepEqual(numbers(`phones: [{ number: "${'9'.repeat(31)}", count: 2 }, {}]`), [
      `${'9'.repeat(31)}`,
      `1${'0'.repeat(31)}`,
      `1${'0'.repeat(30)}1`,
    ]);
    assert.deepEqual(numbers('phones: [{ number: "0800" }, { count: 2 }, { number: "0099", count: 2 }]'), [
      '0800',
      '0801',
      '0802',
      '0099',
      '0100',
    ]);
    assert.deepEqual(problems(`phones: [{ number: "${'9'.repeat(32)}", count: 2 }]`), [
      `phones[0].number: counting 2 phones up from ${'9'.repeat(32)} goes past 32 digits`,
    ]);
    assert.deepEqual(problems(`phones: [{ number: "${'9'.repeat(32)}" }, {}]`), [
      `phones[1].number: counting up from ${'9'.repeat(32)} goes past 32 digits`,
    ]);
    assert.deepEqual(problems('firstNumber: 9007199254740993\nphones: [{ count: 2 }]'), [
      'firstNumber: expected integer to be less or equal to 999999999999999',
    ]);
    assert.deepEqual(problems('phones: [{ count: 10000 }, { count: 2 }]'), ['phones: 10002 phones; a fleet has at most 10000']);
  });

  it("expands counts into consecutive numbers, with defaults and the phone's own values on top", () => {
    const plan = parseFleetFile(
      'f.yaml',
      [
        'firstNumber: 500',
        'defaults: { model: CCX 600, adminPassword: Pw-1, set: { locInfo.city: Oslo, reg.1.label: Desk } }',
        'phones:',
        '  - {}',
        '  - { model: Edge E450, count: 2, number: "800", set: { reg.1.label: Lab }, httpPort: 9300 }',
        '  - { adminPassword: Pw-2 }',
      ].join('\n'),
    );
    assert.deepEqual(
      plan.members.map((m) => [m.model, m.number, m.adminPassword, m.httpPort]),
      [
        ['CCX 600', '500', 'Pw-1', undefined],
        ['Edge E450', '800', 'Pw-1', 9300],
        ['Edge E450', '801', 'Pw-1', 9301],
        ['CCX 600', '802', 'Pw-2', undefined],
      ],
    );
    assert.deepEqual(plan.members[1]?.set, { 'locInfo.city': 'Oslo', 'reg.1.label': 'Lab' });
  });

  it('telephonyEvents points every phone at one receiver: its URL, and the switches of the events named (default all)', () => {
    const all = parseFleetFile('f.yaml', ['telephonyEvents: { url: "http://10.0.0.9:8000/events" }', 'phones: [{ count: 2 }]'].join('\n'));
    for (const m of all.members) {
      assert.deepEqual(m.set, {
        'apps.telNotification.URL': 'http://10.0.0.9:8000/events',
        'apps.telNotification.incomingEvent': '1',
        'apps.telNotification.outgoingEvent': '1',
        'apps.telNotification.offhookEvent': '1',
        'apps.telNotification.onhookEvent': '1',
        'apps.telNotification.callStateChangeEvent': '1',
        'apps.telNotification.lineRegistrationEvent': '1',
        'apps.telNotification.userLogInOutEvent': '1',
        'apps.telNotification.uiInitializationEvent': '1',
      });
    }
    // Some events; defaults.set and a phone's own set win value by value.
    const some = parseFleetFile(
      'f.yaml',
      [
        'telephonyEvents: { url: "https://crm.example/tel", events: [incomingEvent, callStateChangeEvent] }',
        'defaults: { set: { apps.telNotification.callStateChangeEvent: 0 } }',
        'phones:',
        '  - {}',
        '  - { set: { apps.telNotification.URL: "http://other/" } }',
      ].join('\n'),
    );
    assert.deepEqual(
      some.members.map((m) => m.set),
      [
        {
          'apps.telNotification.URL': 'https://crm.example/tel',
          'apps.telNotification.incomingEvent': '1',
          'apps.telNotification.callStateChangeEvent': '0',
        },
        {
          'apps.telNotification.URL': 'http://other/',
          'apps.telNotification.incomingEvent': '1',
          'apps.telNotification.callStateChangeEvent': '0',
        },
      ],
    );
    assert.deepEqual(problems(['telephonyEvents: { url: "ftp://x/", events: [], colour: red }', 'phones: [{}]'].join('\n')).sort(), [
      'telephonyEvents.colour: not a field here (a typo?)',
      'telephonyEvents.events: expected array length to be greater or equal to 1',
      'telephonyEvents.url: expected an http:// or https:// URL',
    ]);
    assert.deepEqual(problems(['telephonyEvents: { events: [incomingEvent] }', 'phones: [{}]'].join('\n')), [
      'telephonyEvents.url: missing (required)',
    ]);
    assert.deepEqual(
      problems(['telephonyEvents: { url: "http://r/", events: [incomingEvent, ringEvent, incomingEvent] }', 'phones: [{}]'].join('\n')),
      [
        'telephonyEvents.events[1]: expected one of incomingEvent, outgoingEvent, offhookEvent, onhookEvent, callStateChangeEvent, lineRegistrationEvent, userLogInOutEvent, uiInitializationEvent',
        'telephonyEvents.events[2]: incomingEvent is named twice',
      ],
    );
  });

  it("a fleet with telephonyEvents posts every phone's events to the receiver", async () => {
    const receiver = await recordingServer(() => ({ status: 200 }));
    const dir = mkdtempSync(join(tmpdir(), 'polysim-fleet-receiver-'));
    const file = join(dir, 'fleet.yaml');
    writeFileSync(
      file,
      [
        `telephonyEvents: { url: "${receiver.url}/tel", events: [uiInitializationEvent, userLogInOutEvent] }`,
        'phones: [{ count: 2 }]',
      ].join('\n'),
    );
    try {
      await withFleet(['fleet', '--config', file], async (control) => {
        await waitFor(() => receiver.received.length === 2);
        const res = await fetch(`${control}/phones/2/lock`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ locked: true }),
        });
        assert.equal(res.status, 200);
        await waitFor(() => receiver.received.length === 3);
        const macs = ((await (await fetch(`${control}/phones`)).json()) as { mac: string }[]).map((p) => p.mac.toLowerCase());
        const seen = receiver.received.map((r) => {
          const body = r.body.toString();
          return [r.url, /<PolycomIPPhone>\s*<(\w+)/.exec(body)?.[1], macs.indexOf(/<MACAddress>(\w+)</.exec(body)?.[1] ?? '') + 1];
        });
        assert.deepEqual(seen.slice(0, 2).sort(), [
          ['/tel', 'UIInitializationEvent', 1],
          ['/tel', 'UIInitializationEvent', 2],
        ]);
        assert.deepEqual(seen[2], ['/tel', 'PhoneLockedEvent', 2]);
      });
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a fleet with telephonyEvents (all events): a call between two of its phones reaches the receiver from both, in order; a phone that opts out posts nothing', async () => {
    const receiver = await recordingServer(() => ({ status: 200 }));
    const dir = mkdtempSync(join(tmpdir(), 'polysim-fleet-receiver-'));
    const file = join(dir, 'fleet.yaml');
    writeFileSync(
      file,
      [
        `telephonyEvents: { url: "${receiver.url}/tel" }`,
        'phones:',
        '  - { count: 2, number: "5001" }',
        '  - { number: "5003", set: { "apps.telNotification.URL": "" } }',
      ].join('\n'),
    );
    /** What the receiver got, per phone (by MAC): event names, call states as `CallStateChangeEvent:<state>`. */
    const byPhone = (macs: string[]): string[][] =>
      macs.map((mac) =>
        receiver.received
          .map((r) => r.body.toString())
          .filter((body) => body.includes(`<MACAddress>${mac}</MACAddress>`))
          .map((body) => {
            const name = /<PolycomIPPhone>\s*<(\w+)/.exec(body)?.[1] ?? '';
            const state = /CallState="(\w+)"/.exec(body)?.[1];
            return state ? `${name}:${state}` : name;
          }),
      );
    try {
      await withFleet(['fleet', '--config', file], async (control) => {
        const macs = ((await (await fetch(`${control}/phones`)).json()) as { mac: string }[]).map((p) => p.mac.toLowerCase());
        await waitFor(() =>
          byPhone(macs)
            .slice(0, 2)
            .every((events) => events.length === 2),
        );
        const rest = async (i: number, path: string, data: unknown): Promise<void> => {
          const res = await fetch(`${control}/phones/${i}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ data }),
          });
          assert.equal(res.status, 200, `${path}: ${await res.text()}`);
        };
        await rest(1, '/api/v1/callctrl/dial', { Dest: '5002', Line: 1 });
        await rest(2, '/api/v1/callctrl/answerCall', {});
        const status = (await (await fetch(`${control}/phones/1/api/v2/webCallControl/callStatus`)).json()) as {
          data: { CallHandle: string }[];
        };
        await rest(1, '/api/v1/callctrl/endCall', { Ref: status.data[0]?.CallHandle });
        await waitFor(() =>
          byPhone(macs)
            .slice(0, 2)
            .every((events) => events.at(-1) === 'OnHookEvent'),
        );
        const [caller, callee, left] = byPhone(macs);
        for (const events of [caller, callee]) assert.deepEqual(events?.slice(0, 2), ['UIInitializationEvent', 'LineRegistrationEvent']);
        assert.deepEqual(caller?.slice(2, 5), ['OffHookEvent', 'CallStateChangeEvent:Dialtone', 'OutgoingCallEvent']);
        const connected = caller?.indexOf('CallStateChangeEvent:Connected') ?? -1;
        assert.ok(connected > 4 && connected < (caller?.indexOf('CallStateChangeEvent:Disconnected') ?? -1), caller?.join());
        assert.deepEqual(callee?.slice(2), [
          'IncomingCallEvent',
          'CallStateChangeEvent:Offering',
          'OffHookEvent',
          'CallStateChangeEvent:Connected',
          'CallStateChangeEvent:Disconnected',
          'OnHookEvent',
        ]);
        assert.deepEqual(left, [], 'the phone whose own set empties the URL posts nothing');
        assert.ok(receiver.received.every((r) => r.url === '/tel' && r.method === 'POST'));
      });
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const name of readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'compose.yaml')) {
    it(`examples/${name} starts, with the phones it lists`, async () => {
      const plan = parseFleetFile(name, readFileSync(join(EXAMPLES, name), 'utf8'));
      await withFleet(['fleet', '--config', join(EXAMPLES, name)], async (control) => {
        const phones = (await (await fetch(`${control}/phones`)).json()) as { model: string; number: string }[];
        assert.deepEqual(
          phones.map((p) => [p.model, p.number]),
          plan.members.map((m) => [m.model, m.number]),
        );
      });
    });
  }

  it('examples/compose.yaml runs polysim with the example fleet file', async () => {
    const compose = parseYaml(readFileSync(join(EXAMPLES, 'compose.yaml'), 'utf8')) as {
      services: { phones: { command: string[]; volumes: string[]; ports: string[] } };
    };
    const { command, volumes, ports } = compose.services.phones;
    // The control API is published on this machine only, with no fixed (weak) token: polysim generates one.
    assert.deepEqual(
      ports.filter((p) => p.endsWith(':8790')),
      ['127.0.0.1:8790:8790'],
    );
    assert.ok(!command.includes('--control-token'), command.join(' '));
    // The mounted file is examples/fleet.yaml; inside the container it is /fleet/fleet.yaml.
    const mount = volumes.find((v) => v.endsWith(':/fleet/fleet.yaml:ro')) as string;
    const args = command.map((a) => (a === '/fleet/fleet.yaml' ? join(EXAMPLES, mount.split(':')[0] as string) : a));
    const data = mkdtempSync(join(tmpdir(), 'polysim-compose-'));
    try {
      // On this machine: loopback and a temporary data dir instead of the container's 0.0.0.0 and /data; a token, as
      // polysim generates one beyond loopback.
      const local = [
        ...args.map((a, i) => (args[i - 1] === '--address' ? '127.0.0.1' : args[i - 1] === '--data-dir' ? data : a)),
        '--control-token',
        't0ken',
      ];
      await withFleet(local, async (control, out) => {
        assert.match(out, /fleet of 7 phones/);
        assert.match(out, /dashboard http:\/\/\S+\/\?login=[\w-]+/);
        assert.equal((await fetch(`${control}/phones`)).status, 401);
        const res = await fetch(`${control}/phones`, { headers: { authorization: 'Bearer t0ken' } });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as unknown[]).length, 7);
      });
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});

/** polysim <args> in this process on free ports; fn gets the control URL and the banner. */
async function withFleet(args: string[], fn: (control: string, out: string) => Promise<void>): Promise<void> {
  const r = cli([
    ...args,
    '--http-port',
    '0',
    '--https-port',
    '0',
    '--sip-port',
    '0',
    '--sip-tls-port',
    '0',
    '--control-port',
    '0',
    '--init-ms',
    '0',
  ]);
  let over = false;
  void r.code.then(() => {
    over = true;
  });
  while (!/control\s+(http:\/\/\S+)\/phones/.test(r.stdout())) {
    if (over) assert.fail(`polysim exited ${await r.code}: ${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
  try {
    await fn((/control\s+(http:\/\/\S+)\/phones/.exec(r.stdout()) as RegExpExecArray)[1] as string, r.stdout());
  } finally {
    assert.equal(await r.stop(), 0);
  }
}

describe('scenarios on a fleet', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 9, 0, 0));
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
  const phone = (i: number) => (fleet.phones[i - 1] as Fleet['phones'][number]).phone;
  const states = (i: number): string[] =>
    phone(i)
      .calls.all()
      .map((c) => c.state);

  before(async () => {
    fleet = await startFleet(
      {
        count: 4,
        model: 'VVX 450',
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        firstNumber: 6001,
        adminPassword: PASSWORD,
        clock,
        timing: { initMs: 0, rebootMs: 5000 },
        members: [{}, { model: 'CCX 600', firmware: '9.5.0', set: { 'httpd.rest.auth.basic.enabled': '1' } }, {}, {}],
      },
      await createHttpApp(false),
    );
    ({ control, url: ctl } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  it('phones of a fleet take their own model and values', () => {
    assert.equal(phone(2).profile.model.name, 'CCX 600');
    assert.equal(phone(2).config.get('httpd.rest.auth.basic.enabled')?.source, 'CONFIG');
    assert.equal(phone(1).profile.model.name, 'VVX 450');
  });

  it("busy agent, incoming queue, periodic reboot and registration loss, on the fleet's clock", () => {
    const specs: ScenarioSpec[] = [
      { kind: 'busy-agent', phone: 1, callSeconds: 30, gapSeconds: 5 },
      { kind: 'incoming-queue', phone: 2, perMinute: 6, maxWaiting: 3, from: '+1666' },
      { kind: 'periodic-reboot', phone: 3, everyMinutes: 2 },
      { kind: 'registration-loss', phone: 4, afterSeconds: 10, forSeconds: 20, everySeconds: 60 },
    ];
    const running = runScenarios(fleet, specs, clock);
    try {
      clock.advance(0);
      assert.deepEqual(states(1), ['Connected'], 'the agent answered the first caller');
      clock.advance(30_000);
      assert.deepEqual(states(1), [], 'the caller hung up');
      clock.advance(5_000);
      assert.deepEqual(states(1), ['Connected'], 'the next caller, after the gap');

      // Six a minute: one every 10 s, ringing until answered, at most three waiting.
      assert.equal(states(2).filter((s) => s === 'Offering').length, 3);
      assert.match(phone(2).calls.all()[0]?.remote.number ?? '', /^\+1666\d{4}$/);

      clock.advance(120_000 - 35_000);
      assert.equal(phone(3).isUp, false, 'rebooting every two minutes');
      clock.advance(5_000);
      assert.equal(phone(3).isReady, true, 'and back');
    } finally {
      running.stop();
    }
    clock.advance(600_000);
    assert.deepEqual(states(1), ['Connected'], 'stopped: no more callers, the last stays until someone hangs up');
  });

  it('registration loss: the line shows Unregistered, dialling answers 4002, no call reaches it, then it registers again', async () => {
    const running = runScenarios(fleet, [{ kind: 'registration-loss', phone: 4, line: 1, afterSeconds: 10, forSeconds: 20 }], clock);
    try {
      assert.equal(phone(4).lines.get(1).registered, true);
      clock.advance(10_000);
      assert.equal(phone(4).lines.get(1).registered, false);
      const url = fleet.phones[3]?.httpUrl as string;
      const line = (await (await fetch(`${url}/api/v2/mgmt/lineInfo?line=1`, { headers: AUTH })).json()) as {
        data: { RegistrationStatus: string }[];
      };
      assert.equal(line.data[0]?.RegistrationStatus, 'Unregistered');
      const dial = await fetch(`${url}/api/v1/callctrl/dial`, { method: 'POST', headers: AUTH, body: '{"data":{"Dest":"6001"}}' });
      assert.deepEqual(await dial.json(), { Status: '4002' });
      const incoming = await fetch(`${ctl}/phones/4/incoming`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"from":"555"}',
      });
      assert.equal(incoming.status, 409);
      clock.advance(20_000);
      assert.equal(phone(4).lines.get(1).registered, true);
    } finally {
      running.stop();
    }
  });

  it("the control API takes a line's registration away and gives it back", async () => {
    const put = (registered: boolean): Promise<Response> =>
      fetch(`${ctl}/phones/1/lines/1/registration`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ registered }),
      });
    assert.deepEqual(await (await put(false)).json(), { line: 1, registered: false });
    assert.equal(phone(1).lines.get(1).registered, false);
    assert.deepEqual(await (await put(true)).json(), { line: 1, registered: true });
    assert.equal(
      (
        await fetch(`${ctl}/phones/1/lines/99/registration`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"registered":true}',
        })
      ).status,
      400,
    );
  });
});
