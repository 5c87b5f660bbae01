/**
 * PolyPhone: a client for the REST API of Poly phones (and polysim), which gets right what every client re-learns:
 * Digest signed per request with a growing nonce count, SHA-256 sessions, one request in flight per phone, 403
 * "busy" and 4001 retried with backoff, never a 401 loop, bodies kept under 20 KB, Status codes as typed errors,
 * and TLS trust for self-signed certificates whose CN is the MAC.
 */
import { BODY_LIMIT } from './body-limit.js';
import { basicHeader, bestChallenge, DigestSigner, parseChallenges } from './digest.js';
import { AuthError, PolyError, TransportError } from './errors.js';
import { HttpClient } from './http.js';
import type { Exchange, TlsTrust } from './http.js';
import { PATHS } from './paths.js';

export interface PolyPhoneOptions {
  /**
   * "10.0.0.5", "10.0.0.5:8443", or a URL ("https://10.0.0.5", "http://127.0.0.1:8080"). HTTPS unless a URL says http.
   * A URL's path goes before every request's path: a phone behind a proxy under a path (polysim's control API
   * forwards `http://127.0.0.1:8790/phones/3/api/...` to phone 3); Digest signs the path the phone itself sees.
   */
  readonly host: string;
  /**
   * Headers sent with every request, e.g. a proxy's own credentials (polysim's control token as
   * `Authorization: Bearer ...`); the client's own Authorization, once it signs, takes that one's place.
   */
  readonly headers?: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly password: string;
  /** auto: the best method the phone offers; session: SHA-256 Digest, then a session cookie. */
  readonly auth?: 'auto' | 'basic' | 'digest' | 'session';
  readonly tls?: TlsTrust;
  /** Retries of a 403 busy or 4001 answer, with exponential backoff from baseDelayMs. */
  readonly retry?: { readonly attempts?: number; readonly baseDelayMs?: number };
  readonly timeoutMs?: number;
  /** A session is renewed when less than this is left of it (default 30 s). */
  readonly sessionRenewMs?: number;
  /** The time, in ms since the epoch (for tests; default Date.now). */
  readonly now?: () => number;
}

/** A session is renewed this long before it would expire. */
const SESSION_MARGIN_MS = 30_000;

export interface Answer {
  readonly Status: string;
  readonly data?: unknown;
  readonly [key: string]: unknown;
}

/** The session operations: answered with the credentials, never with a session; their 403 means "not allowed". */
const SESSION_PATHS: ReadonlySet<string> = new Set([
  PATHS['Management.SessionCreate'],
  PATHS['Management.SessionList'],
  PATHS['Management.SessionDelete'],
]);
const isSessionPath = (path: string): boolean => SESSION_PATHS.has(path.split('?')[0] as string);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PolyPhoneBase {
  readonly user: string;
  private readonly http: HttpClient;
  private queue: Promise<unknown> = Promise.resolve();
  private digest: DigestSigner | undefined;
  private basic = false;
  private session: { id: string; expiresAt: number } | undefined;

  constructor(private readonly options: PolyPhoneOptions) {
    this.user = options.user ?? 'Polycom';
    const base = /^https?:\/\//i.test(options.host) ? new URL(options.host) : new URL(`https://${options.host}`);
    this.http = new HttpClient(base, options.tls, options.timeoutMs, options.headers);
    this.basic = options.auth === 'basic';
  }

  /** Runs one operation; requests to one phone go one at a time, in order. */
  request<T = unknown>(method: 'GET' | 'POST', path: string, data?: unknown): Promise<T> {
    const run = this.queue.then(() => this.withRetry(method, path, data));
    this.queue = run.catch(() => undefined);
    return run as Promise<T>;
  }

  /** The whole answer (for operations that answer at the top level, e.g. powerStatus's CurrentState). */
  raw(method: 'GET' | 'POST', path: string, data?: unknown): Promise<Answer> {
    const run = this.queue.then(() => this.withRetry(method, path, data, true));
    this.queue = run.catch(() => undefined);
    return run as Promise<Answer>;
  }

  private async withRetry(method: string, path: string, data: unknown, whole = false): Promise<unknown> {
    const attempts = this.options.retry?.attempts ?? 5;
    const base = this.options.retry?.baseDelayMs ?? 200;
    for (let i = 0; ; i++) {
      try {
        const answer = await this.once(method, path, data);
        return whole ? answer : answer.data;
      } catch (err) {
        // 403 with 4403 is the phone's one-request-at-a-time refusal; on session paths it means "not allowed".
        const busy =
          err instanceof PolyError && (err.code === '4001' || (err.httpStatus === 403 && err.code === '4403' && !isSessionPath(path)));
        if (!busy || i + 1 >= attempts) throw err;
        await sleep(Math.min(5000, base * 2 ** i));
      }
    }
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private sessionId(): string {
    return this.session?.id ?? '';
  }

  private async ensureSession(): Promise<void> {
    if (this.options.auth !== 'session') return;
    if (this.session && this.session.expiresAt - this.now() > (this.options.sessionRenewMs ?? SESSION_MARGIN_MS)) return;
    const old = this.session;
    this.session = undefined;
    const res = await this.signed('GET', PATHS['Management.SessionCreate']);
    const answer = this.answerOf(res, 'GET', PATHS['Management.SessionCreate']);
    const cookie = String(res.headers['set-cookie'] ?? '');
    const maxAge = /Max-Age=(\d+)/i.exec(cookie)?.[1];
    const id = (answer.data as { sessionId?: string } | undefined)?.sessionId;
    if (!id) throw new TransportError('session/create gave no session id');
    this.session = { id, expiresAt: maxAge ? this.now() + Number(maxAge) * 1000 : Number.POSITIVE_INFINITY };
    // The old session is deleted at once, so renewals never pile up against the phone's limit of ten.
    if (old) await this.signedDelete(old.id).catch(() => undefined);
  }

  /** One exchange authenticated by the credentials (not a session). */
  private async signed(method: string, path: string, body?: Buffer): Promise<Exchange> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    const auth = (): void => {
      if (this.digest) headers['authorization'] = this.digest.sign(method, path);
      else if (this.basic) headers['authorization'] = basicHeader(this.user, this.options.password);
    };
    auth();
    let res = await this.http.send(method, path, headers, body);
    if (res.status !== 401) return res;
    // One new try with the best challenge offered (or a fresh nonce after stale=true); never a loop.
    const challenges = parseChallenges(res.challenges);
    const best =
      this.options.auth === 'basic'
        ? challenges.find((c) => c.scheme === 'Basic')
        : this.options.auth === 'digest' || this.options.auth === 'session'
          ? bestChallenge(challenges.filter((c) => c.scheme === 'Digest'))
          : bestChallenge(challenges);
    const stale = challenges.some((c) => c.params['stale'] === 'true');
    const hadCredentials = headers['authorization'] !== undefined;
    if (!best || (hadCredentials && !stale && (best.scheme === 'Basic' ? this.basic : this.digest !== undefined))) {
      throw new AuthError(challenges.map((c) => `${c.scheme} ${c.params['algorithm'] ?? ''}`.trim()));
    }
    this.basic = best.scheme === 'Basic';
    this.digest = best.scheme === 'Digest' ? new DigestSigner(best, this.user, this.options.password) : undefined;
    auth();
    res = await this.http.send(method, path, headers, body);
    if (res.status === 401) throw new AuthError(parseChallenges(res.challenges).map((c) => c.scheme));
    return res;
  }

  private async once(method: string, path: string, data: unknown): Promise<Answer> {
    const body = data === undefined ? undefined : Buffer.from(JSON.stringify({ data }), 'utf8');
    if (body && body.length > BODY_LIMIT) throw new PolyError('4009', 413);
    let res: Exchange;
    if (this.options.auth === 'session' && !isSessionPath(path)) {
      await this.ensureSession();
      const headers: Record<string, string> = { accept: 'application/json', cookie: `session=${this.sessionId()}` };
      if (body) headers['content-type'] = 'application/json';
      res = await this.http.send(method, path, headers, body);
      if (res.status === 401) {
        // The session ended (expired, deleted, the phone rebooted): one new session, once.
        this.session = undefined;
        await this.ensureSession();
        headers['cookie'] = `session=${this.sessionId()}`;
        res = await this.http.send(method, path, headers, body);
      }
    } else {
      res = await this.signed(method, path, body);
    }
    return this.answerOf(res, method, path);
  }

  private answerOf(res: Exchange, method: string, path: string): Answer {
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('json')) {
      if (res.status === 401) throw new AuthError([]);
      throw new TransportError(
        res.status === 404
          ? 'HTTP 404: the REST API is off, or this phone has no such operation'
          : `HTTP ${res.status} without a JSON answer`,
        res.status,
      );
    }
    let answer: Answer;
    try {
      answer = JSON.parse(res.body.toString('utf8')) as Answer;
    } catch {
      throw new TransportError(`HTTP ${res.status}: the answer is not JSON`, res.status);
    }
    const code = String(answer.Status);
    if (code !== '2000') throw new PolyError(code, res.status, { method, path });
    return answer;
  }

  /** Ends the session (if any) and closes the connection. */
  async close(): Promise<void> {
    const session = this.session;
    if (session) {
      this.session = undefined;
      await this.queue;
      try {
        await this.signedDelete(session.id);
      } catch {
        // the phone may be gone already
      }
    }
    this.http.close();
  }

  private async signedDelete(id: string): Promise<void> {
    await this.signed('GET', PATHS['Management.SessionDelete'], Buffer.from(JSON.stringify({ data: [id] })));
  }
}
