/**
 * What a phone holds only until its next restart or reboot, typed: a Skype for Business sign-in, a web sign-in
 * code, a provisioning run, the last capture upload, a software update being installed.
 */
export interface SkypeSession {
  readonly address: string;
  readonly user: string;
  readonly signedInAt: number;
  readonly presence: string;
}

export interface SoftwareUpdateState {
  status: number;
  image: string;
  progress: number;
}

export class BootState {
  skype: SkypeSession | undefined;
  /** The code of a pending web sign-in (Management.WebSignIn). */
  webSignInCode: string | undefined;
  /** A provisioning run (updateConfiguration) is under way. */
  provisioning = false;
  /** When the last background capture upload started, on the phone's clock. */
  lastCaptureUploadAt: number | undefined;
  softwareUpdate: SoftwareUpdateState | undefined;
}
