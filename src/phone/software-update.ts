/**
 * Software update status. polysim phones keep the release they were started with; a provisioning run that finds
 * an application image (APP_FILE_PATH) downloads it for real and reports DOWNLOADING, then SUCCESS when the image
 * equals the running one, so clients that poll softwareUpdateStatus see the states the manual lists.
 */
import type { Phone } from './phone.js';

export const UpdateStatus = { IDLE: 0, DOWNLOADING: 1, INSTALLING: 2, SUCCESS: 3 } as const;

export interface SoftwareUpdateState {
  status: number;
  image: string;
  progress: number;
}

const KEY = 'softwareUpdate';

export function softwareUpdate(phone: Phone): SoftwareUpdateState {
  return (phone.runtime.get(KEY) as SoftwareUpdateState | undefined) ?? { status: UpdateStatus.IDLE, image: '', progress: 0 };
}

export function setSoftwareUpdate(phone: Phone, state: SoftwareUpdateState): void {
  phone.runtime.set(KEY, state);
}
