/**
 * polysim's event stream (its control API, `GET /events` and `/phones/{i}/events`, Server-Sent Events): typed events
 * of calls, LEDs, registrations, requests, configuration and the phones' life, and a client that reads them as an
 * async iterator. Only polysim has it; real phones do not.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { PolysimEvent } from './types-control.js'; // the events' types are generated from the server's schemas

export interface EventsOptions {
  /** One phone's events (from 1); default: every phone's. */
  readonly phone?: number;
  /** The control API's token, when it demands one. */
  readonly token?: string;
  /** Ends the stream. */
  readonly signal?: AbortSignal;
}

/**
 * The events of a polysim process, from its control API (e.g. http://127.0.0.1:8790), as an async iterator: first a
 * snapshot per phone, then every change. Ends when the signal aborts or the server closes the stream.
 */
export async function* polysimEvents(controlUrl: string, options: EventsOptions = {}): AsyncGenerator<PolysimEvent> {
  const url = new URL(options.phone === undefined ? '/events' : `/phones/${options.phone}/events`, controlUrl);
  const { signal } = options;
  if (signal?.aborted) return;
  let res: IncomingMessage;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        url,
        { headers: { accept: 'text/event-stream', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) }, signal },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
  } catch (err) {
    // Aborted while connecting: the stream ends before it began.
    if (signal?.aborted) return;
    throw err;
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`${url.pathname}: HTTP ${res.statusCode}`);
  }
  res.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of res) {
      buffer += chunk as string;
      // Events end with a blank line; a line "data: ..." holds the JSON (comments, "id:" and "event:" lines aside).
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (data) yield JSON.parse(data) as PolysimEvent;
      }
      if (buffer.length > 1_048_576) throw new Error('event stream: an event over 1 MB');
    }
  } catch (err) {
    // The signal aborted: node ends the response with an error (AbortError, or "aborted" once the body has begun);
    // for the caller the stream has ended, as it asked. Any other error (a reset, a bad event) is thrown.
    if (signal?.aborted) return;
    throw err;
  } finally {
    res.destroy();
  }
}
