/**
 * REST sessions (PVOS 9.2.0+ CCX and Trio C60, 8.3.0+ Edge E): at most 10 live at once, each living
 * httpd.rest.session.duration.sec seconds of the phone's clock (0: until deleted or the phone reboots).
 * Expired sessions stop working and leave the list. Sessions live in memory: a reboot ends them all.
 */
import type { Clock } from './clock.js';
import type { IdSource } from './identity.js';
import { PhoneError, Status } from './status.js';

export const MAX_SESSIONS = 10;

export interface Session {
  readonly id: string;
  readonly createdAt: number;
  /** Absent: no time limit. */
  readonly expiresAt: number | undefined;
  readonly authLevel: 'admin';
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  private prune(): void {
    const now = this.clock.now();
    for (const [id, s] of this.sessions) if (s.expiresAt !== undefined && s.expiresAt <= now) this.sessions.delete(id);
  }

  /** A new session; 4403 when ten are live already. */
  create(durationSeconds: number): Session {
    this.prune();
    if (this.sessions.size >= MAX_SESSIONS) throw new PhoneError(Status.FORBIDDEN, `at most ${MAX_SESSIONS} sessions`);
    const id = [...Buffer.from(this.ids.hex(32), 'hex')].map((b) => ALPHABET[b % ALPHABET.length]).join('');
    const now = this.clock.now();
    const session: Session = {
      id,
      createdAt: now,
      expiresAt: durationSeconds > 0 ? now + durationSeconds * 1000 : undefined,
      authLevel: 'admin',
    };
    this.sessions.set(id, session);
    return session;
  }

  /** The live session with this id, or undefined. */
  get(id: string): Session | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt !== undefined && s.expiresAt <= this.clock.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  list(): Session[] {
    this.prune();
    return [...this.sessions.values()];
  }

  /** Deletes the given ids; those that are not live come back as not found. */
  delete(ids: readonly string[]): { deleted: string[]; notFound: string[] } {
    this.prune();
    const deleted: string[] = [];
    const notFound: string[] = [];
    for (const id of ids) (this.sessions.delete(id) ? deleted : notFound).push(id);
    return { deleted, notFound };
  }

  remainingSeconds(s: Session): number | undefined {
    return s.expiresAt === undefined ? undefined : Math.max(0, Math.ceil((s.expiresAt - this.clock.now()) / 1000));
  }

  ageSeconds(s: Session): number {
    return Math.floor((this.clock.now() - s.createdAt) / 1000);
  }

  clear(): void {
    this.sessions.clear();
  }
}
