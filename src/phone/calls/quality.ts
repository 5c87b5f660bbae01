/**
 * Voice quality as a phone estimates it: the E-model (ITU-T G.107) reduced to what a G.711 call's counters give,
 * packet loss and delay, turned into a MOS (G.107 Annex B). Listening quality (MOS-LQ) leaves delay out;
 * conversational quality (MOS-CQ) takes it in. G.711 with packet loss concealment: Ie 0, Bpl 25.1 (G.113 Appendix I).
 */
const IE = 0;
const BPL = 25.1;
const R0 = 93.2;

/** MOS from an R factor (G.107 B.4). */
export function mosOf(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** The R factor of a call that lost `loss` (0..1) of its packets, with `delayMs` one-way delay (0: left out). */
export function rFactor(loss: number, delayMs: number): number {
  const ppl = Math.min(100, Math.max(0, loss * 100));
  const ieEff = IE + ((95 - IE) * ppl) / (ppl + BPL);
  const d = Math.max(0, delayMs);
  // G.107 delay impairment, its simplified form (Cole and Rosenbluth)
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  return R0 - id - ieEff;
}

export interface VoiceQuality {
  /** Listening quality, 1..4.5, one decimal as phones show it. */
  readonly lq: string;
  /** Conversational quality. */
  readonly cq: string;
}

/**
 * Quality of one direction: `loss` the share of packets lost, `jitterMs` the interarrival jitter, `latencyMs` the
 * network delay. Delay is the network's plus what a jitter buffer of twice the jitter and one 20 ms frame adds.
 * Nothing received: 0.0 (no measure).
 */
export function voiceQuality(received: boolean, loss: number, jitterMs: number, latencyMs: number): VoiceQuality {
  if (!received) return { lq: '0.0', cq: '0.0' };
  const delay = latencyMs + 2 * jitterMs + 20;
  return { lq: mosOf(rFactor(loss, 0)).toFixed(1), cq: mosOf(rFactor(loss, delay)).toFixed(1) };
}
