/** The phone's network as configured and as it runs: runningConfig, network info and stats, PC port. */
import { Type } from '@sinclair/typebox';
import { hasIpv6, ipStackLabel, ipv4Address, ipv6Address, ipv6LinkAddress } from '../phone/device-facts.js';
import { formatUptimeLong, formatUptimeShort } from '../phone/identity.js';
import type { ParamName } from '../phone/config/param-names.js';
import type { Phone } from '../phone/phone.js';
import { Status } from '../phone/status.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { enabled, S, strings } from './schema.js';

const LAN_SPEED = ['Auto', '10MB', '10MB', '100MB', '100MB', '1000MB'];
const PROV_TYPES = ['FTP', 'Trivial FTP', 'HTTP', 'HTTPS', 'FTPS'];
const SYSLOG_TRANSPORTS = ['None', 'UDP', 'TCP', 'TLS'];
const BOOT_SERVER_USE = ['Default', 'Custom', 'Static', 'Custom and Default'];
const VLAN_DISC = ['Disabled', 'Default', 'Custom'];

/** The provisioning server as the phone shows it: the configured name, or none. */
function provServer(phone: Phone): string {
  return phone.config.value('device.prov.serverName');
}

const NetworkSection = Type.Object({
  IPAddress: S,
  SubnetMask: S,
  IPGateway: S,
  IPStack: S,
  IPv6Address: S,
  IPv6Gateway: S,
  IPv6AddressDiscovery: S,
  IPv6LinkAddress: S,
  IPv6ULAAddress: S,
  PreferredNetwork: S,
  VLAN: S,
  VLANFiltering: S,
  CDP: S,
  LLDP: S,
  StormFilterPPS: S,
  StormFiltering: S,
});
const DhcpSection = strings([
  'Feature',
  'Option60Format',
  'BootServerOptionType',
  'BootServerUseOption',
  'BootServerOption',
  'OfferTimeout',
  'VLANDiscovery',
  'VLANDiscoveryOption',
]);
const DnsSection = strings(['Feature', 'PrimaryServer', 'SecondaryServer', 'Domain']);
const OtherSections = {
  Provisioning: strings(['Server', 'ServerType', 'User', 'FileTxTries', 'RetryWait', 'MaxServers', 'NetworkEnv', 'TagSerialNo']),
  Syslog: strings(['Server', 'Transport', 'RenderLevel', 'Facility', 'PrependMAC']),
  SNTP: strings(['Server', 'GMTOffsetSeconds', 'GMTOffsetHours']),
  TR069: strings(['Feature', 'ACSURL', 'ACSUsername', 'CPEUsername', 'PeriodicInform', 'InformInterval', 'UpgradeManagement']),
};
// DHCP and DNS beside Network, as a Trio 8800 on 7.2.2 answers (docs/fidelity.md) ...
const RunningConfig = Type.Object({ Network: NetworkSection, DHCP: DhcpSection, DNS: DnsSection, ...OtherSections });
// ... or inside it, as the manual shows (the runningConfigSections fact of the dialect table).
const RunningConfigManual = Type.Object({
  Network: Type.Object({ ...NetworkSection.properties, DHCP: DhcpSection, DNS: DnsSection }),
  ...OtherSections,
});

const runningConfig = defineOperation({
  name: 'Management.RunningConfig',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/device/runningConfig'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  // Each family answers one of the two within the device dialect (the row is scoped to where it was seen).
  output: Type.Union([RunningConfig, RunningConfigManual]),
  manualOutput: RunningConfigManual,
  handler: ({ phone }) => {
    const c = phone.config;
    const v = (n: ParamName): string => c.value(n);
    const on = (n: ParamName): string => enabled(c.bool(n));
    const gmt = c.int('device.sntp.gmtOffset');
    const none = phone.dialect.noIpv6;
    const answer = {
      data: {
        Network: {
          IPAddress: ipv4Address(phone),
          SubnetMask: v('device.net.subnetMask'),
          IPGateway: v('device.net.IPgateway'),
          IPStack: ipStackLabel(phone),
          IPv6Address: ipv6Address(phone) || none,
          IPv6Gateway: v('device.net.ipv6Gateway') || none,
          IPv6AddressDiscovery: ['DHCP', 'Static', 'SLAAC'][Number(v('device.net.ipv6AddrDisc'))] ?? 'DHCP',
          IPv6LinkAddress: ipv6LinkAddress(phone) || none,
          IPv6ULAAddress: v('device.net.ipv6ULAAddress') || none,
          PreferredNetwork: v('device.net.preferredNetwork') === '1' ? 'IPv6' : 'IPv4',
          VLAN: v('device.net.vlanId'),
          VLANFiltering: on('device.net.vlanFiltering'),
          CDP: on('device.net.cdpEnabled'),
          LLDP: on('device.net.lldpEnabled'),
          StormFilterPPS: v('device.net.etherStormFilterPpsValue'),
          StormFiltering: on('device.net.etherStormFilter'),
        } as Record<string, unknown>,
        DHCP: {
          Feature: on('device.dhcp.enabled'),
          Option60Format: v('device.dhcp.option60Type') === '1' ? 'RFC3925 Binary' : 'ASCII String',
          BootServerOptionType: v('device.dhcp.bootSrvOptType') === '0' ? 'IP' : 'String',
          BootServerUseOption: BOOT_SERVER_USE[c.int('device.dhcp.bootSrvUseOpt')] ?? 'Default',
          BootServerOption: v('device.dhcp.bootSrvOpt'),
          OfferTimeout: v('device.dhcp.offerTimeout'),
          VLANDiscovery: VLAN_DISC[c.int('device.dhcp.dhcpVlanDisc')] ?? 'Disabled',
          VLANDiscoveryOption: v('device.dhcp.dhcpVlanDiscOpt'),
        },
        DNS: {
          Feature: enabled(v('device.dns.serverAddress') !== ''),
          PrimaryServer: v('device.dns.serverAddress'),
          SecondaryServer: v('device.dns.altSrvAddress'),
          Domain: v('device.dns.domain'),
        },
        Provisioning: {
          Server: provServer(phone),
          ServerType: PROV_TYPES[c.int('device.prov.serverType')] ?? 'HTTP',
          User: v('device.prov.user'),
          FileTxTries: v('device.prov.redunAttemptLimit'),
          RetryWait: v('device.prov.redunInterAttemptDelay'),
          MaxServers: v('device.prov.maxRedunServers'),
          NetworkEnv: 'LAN',
          TagSerialNo: on('device.prov.tagSerialNo'),
        },
        Syslog: {
          Server: v('device.syslog.serverName'),
          Transport: SYSLOG_TRANSPORTS[c.int('device.syslog.transport')] ?? 'None',
          RenderLevel: v('device.syslog.renderLevel'),
          Facility: v('device.syslog.facility'),
          PrependMAC: on('device.syslog.prependMac'),
        },
        SNTP: { Server: v('device.sntp.serverName'), GMTOffsetSeconds: String(gmt), GMTOffsetHours: String(gmt / 3600) },
        TR069: {
          Feature: on('device.tr069.enabled'),
          ACSURL: v('device.tr069.acs.url'),
          ACSUsername: v('device.tr069.acs.username'),
          CPEUsername: v('device.tr069.cpe.username'),
          PeriodicInform: on('device.tr069.periodicInform.enabled'),
          InformInterval: v('device.tr069.periodicInform.interval'),
          UpgradeManagement: on('device.tr069.upgradesManaged.enabled'),
        },
      },
    };
    if (phone.dialect.runningConfigSections === 'nested') {
      const { DHCP, DNS, ...rest } = answer.data;
      return { data: { ...rest, Network: { ...rest.Network, DHCP, DNS } } };
    }
    return answer;
  },
});

const NetworkInfoCommon = Type.Object({
  DefaultGateway: S,
  IPV6Address: S,
  IPV4Address: S,
  DHCPServer: S,
  DHCP: S,
  UpgradeServer: S,
  DHCPOption60Format: S,
  DHCPBootServerUseOption: S,
  ZTPStatus: S,
  DHCPBootServerOption: S,
  DHCPBootServerOptionType: S,
  LLDP: S,
  LANPortStatus: S,
  SubnetMask: S,
  AlternateDNSServer: S,
  DNSServer: S,
  DNSDomain: S,
  LANSpeed: S,
  SNTPAddress: S,
  VLANDiscoveryMode: S,
  VLANID: S,
  VLANIDOption: S,
  ProvServerAddress: S,
  ProvServerUser: S,
  ProvServerType: S,
  Wifi: Type.Optional(Type.Object({ 'Signal Strength': S, State: S, 'Security Mode': S, SSID: S, Duration: S })),
});
/** The CDP key as devices spell it, or as the manual prints it (the cdpKey fact of the dialect table). */
const NetworkInfo = Type.Object({ ...NetworkInfoCommon.properties, CDPCompatibility: S });
const NetworkInfoManual = Type.Object({ ...NetworkInfoCommon.properties, CDPCompability: S });

const lower = (b: boolean): string => (b ? 'enabled' : 'disabled');

/** "1000Mbps" as devices write it ("1000MB" in the manual); auto-negotiation reports the link's speed. */
function lanSpeed(unit: 'Mbps' | 'MB', mode: number): string {
  const label = LAN_SPEED[mode];
  const mb = label === undefined || label === 'Auto' ? '1000MB' : label;
  return unit === 'Mbps' ? mb.replace(/MB$/, 'Mbps') : mb;
}

const networkInfo = defineOperation({
  name: 'Management.NetworkInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/network/info'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  // Each family answers one of the two within the device dialect (the row is scoped to where it was seen).
  output: Type.Union([NetworkInfo, NetworkInfoManual]),
  manualOutput: NetworkInfoManual,
  handler: ({ phone }) => {
    const c = phone.config;
    const v = (n: ParamName): string => c.value(n);
    const dhcp = c.bool('device.dhcp.enabled');
    const data: Record<string, unknown> = {
      DefaultGateway: v('device.net.IPgateway'),
      IPV6Address: (hasIpv6(phone) ? ipv6Address(phone) : '') || phone.dialect.noIpv6,
      IPV4Address: ipv4Address(phone),
      DHCPServer: dhcp ? v('device.dhcp.server') : '',
      DHCP: lower(dhcp),
      UpgradeServer: v('device.prov.upgradeServer'),
      DHCPOption60Format: v('device.dhcp.option60Type') === '1' ? 'RFC3925 Binary' : 'ASCII String',
      DHCPBootServerUseOption: BOOT_SERVER_USE[c.int('device.dhcp.bootSrvUseOpt')] ?? 'Default',
      ZTPStatus: lower(c.bool('device.prov.ztpEnabled')),
      DHCPBootServerOption: v('device.dhcp.bootSrvOpt'),
      DHCPBootServerOptionType: v('device.dhcp.bootSrvOptType') === '0' ? 'IP' : 'String',
      LLDP: lower(c.bool('device.net.lldpEnabled')),
      LANPortStatus: 'active',
      SubnetMask: v('device.net.subnetMask'),
      AlternateDNSServer: v('device.dns.altSrvAddress'),
      DNSServer: v('device.dns.serverAddress'),
      DNSDomain: v('device.dns.domain'),
      LANSpeed: lanSpeed(phone.dialect.lanSpeedUnit, c.int('device.net.etherModeLAN')),
      SNTPAddress: v('device.sntp.serverName'),
      VLANDiscoveryMode: VLAN_DISC[c.int('device.dhcp.dhcpVlanDisc')] ?? 'Disabled',
      [phone.dialect.cdpKey]: lower(c.bool('device.net.cdpEnabled')),
      VLANID: v('device.net.vlanId'),
      VLANIDOption: v('device.dhcp.dhcpVlanDiscOpt'),
      ProvServerAddress: provServer(phone),
      ProvServerUser: v('device.prov.user'),
      ProvServerType: PROV_TYPES[c.int('device.prov.serverType')] ?? 'HTTP',
    };
    if (phone.profile.model.wifi) {
      const on = c.bool('device.wifi.enabled') && v('device.wifi.ssid') !== '';
      data['Wifi'] = {
        'Signal Strength': on ? '89%' : '0%',
        State: on ? 'Connected' : 'Disconnected',
        'Security Mode': v('device.wifi.securityMode'),
        SSID: v('device.wifi.ssid'),
        Duration: on ? formatUptimeLong(phone.uptimeMs()) : '0 days, 0 hours, 0 minutes, 0 seconds',
      };
    }
    return { data };
  },
});

const networkStats = defineOperation({
  name: 'Management.NetworkStatistics',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/network/stats'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  // Counters as strings and "0 day 2:26:00", as devices answer (docs/fidelity.md).
  // Counters as strings (devices) or numbers (the manual): the networkStats fact of the dialect table.
  output: Type.Object({ UpTime: S, RxPackets: S, TxPackets: S }),
  manualOutput: Type.Object({ UpTime: S, RxPackets: Type.Integer({ minimum: 0 }), TxPackets: Type.Integer({ minimum: 0 }) }),
  handler: ({ phone }) => {
    const p = phone.packets();
    if (phone.dialect.networkStats === 'manual')
      return { data: { UpTime: formatUptimeLong(phone.uptimeMs()), RxPackets: p.rx, TxPackets: p.tx } };
    return { data: { UpTime: formatUptimeShort(phone.uptimeMs(), 'day'), RxPackets: String(p.rx), TxPackets: String(p.tx) } };
  },
});

const pcPortInfo = defineOperation({
  name: 'Management.PCPortInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/pcPort/info'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4004],
  output: strings(['PCPortStatus', 'PCMacAddress']),
  available: (phone) => (phone.profile.model.pcPort ? 'yes' : Status.NOT_SUPPORTED),
  handler: ({ phone }) => {
    const mode = phone.config.value('device.net.etherModePC');
    const pc = phone.peripherals.pcMac;
    const status = mode === '-1' ? 'Disabled' : pc ? 'Active' : 'Inactive';
    return { data: { PCPortStatus: status, PCMacAddress: status === 'Active' && pc ? pc : '' } };
  },
});

export const networkOperations = [runningConfig, networkInfo, networkStats, pcPortInfo];
