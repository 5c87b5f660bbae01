/**
 * Operations that move a file (config export, capture upload, provisioning) answer within the phone's
 * `transferAnswerMs`: a transfer done by then answers with its real result; one still running goes on in the
 * background (bounded by the transfer deadline), the request is answered with `late`, and the phone's one request
 * slot is free again. The background result is told as a 'transfer' event.
 */
import type { Phone } from '../phone/phone.js';
import { PhoneError } from '../phone/status.js';

const LATE = Symbol('late');

export function answerWithin<T>(phone: Phone, operation: string, work: Promise<T>, late: () => T): Promise<T> {
  // The background outcome, whenever it comes; reported only when the request was answered first.
  let answered = false;
  const settled = work.then(
    (v) => {
      if (answered) phone.emit('transfer', { operation, ok: true });
      return v;
    },
    (err: unknown) => {
      if (!answered) throw err;
      const detail = err instanceof PhoneError ? err.detail : err instanceof Error ? err.message : String(err);
      phone.emit('transfer', { operation, ok: false, detail });
      return undefined as T;
    },
  );
  let timer: { cancel(): void } | undefined;
  const window = new Promise<typeof LATE>((resolve) => {
    timer = phone.clock.schedule(phone.timing.transferAnswerMs, () => resolve(LATE));
  });
  return Promise.race([settled, window]).then(
    (r) => {
      timer?.cancel();
      if (r !== LATE) return r;
      answered = true;
      return late();
    },
    (err: unknown) => {
      timer?.cancel();
      throw err;
    },
  );
}
