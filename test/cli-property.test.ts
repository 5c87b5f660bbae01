/**
 * Properties of the command line and of fleet files under generated input (fast-check, seeded and bounded): `main`
 * never throws, and ends either in a start (stood in for: nothing listens) or in exit code 2 with one line on
 * stderr; the fleet file validator accepts a file or throws FleetFileError with one line per problem.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { main } from '../src/cli/program.js';
import type { Runners } from '../src/cli/program.js';
import type { StartCliOptions } from '../src/cli/start.js';
import { FleetFileError, PolysimError } from '../src/errors.js';
import { checkFleetSpec } from '../src/runtime/fleet.js';
import type { FleetPlan } from '../src/runtime/fleet-file.js';
import { parseFleetFile } from '../src/runtime/fleet-file.js';

const SEED = 20261207;
const dir = mkdtempSync(join(tmpdir(), 'polysim-cli-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const goodFile = join(dir, 'good.yaml');
writeFileSync(goodFile, 'phones:\n  - { model: CCX 600, count: 2, number: "0700" }\n  - {}\n');
const badFile = join(dir, 'bad.yaml');
writeFileSync(badFile, 'phones:\n  - { count: 2, httpPort: 65535 }\n');
const FILES = [goodFile, badFile, '/dev/zero', '/dev/null', dir, join(dir, 'absent'), ''];

/** Values that sit on or past an edge: ranges, 2^53, number syntax JavaScript accepts and the options must not. */
const edgy = fc.constantFrom(
  '',
  ' ',
  '0',
  '1',
  '-1',
  '65535',
  '65536',
  '3600000',
  '3600001',
  '10000',
  '10001',
  '999999999999999',
  '1000000000000000',
  '9007199254740992',
  '9007199254740993',
  '99999999999',
  '1e6',
  '0x10',
  '+5',
  '5.5',
  'NaN',
  'Infinity',
  '1_000',
  '127.0.0.1',
  '::1',
  '0.0.0.0',
  '999.1.1.1',
  'abc',
  'dead:beef',
  '[::1]:5060',
  'pbx.example:0',
  'pbx.example:99999',
  'a b',
  'x=y',
  '=y',
  'name=',
  '0004f2ab12cd',
  'tone',
  'tls',
  'VVX 450',
  '9.5.0',
  '-',
  '--',
  '\u0000',
  'é',
  '{number}',
);
const value = fc.oneof(
  { weight: 4, arbitrary: edgy },
  { weight: 2, arbitrary: fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 3000 }) },
  { weight: 2, arbitrary: fc.constantFrom(...FILES) },
);

const VALUED = [
  '--model',
  '--firmware',
  '--address',
  '--http-port',
  '--https-port',
  '--sip-port',
  '--sip-tls-port',
  '--registrar',
  '--registrar-transport',
  '--sip-password',
  '--media',
  '--control-port',
  '--control-token',
  '--control-allow-host',
  '--first-number',
  '--ready-file',
  '--data-dir',
  '--admin-password',
  '--set',
  '--tls-cert',
  '--tls-key',
  '--latency-ms',
  '--body-timeout-ms',
  '--transfer-timeout-ms',
  '--transfer-answer-ms',
  '--init-ms',
  '--restart-ms',
  '--reboot-ms',
  '--skype-account',
  '--log-level',
  '--count',
  '--config',
  '--address-range',
  '--host',
  '--hosts',
  '--user',
  '--password',
  '--auth',
  '--ca',
  '--pin',
  '--mac',
  '--concurrency',
  '--wait-timeout',
  '--real',
  '--sim',
];
const FLAGS = ['--no-control', '--factory', '--queue', '--insecure', '--insecure-http', '--wait', '--json', '--no-such-flag'];

/** Values an option takes, and some just past its range, so that many vectors start and the ranges are tried. */
const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)).map(String);
const fitting = fc
  .oneof(
    fc.tuple(fc.constantFrom('--http-port', '--https-port', '--sip-port', '--sip-tls-port', '--control-port'), digits(0, 65535)),
    fc.tuple(
      fc.constantFrom('--latency-ms', '--body-timeout-ms', '--transfer-answer-ms', '--init-ms', '--restart-ms', '--reboot-ms'),
      fc.oneof(digits(0, 3_600_000), digits(0, 2 ** 32)),
    ),
    fc.tuple(fc.constant('--count'), fc.oneof(digits(1, 10_000), digits(1, 20_000))),
    fc.tuple(
      fc.constant('--first-number'),
      fc.oneof(digits(1, 999_999_999_999_999), digits(1, 2 ** 53 - 1), fc.constant('9007199254740993')),
    ),
    fc.tuple(fc.constantFrom('--address', '--address-range'), fc.constantFrom('127.0.0.1', '127.0.1.1', '::1', '0.0.0.0')),
    fc.tuple(fc.constant('--model'), fc.constantFrom('VVX 450', 'ccx600', 'Trio 8800')),
    fc.tuple(fc.constant('--registrar'), fc.constantFrom('pbx.example', '127.0.0.1:5070', '[::1]:5060')),
    fc.tuple(fc.constant('--config'), fc.constantFrom(goodFile, badFile)),
  )
  .map(([o, v]) => [o, v]);

const option = fc.oneof(
  { weight: 10, arbitrary: fitting },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...VALUED), value).map(([o, v]) => [o, v]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...VALUED), value).map(([o, v]) => [`${o}=${v}`]) },
  { weight: 1, arbitrary: fc.constantFrom(...FLAGS).map((f) => [f]) },
  { weight: 1, arbitrary: value.map((v) => [v]) },
);
const argv = fc
  .tuple(fc.constantFrom('start', 'start', 'fleet', 'fleet', 'ctl', 'compare', 'models', 'strat'), fc.array(option, { maxLength: 5 }))
  .map(([command, options]) => [command, ...(command === 'ctl' ? ['device', 'info'] : []), ...options.flat()]);

describe('the command line under generated arguments', () => {
  it('never throws past main: a start, or exit code 2 with one line on stderr', async () => {
    let starts = 0;
    let refusals = 0;
    const run: Runners = {
      // The checks a start makes before anything listens, then nothing.
      start: async (o: StartCliOptions, _io, plan?: FleetPlan) => {
        checkFleetSpec({ ...o, count: o.count ?? 1, members: plan?.members });
        // What a start is given is in range: every timer fits setTimeout, every port is a port, numbers are exact.
        for (const ms of [o.latencyMs, o.bodyTimeoutMs, o.transferTimeoutMs, o.transferAnswerMs, o.initMs, o.restartMs, o.rebootMs]) {
          assert.ok(ms === undefined || (Number.isInteger(ms) && ms >= 0 && ms <= 2 ** 31 - 1), `a timer of ${ms} ms`);
        }
        for (const p of [o.httpPort, o.httpsPort, o.sipPort, o.sipTlsPort, o.controlPort])
          assert.ok(Number.isInteger(p) && p >= 0 && p <= 65535, `port ${p}`);
        assert.ok(Number.isSafeInteger(o.firstNumber + (o.count ?? 1)), `numbers from ${o.firstNumber}`);
        assert.notEqual(isIP(o.address), 0, o.address);
        starts++;
      },
      ctl: async () => 0,
      compare: async () => 0,
      eventsListen: async () => 0,
      clock: async () => 0,
    };
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        let stdout = '';
        let stderr = '';
        const io = {
          stdout: {
            write: (s: string) => {
              stdout += s;
            },
          },
          stderr: {
            write: (s: string) => {
              stderr += s;
            },
          },
          env: {},
        };
        const before = starts;
        let code: number;
        try {
          code = await main(args, io, run);
        } catch (err) {
          // A check in the start's stand-in is what runStart would have thrown: main's catch maps it the same way.
          if (!(err instanceof PolysimError)) throw err;
          assert.equal(starts, before);
          return;
        }
        const where = `polysim ${JSON.stringify(args)}: exit ${code}\n${stderr}`;
        if (code === 0) {
          assert.equal(stderr, '', where);
          return;
        }
        refusals++;
        assert.equal(code, 2, where);
        assert.equal(starts, before, where);
        // A fleet file's problems are one line each, under a line naming the file.
        const lines = stderr.trimEnd().split('\n');
        assert.ok(lines.length === 1 || /problems:$/.test(lines[0] ?? ''), where);
        assert.match(lines[0] ?? '', /^polysim( ctl)?: \S/, where);
        assert.ok(stdout === '', where);
      }),
      { numRuns: 600, seed: SEED },
    );
    // The generator reaches both ends.
    assert.ok(starts > 40, `${starts} starts`);
    assert.ok(refusals > 100, `${refusals} refusals`);
  });
});

/** A field's value as a fleet file might hold it: right, wrong type, edge numbers, huge or odd strings. */
const fieldValue = fc.oneof(
  fc.integer({ min: -2, max: 70_000 }),
  fc.constantFrom(0, 1, 65535, 65536, 10_000, 10_001, 2 ** 53, 2 ** 53 + 2, 1e300, -0, 0.5, 999_999_999_999_999),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  edgy,
  fc.string({ maxLength: 40 }),
  fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
/** Mostly a value that fits, sometimes anything: so that some files pass and the rest fail on one field or a few. */
const mostly = <T>(fits: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 30, arbitrary: fits }, { weight: 1, arbitrary: fieldValue });
const port = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 60_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(65535, 65534) },
);
const phone = fc.record(
  {
    model: mostly(fc.constantFrom('VVX 450', 'CCX 600', 'Trio 8800')),
    count: mostly(fc.integer({ min: 1, max: 4 })),
    number: mostly(
      fc.oneof(
        fc.constantFrom('1001', '0800', '9007199254740993', '9'.repeat(31), '+4930'),
        fc.bigInt({ min: 0n, max: 10n ** 31n }).map(String),
      ),
    ),
    adminPassword: mostly(fc.string({ minLength: 1, maxLength: 32 })),
    httpPort: mostly(port),
    httpsPort: mostly(port),
    sipPort: mostly(port),
    sipTlsPort: mostly(port),
    set: mostly(fc.constantFrom({ 'locInfo.city': 'Oslo' }, { 'reg.1.label': 'Desk' })),
  },
  { requiredKeys: [] },
);
const fleetFile = fc.record(
  {
    phones: fc.oneof({ weight: 12, arbitrary: fc.array(phone, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fieldValue }),
    firstNumber: mostly(fc.oneof(fc.integer({ min: 1, max: 99_999 }), fc.constant(999_999_999_999_999))),
    httpPort: mostly(port),
    httpsPort: mostly(port),
    sipPort: mostly(port),
    sipTlsPort: mostly(port),
    controlPort: mostly(port),
    registrar: mostly(fc.constantFrom('pbx.example', 'pbx.example:5060', '[::1]:5070', 'pbx:0', '-x', '[zz]')),
    address: mostly(fc.constantFrom('127.0.0.1', '127.0.1.1')),
    media: mostly(fc.constantFrom('tone', 'off')),
    scenarios: mostly(
      fc.array(
        fc.record({
          kind: fc.constantFrom('periodic-reboot', 'teleport'),
          phone: fc.integer({ min: 1, max: 5 }),
          everyMinutes: mostly(fc.integer({ min: 1, max: 60 })),
        }),
        { maxLength: 2 },
      ),
    ),
  },
  { requiredKeys: ['phones'], noNullPrototype: true },
);

describe('fleet files under generated content', () => {
  it('are accepted whole (numbers unique, ports that fit) or refused with one line per problem', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 8, arbitrary: fleetFile }, { weight: 1, arbitrary: fc.anything() }), fc.boolean(), (data, json) => {
        const text = json ? (JSON.stringify(data) ?? 'null') : (JSON.stringify(data, null, 1) ?? 'null');
        let plan: FleetPlan;
        try {
          plan = parseFleetFile(json ? 'f.json' : 'f.yaml', text);
        } catch (err) {
          if (!(err instanceof FleetFileError)) throw err;
          assert.ok(err.problems.length > 0);
          for (const p of err.problems) assert.ok(p.length > 0 && !p.includes('\n'), JSON.stringify(p));
          return;
        }
        accepted++;
        const numbers = plan.members.map((m) => m.number as string);
        assert.equal(new Set(numbers).size, numbers.length, 'numbers differ');
        for (const n of numbers) assert.match(n, /^[0-9*#+]{1,32}$/);
        assert.ok(plan.members.length <= 10_000);
        for (const m of plan.members) {
          for (const port of [m.httpPort, m.httpsPort, m.sipPort, m.sipTlsPort])
            assert.ok(port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65535), String(port));
        }
        // What the file says passes the checks a start makes before anything listens.
        checkFleetSpec({
          count: plan.members.length,
          firstNumber: 1001,
          members: plan.members,
          httpPort: plan.httpPort ?? 8080,
          httpsPort: plan.httpsPort ?? 8443,
          sipPort: plan.sipPort ?? 5060,
          sipTlsPort: plan.sipTlsPort ?? 5061,
        });
      }),
      { numRuns: 1500, seed: SEED },
    );
    assert.ok(accepted > 50, `${accepted} files accepted`);
  });
});
