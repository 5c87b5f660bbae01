/**
 * Faults a tester asks for through the control API: the next N requests (to one path, or any) answer a given
 * Status instead of running, so clients' handling of 5000, 5500, 4001 and the like can be exercised.
 */
import type { StatusCode } from '../phone/status.js';

export interface Fault {
  readonly status: StatusCode;
  readonly path?: string;
  remaining: number;
}

export class FaultPlan {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  clear(): void {
    this.faults = [];
  }

  /** The Status a request to `path` (in any case, as operations are found) must answer now, if a fault applies (and uses it up). */
  take(path: string): StatusCode | undefined {
    if (this.faults.length === 0) return undefined;
    const lower = path.toLowerCase();
    const f = this.faults.find((x) => x.path === undefined || x.path.toLowerCase() === lower);
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return f.status;
  }
}
