/** What a provisioning run tells when it ends (provisioner.ts raises it as the phone's 'provisioning' event). */

export type ProvisioningTrigger = 'boot' | 'poll' | 'request';

/** One provisioning run, as the phone reports it. */
export interface ProvisioningReport {
  readonly trigger: ProvisioningTrigger;
  /** When it began (the phone's clock). */
  readonly startedAt: number;
  readonly ok: boolean;
  /** The files fetched, in order (a failed run: none). */
  readonly files: readonly string[];
  /** Parameters whose CONFIG value the run changed. */
  readonly changed: readonly string[];
  /** Values the phone does not have or that are not valid, skipped. */
  readonly ignored: readonly string[];
  /** Why the run failed. */
  readonly error?: string;
  /** What the phone does next: nothing, a reboot (a device.* change), or installing a new software image. */
  readonly then: 'none' | 'reboot' | 'update';
}
