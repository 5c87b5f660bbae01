/** The `polysim` command line: `main(argv, io)` builds the commands and runs one, in-process (tests call it). */
import { Command, CommanderError, Help, Option } from 'commander';
import { VERSION } from '../version.js';
import { CliError, ExitCode, PolysimError } from '../errors.js';
import { readFleetFile } from '../runtime/fleet-file.js';
import { checkShard, parseShardIndex, shardFirstNumber, shardPlan } from '../runtime/shards.js';
import type { Shard } from '../runtime/shards.js';
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
  defaultPorts,
  firstNumber,
  fleetSize,
  shardCount,
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
import { CLUSTER_DEFAULTS, DEFAULT_TOKEN_FILE, runK8s } from './k8s.js';
import type { K8sCliOptions } from './k8s.js';
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
  // The default ports, moved by POLYSIM_HTTP_PORT, ... (options.ts); a variable that names no port stops the commands that use it.
  const defaults = defaultPorts(io.env);
  const portsFromEnv = (): void => {
    if (defaults.problem !== undefined) throw new CliError(defaults.problem);
  };
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
      .option('--http-port <port>', 'HTTP port (0: any free port; default also from POLYSIM_HTTP_PORT)', port, defaults.ports.httpPort)
      .option('--https-port <port>', 'HTTPS port (0: any free port; default also from POLYSIM_HTTPS_PORT)', port, defaults.ports.httpsPort)
      .option(
        '--sip-port <port>',
        'SIP port, UDP and TCP (REST commands in NOTIFY; default also from POLYSIM_SIP_PORT)',
        port,
        defaults.ports.sipPort,
      )
      .option(
        '--sip-tls-port <port>',
        "SIP over TLS port, with the phone's certificate (default also from POLYSIM_SIP_TLS_PORT)",
        port,
        defaults.ports.sipTlsPort,
      )
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
      .option(
        '--control-port <port>',
        "port of polysim's control API (0: any free port; default also from POLYSIM_CONTROL_PORT)",
        port,
        defaults.ports.controlPort,
      )
      .option('--no-control', 'do not serve the control API')
      .option(
        '--control-token <token>',
        'the control API demands this token (Authorization: Bearer; or the environment variable POLYSIM_CONTROL_TOKEN); default: none on loopback, generated otherwise',
      )
      .addOption(
        new Option('--control-allow-host <name>', 'a host name the control API answers to besides its address (repeatable)')
          .argParser(collectList)
          .default([], 'none'),
      )
      .addOption(
        new Option(
          '--peer-control <url>',
          "another shard's control API (repeatable): the dashboard shows its phones too, reached through this port with this port's token",
        )
          .argParser(collectList)
          .default([], 'none'),
      )
      .option(
        '--peers-dns <name:port>',
        'the shards of the fleet in DNS (one control API per A or AAAA record, e.g. a headless Service): the dashboard shows them all',
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
      .option(
        '--admin-password <pw>',
        'admin password (user Polycom; or the environment variable POLYSIM_ADMIN_PASSWORD); default: kept from the data dir, or generated',
        adminPassword,
      )
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
    portsFromEnv();
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
      '--shard <ordinal>',
      'run as shard i of --shards: the file or --count moved by i spans of numbers, MACs of its own (a number, a name ending in -i, or auto: the host name)',
    )
    .option('--shards <n>', 'how many shards the whole fleet has (with --shard)', shardCount)
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
    .action(async (opts: StartCliOptions & { config?: string; shard?: string; shards?: number }, cmd: Command) => {
      portsFromEnv();
      if (opts.config === undefined && opts.count === undefined) throw new CliError('fleet needs --count <n> or --config <file>');
      if (opts.config !== undefined && opts.count !== undefined)
        throw new CliError('--count and --config do not go together: the file lists the phones');
      if ((opts.shard === undefined) !== (opts.shards === undefined)) throw new CliError('--shard and --shards go together');
      const shard: Shard | undefined =
        opts.shards === undefined ? undefined : { index: parseShardIndex(opts.shard as string), count: opts.shards };
      if (shard) checkShard(shard);
      if (opts.config === undefined) {
        await run.start(
          shard ? { ...opts, shardOf: shard, firstNumber: shardFirstNumber(opts.firstNumber, opts.count as number, shard) } : opts,
          io,
        );
        return;
      }
      const file = readFleetFile(opts.config);
      const plan = shard ? shardPlan(file, opts.firstNumber, shard) : file;
      // The file's address and ports, unless given on the command line too.
      const fromCli = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
      const merged: StartCliOptions = { ...opts, count: plan.members.length, shardOf: shard };
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
    .description('talk to a phone (or many, or the phones of polysim shards) through the PolyPhone client: ctl <group> <command> [args]')
    .argument('<group>', 'device, network, config, line, call, screen, session; phones (list, count [field]) for shards')
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
    .option('--concurrency <n>', 'phones (and shards) at once with --hosts or shards', concurrency, 8)
    .option(
      '--wait',
      'after device reboot, restart, factory-reset or provision: wait until the phone answers again (one --host: each change on stderr)',
    )
    .option('--wait-timeout <s>', 'how long --wait waits (seconds)', seconds, 120)
    .addOption(
      new Option(
        '--control <url>',
        "a polysim's control API, e.g. http://127.0.0.1:8790 (repeatable, or comma-separated): without --host(s), the shards whose phones the command is for; with them, a Status error shows the phone's reason from its journal",
      )
        .argParser(collectList)
        .default([], 'none'),
    )
    .option('--controls <file>', 'shards: their control API URLs in a file, one per line')
    .option('--control-dns <name:port>', 'shards: one control API per address (A, AAAA) the name resolves to, e.g. a headless Service')
    .option('--dns-server <ip[:port]>', "ask this DNS server for --control-dns instead of the system's resolver")
    .addOption(
      new Option(
        '--where <field=value>',
        'which phones of the shards (repeatable, all must hold): shard, index, model, family, firmware, number, state, registered, calls, ...; * and ? wildcards, a,b alternatives, a-b ranges, != negates',
      )
        .argParser(collectList)
        .default([], 'none'),
    )
    .option('--control-token <token>', 'the control token (or the environment variable POLYSIM_CONTROL_TOKEN)')
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
    .option(
      '--control <url>',
      "the polysim's control API (default port also from POLYSIM_CONTROL_PORT)",
      `http://127.0.0.1:${defaults.ports.controlPort}`,
    )
    .option('--token <token>', 'its control token (or the environment variable POLYSIM_CONTROL_TOKEN)')
    .option('--speed <n>', 'run at n times real time from now on (0: stop)', clockSpeed)
    .option('--advance <duration>', 'move ahead now by this much: 500ms, 90s, 15m, 8h, 1d', duration)
    .option('--json', 'print the answer as JSON')
    .action(async (opts: ClockCliOptions) => {
      portsFromEnv();
      code = await run.clock(opts, io);
    });

  program
    .command('k8s')
    .description('print Kubernetes manifests: a StatefulSet of fleet shards, Kamailio, Services (kubectl apply -f -)')
    .requiredOption('--shards <n>', 'pods, one fleet shard each', shardCount)
    .option('--phones <n>', 'phones per shard', fleetSize)
    .option('--config <file>', 'a fleet file every shard runs (its numbers moved by the shard ordinal) instead of --phones')
    .option('--model <name>', 'model of the phones (with --phones)', CLUSTER_DEFAULTS.model)
    .option('--first-number <n>', 'number of the first phone of shard 0 (with --phones)', firstNumber, CLUSTER_DEFAULTS.firstNumber)
    .option('--registrar <host[:port]>', "a SIP server of yours instead of the manifests' Kamailio", registrar)
    .addOption(
      new Option('--media <kind>', 'RTP of calls (with --phones)').choices(['tone', 'silence', 'off']).default(CLUSTER_DEFAULTS.media),
    )
    .option('--name <name>', 'name of the StatefulSet; the other objects are named after it', CLUSTER_DEFAULTS.name)
    .option('--namespace <ns>', "namespace of every object (default: kubectl's)")
    .option('--image <image>', "polysim's container image (the Dockerfile's)", CLUSTER_DEFAULTS.image)
    .option('--kamailio-image <image>', "Kamailio's image (deploy/kamailio.Containerfile)", CLUSTER_DEFAULTS.kamailioImage)
    .option('--storage <size>', "each shard's volume for its phones' state", CLUSTER_DEFAULTS.storage)
    .option('--admin-password <pw>', "the phones' admin password, in the Secret (default: generated)", adminPassword)
    .option('--control-token <token>', "the shards' control token, in the Secret (default: generated)")
    .option('--scrape-config', 'print a Prometheus scrape job for the shards (pods found by their labels) instead of the manifests')
    .option('--token-file <path>', "where that Prometheus reads the shards' control token", DEFAULT_TOKEN_FILE)
    .action((opts: K8sCliOptions) => {
      runK8s(opts, io);
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
