/**
 * Provisioning as a phone does it by itself: at every boot (power-on, reboot, restart) when a provisioning server is
 * configured and prov.startupCheck.enabled is on, and then on the schedule prov.polling.* gives
 * (provisioning-schedule.ts). A run that fails keeps the last good configuration (provision() replaces the CONFIG
 * level only once every file arrived). What a poll changed is applied: a change to a `device.*` parameter (the
 * phone's network, provisioning and platform settings) takes a reboot, as it does on a phone; the others apply at
 * once. Each run is reported as a 'provisioning' event of the phone.
 */
import type { TimerHandle } from './clock.js';
import type { Phone } from './phone.js';
import { provision, provisioningBase } from './provisioning.js';
import type { ProvisioningResult } from './provisioning.js';
import type { ProvisioningReport, ProvisioningTrigger } from './provisioning-report.js';

export type { ProvisioningReport, ProvisioningTrigger } from './provisioning-report.js';
import { nextPoll, pollingSettings } from './provisioning-schedule.js';

/** A run's report from its result, or from what it threw. */
export function reportOf(trigger: ProvisioningTrigger, startedAt: number, outcome: unknown): ProvisioningReport {
  const r = outcome as Partial<ProvisioningResult>;
  if (outcome !== null && typeof outcome === 'object' && Array.isArray(r.files) && Array.isArray(r.changed)) {
    const done = outcome as ProvisioningResult;
    // a boot takes what it brings as it boots; a poll's device.* change takes the reboot a phone does
    const then = done.updating ? 'update' : trigger === 'poll' && done.changed.some(needsReboot) ? 'reboot' : 'none';
    return { trigger, startedAt, ok: true, files: done.files, changed: done.changed, ignored: done.ignored, then };
  }
  const error = (outcome as { detail?: string }).detail ?? (outcome instanceof Error ? outcome.message : String(outcome));
  return { trigger, startedAt, ok: false, files: [], changed: [], ignored: [], error, then: 'none' };
}

/** A parameter whose change takes a reboot when provisioning brings it. */
export const needsReboot = (name: string): boolean => name.startsWith('device.');

export class Provisioner {
  private pollTimer: TimerHandle | undefined;
  private lastPollAt: number | undefined;

  /** Wired by the phone's host: a run at every boot, polls once ready, none while down. */
  constructor(
    private readonly phone: Phone,
    private readonly random: () => number = Math.random,
  ) {
    phone.whileBooting(() => (this.checksAtBoot ? this.run('boot') : undefined));
    phone.on('ready', () => this.schedulePoll());
    phone.on('down', () => this.cancel());
    // a new polling schedule (or zone) takes effect at once
    phone.on('config', (change) => {
      if (phone.isReady && change.names.some((n) => n.startsWith('prov.polling.') || n === 'device.sntp.gmtOffset')) this.schedulePoll();
    });
  }

  /** Whether a boot run is due: a server is configured and the phone checks it at startup. */
  get checksAtBoot(): boolean {
    return provisioningBase(this.phone) !== undefined && this.phone.config.bool('prov.startupCheck.enabled');
  }

  /** One run now; its report (never throws). A run already under way: undefined. */
  async run(trigger: ProvisioningTrigger): Promise<ProvisioningReport | undefined> {
    const boot = this.phone.boot;
    if (boot.provisioning) return undefined;
    boot.provisioning = true;
    const startedAt = this.phone.clock.now();
    let report: ProvisioningReport;
    try {
      report = reportOf(trigger, startedAt, await provision(this.phone, this.phone.bootConfig));
    } catch (err) {
      report = reportOf(trigger, startedAt, err);
    } finally {
      boot.provisioning = false;
    }
    // the phone went down meanwhile: what the run found waits for the next boot's run
    if (this.phone.boot !== boot) return report;
    this.phone.emit('provisioning', report);
    if (report.then === 'reboot') this.phone.goDown('reboot');
    return report;
  }

  /** Arms the next poll (prov.polling.*), replacing an armed one; nothing when polling is off. */
  schedulePoll(): void {
    this.cancel();
    const clock = this.phone.clock;
    const now = clock.now();
    const at = nextPoll(pollingSettings(this.phone.config), now, now - this.phone.uptimeMs(), this.random, this.lastPollAt);
    if (at === undefined) return;
    this.pollTimer = clock.schedule(at - now, () => {
      this.pollTimer = undefined;
      this.lastPollAt = clock.now();
      if (!this.phone.isReady || provisioningBase(this.phone) === undefined) {
        this.schedulePoll();
        return;
      }
      void this.run('poll').then(() => {
        if (this.phone.isReady) this.schedulePoll();
      });
    });
  }

  /** Stops polling (the phone goes down or stops). */
  cancel(): void {
    this.pollTimer?.cancel();
    this.pollTimer = undefined;
  }
}
