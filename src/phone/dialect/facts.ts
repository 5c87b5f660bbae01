/**
 * Dialects as data: how phones shape their answers where they differ from the manual, one row per fact and scope,
 * each with the evidence it rests on (docs/fidelity.md lists them all).
 *
 * A device row says where its evidence was seen (`seen`: the families and firmware of the captures or of the phones a
 * client was run against; a capture on a release is taken to hold from that release on) and where polysim applies it
 * (`scope`). A scope wider than what was seen must say why (`widened`); a test holds every row to that. For each fact
 * the first device row whose scope matches a phone wins; outside every device row's scope, and on every phone run
 * with `--dialect manual`, the manual's answer (MANUAL) wins. Answers read the resolved dialect (dialect.ts); no
 * handler checks a model for a fact of this table.
 */
import type { FamilyId } from '../models.js';

export interface Scope {
  readonly families?: readonly FamilyId[];
  /** Firmware at or above. */
  readonly from?: string;
  /** Firmware below. */
  readonly below?: string;
}

export interface Dialect {
  /** config/get: `Value`/`Source` with the source in lower case (devices), or `value`/`source` upper case (manual). */
  readonly configGetKeys: 'device' | 'manual';
  /** config/get of names the phone lacks: listed in `InvalidParams` beside the known ones (devices), or 4000. */
  readonly unknownConfigNames: 'InvalidParams' | 'status4000';
  /** v1 device/info MACAddress: 12 hex digits (devices) or with colons. */
  readonly v1Mac: 'plain' | 'colons';
  /** v1 device/info DeviceType. */
  readonly v1DeviceType: string;
  /** device/info DeviceVendor (v1 and v2). */
  readonly vendor: string;
  /** What an address field holds when the phone has no IPv6 address. */
  readonly noIpv6: string;
  /** network/stats: `"0 day 2:26:00"` and counters as strings (devices), or the long form and numbers. */
  readonly networkStats: 'device' | 'manual';
  /** lineInfo RegistrationStatus and LineType: lower case (devices) or capitalised (manual). */
  readonly lineInfoCase: 'lower' | 'title';
  /** lineInfo lists only the lines that are configured (devices), or every line of the model. */
  readonly lineInfoLines: 'configured' | 'all';
  /** network/info LANSpeed unit and the CDP key's spelling. */
  readonly lanSpeedUnit: 'Mbps' | 'MB';
  readonly cdpKey: 'CDPCompatibility' | 'CDPCompability';
  /**
   * v1 callStatus: `"CallHandle":"0x..."`, `LineId`, `DurationInSeconds` (devices) or `LineID` (manual); sessionStats
   * names each session by the same handle (`Ref`), its streams by `0x` references of their own (devices).
   */
  readonly v1CallStatus: 'device' | 'manual';
  /** callLogs Duration: `"39 secs"`, `"4 mins 49 secs"`, `""` never answered (devices), or seconds. */
  readonly callLogDuration: 'words' | 'seconds';
  /** callLogs groups: `Missed`, `Received`, `Placed` (devices) or lower case (manual). */
  readonly callLogKeys: 'capitalised' | 'lower';
  /** runningConfig: DHCP and DNS at the top level beside Network (devices), or inside Network. */
  readonly runningConfigSections: 'top' | 'nested';
}

/** `device`: as phones answer, each row within its scope (the default); `manual`: as the manual's pages. */
export type DialectMode = 'device' | 'manual';
export const DIALECT_MODES: readonly DialectMode[] = ['device', 'manual'];

/** One row of the table: a device row (with where it was seen and where it applies) or the manual's answer. */
export interface Fact<K extends keyof Dialect = keyof Dialect> {
  readonly fact: K;
  readonly origin: 'device' | 'manual';
  /** Where the row applies; the manual's row applies everywhere. */
  readonly scope: Scope;
  /** Where its evidence was seen (device rows). */
  readonly seen: readonly Scope[];
  /** Why the row applies beyond what was seen (needed when scope is wider than seen). */
  readonly widened?: string;
  readonly value: Dialect[K];
  readonly source: string;
}

const UCS: readonly FamilyId[] = ['VVX', 'Trio8x00'];
const PVOS: readonly FamilyId[] = ['Trio8300', 'TrioC60', 'CCX', 'EdgeE'];
const EVERY: Scope = { families: [...UCS, ...PVOS] };
const EDGE_E_860: Scope = { families: ['EdgeE'], from: '8.6.0' };
const TRIO_722: Scope = { families: ['Trio8x00'], from: '7.2.2' };
const TRIO_UCS: Scope = { families: ['Trio8x00'] };

const EDGE_E350 = 'captured from an Edge E350 on 8.6.0.1321: rknightion/polylens2otel internal/phoneclient/testdata';
const TRIO_8800 = 'captured from a Trio 8800 on 7.2.2.1094: HL727/Meeting Trio mock data';

/** Why a fact seen on one UCS and one PVOS family is applied to all six. */
const BOTH_LINES =
  'seen on both software lines (UCS on a Trio 8800, PVOS on an Edge E350); the REST API is one ' +
  'implementation per line, shared by its families, so polysim applies it to every family';
/** Why a v1 answer seen on one family is applied to all six. */
const V1_KEPT =
  'v1 is the deprecated UCS API that PVOS keeps for the clients written against it (the manual ' +
  "lists it for every family); polysim takes one family's v1 answer as every family's (its choice: no capture of " +
  "another family's v1 answer found, none contradicts it)";

function row<K extends keyof Dialect>(
  f: K,
  value: Dialect[K],
  seen: readonly Scope[],
  source: string,
  widen?: { scope: Scope; why: string },
): Fact {
  const scope = widen?.scope ?? seen[0] ?? {};
  return { fact: f, origin: 'device', scope, seen, value, source, ...(widen ? { widened: widen.why } : {}) } as unknown as Fact;
}

export const DEVICE_ROWS: readonly Fact[] = [
  row(
    'configGetKeys',
    'device',
    [EDGE_E_860, TRIO_722],
    `${EDGE_E350} (deskie_config_get.json); ${TRIO_8800}; rdbahm/Posh-UCS reads Value/Source on UCS phones`,
    { scope: EVERY, why: `${BOTH_LINES}; a client written for UCS phones (VVX included) reads the same keys` },
  ),
  row(
    'unknownConfigNames',
    'InvalidParams',
    [EDGE_E_860],
    'a client written against Edge E phones reads InvalidParams beside data: polylens2otel internal/phoneclient/client.go',
    {
      scope: EVERY,
      why: "part of the config/get answer whose keys were seen on both software lines; no phone was seen answering 4000 for one unknown name among known ones (polysim's choice)",
    },
  ),

  row('v1Mac', 'plain', [EDGE_E_860, TRIO_722], `${EDGE_E350} (deskie_device_info.json); ${TRIO_8800} (v2: "112233445566")`, {
    scope: EVERY,
    why: V1_KEPT,
  }),
  row('v1DeviceType', 'hardwareEndpoint', [EDGE_E_860], `${EDGE_E350} (deskie_device_info.json)`, { scope: EVERY, why: V1_KEPT }),
  row('vendor', 'Poly', [EDGE_E_860], `${EDGE_E350} (deskie_device_info.json: "Poly")`, {
    scope: { families: PVOS },
    why: 'the rebranded PVOS software names the vendor Poly on every family it runs on; UCS keeps Polycom',
  }),
  row('vendor', 'Polycom', [TRIO_722], 'a Trio 7.2 answer: Mividas device fixture', {
    scope: { families: UCS },
    why: 'UCS is one software for VVX and Trio 8500/8800',
  }),
  row('noIpv6', '::', [EDGE_E_860, TRIO_722], `${EDGE_E350} (device_info, network_info); ${TRIO_8800}`, { scope: EVERY, why: BOTH_LINES }),

  row(
    'networkStats',
    'device',
    [EDGE_E_860, TRIO_722],
    `${EDGE_E350} (deskie_network_stats.json: "0 day 2:26:00", counters as strings); ${TRIO_8800} ("1 day 1:41:50")`,
    { scope: EVERY, why: BOTH_LINES },
  ),

  row('lineInfoCase', 'lower', [EDGE_E_860], `${EDGE_E350} (deskie_line_info.json: "unregistered", "private")`, {
    scope: EVERY,
    why: V1_KEPT,
  }),
  row('lineInfoLines', 'configured', [EDGE_E_860], `${EDGE_E350} (line_info lists the configured lines only)`, {
    scope: EVERY,
    why: V1_KEPT,
  }),

  // Seen on Edge E only, and nothing says other families write it so: elsewhere the manual's answer stands.
  row('lanSpeedUnit', 'Mbps', [EDGE_E_860], `${EDGE_E350} (deskie_network_info.json: "1000Mbps")`),
  row('cdpKey', 'CDPCompatibility', [EDGE_E_860], `${EDGE_E350} (deskie_network_info.json); the manual prints "CDPCompability"`),

  row(
    'v1CallStatus',
    'device',
    [TRIO_UCS],
    'a Trio driver written and run against Trio 5.8 phones: AVISPL PolycomTrio.java and its test ({"CallHandle":"0xb53e57c0","LineId":"1","DurationInSeconds":"308"}); rdbahm/Posh-UCS',
    { scope: EVERY, why: `a UCS client (Posh-UCS, VVX included) reads the same keys; ${V1_KEPT}` },
  ),
  row(
    'callLogDuration',
    'words',
    [EDGE_E_860, TRIO_722],
    `${EDGE_E350} (wave3_deskie_call_logs.json: "39 secs", ""); HL727/Meeting ("4 mins 49 secs")`,
    { scope: EVERY, why: BOTH_LINES },
  ),
  row(
    'callLogKeys',
    'capitalised',
    [TRIO_UCS],
    'monitoring written against Trio phones reads Placed, Missed, Received: centreon-plugins Trio calls-summary mode',
    {
      scope: EVERY,
      why: "UCS is one software for VVX and Trio 8500/8800; callLogs is a UCS API that PVOS keeps (polysim's choice: no capture of a PVOS call log's keys found besides the entries)",
    },
  ),

  // Seen on a Trio 8800 7.2.2 only: elsewhere the manual's answer stands.
  row('runningConfigSections', 'top', [TRIO_722], `${TRIO_8800} (DHCP, DNS, SNTP, Syslog, Provisioning beside Network)`),
];

const PAGE = 'the manual (Poly UC Software / Poly Voice Software REST API reference, Q35596-001)';

/** What the manual's pages show, for every fact: the answer outside every device row and under `--dialect manual`. */
export const MANUAL: { readonly [K in keyof Dialect]: { readonly value: Dialect[K]; readonly page: string } } = {
  configGetKeys: { value: 'manual', page: `${PAGE}: Management.GetConfig, "value" and "source": "<LOCAL/WEB/CONFIG/DEFAULT>"` },
  unknownConfigNames: { value: 'status4000', page: `${PAGE}: 4000 Invalid input parameters` },
  v1Mac: { value: 'colons', page: `${PAGE}: Management.DeviceInfo` },
  v1DeviceType: { value: 'HardwareEndPoint', page: `${PAGE}: Management.DeviceInfo "DeviceType": "HardwareEndPoint"` },
  vendor: { value: 'Polycom', page: `${PAGE}: Management.DeviceInfo "DeviceVendor": "Polycom"` },
  noIpv6: { value: '', page: `${PAGE}: "IPV6Address": "<IP ADDRESS>" (empty without one)` },
  networkStats: { value: 'manual', page: `${PAGE}: Management.NetworkStatistics, RxPackets and TxPackets as numbers` },
  lineInfoCase: { value: 'title', page: `${PAGE}: Management.LineInfo "Registered", "Private"` },
  lineInfoLines: { value: 'all', page: `${PAGE}: Management.LineInfo (every line)` },
  lanSpeedUnit: { value: 'MB', page: `${PAGE}: Management.NetworkInfo "LANSpeed": "10MB"` },
  cdpKey: { value: 'CDPCompability', page: `${PAGE}: Management.NetworkInfo "CDPCompability"` },
  v1CallStatus: { value: 'manual', page: `${PAGE}: WebCallControl.CallStatus "LineID"` },
  callLogDuration: { value: 'seconds', page: `${PAGE}: WebCallControl.CallLogs "Duration"` },
  callLogKeys: { value: 'lower', page: `${PAGE}: WebCallControl.CallLogs "missed", "received", "placed"` },
  runningConfigSections: { value: 'nested', page: `${PAGE}: Management.RunningConfig (DHCP and DNS inside Network)` },
};

/** The manual's answers as rows of the table (scope: every phone). */
export const MANUAL_ROWS: readonly Fact[] = (Object.keys(MANUAL) as (keyof Dialect)[]).map(
  (f) => ({ fact: f, origin: 'manual', scope: {}, seen: [], value: MANUAL[f].value, source: MANUAL[f].page }) as Fact,
);

/** The whole table: device rows first (the first whose scope matches wins), then the manual's. */
export const FACTS: readonly Fact[] = [...DEVICE_ROWS, ...MANUAL_ROWS];
