/**
 * Software updates. Provisioning that finds an application image (APP_FILE_PATH) downloads it for real; an image
 * the phone has not installed yet (compared by content, as phones compare versions) is installed: the status goes
 * DOWNLOADING, INSTALLING (progress over the install time), SUCCESS, then the phone reboots. The installed image
 * is kept in the phone's store; an image already installed changes nothing.
 */
import { createHash } from 'node:crypto';
import type { Phone } from './phone.js';

export const UpdateStatus = { IDLE: 0, DOWNLOADING: 1, INSTALLING: 2, SUCCESS: 3 } as const;

import type { SoftwareUpdateState } from './boot-state.js';

export type { SoftwareUpdateState };
const INSTALLED = 'installedImage';
/** Installing takes this long on the phone's clock, then the phone reboots a second later. */
export const INSTALL_MS = 10_000;

interface Installed {
  readonly name: string;
  readonly sha256: string;
}

function installed(phone: Phone): Installed | undefined {
  const blob = phone.store.getBlob(INSTALLED);
  return blob ? (JSON.parse(blob) as Installed) : undefined;
}

export function softwareUpdate(phone: Phone): SoftwareUpdateState {
  const live = phone.boot.softwareUpdate;
  return live ?? { status: UpdateStatus.IDLE, image: installed(phone)?.name ?? '', progress: 0 };
}

/** Installs a downloaded image unless it is the one installed; answers whether an update started. */
export function installImage(phone: Phone, name: string, image: Buffer): boolean {
  const sha256 = createHash('sha256').update(image).digest('hex');
  if (installed(phone)?.sha256 === sha256 || phone.boot.softwareUpdate) return false;
  const state: SoftwareUpdateState = { status: UpdateStatus.DOWNLOADING, image: name, progress: 100 };
  phone.boot.softwareUpdate = state;
  const steps = 10;
  const tick = (i: number): void => {
    if (phone.boot.softwareUpdate !== state) return; // the phone rebooted meanwhile
    if (i < steps) {
      state.status = UpdateStatus.INSTALLING;
      state.progress = Math.round((i / steps) * 100);
      phone.clock.schedule(INSTALL_MS / steps, () => tick(i + 1));
      return;
    }
    state.status = UpdateStatus.SUCCESS;
    state.progress = 100;
    phone.store.putBlob(INSTALLED, JSON.stringify({ name, sha256 } satisfies Installed));
    phone.clock.schedule(1000, () => {
      if (phone.boot.softwareUpdate === state) phone.goDown('reboot');
    });
  };
  tick(0);
  return true;
}
