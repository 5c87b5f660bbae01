/** The `polysim` command line: `main(argv, io)` builds the commands and runs one, in-process (tests call it). */
import { Command, CommanderError, Help, Option } from 'commander';
import { VERSION } from '../version.js';
import { CliError, ExitCode, PolysimError } from '../errors.js';
import { readFleetFile } from '../runtime/fleet-file.js';
import { DEFAULT_TIMING } from '../phone/phone.js';
import {
  address,
  adminPassword,
  clockSpeed,
  clockStart,
  collectAccount,
  collectList,
  collectSetting,
  concurrency,
  firstNumber,
  fleetSize,
  transferRate,
  ipv4,
  mac,
  milliseconds,
  path,
  port,
  positiveMilliseconds,
  readyFile,
  registrar,
  seconds,
  sha256,
  sipPassword,
} from './options.js';
import { duration, runClock } from './clock.js';
import type { ClockCliOptions } from './clock.js';
import { runCompare } from './compare.js';
import type { CompareOptions } from './compare.js';
import { runCtl } from './ctl.js';
import type { CtlOptions } from './ctl.js';
import { runEventsListen } from './events-listen.js';
import type { EventsListenOptions } from './events-listen.js';
import type { CliIo } from './io.js';
import { modelTable, runStart } from './start.js';
import type { StartCliOptions } from './start.js';

/** What the commands run once their options are parsed and checked; a test may stand in for them. */
export interface Runners {
  readonly start: typeof runStart;
  readonly ctl: typeof runCtl;
  readonly compare: typeof runCompare;
  readonly eventsListen: typeof runEventsListen;
  readonly clock: typeof runClock;
}

const RUNNERS: Runners = { start: runStart, ctl: runCtl, compare: runCompare, eventsListen: runEventsListen, clock: runClock };

export async function main(argv: readonly string[], io: CliIo, run: Runners = RUNNERS): Promise<number> {
  let code: number = ExitCode.OK;
  const program = new Command('polysim')
    // Usage errors read as polysim's others, on one line: "polysim: unknown option '--modle' (Did you mean --model?)".
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) =>
        write(
          `polysim: ${s
            .replace(/^error: /, '')
            .trimEnd()
            .replace(/\n+/g, ' ')}\n`,
        ),
    })
    // Help marks required options (commander only says so when one is missing).
    .configureHelp({
      optionDescription: (option) => {
        const base = new Help().optionDescription(option);
        return option.mandatory ? `${base} (required)` : base;
      },
    })
    .description('A software Poly desk phone: the REST API of VVX, Trio, CCX and Edge E phones, with real state behind it')
    .version(VERSION);

  /** The options `start` and `fleet` share. */
  function phoneOptions(cmd: Command): Command {
    return cmd
      .option('--model <name>', 'model, e.g. "VVX 450", "Trio 8800", "CCX 600", "Edge E450" (case and spaces ignored)', 'VVX 450')
      .option('--firmware <version>', "firmware release, e.g. 6.4.3 (UCS) or 9.5.0 (PVOS); default: the family's")
      .addOption(
        new Option(
          '--dialect <dialect>',
          "answer as phones do (device: each fact where it was seen, docs/fidelity.md) or exactly as the manual's pages (manual)",
        )
          .choices(['device', 'manual'])
          .default('device'),
      )
      .option('--address <ip>', 'address to listen on', address, '127.0.0.1')
      .option('--http-port <port>', 'HTTP port (0: any free port)', port, 8080)
      .option('--https-port <port>', 'HTTPS port (0: any free port)', port, 8443)
      .option('--sip-port <port>', 'SIP port, UDP and TCP (REST commands in NOTIFY)', port, 5060)
      .option('--sip-tls-port <port>', "SIP over TLS port, with the phone's certificate", port, 5061)
      .option(
        '--registrar <host[:port]>',
        'a SIP server line 1 registers to and calls through (default: the built-in switchboard)',
        registrar,
      )
      .addOption(
        new Option('--registrar-transport <transport>', 'SIP transport to the registrar').choices(['udp', 'tcp', 'tls']).default('udp'),
      )
      .option(
        '--sip-password <password>',
        "line 1's SIP password; {number} stands for the line's number (e.g. secret-{number})",
        sipPassword,
      )
      .addOption(
        new Option('--media <kind>', 'what calls on SIP lines carry as RTP: a 400 Hz tone, silence, or no media (large fleets)')
          .choices(['tone', 'silence', 'off'])
          .default('tone'),
      )
      .option('--control-port <port>', "port of polysim's control API (0: any free port)", port, 8790)
      .option('--no-control', 'do not serve the control API')
      .option(
        '--control-token <token>',
        'the control API demands this token (Authorization: Bearer); default: none on loopback, generated otherwise',
      )
      .addOption(
        new Option('--control-allow-host <name>', 'a host name the control API answers to besides its address (repeatable)')
          .argParser(collectList)
          .default([], 'none'),
      )
      .option('--first-number <n>', 'number of line 1 of the first phone', firstNumber, 1001)
      .option('--clock-speed <n>', "the phones' clock runs at n times real time (0: stopped; PUT /clock changes it)", clockSpeed, 1)
      .option('--clock-start <iso>', "the phones' clock starts at this time (e.g. 2027-01-04T09:00:00Z); default: now", clockStart)
      .option(
        '--ready-file <file>',
        "write this JSON file (phones' URLs, control URL) once every phone is ready, for test harnesses to wait on",
        readyFile,
      )
      .option('--data-dir <dir>', "keep the phones' state (config, call log, identity, certificate) here", path)
      .option('--admin-password <pw>', 'admin password (user Polycom); default: kept from the data dir, or generated', adminPassword)
      .addOption(
        new Option('--set <name=value>', 'a config value at the CONFIG level (repeatable)').argParser(collectSetting).default({}, 'none'),
      )
      .option('--factory', 'the phone as shipped: REST API off, admin password 456, stored state cleared')
      .option('--tls-cert <file>', 'PEM certificate for HTTPS instead of the generated one', path)
      .option('--tls-key <file>', 'PEM private key for --tls-cert', path)
      .option('--queue', 'queue concurrent requests instead of answering 403')
      .option('--latency-ms <ms>', 'extra processing time per request', milliseconds, 0)
      .option('--body-timeout-ms <ms>', 'how long a request may take to arrive in full', milliseconds, 10000)
      .option(
        '--transfer-timeout-ms <ms>',
        'overall deadline of each file transfer (export, capture, provisioning)',
        positiveMilliseconds,
        30000,
      )
      .option(
        '--transfer-answer-ms <ms>',
        'how long a transfer keeps its request waiting before it goes on in the background',
        milliseconds,
        5000,
      )
      .option('--init-ms <ms>', `initialisation time after each boot (default: ${DEFAULT_TIMING.initMs})`, milliseconds)
      .option('--restart-ms <ms>', `how long safeRestart keeps the phone away (default: ${DEFAULT_TIMING.restartMs})`, milliseconds)
      .option(
        '--reboot-ms <ms>',
        `how long safeReboot and factoryReset keep the phone away (default: ${DEFAULT_TIMING.rebootMs})`,
        milliseconds,
      )
      .addOption(
        new Option('--skype-account <address=password>', 'an account of the simulated Skype for Business directory (repeatable)')
          .argParser(collectAccount)
          .default(new Map<string, string>(), 'none'),
      )
      .addOption(
        new Option('--log-level <level>', 'log level on stderr')
          .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('warn'),
      );
  }

  phoneOptions(program.command('start').description('start one phone')).action(async (opts: StartCliOptions) => {
    await run.start({ ...opts, count: 1 }, io);
  });

  phoneOptions(program.command('fleet').description('start many phones in one process, on one virtual network'))
    .option('--count <n>', 'how many phones (required without --config)', fleetSize)
    .option(
      '--config <file>',
      'a fleet file (YAML or JSON): phones of mixed models with their own numbers, passwords, values and ports; far ends; scenarios',
    )
    .option('--address-range <ip>', 'address mode: phone i listens on this address + i (same ports for all)', ipv4)
    .option(
      '--per-phone-listeners',
      'address mode: every phone listens on its own address, instead of one socket per port on 0.0.0.0 for all (4 more open files a phone)',
    )
    .option('--boot-spread <ms>', 'phones power on at random moments over this many milliseconds, not all at once', milliseconds)
    .option(
      '--transfer-rate <n>',
      'at most n file transfers a second for the whole fleet (provisioning, uploads): what a shared server sees',
      transferRate,
    )
    .action(async (opts: StartCliOptions & { config?: string }, cmd: Command) => {
      if (opts.config === undefined && opts.count === undefined) throw new CliError('fleet needs --count <n> or --config <file>');
      if (opts.config !== undefined && opts.count !== undefined)
        throw new CliError('--count and --config do not go together: the file lists the phones');
      if (opts.config === undefined) {
        await run.start(opts, io);
        return;
      }
      const plan = readFleetFile(opts.config);
      // The file's address and ports, unless given on the command line too.
      const fromCli = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
      const merged: StartCliOptions = { ...opts, count: plan.members.length };
      for (const key of [
        'address',
        'httpPort',
        'httpsPort',
        'sipPort',
        'sipTlsPort',
        'controlPort',
        'registrar',
        'registrarTransport',
        'sipPassword',
        'media',
        'clockSpeed',
        'clockStart',
      ] as const) {
        const value = plan[key];
        if (value !== undefined && !fromCli(key)) (merged as unknown as Record<string, unknown>)[key] = value;
      }
      await run.start(merged, io, plan);
    });

  program
    .command('ctl')
    .description('talk to a phone (or many) through the PolyPhone client: ctl <group> <command> [args]')
    .argument('<group>', 'device, network, config, line, call, screen, session')
    .argument('<command>', 'e.g. info, get, set, dial, answer, end, key, create')
    .argument('[args...]', "the command's arguments")
    .option('--host <host>', 'the phone: address[:port] (HTTPS) or a URL')
    .option('--hosts <file>', 'run on every phone listed in the file, one per line')
    .option('--user <user>', 'user name', 'Polycom')
    .option('--password <password>', 'password (or the environment variable POLYSIM_PASSWORD)')
    .addOption(new Option('--auth <method>', 'authentication').choices(['auto', 'basic', 'digest', 'session']).default('auto'))
    .option('--ca <file>', "trust this PEM CA (or the phone's own certificate)")
    .option('--pin <sha256>', 'trust the certificate with this SHA-256 fingerprint', sha256)
    .option('--mac <mac>', 'trust a self-signed certificate whose CN is this MAC', mac)
    .option('--insecure-http', 'use plain HTTP for hosts given without a scheme')
    .option('--insecure', 'accept any certificate, as curl -k')
    .option('--concurrency <n>', 'phones at once with --hosts', concurrency, 8)
    .option(
      '--wait',
      'after device reboot, restart, factory-reset or provision: wait until the phone answers again (one --host: each change on stderr)',
    )
    .option('--wait-timeout <s>', 'how long --wait waits (seconds)', seconds, 120)
    .option(
      '--control <url>',
      "a polysim's control API (e.g. http://127.0.0.1:8790): a Status error shows the phone's reason from its journal",
    )
    .option('--control-token <token>', 'its control token (or the environment variable POLYSIM_CONTROL_TOKEN)')
    .option('--json', 'print JSON for scripts, errors too: {"ok": false, "code": <exit code>, "errorCode", "error"}')
    .action(async (group: string, command: string, args: string[], opts: CtlOptions) => {
      code = await run.ctl(opts, group, command, args, io);
    });

  program
    .command('compare')
    .description('ask a real phone and a polysim phone every read-only operation; print the differences in the shape of their answers')
    .requiredOption('--real <url>', 'the real phone, e.g. https://192.0.2.10 (only read: GETs, config/get, callStatus)')
    .requiredOption('--sim <url>', 'the polysim phone, e.g. http://127.0.0.1:8080')
    .option('--user <user>', 'user name on both', 'Polycom')
    .option('--password <password>', 'password of the real phone (or POLYSIM_PASSWORD)')
    .option('--sim-password <password>', 'password of the polysim phone (default: --password)')
    .option('--insecure', "accept any certificate (the phones' own are self-signed)")
    .option('--json', 'print the report as JSON')
    .action(async (opts: CompareOptions) => {
      code = await run.compare(opts, io);
    });

  const events = program.command('events').description('what phones send to web applications: events listen receives and prints it');
  events
    .command('listen')
    .description('receive what phones POST (telephony events, state polling answers) and print one line per document')
    .requiredOption('--port <port>', 'port to listen on (0: any free port)', port)
    .option('--host <ip>', 'address to listen on', address, '127.0.0.1')
    .option('--json', 'print one JSON line per document (the parsed document with receivedAt, from, path)')
    .option('--https', 'listen with HTTPS, with a self-signed certificate')
    .action(async (opts: EventsListenOptions) => {
      code = await run.eventsListen(opts, io);
    });

  program
    .command('clock')
    .description("read the fleet clock of a running polysim, set its speed, or move it ahead (every phone's timers follow it)")
    .option('--control <url>', "the polysim's control API", 'http://127.0.0.1:8790')
    .option('--token <token>', 'its control token (or the environment variable POLYSIM_CONTROL_TOKEN)')
    .option('--speed <n>', 'run at n times real time from now on (0: stop)', clockSpeed)
    .option('--advance <duration>', 'move ahead now by this much: 500ms, 90s, 15m, 8h, 1d', duration)
    .option('--json', 'print the answer as JSON')
    .action(async (opts: ClockCliOptions) => {
      code = await run.clock(opts, io);
    });

  program
    .command('models')
    .description('list the models polysim knows')
    .action(() => {
      io.stdout.write(`${modelTable()}\n`);
    });

  // Usage errors (unknown options and commands, bad values, a missing required option, no command) end with
  // commander's message on stderr and exit code 2, as every other usage error; help and version with 0.
  program.exitOverride();
  const override = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      override(sub);
    }
  };
  override(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    if (err instanceof PolysimError) {
      io.stderr.write(`polysim: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
