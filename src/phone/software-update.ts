/**
 * Software updates. Provisioning that finds an application image (APP_FILE_PATH) downloads it for real and hands it
 * here. The phone reads the release the image carries (its header) and compares it with the release it runs:
 *
 * - the same release: nothing happens;
 * - another release its model runs (newer, or older: phones downgrade when the server offers an older image): the
 *   status goes DOWNLOADING, INSTALLING (progress over the install time), SUCCESS, then the phone reboots and comes
 *   back running that release (its profile: device/info, dialect, parameters and rules);
 * - a release its family never ran, or an image whose header it cannot read: refused; the refusal is told as a
 *   'transfer' report (operation softwareUpdate) and softwareUpdateStatus names the refused image until the next boot.
 *
 * The installed image and its release are kept in the phone's store, so that a phone with a data directory runs the
 * installed release after its host restarts (installedRelease, read by the host before the phone is built).
 *
 * Real images are signed binaries whose header polysim does not parse; polysim's stand-in for that header is a first
 * line `POLYSIM-IMAGE <version>` (e.g. `POLYSIM-IMAGE 6.4.3.5018`), the rest of the image being any bytes. Why the
 * version comes from the image and not its name: docs/fidelity.md (software updates).
 */
import { createHash } from 'node:crypto';
import { firmwareRelease } from './device-facts.js';
import { parseVersion } from './firmware.js';
import { ProfileError, resolveProfile } from './models.js';
import type { Profile } from './models.js';
import type { Phone } from './phone.js';
import type { PhoneStore } from './ports.js';
import type { SoftwareUpdateState } from './boot-state.js';

export const UpdateStatus = { IDLE: 0, DOWNLOADING: 1, INSTALLING: 2, SUCCESS: 3 } as const;

export type { SoftwareUpdateState };
const INSTALLED = 'installedImage';
/** Installing takes this long on the phone's clock, then the phone reboots a second later. */
export const INSTALL_MS = 10_000;
/** polysim's stand-in for an application image's header: its first line names the release the image holds. */
export const IMAGE_HEADER = 'POLYSIM-IMAGE';
const HEADER_RE = /^POLYSIM-IMAGE[ \t]+(\d+(?:\.\d+){1,3})[ \t]*\r?\n/;
/** The header is read from the image's first bytes only. */
const HEADER_MAX = 64;

interface Installed {
  readonly name: string;
  readonly sha256: string;
  /** The release the image holds (absent in stores written before releases were read from images). */
  readonly firmware?: string;
}

function installed(store: PhoneStore): Installed | undefined {
  const blob = store.getBlob(INSTALLED);
  if (!blob) return undefined;
  try {
    return JSON.parse(blob) as Installed;
  } catch {
    return undefined;
  }
}

/** The release a software update installed on this phone (kept in its store), if any. */
export function installedRelease(store: PhoneStore): string | undefined {
  const fw = installed(store)?.firmware;
  return typeof fw === 'string' && parseVersion(fw) ? fw : undefined;
}

/** Forgets the installed release: the phone runs the release it shipped with (a factory phone). */
export function forgetInstalledRelease(store: PhoneStore): void {
  if (store.getBlob(INSTALLED) !== undefined) store.putBlob(INSTALLED, '');
}

/** An application image's header line, as polysim writes it (tests, docs and users making test images). */
export function imageHeader(version: string): string {
  return `${IMAGE_HEADER} ${version}\n`;
}

/** The release an image holds, read from its header; undefined when the image has none polysim can read. */
export function imageVersion(image: Buffer): string | undefined {
  return HEADER_RE.exec(image.subarray(0, HEADER_MAX).toString('latin1'))?.[1];
}

export function softwareUpdate(phone: Phone): SoftwareUpdateState {
  const live = phone.boot.softwareUpdate;
  return live ?? { status: UpdateStatus.IDLE, image: installed(phone.store)?.name ?? '', progress: 0 };
}

/** Two releases are the same when their builds are: "6.4.3" is the build device/info reports for it. */
function sameRelease(a: string, b: string): boolean {
  return firmwareRelease(a) === firmwareRelease(b);
}

function refuse(phone: Phone, name: string, reason: string): false {
  phone.boot.softwareUpdate = { status: UpdateStatus.IDLE, image: `${name}: refused, ${reason}`, progress: 0 };
  phone.emit('transfer', { operation: 'softwareUpdate', ok: false, detail: `${name}: ${reason}` });
  return false;
}

/**
 * Installs a downloaded image holding another release its model runs; answers whether an update started (a refused
 * image, the release the phone runs and an update already under way answer false).
 */
export function installImage(phone: Phone, name: string, image: Buffer): boolean {
  if (phone.boot.softwareUpdate && phone.boot.softwareUpdate.status !== UpdateStatus.IDLE) return false;
  const version = imageVersion(image);
  if (!version) return refuse(phone, name, `no ${IMAGE_HEADER} header naming its release`);
  if (sameRelease(version, phone.profile.firmware)) return false;
  let next: Profile;
  try {
    next = resolveProfile(phone.profile.model.name, version);
  } catch (err) {
    if (err instanceof ProfileError) return refuse(phone, name, err.message);
    throw err;
  }
  const sha256 = createHash('sha256').update(image).digest('hex');
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
    phone.store.putBlob(INSTALLED, JSON.stringify({ name, sha256, firmware: version } satisfies Installed));
    phone.clock.schedule(1000, () => {
      if (phone.boot.softwareUpdate !== state) return;
      phone.goDown('reboot');
      // Down now: it boots again running the installed release.
      phone.runRelease(next);
    });
  };
  tick(0);
  return true;
}
