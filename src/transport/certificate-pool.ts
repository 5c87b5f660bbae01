/**
 * Phones' certificates made ahead, on a worker thread: a fleet asks for every phone's as it starts, the worker makes
 * them once the fleet's listeners are open (held until `start()`), and each is taken when its phone's first TLS
 * connection comes, instead of being made then on the main thread (0.3 ms each, and the garbage of it: a third of a
 * second for 1,000 phones, on the thread that then answers their handshakes). Opening the listeners keeps this
 * machine's cores busy, the first clients' handshakes less so. A phone connected to before its certificate came
 * makes its own (tls.ts) and the worker's is dropped. The worker holds no process open and ends when it has nothing
 * to do.
 */
import { Worker } from 'node:worker_threads';
import type { CertificateRequest } from './certificate.js';
import type { CertificateMaker, TlsMaterial } from './tls.js';

/** A request as it crosses to the worker (dates as milliseconds). */
export interface CertificateJob {
  readonly id: number;
  readonly request: Omit<CertificateRequest, 'notBefore' | 'notAfter'> & { readonly notBefore: number; readonly notAfter: number };
}

export type CertificateResult =
  { readonly id: number; readonly cert: string; readonly key: string } | { readonly id: number; readonly error: string };

/** Jobs waiting at most: a fleet's phones (10,000 in one process at most); past it a phone makes its own. */
const PENDING_MAX = 20_000;

export class CertificatePool implements CertificateMaker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (m: TlsMaterial | undefined) => void>();
  private next = 0;
  /** Certificates made by the worker, and requests it could not serve (worker failed, pool full or closed). */
  made = 0;
  failed = 0;
  private closed = false;
  /** Jobs asked for before `start()`: the worker takes them when started. */
  private held: CertificateJob[] | undefined;

  /** `held`: take requests but start no work until `start()` (a fleet opening its listeners keeps its cores busy). */
  constructor(options: { held?: boolean } = {}) {
    if (options.held) this.held = [];
  }

  /** Starts the work asked for so far, and from now on as it is asked. */
  start(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || this.closed) return;
    for (const job of held) this.started().postMessage(job);
  }

  /** A certificate for `request`, made on the worker; undefined when it could not be (the phone then makes its own). */
  make(request: CertificateRequest): Promise<TlsMaterial | undefined> {
    if (this.closed || this.pending.size >= PENDING_MAX) {
      this.failed++;
      return Promise.resolve(undefined);
    }
    const id = this.next++;
    const job: CertificateJob = {
      id,
      request: { ...request, notBefore: request.notBefore.getTime(), notAfter: request.notAfter.getTime() },
    };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      if (this.held) this.held.push(job);
      else this.started().postMessage(job);
    });
  }

  /** Ends the worker; what it had not made yet is answered undefined. */
  async close(): Promise<void> {
    this.closed = true;
    this.held = undefined;
    const worker = this.worker;
    this.worker = undefined;
    this.settleAll();
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./certificate-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (r: CertificateResult) => {
      const resolve = this.pending.get(r.id);
      this.pending.delete(r.id);
      if ('error' in r) this.failed++;
      else this.made++;
      resolve?.('error' in r ? undefined : { cert: r.cert, key: r.key });
      if (this.pending.size === 0 && this.worker === worker) {
        this.worker = undefined;
        void worker.terminate();
      }
    });
    // A worker that fails (it cannot start, say) leaves every phone to make its own certificate.
    const gone = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.settleAll();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.worker = worker;
    return worker;
  }

  private settleAll(): void {
    for (const resolve of this.pending.values()) {
      this.failed++;
      resolve(undefined);
    }
    this.pending.clear();
  }
}
