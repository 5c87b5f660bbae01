/**
 * Scenarios of a fleet file: the world around the phones, played on the fleet's clock.
 * - busy-agent: the phone is always on a call; a caller arrives, the agent answers, the caller hangs up after
 *   callSeconds, the next arrives gapSeconds later.
 * - incoming-queue: callers arrive at perMinute, each ringing until answered, at most maxWaiting at once.
 * - periodic-reboot: the phone reboots every everyMinutes.
 * - registration-loss: after afterSeconds, the line's call server stops answering its registrations for forSeconds;
 *   again every everySeconds when given.
 * A scenario waits while its phone is away (rebooting) or its line unregistered, and never throws: what it cannot do
 * now it tries at its next turn.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { Fleet } from './fleet.js';
import type { ScenarioSpec } from './fleet-file.js';

export interface RunningScenarios {
  stop(): void;
}

/** How often a scenario that cannot act now (phone away, line unregistered, line busy) looks again. */
const RETRY_MS = 1000;

export function runScenarios(fleet: Fleet, specs: readonly ScenarioSpec[], clock: Clock, logger?: Logger): RunningScenarios {
  const timers = new Set<TimerHandle>();
  let stopped = false;
  const later = (ms: number, fn: () => void): void => {
    if (stopped) return;
    const t = clock.schedule(ms, () => {
      timers.delete(t);
      if (stopped) return;
      try {
        fn();
      } catch (err) {
        logger?.warn({ err }, 'scenario step failed');
      }
    });
    timers.add(t);
  };

  specs.forEach((spec, i) => {
    const running = fleet.phones[spec.phone - 1];
    if (!running) return;
    const phone = running.phone;
    const line = 'line' in spec && spec.line !== undefined ? spec.line : 1;
    const reachable = (): boolean => phone.isReady && phone.lines.exists(line) && phone.lines.get(line).registered;
    const callers = (): number => phone.calls.all().filter((c) => c.line === line && c.state === 'Offering').length;
    let n = 0;
    const caller = (from: string | undefined): { number: string; name: string } => {
      n++;
      return { number: `${from ?? '+1555'}${String(n).padStart(4, '0')}`, name: `Caller ${n}` };
    };

    switch (spec.kind) {
      case 'busy-agent': {
        const cycle = (): void => {
          if (!reachable() || phone.calls.all().some((c) => c.line === line)) {
            later(RETRY_MS, cycle);
            return;
          }
          const fe = fleet.switchboard.callPhone(phone, line, caller(spec.from));
          const call = phone.calls.all().find((c) => c.callId === fe.callId);
          if (call) phone.calls.answer(call.handle);
          later((spec.callSeconds ?? 60) * 1000, () => {
            if (fe.state !== 'ended') fe.hangup();
            later((spec.gapSeconds ?? 5) * 1000, cycle);
          });
        };
        later(0, cycle);
        break;
      }
      case 'incoming-queue': {
        const every = 60_000 / spec.perMinute;
        const arrive = (): void => {
          if (reachable() && callers() < (spec.maxWaiting ?? 10)) fleet.switchboard.callPhone(phone, line, caller(spec.from));
          later(every, arrive);
        };
        later(every, arrive);
        break;
      }
      case 'periodic-reboot': {
        const reboot = (): void => {
          if (phone.isUp) phone.goDown('reboot');
          later(spec.everyMinutes * 60_000, reboot);
        };
        later(spec.everyMinutes * 60_000, reboot);
        break;
      }
      case 'registration-loss': {
        const lose = (): void => {
          phone.lines.loseRegistration(line);
          logger?.info({ scenario: i + 1, phone: spec.phone, line }, 'registration lost');
          later(spec.forSeconds * 1000, () => {
            phone.lines.restoreRegistration(line);
            logger?.info({ scenario: i + 1, phone: spec.phone, line }, 'registered again');
          });
          if (spec.everySeconds !== undefined) later(Math.max(spec.everySeconds, spec.forSeconds) * 1000, lose);
        };
        later((spec.afterSeconds ?? 0) * 1000, lose);
        break;
      }
    }
  });

  return {
    stop: () => {
      stopped = true;
      for (const t of timers) t.cancel();
      timers.clear();
    },
  };
}
