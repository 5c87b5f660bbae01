/**
 * A fleet's metrics in the Prometheus text format (prom-client), one registry per control app: nothing goes to
 * prom-client's global registry, so fleets in one process (the tests') keep their own. The domain knows nothing of
 * this: gauges are read from the phones' state when scraped (their `collect`), counters from the plain counts the
 * phones keep (SIP messages, sip-tally.ts; RTP packets, the user agent's tally; posted documents, post-queue.ts;
 * the event stream's, events.ts), and requests are observed as the pipeline answers them (gate/pipeline.ts
 * onAnswered), the one place every request passes, whatever its transport and wherever it stopped. The process's
 * own metrics (memory, event loop, handles, file descriptors) are one set for the process, shared by its fleets.
 * docs/control.md lists every metric.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallState } from '../phone/calls/call-state.js';
import type { PhoneState } from '../phone/phone.js';
import type { Answered } from '../gate/pipeline.js';
import type { EventHub } from '../runtime/events.js';
import type { Fleet } from '../runtime/fleet.js';
import type { RunningPhone } from '../runtime/phone-host.js';

const PHONE_STATES: readonly PhoneState[] = ['down', 'initializing', 'ready'];
const CALL_STATES: readonly CallState[] = ['Dialtone', 'Setup', 'RingBack', 'Offering', 'Connected', 'Hold', 'Disconnected'];
const LINE_STATES = ['registered', 'registering', 'failed', 'unregistered'] as const;
type LineState = (typeof LINE_STATES)[number];

/** Request durations: from a fraction of a millisecond (answered in process) to the 10 s a slow phone may take. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;
/** The process's metrics, made once for the process (prom-client's default metrics, with their timers). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface FleetMetrics {
  readonly registry: Registry;
  /** Stops observing the phones' requests. */
  close(): void;
}

/** How a line with an address stands: a line of a real SIP server can also be registering or have failed. */
function lineState(r: RunningPhone, registered: boolean, sip: { readonly reason: string } | undefined): LineState {
  if (!r.phone.isUp) return 'unregistered';
  if (registered) return 'registered';
  if (sip) return sip.reason === '' ? 'registering' : 'failed';
  return 'unregistered';
}

export function fleetMetrics(fleet: Fleet, hub: EventHub): FleetMetrics {
  const registry = new Registry();
  const registers = [registry];
  const phones = fleet.phones;

  new Gauge({
    name: 'polysim_phones',
    help: 'Phones of the fleet by state: down (rebooting, restarting), initializing, ready.',
    labelNames: ['state'],
    registers,
    collect() {
      const n = new Map<string, number>(PHONE_STATES.map((s) => [s, 0]));
      for (const r of phones) n.set(r.phone.state, (n.get(r.phone.state) ?? 0) + 1);
      for (const [state, v] of n) this.set({ state }, v);
    },
  });
  new Gauge({
    name: 'polysim_lines',
    help: 'Lines with an address by registration state, on the built-in switchboard or a real SIP server.',
    labelNames: ['server', 'state'],
    registers,
    collect() {
      this.reset();
      for (const server of ['sip', 'switchboard']) for (const state of LINE_STATES) this.set({ server, state }, 0);
      for (const r of phones) {
        for (const l of r.phone.lines.assigned()) {
          this.inc({ server: l.sip ? 'sip' : 'switchboard', state: lineState(r, l.registered, l.sip) });
        }
      }
    },
  });
  new Gauge({
    name: 'polysim_calls',
    help: "Calls by state and direction, as each phone sees its own (a call between two of the fleet's phones counts on both).",
    labelNames: ['state', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const state of CALL_STATES) for (const direction of ['Incoming', 'Outgoing']) this.set({ state, direction }, 0);
      for (const r of phones) for (const c of r.phone.calls.all()) this.inc({ state: c.state, direction: c.direction });
    },
  });

  const requests = new Counter({
    name: 'polysim_rest_requests_total',
    help: 'Poly API requests answered, over HTTP, HTTPS and SIP NOTIFY, by operation, JSON Status and HTTP status.',
    labelNames: ['transport', 'operation', 'status', 'code'],
    registers,
  });
  const durations = new Histogram({
    name: 'polysim_rest_request_duration_seconds',
    help: 'Time from a Poly API request reaching its phone to its answer, by operation.',
    labelNames: ['transport', 'operation'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const observe = (a: Answered): void => {
    const operation = a.operation ?? 'none';
    requests.inc({ transport: a.transport, operation, status: a.status ?? 'none', code: String(a.httpStatus) });
    durations.observe({ transport: a.transport, operation }, a.ms / 1000);
  };
  const stops = phones.map((r) => r.pipeline.onAnswered(observe));

  new Counter({
    name: 'polysim_sip_requests_total',
    help: 'SIP requests the phones received (in) and sent (out), retransmissions included, by method.',
    labelNames: ['direction', 'method'],
    registers,
    collect() {
      this.reset();
      for (const r of phones)
        r.sipMessages.forEach((direction, method, code, n) => code === undefined && this.inc({ direction, method }, n));
    },
  });
  new Counter({
    name: 'polysim_sip_responses_total',
    help: 'SIP responses the phones received (in) and sent (out), by the method they answer and status code.',
    labelNames: ['direction', 'method', 'code'],
    registers,
    collect() {
      this.reset();
      for (const r of phones)
        r.sipMessages.forEach((direction, method, code, n) => code !== undefined && this.inc({ direction, method, code: String(code) }, n));
    },
  });
  new Counter({
    name: 'polysim_rtp_packets_total',
    help: "RTP packets the phones' calls sent and received (media on real SIP lines; DTMF events included).",
    labelNames: ['direction'],
    registers,
    collect() {
      let sent = 0;
      let received = 0;
      for (const r of phones) {
        sent += r.ua?.rtp.sent ?? 0;
        received += r.ua?.rtp.received ?? 0;
      }
      this.reset();
      this.inc({ direction: 'sent' }, sent);
      this.inc({ direction: 'received' }, received);
    },
  });
  new Counter({
    name: 'polysim_posted_documents_total',
    help: 'Documents the phones posted (telephony events, polled state) by kind and fate: delivered, failed, dropped.',
    labelNames: ['document', 'result'],
    registers,
    collect() {
      this.reset();
      for (const r of phones) {
        for (const [document, counts] of r.posts.countsByLabel) {
          for (const [result, n] of Object.entries(counts)) this.inc({ document, result }, n);
        }
      }
    },
  });
  new Gauge({
    name: 'polysim_posted_documents_waiting',
    help: 'Documents queued or in flight to their receivers.',
    registers,
    collect() {
      this.set(phones.reduce((sum, r) => sum + r.posts.length, 0));
    },
  });
  new Counter({
    name: 'polysim_event_stream_events_total',
    help: 'Events of the control event stream by fate: delivered to a reader, or dropped with a reader cut off.',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      this.inc({ result: 'delivered' }, hub.counts.delivered);
      this.inc({ result: 'dropped' }, hub.counts.dropped);
    },
  });
  new Gauge({
    name: 'polysim_event_stream_readers',
    help: 'Readers of the control event stream now.',
    registers,
    collect() {
      this.set(hub.subscriberCount);
    },
  });

  return {
    registry: Registry.merge([registry, processMetrics()]),
    close: () => {
      for (const stop of stops) stop();
    },
  };
}
