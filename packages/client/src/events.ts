/**
 * polysim's event stream (its control API, `GET /events` and `/phones/{i}/events`, Server-Sent Events): typed events
 * of calls, LEDs, registrations, requests, configuration and the phones' life, and a client that reads them as an
 * async iterator. Only polysim has it; real phones do not.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';

export type EventLed = { readonly State: string; readonly Color?: string };

export interface EventLeds {
  readonly Lines: readonly ({ readonly LineNumber: string } & EventLed)[];
  readonly MWI: EventLed;
  readonly Mute: EventLed;
  readonly Speaker: EventLed;
  readonly Headset: EventLed;
}

export interface EventCall {
  readonly handle: string;
  readonly line: number;
  readonly state: string;
  readonly direction: 'Incoming' | 'Outgoing';
  readonly remoteNumber: string;
  readonly remoteName: string;
  readonly ringing: boolean;
}

export interface EventLine {
  readonly line: number;
  readonly address: string;
  readonly registered: boolean;
  /** A line of a real SIP server: the server ("host:port") it is registered with or tried last. */
  readonly server?: string;
  /** Why such a line is not registered ("no answer", "403 Forbidden", "401 Unauthorized (wrong credentials)"). */
  readonly reason?: string;
}

/** What the phone's screen shows: its view, the softkeys of the page shown, and what was typed. */
export interface EventScreen {
  readonly view: string;
  readonly softkeys: readonly string[];
  readonly dialBuffer: string;
  readonly text: string;
  readonly selectedLine: number;
  readonly offHook: boolean;
}

export type PhoneLifeState = 'down' | 'initializing' | 'ready';

interface Base {
  /** Increases by one for every event of the process; a gap means events were dropped (a slow reader). */
  readonly seq: number;
  /** ISO 8601 time. */
  readonly at: string;
  /** The phone, from 1 in the order of the fleet. */
  readonly phone: number;
}

export type PolysimEvent =
  | (Base & { readonly type: 'snapshot'; readonly state: PhoneLifeState; readonly model: string; readonly firmware: string; readonly number: string;
      readonly calls: readonly EventCall[]; readonly leds: EventLeds; readonly lines: readonly EventLine[]; readonly screen: EventScreen })
  | (Base & { readonly type: 'state'; readonly state: PhoneLifeState; readonly reason?: 'reboot' | 'restart' })
  | (Base & { readonly type: 'calls'; readonly calls: readonly EventCall[] })
  | (Base & { readonly type: 'leds'; readonly leds: EventLeds })
  | (Base & { readonly type: 'screen'; readonly screen: EventScreen })
  | (Base & { readonly type: 'registration'; readonly lines: readonly EventLine[] })
  | (Base & { readonly type: 'config'; readonly layer: string; readonly names: readonly string[] })
  | (Base & { readonly type: 'request'; readonly transport: string; readonly method: string; readonly url: string;
      readonly auth?: string; readonly httpStatus: number; readonly status?: string; readonly ms: number;
      /** The request's headers (Authorization and cookies redacted), its body and the answer's, each cut at 2 KB (secrets masked). */
      readonly requestHeaders?: Readonly<Record<string, string>>; readonly requestBody?: string; readonly responseBody?: string });

export type PolysimEventType = PolysimEvent['type'];

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
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(url, {
      headers: { accept: 'text/event-stream', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      signal: options.signal,
    }, resolve);
    req.on('error', reject);
    req.end();
  });
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
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) yield JSON.parse(data) as PolysimEvent;
      }
      if (buffer.length > 1_048_576) throw new Error('event stream: an event over 1 MB');
    }
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') return;
    throw err;
  } finally {
    res.destroy();
  }
}
