/** G.711 µ-law and A-law encoding of 16-bit linear samples (ITU-T G.711), for the tone a call carries. */

export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (s >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    s = -s - 1;
  }
  const ends = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  const seg = ends.findIndex((e) => s <= e);
  if (seg < 0) return 0x7f ^ mask;
  const aval = seg << 4;
  return (aval | (seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f)) ^ mask;
}

/** One 20 ms frame (160 samples at 8 kHz) of a 400 Hz tone (a whole number of periods, so frames repeat). */
export function toneFrame(encode: (s: number) => number, amplitude = 3000): Buffer {
  const frame = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) frame[i] = encode(amplitude * Math.sin((2 * Math.PI * 400 * i) / 8000));
  return frame;
}

export function silenceFrame(encode: (s: number) => number): Buffer {
  return Buffer.alloc(160, encode(0));
}
