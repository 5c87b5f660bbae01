/**
 * Provisioning: fetch the master configuration file and the files it lists from the phone's provisioning server
 * (device.prov.*), and make them the CONFIG layer. Real phones ask for <mac>.cfg and fall back to 000000000000.cfg.
 * Parameters this phone does not have are ignored, as phones ignore them; invalid values are skipped and reported.
 */
import { CfgError, parseCfg, parseMasterConfig } from './config/cfg-xml.js';
import { checkValue } from './config/validate.js';
import type { Phone } from './phone.js';
import { installImage } from './software-update.js';
import { credentials, provisioningBase } from './prov-server.js';
import { downloadDirectory } from './directory-sync.js';

export { provisioningBase } from './prov-server.js';
import { PhoneError, Status } from './status.js';

export interface ProvisioningResult {
  readonly files: readonly string[];
  readonly applied: number;
  readonly ignored: readonly string[];
  /** A new application image was found and is being installed. */
  readonly updating: boolean;
  /** Parameters whose CONFIG value the run changed (added, altered or gone). */
  readonly changed: readonly string[];
}

async function fetchText(phone: Phone, url: URL): Promise<string | undefined> {
  const tries = phone.config.int('device.prov.redunAttemptLimit');
  let lastError: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const res = await phone.transfers.get(url.href, credentials(phone));
      if (res.status === 404) return undefined;
      if (res.status >= 200 && res.status < 300) return res.body.toString('utf8');
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
  }
  throw new PhoneError(Status.FAILED, `${url.href}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

export async function provision(phone: Phone, bootConfig: Readonly<Record<string, string>>): Promise<ProvisioningResult> {
  const base = provisioningBase(phone);
  if (!base) throw new PhoneError(Status.URLS_NOT_CONFIGURED, 'device.prov.serverName is empty');
  const mac = phone.identity.mac.toLowerCase();
  let masterName = `${mac}.cfg`;
  let master = await fetchText(phone, new URL(masterName, base));
  if (master === undefined) {
    masterName = '000000000000.cfg';
    master = await fetchText(phone, new URL(masterName, base));
  }
  if (master === undefined) throw new PhoneError(Status.FAILED, `no ${mac}.cfg or 000000000000.cfg on ${base.href}`);
  try {
    const { configFiles, appFilePath, directories } = parseMasterConfig(master, mac);
    const values: Record<string, string> = { ...bootConfig };
    const ignored: string[] = [];
    for (const file of configFiles) {
      const text = await fetchText(phone, new URL(file, base));
      if (text === undefined) throw new PhoneError(Status.FAILED, `${file} listed in ${masterName} is missing`);
      for (const [name, raw] of Object.entries(parseCfg(text))) {
        const param = phone.config.params.get(name);
        const checked = param ? checkValue(param.spec.type, raw) : undefined;
        if (!checked?.ok) ignored.push(name);
        else values[name] = checked.value;
      }
    }
    const before = new Map(phone.config.layerEntries('CONFIG'));
    const changed = [...new Set([...before.keys(), ...Object.keys(values)])].filter((n) => before.get(n) !== values[n]);
    phone.config.replace('CONFIG', values);
    phone.uploadDirectories = directories;
    let updating = false;
    if (appFilePath) {
      const res = await phone.transfers.get(new URL(appFilePath, base).href, credentials(phone)).catch(() => undefined);
      if (res && res.status >= 200 && res.status < 300)
        updating = installImage(phone, appFilePath.split('/').pop() ?? appFilePath, res.body);
    }
    // the contact directory comes last, as the phone reads it while it provisions (not while it installs a release)
    if (!updating) await downloadDirectory(phone);
    return { files: [masterName, ...configFiles], applied: Object.keys(values).length, ignored, updating, changed };
  } catch (err) {
    if (err instanceof CfgError) throw new PhoneError(Status.FAILED, err.message);
    throw err;
  }
}
