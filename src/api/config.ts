/** Configuration: get with sources, set at LOCAL, export as a .cfg upload, and the five configReset paths. */
import { Type } from '@sinclair/typebox';
import { renderCfg } from '../phone/config/cfg-xml.js';
import type { StoredLayer } from '../phone/config/types.js';
import type { Phone } from '../phone/phone.js';
import { PhoneError, Status } from '../phone/status.js';
import { answerWithin } from './answer-window.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import type { Reply } from './operation.js';
import { S } from './schema.js';

/** What config/get answers for a secret: asterisks when it is set, empty when it is not. */
export const MASK = '********';
/** A secret's value as answers show it: masked, unless empty. */
export const masked = (value: string): string => (value === '' ? '' : MASK);

const getConfig = defineOperation({
  name: 'Management.GetConfig',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/config/get'],
  inputFrom: 'body',
  input: Type.Array(Type.String(), { minItems: 1, examples: [['reg.1.address', 'device.prov.serverName']] }),
  returnCodes: [...STANDARD_CODES, 4000, 4009],
  // As phones answer (docs/fidelity.md): {"Value": ..., "Source": "local"}, and names the phone lacks in InvalidParams.
  output: Type.Record(Type.String(), Type.Object({ Value: S, Source: S })),
  // The manual's {"value", "source": "LOCAL"} under the manual dialect (the configGetKeys fact).
  manualOutput: Type.Record(Type.String(), Type.Object({ value: S, source: S })),
  outputTop: Type.Object({ InvalidParams: Type.Optional(Type.Array(S)) }),
  handler: ({ phone, input }) => {
    const device = phone.dialect.configGetKeys === 'device';
    const data: Record<string, Record<string, string>> = {};
    const invalid: string[] = [];
    for (const name of input) {
      const v = phone.config.lookup(name);
      if (!v) {
        if (phone.dialect.unknownConfigNames === 'status4000') throw new PhoneError(Status.INVALID_INPUT, `unknown parameter ${name}`);
        invalid.push(name);
        continue;
      }
      // Secrets (passwords) are never answered: no capture of a phone shows one in clear (docs/fidelity.md).
      const value = phone.config.params.get(name)?.spec.secret ? masked(v.value) : v.value;
      data[name] = device ? { Value: value, Source: v.source.toLowerCase() } : { value, source: v.source };
    }
    return invalid.length > 0 ? { data, top: { InvalidParams: invalid } } : { data };
  },
});

const setConfig = defineOperation({
  name: 'Management.SetConfig',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/config/set'],
  inputFrom: 'body',
  input: Type.Record(Type.String(), Type.Unknown(), {
    minProperties: 1,
    examples: [{ 'reg.1.label': 'Reception', 'up.backlight.idleIntensity': '1' }],
  }),
  returnCodes: [...STANDARD_CODES, 4000, 4001, 4009],
  handler: ({ phone, input }) => {
    if (!phone.isReady) throw new PhoneError(Status.DEVICE_BUSY, 'the phone is initialising');
    phone.config.set('LOCAL', input);
    return {};
  },
});

const CONFIG_TYPES = ['ConfigFiles', 'Local', 'Web', 'Device', 'All'] as const;
type ConfigType = (typeof CONFIG_TYPES)[number];

/** The entries an export holds: never a secret, whichever layer it is asked for. */
function exportEntries(phone: Phone, type: ConfigType): [string, string][] {
  return layerEntries(phone, type).filter(([name]) => !phone.config.params.get(name)?.spec.secret);
}

function layerEntries(phone: Phone, type: ConfigType): [string, string][] {
  const c = phone.config;
  switch (type) {
    case 'ConfigFiles': {
      // Values from configuration files, and only those that differ from their defaults.
      return c.layerEntries('CONFIG').filter(([name, value]) => c.params.get(name)?.defaultValue !== value);
    }
    case 'Local':
      return c.layerEntries('LOCAL');
    case 'Web':
      return c.layerEntries('WEB');
    case 'Device':
      return c.layerEntries('DEVICE');
    case 'All':
      return [...c.params.values()]
        .map((p) => p.name)
        .sort()
        .map((name) => [name, c.value(name)]);
  }
}

/** Where a configuration can be exported to: the phone's file transfers' schemes. */
const EXPORT_SCHEMES = ['http:', 'https:', 'ftp:', 'ftps:', 'tftp:'];

function exportUrl(raw: string, phone: Phone, type: ConfigType): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PhoneError(Status.INVALID_INPUT, `Url is not an absolute URL: ${raw}`);
  }
  if (!EXPORT_SCHEMES.includes(url.protocol)) {
    throw new PhoneError(Status.INVALID_INPUT, `Url must be http, https, ftp, ftps or tftp: ${raw}`);
  }
  if (url.pathname.endsWith('/')) url.pathname += `${phone.identity.mac.toLowerCase()}-${type.toLowerCase()}.cfg`;
  return url;
}

const exportConfig = defineOperation({
  name: 'Management.ExportConfiguration',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/config/export'],
  inputFrom: 'body',
  input: Type.Object(
    { Url: Type.String({ minLength: 1 }), ConfigType: Type.String() },
    { examples: [{ Url: 'http://127.0.0.1:8000/uploads/', ConfigType: 'Local' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4008],
  handler: ({ phone, input }) => {
    const type = CONFIG_TYPES.find((t) => t.toLowerCase() === input.ConfigType.toLowerCase());
    if (!type) throw new PhoneError(Status.INVALID_INPUT, `ConfigType must be one of ${CONFIG_TYPES.join('|')}`);
    const url = exportUrl(input.Url, phone, type);
    const when = new Date(phone.clock.now()).toISOString();
    const body = Buffer.from(
      renderCfg(exportEntries(phone, type), `${type} configuration of ${phone.profile.model.name} ${phone.identity.mac} exported ${when}`),
      'utf8',
    );
    const work = (async (): Promise<Reply> => {
      try {
        let res = await phone.transfers.upload(url.href, body, 'application/xml', 'PUT');
        if (res.status === 405 || res.status === 501) res = await phone.transfers.upload(url.href, body, 'application/xml', 'POST');
        if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        throw new PhoneError(Status.EXPORT_FAILED, `${url.href}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return {};
    })();
    return answerWithin(phone, 'config/export', work, () => ({}));
  },
});

const RESET_LAYERS: Readonly<Record<string, readonly StoredLayer[]>> = {
  '/api/v1/mgmt/configReset': ['CONFIG', 'LOCAL', 'WEB', 'DEVICE'],
  '/api/v1/mgmt/configReset/cloud': ['CONFIG'],
  '/api/v1/mgmt/configReset/local': ['LOCAL'],
  '/api/v1/mgmt/configReset/web': ['WEB'],
  '/api/v1/mgmt/configReset/device': ['DEVICE'],
};

const configReset = defineOperation({
  name: 'Management.ConfigReset',
  methods: ['POST'],
  paths: Object.keys(RESET_LAYERS),
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  handler: ({ phone, path }) => {
    phone.resetConfig(RESET_LAYERS[path] ?? []);
    return {};
  },
});

export const configOperations = [getConfig, setConfig, exportConfig, configReset];
