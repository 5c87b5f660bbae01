// Builds src/phone/config/catalog-data.json: the names, types and defaults of the parameters a Poly phone
// knows, read from Poly configuration templates (the sip.cfg and phone1.cfg that Poly shipped with UC Software,
// as kept in public provisioning projects). Names, types and defaults are facts; only they are kept.
//   node scripts/build-catalog.mjs <sip.cfg> [<phone1.cfg> ...]
// Per line parameters (reg.1.*) become the reg.{line}.* pattern; numbered families stay as the template lists them.
import { readFileSync, writeFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/build-catalog.mjs <sip.cfg> [<phone1.cfg> ...]');
  process.exit(2);
}

/** Names newer than the templates, used by clients (real-device notes), with their documented defaults. */
const NEWER = [
  ['up.Pagination.enabled', 'b', '0'],
  ['feature.acousticFenceUI.enabled', 'b', '0'],
  ['tcpIpApp.sntp.daylightSavings.enable', 'b', '1'],
  // Flexible line keys (UC Software 4.0 on): the reassignment switch and, per key, its category and index.
  ['lineKey.reassignment.enabled', 'b', '0'],
  ...Array.from({ length: 48 }, (_, i) => [
    [`lineKey.${i + 1}.category`, 's', 'Unassigned'],
    [`lineKey.${i + 1}.index`, 'i', '0'],
  ]).flat(),
];

/**
 * Names phones on hosted platforms (BroadSoft and the like) use, from the stock UC Software 5.x templates that the
 * templates above lack: "Generated features.cfg" and "Generated site.cfg" as kept in FusionPBX's history
 * (fusionpbx/fusionpbx resources/templates/provision/polycom/5.x/features.cfg, blob 3a35b52e; site.cfg, blob
 * 0147a767). Defaults are the templates'; 0/1 switches are bool, registration indexes (hoteling.reg,
 * dir.broadsoft.regMap, xmpp.1.regMap), timeouts and sizes integers, the rest strings. Per-line names (reg.1.*)
 * are given as the reg.{line}.* pattern; `.set` companions are left out, as above.
 */
const HOSTED = [
  // features.cfg: BroadSoft (XSP directory, per-line user id, UC-One, call center, hoteling).
  ['dir.broadsoft.regMap', 'i', '1'],
  ['dir.broadsoft.useXspCredentials', 'b', '1'],
  ['dir.broadsoft.xsp.address', 's', ''],
  ['dir.broadsoft.xsp.password', 's', ''],
  ['dir.broadsoft.xsp.username', 's', ''],
  ['reg.{line}.broadsoft.userId', 's', ''],
  ['feature.broadsoftdir.enabled', 'b', '0'],
  ['feature.broadsoftUcOne.enabled', 'b', '0'],
  ['feature.callCenterStatus.enabled', 'b', '0'],
  ['feature.enhancedCallDisplay.enabled', 'b', '0'],
  ['feature.hoteling.enabled', 'b', '0'],
  ['hoteling.reg', 'i', '1'],
  // features.cfg: ACD.
  ['acd.1.unavailreason.active', 'b', '0'],
  ['acd.1.unavailreason.codeName', 's', ''],
  ['acd.1.unavailreason.codeValue', 's', ''],
  ['feature.acdAgentAvailability.enabled', 'b', '0'],
  ['feature.acdLoginLogout.enabled', 'b', '0'],
  ['feature.acdPremiumUnavailability.enabled', 'b', '0'],
  ['feature.acdServiceControlUri.enabled', 'b', '0'],
  // features.cfg: feature switches.
  ['feature.autoLocalHold', 'b', '0'],
  ['feature.bluetooth.enabled', 'b', '1'],
  ['feature.btoe.enabled', 'b', '0'],
  ['feature.callList.enabled', 'b', '1'],
  ['feature.callListMissed.enabled', 'b', '1'],
  ['feature.callListPlaced.enabled', 'b', '1'],
  ['feature.callListReceived.enabled', 'b', '1'],
  ['feature.callPark.enabled', 'b', '0'],
  ['feature.callRecording.enabled', 'b', '0'],
  ['feature.corporateDirectory.enabled', 'b', '0'],
  ['feature.corporateDirectory.alt.enabled', 'b', '0'],
  ['feature.directedCallPickup.enabled', 'b', '0'],
  ['feature.directory.enabled', 'b', '1'],
  ['feature.doNotDisturb.enable', 'b', '1'],
  ['feature.enhancedFeatureKeys.enabled', 'b', '0'],
  ['feature.exchangeCalendar.enabled', 'b', '0'],
  ['feature.forward.enable', 'b', '1'],
  ['feature.groupCallPickup.enabled', 'b', '0'],
  ['feature.lastCallReturn.enabled', 'b', '0'],
  ['feature.lync.abs.enabled', 'b', '0'],
  ['feature.lyncSafeTransfer.enabled', 'b', '0'],
  ['feature.messaging.enabled', 'b', '0'],
  ['feature.nWayConference.enabled', 'b', '0'],
  ['feature.persistentMute.enabled', 'b', '0'],
  ['feature.pictureFrame.enabled', 'b', '1'],
  ['feature.presence.enabled', 'b', '0'],
  ['feature.qml.enabled', 'b', '0'],
  ['feature.ringDownload.enabled', 'b', '1'],
  ['feature.uniqueCallLabeling.enabled', 'b', '0'],
  ['feature.urlDialing.enabled', 'b', '1'],
  ['feature.usb.power.enabled', 'b', '1'],
  // features.cfg: presence and locks.
  ['pres.idleTimeout.officeHours.enabled', 'b', '1'],
  ['pres.idleTimeout.offHours.enabled', 'b', '1'],
  ['keypadLock.enabled', 'b', '1'],
  ['keypadLock.idleTimeout', 'i', '0'],
  ['phoneLock.enabled', 'b', '0'],
  ['phoneLock.idleTimeout', 'i', '0'],
  ['phoneLock.browserEnabled', 'b', '0'],
  ['phoneLock.dndWhenLocked', 'b', '0'],
  ['phoneLock.powerUpUnlocked', 'b', '0'],
  // features.cfg: XMPP.
  ['xmpp.1.enable', 'b', '0'],
  ['xmpp.1.server', 's', ''],
  ['xmpp.1.jid', 's', ''],
  ['xmpp.1.auth.domain', 's', ''],
  ['xmpp.1.auth.password', 's', ''],
  ['xmpp.1.auth.useLoginCredentials', 'b', '0'],
  ['xmpp.1.dialMethod', 's', 'sip'],
  ['xmpp.1.regMap', 'i', '1'],
  ['xmpp.1.verifyCert', 'b', '1'],
  ['xmpp.1.allowIM', 'b', '1'],
  ['xmpp.1.privacy', 'b', '0'],
  ['xmpp.1.roster.invite.accept', 's', 'prompt'],
  ['xmpp.1.roster.invite.addMethod', 's', 'h350Person'],
  // features.cfg: call lists and login credentials.
  ['callLists.size', 'i', '99'],
  ['callLists.collapseDuplicates', 'b', '1'],
  ['callLists.grouping', 's', 'Unified'],
  ['callLists.writeDelay.journal', 'i', '5'],
  ['callLists.writeDelay.terminated', 'i', '60'],
  ['device.logincred.user', 's', ''],
  ['device.logincred.password', 's', ''],
  ['device.logincred.domain', 's', ''],
  ['device.logincred.extension', 's', ''],
  ['device.logincred.pin', 's', ''],
  // site.cfg: web server.
  ['httpd.cfg.secureTunnelEnabled', 'b', '1'],
  ['httpd.cfg.secureTunnelPort', 'i', '443'],
  ['httpd.cfg.secureTunnelRequired', 'b', '0'],
  // site.cfg: provisioning.
  ['prov.polling.timeRandomEnd', 's', ''],
  ['prov.startupCheck.enabled', 'b', '1'],
  ['prov.autoConfigUpload.enabled', 'b', '1'],
  ['prov.configUploadPath', 's', ''],
  ['prov.login.enabled', 'b', '0'],
  ['prov.login.localPassword', 's', '123'],
  ['prov.login.localPassword.hashed', 'b', '0'],
  ['prov.login.required', 'b', '0'],
  ['prov.login.persistent', 'b', '0'],
  // site.cfg: TLS and certificates.
  ['device.sec.TLS.customCaCert1', 's', ''],
  ['device.sec.TLS.customCaCert2', 's', ''],
  ['device.sec.TLS.profileSelection.provisioning', 's', ''],
  ['device.sec.TLS.prov.strictCertCommonNameValidation', 's', ''],
  ['device.sec.TLS.OCSP.enabled', 's', ''],
  ['device.sec.TLS.FIPS.enabled', 's', ''],
  ['device.sec.configEncryption.key', 's', ''],
  ['sec.TLS.customCaCert.1', 's', ''],
  ['sec.TLS.customDeviceCert.1', 's', ''],
  ['sec.TLS.customDeviceKey.1', 's', ''],
  ['sec.TLS.profile.1.deviceCert', 's', 'Polycom'],
  ['sec.TLS.profile.1.cipherSuiteDefault', 'b', '1'],
  ['sec.TLS.profileSelection.SIP', 's', 'PlatformProfile1'],
  ['sec.TLS.profileSelection.browser', 's', 'PlatformProfile1'],
  ['sec.TLS.profileSelection.XMPP', 's', 'PlatformProfile1'],
  ['sec.TLS.SIP.strictCertCommonNameValidation', 'b', '0'],
  ['sec.TLS.cipherList', 's', 'RSA:!EXP:!LOW:!NULL:!MD5:@STRENGTH'],
  ['sec.encryption.upload.config', 'b', '0'],
];

/**
 * The certificate and 802.1X family of the same site.cfg (blob 0147a767), taken whole, and the rest of the hosted
 * families above (prov.login.*, callLists.*, acd.N.*) from site.cfg and features.cfg (blob 3a35b52e). This is the
 * family SCEP would feed (SCEP-enrolled certificates serve network authentication on Poly voice devices); of the SCEP
 * names only the switch SCEP.enable is in a source found, a client's (docs/fidelity.md). device.* values are empty in the template
 * (their .set switch decides) and stay strings, as device.sec.TLS.FIPS.enabled above; 0/1 switches are bools, counts
 * and times integers.
 */
const SECURITY = [
  // SCEP's switch: the one SCEP name a source shows, read with config/get by a client written and run against real
  // phones (kdatrio/PhysicalPolyPhoneDialer, poly_dialer/Get-Config.py). Off unless provisioned: enrolment is opt-in.
  ['SCEP.enable', 'b', '0'],
  // device.sec.* and 802.1X.
  ['device.sec.coreDumpEncryption.enabled', 's', ''],
  ['device.sec.TLS.dot1x.strictCertCommonNameValidation', 's', ''],
  ['device.sec.TLS.profile.caCertList1', 's', ''],
  ['device.sec.TLS.profile.caCertList2', 's', ''],
  ['device.sec.TLS.profile.cipherSuite1', 's', ''],
  ['device.sec.TLS.profile.cipherSuite2', 's', ''],
  ['device.sec.TLS.profile.cipherSuiteDefault1', 's', ''],
  ['device.sec.TLS.profile.cipherSuiteDefault2', 's', ''],
  ['device.sec.TLS.profile.deviceCert1', 's', ''],
  ['device.sec.TLS.profile.deviceCert2', 's', ''],
  ['device.sec.TLS.profileSelection.dot1x', 's', ''],
  ['device.sec.TLS.profileSelection.syslog', 's', ''],
  ['device.sec.TLS.SSLv2v3.enabled', 's', ''],
  ['device.sec.TLS.syslog.strictCertCommonNameValidation', 's', ''],
  ['device.net.dot1x.anonid', 's', ''],
  ['device.net.dot1x.eapFastInBandProv', 's', ''],
  ['device.net.dot1x.enabled', 's', ''],
  ['device.net.dot1x.identity', 's', ''],
  ['device.net.dot1x.method', 's', ''],
  ['device.net.dot1x.password', 's', ''],
  ['sec.dot1x.eapollogoff.enabled', 'b', '0'],
  ['sec.dot1x.eapollogoff.lanlinkreset', 'b', '0'],
  // sec.TLS.*: the second certificate slots, each application's cipher list and profile, and both platform profiles.
  ['sec.TLS.customCaCert.2', 's', ''],
  ['sec.TLS.customDeviceCert.2', 's', ''],
  ['sec.TLS.customDeviceKey.2', 's', ''],
  ['sec.TLS.browser.cipherList', 's', 'NoCipher'],
  ['sec.TLS.LDAP.cipherList', 's', 'NoCipher'],
  ['sec.TLS.prov.cipherList', 's', 'NoCipher'],
  ['sec.TLS.SIP.cipherList', 's', 'NoCipher'],
  ['sec.TLS.SOPI.cipherList', 's', 'NoCipher'],
  ['sec.TLS.syslog.cipherList', 's', 'NoCipher'],
  ['sec.TLS.xmpp.cipherList', 's', 'NoCipher'],
  ['sec.TLS.SOPI.strictCertCommonNameValidation', 'b', '0'],
  ['sec.TLS.profileSelection.LDAP', 's', 'PlatformProfile1'],
  ['sec.TLS.profileSelection.SOPI', 's', 'PlatformProfile1'],
  ['sec.TLS.profileSelection.syslog', 's', 'PlatformProfile1'],
  ...[1, 2].flatMap((n) => [
    ...[1, 2, 3, 4, 5, 6, 7].map((a) => [`sec.TLS.profile.${n}.caCert.application${a}`, 'b', '1']),
    [`sec.TLS.profile.${n}.caCert.defaultList`, 'b', '1'],
    [`sec.TLS.profile.${n}.caCert.platform1`, 'b', '1'],
    [`sec.TLS.profile.${n}.caCert.platform2`, 'b', '1'],
    [`sec.TLS.profile.${n}.cipherSuite`, 's', ''],
  ]),
  ['sec.TLS.profile.2.cipherSuiteDefault', 'b', '1'],
  ['sec.TLS.profile.2.deviceCert', 's', 'Polycom'],
  ['sec.encryption.upload.callLists', 'b', '0'],
  ['sec.hostMoveDetect.cdp.enabled', 'b', '0'],
  ['sec.hostMoveDetect.cdp.sleepTime', 'i', '1000'],
  // The rest of families added above.
  ['prov.login.automaticLogout', 'i', '0'],
  ['prov.login.defaultOnly', 'b', '0'],
  ['prov.login.defaultPassword', 's', ''],
  ['prov.login.defaultUser', 's', ''],
  ['prov.loginCredPwdFlushed.enabled', 'b', '1'],
  ['callLists.filterAll', 'b', '0'],
  ['callLists.filterEnabled', 'b', '0'],
  ['callLists.logConsultationCalls', 'b', '0'],
  ['acd.2.unavailreason.active', 'b', '0'],
  ['acd.2.unavailreason.codeName', 's', ''],
  ['acd.2.unavailreason.codeValue', 's', ''],
];

/** Families the templates show with index 1 only, and how many the phones have (UC Software administrator guides). */
const REPEAT = [['softkey.', 10]];

const BOOLISH = /(enable|enabled|Enable|Enabled|register|overrideDHCP|persist|visible|Visible|allow|Allow|display|Display|^on$)$/;

function typeOf(name, value) {
  const last = name.split('.').pop();
  if ((value === '0' || value === '1') && BOOLISH.test(last)) return 'b';
  if (/^-?\d{1,9}$/.test(value)) return 'i';
  return 's';
}

const out = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/\s([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)+)="([^"]*)"/g)) {
    let [, name, value] = m;
    if (/\.set$/.test(name)) continue;
    const line = /^reg\.(\d+)\.(.+)$/.exec(name);
    if (line) {
      if (line[1] !== '1') continue;
      name = `reg.{line}.${line[2]}`;
    }
    if (!out.has(name)) out.set(name, [typeOf(name, value), value]);
  }
}
for (const [name, type, value] of [...NEWER, ...HOSTED, ...SECURITY]) if (!out.has(name)) out.set(name, [type, value]);
for (const [prefix, count] of REPEAT) {
  for (const [name, entry] of [...out]) {
    if (!name.startsWith(`${prefix}1.`)) continue;
    for (let i = 2; i <= count; i++) {
      const other = `${prefix}${i}.${name.slice(prefix.length + 2)}`;
      if (!out.has(other)) out.set(other, entry);
    }
  }
}

// One [name, type, default] row a line: type b (bool), i (integer), s (string).
const rows = [...out].sort(([a], [b]) => a.localeCompare(b)).map(([name, [type, value]]) => JSON.stringify([name, type, value]));
writeFileSync(new URL('../src/phone/config/catalog-data.json', import.meta.url), `[\n${rows.join(',\n')}\n]\n`);
console.log(`${rows.length} parameters`);
