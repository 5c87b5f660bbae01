/**
 * Device dialects as data: how real phones shape their answers where the manual shows otherwise, one row per fact,
 * keyed by family and firmware range, each with the evidence it rests on (docs/fidelity.md lists them all).
 * For each fact the first row whose scope matches a phone wins; the last row of a fact is what the manual shows.
 * Answers read the resolved dialect (dialect.ts); no handler checks a model.
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
  /** v1 callStatus: `"CallHandle":"0x..."`, `LineId`, `DurationInSeconds` (devices) or `LineID` (manual). */
  readonly v1CallStatus: 'device' | 'manual';
  /** callLogs Duration: `"39 secs"`, `"4 mins 49 secs"`, `""` never answered (devices), or seconds. */
  readonly callLogDuration: 'words' | 'seconds';
  /** runningConfig: DHCP and DNS at the top level beside Network (devices), or inside Network. */
  readonly runningConfigSections: 'top' | 'nested';
}

export interface Fact<K extends keyof Dialect = keyof Dialect> {
  readonly fact: K;
  readonly scope: Scope;
  readonly value: Dialect[K];
  readonly source: string;
}

const ALL: Scope = {};
const MANUAL = 'the manual (Poly UC Software / Poly Voice Software REST API reference)';
const EDGE_E350 = 'captured from an Edge E350 on 8.6.0.1321: rknightion/polylens2otel internal/phoneclient/testdata';
const TRIO_8800 = 'captured from a Trio 8800 on 7.2.2.1094: HL727/Meeting Trio mock data';

function fact<K extends keyof Dialect>(f: K, scope: Scope, value: Dialect[K], source: string): Fact {
  return { fact: f, scope, value, source } as unknown as Fact;
}

export const FACTS: readonly Fact[] = [
  fact('configGetKeys', ALL, 'device', `${EDGE_E350} (deskie_config_get.json); ${TRIO_8800}; rdbahm/Posh-UCS reads Value/Source on UCS phones`),
  fact('unknownConfigNames', ALL, 'InvalidParams', 'a client written against Edge E phones reads InvalidParams beside data: polylens2otel internal/phoneclient/client.go'),

  fact('v1Mac', ALL, 'plain', `${EDGE_E350} (deskie_device_info.json); ${TRIO_8800} (v2: "112233445566")`),
  fact('v1DeviceType', ALL, 'hardwareEndpoint', `${EDGE_E350} (deskie_device_info.json)`),
  fact('noIpv6', ALL, '::', `${EDGE_E350} (device_info, network_info); ${TRIO_8800}`),

  fact('networkStats', ALL, 'device', `${EDGE_E350} (deskie_network_stats.json: "0 day 2:26:00", counters as strings); ${TRIO_8800} ("1 day 1:41:50")`),

  fact('lineInfoCase', ALL, 'lower', `${EDGE_E350} (deskie_line_info.json: "unregistered", "private")`),
  fact('lineInfoLines', ALL, 'configured', `${EDGE_E350} (line_info lists the configured lines only)`),

  fact('lanSpeedUnit', ALL, 'Mbps', `${EDGE_E350} (deskie_network_info.json: "1000Mbps")`),
  fact('cdpKey', ALL, 'CDPCompatibility', `${EDGE_E350} (deskie_network_info.json); the manual prints "CDPCompability"`),

  fact('v1CallStatus', ALL, 'device', 'a Trio driver written and run against Trio 5.8 phones: AVISPL PolycomTrio.java and its test ({"CallHandle":"0xb53e57c0","LineId":"1","DurationInSeconds":"308"}); rdbahm/Posh-UCS'),
  fact('callLogDuration', ALL, 'words', `${EDGE_E350} (wave3_deskie_call_logs.json: "39 secs", ""); HL727/Meeting ("4 mins 49 secs")`),

  fact('runningConfigSections', ALL, 'top', `${TRIO_8800} (DHCP, DNS, SNTP, Syslog, Provisioning beside Network)`),

  // What the manual shows, for any fact no row above decides.
  fact('configGetKeys', ALL, 'manual', MANUAL),
  fact('unknownConfigNames', ALL, 'status4000', MANUAL),
  fact('v1Mac', ALL, 'colons', MANUAL),
  fact('v1DeviceType', ALL, 'HardwareEndPoint', MANUAL),
  fact('noIpv6', ALL, '', MANUAL),
  fact('networkStats', ALL, 'manual', MANUAL),
  fact('lineInfoCase', ALL, 'title', MANUAL),
  fact('lineInfoLines', ALL, 'all', MANUAL),
  fact('lanSpeedUnit', ALL, 'MB', MANUAL),
  fact('cdpKey', ALL, 'CDPCompability', MANUAL),
  fact('v1CallStatus', ALL, 'manual', MANUAL),
  fact('callLogDuration', ALL, 'seconds', MANUAL),
  fact('runningConfigSections', ALL, 'nested', MANUAL),
];
