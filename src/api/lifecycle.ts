/** The device's life: reboot, restart, factory reset, provisioning, power state, background capture upload. */
import { Type } from '@sinclair/typebox';
import { backgroundCapture } from '../phone/capture.js';
import type { Phone } from '../phone/phone.js';
import { powerState } from '../phone/power.js';
import { provision, provisioningBase } from '../phone/provisioning.js';
import { reportOf } from '../phone/provisioner.js';
import { PhoneError, Status } from '../phone/status.js';
import { answerWithin } from './answer-window.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import type { Reply } from './operation.js';
import { S } from './schema.js';

const safeReboot = defineOperation({
  name: 'Management.Reboot',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/safeReboot'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  handler: ({ phone }) => ({ after: () => phone.goDown('reboot') }),
});

const safeRestart = defineOperation({
  name: 'Management.Restart',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/safeRestart'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  handler: ({ phone }) => ({ after: () => phone.goDown('restart') }),
});

const factoryReset = defineOperation({
  name: 'Management.FactoryReset',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/factoryReset'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  handler: ({ phone }) => {
    phone.factoryReset();
    return { after: () => phone.goDown('reboot') };
  },
});

const updateConfiguration = defineOperation({
  name: 'Management.UpdateConfiguration',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/updateConfiguration'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4001, 4006],
  output: Type.Object({ ProvisioningState: S }),
  handler: ({ phone }) => {
    if (!phone.isReady || phone.boot.provisioning) throw new PhoneError(Status.DEVICE_BUSY, 'provisioning in progress');
    const boot = phone.boot;
    boot.provisioning = true;
    const startedAt = phone.clock.now();
    const work = provision(phone, phone.bootConfig)
      .then(
        (result) => {
          phone.emit('provisioning', reportOf('request', startedAt, result));
          return result;
        },
        (err: unknown) => {
          phone.emit('provisioning', reportOf('request', startedAt, err));
          throw err;
        },
      )
      .then((result): Reply => ({ data: { ProvisioningState: result.ignored.length > 0 ? 'CompletedWithErrors' : 'Completed' } }))
      .finally(() => {
        boot.provisioning = false;
      });
    // A sync that outlives the answer window goes on; a second request meanwhile answers 4001.
    return answerWithin(phone, 'updateConfiguration', work, () => ({ data: { ProvisioningState: 'InProgress' } }));
  },
});

const powerStatus = defineOperation({
  name: 'Management.PowerStatus',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/powerStatus'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  outputTop: Type.Object({ CurrentState: S }),
  available: (phone) => (phone.profile.powerStatus ? 'yes' : 'absent'),
  handler: ({ phone }) => ({ top: { CurrentState: powerState(phone, phone.inCall()) } }),
});

const CAPTURE_INTERVAL_MS = 10_000;

function captureUrl(phone: Phone, raw: string | undefined): URL {
  if (raw !== undefined && raw !== '') {
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url;
    } catch {
      // fall through to the error below
    }
    throw new PhoneError(Status.INVALID_INPUT, `url is not an absolute http(s) URL: ${raw}`);
  }
  const base = provisioningBase(phone);
  if (!base) throw new PhoneError(Status.INVALID_INPUT, 'no url given and no provisioning server configured');
  return new URL(`${phone.identity.mac.toLowerCase()}-capture.pcap`, base);
}

const uploadBgCapture = defineOperation({
  name: 'Network.UploadBgCapture',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/network/uploadBgCapture'],
  inputFrom: 'body',
  input: Type.Object({ url: Type.Optional(Type.String()) }, { examples: [{}] }),
  inputOptional: true,
  returnCodes: [2000, 4000, 4001, 5000],
  available: (phone) => (phone.config.bool('diags.pcap.enabled') && phone.config.bool('diags.pcap.background.enabled') ? 'yes' : 'absent'),
  handler: ({ phone, input }) => {
    const now = phone.clock.now();
    const last = phone.boot.lastCaptureUploadAt;
    if (last !== undefined && now - last < CAPTURE_INTERVAL_MS) {
      throw new PhoneError(Status.DEVICE_BUSY, 'an upload ran less than 10 s ago');
    }
    const url = captureUrl(phone, input?.url);
    phone.boot.lastCaptureUploadAt = now;
    const work = phone.transfers
      .upload(url.href, backgroundCapture(phone), 'application/vnd.tcpdump.pcap', 'PUT')
      .then((res): Reply => {
        if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
        return {};
      })
      .catch((err: unknown) => {
        throw new PhoneError(Status.FAILED, `${url.href}: ${err instanceof Error ? err.message : String(err)}`);
      });
    return answerWithin(phone, 'uploadBgCapture', work, () => ({}));
  },
});

export const lifecycleOperations = [safeReboot, safeRestart, factoryReset, updateConfiguration, powerStatus, uploadBgCapture];
