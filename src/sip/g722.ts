/**
 * ITU-T G.722 at 64 kbit/s (mode 1): sub-band ADPCM of 16 kHz, 16-bit linear audio, one byte for every two samples
 * (6 bits of the 0-4 kHz band, 2 of the 4-8 kHz band). The fixed-point arithmetic follows the Recommendation's
 * blocks (named in the comments: QUANTL, INVQAL, LOGSCL, SCALEL, UPPOL1/2, UPZERO, FILTEP/FILTEZ, the QMF), as the
 * public-domain implementation by Steve Underwood (spandsp, librarised as sippy/libg722) does, and is bit-exact with
 * Debian's ffmpeg adpcm_g722 encoder and decoder (test/g722-ffmpeg.test.ts).
 *
 * Written here because no library does it for Node: the npm registry has no G.722 package (pure JS or WASM); the
 * codecs that exist are C (spandsp, libg722, ffmpeg), which would mean a native build at install time.
 *
 * Every state variable is bounded as the Recommendation bounds it (saturation to 16 bits, the scale factors' and
 * predictor coefficients' limits), so any byte string decodes, and any sample values (clamped to 16 bits) encode.
 */

/** The quantiser's decision levels for the 6-bit low band (QUANTL, Table 6 of G.722), scaled by the step size. */
const Q6 = [
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980,
  2195, 2557, 2919,
];
/** Low-band codes for the interval the difference falls in: negative (ILN) and positive (ILP) differences. */
const ILN = [0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0];
const ILP = [0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0];
/** Log scale factor multipliers of the low band (LOGSCL), by the magnitude of the 4-bit code (RIL42). */
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
/** The inverse log table of SCALEL/SCALEH (ILB). */
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298,
  3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/** Inverse quantiser outputs: the 4-bit low band that feeds the predictor (QM4), the 6-bit one heard (QM6), the high band (QM2). */
const QM4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0];
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856, -7192, -6576, -6000,
  -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
  11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136,
  -432, -136,
];
const QM2 = [-7408, -1616, 7408, 1616];
/** High band: codes by sign and interval (IHN, IHP), log scale factor multipliers (WH) by magnitude (RH2). */
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
const WH = [0, -214, 798];
const RH2 = [2, 1, 2, 1];
/** The 24-tap quadrature mirror filter's coefficients (one half; the filter is symmetric). */
const QMF = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

/** Two's-complement 16-bit saturation. */
function sat(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** One band's adaptive predictor and scale factor (the state of blocks 3 and 4). */
class Band {
  /** Predicted signal (s), its pole (sp) and zero (sz) parts. */
  s = 0;
  sp = 0;
  sz = 0;
  /** Reconstructed signal r, partial reconstruction p: current and the two before. */
  readonly r = new Int32Array(3);
  readonly p = new Int32Array(3);
  /** Pole predictor coefficients a1, a2 (index 0 unused). */
  readonly a = new Int32Array(3);
  /** Quantised differences d, current and six before, and the sixth-order zero predictor's coefficients b1..b6. */
  readonly d = new Int32Array(7);
  readonly b = new Int32Array(7);
  /** Log scale factor (nabla) and step size (delta). */
  nb = 0;
  det: number;

  constructor(
    det: number,
    /** The upper limit of nb (18432 low band, 22528 high band) and the shift of SCALEL/SCALEH (8, 10). */
    private readonly nbMax: number,
    private readonly shift: number,
  ) {
    this.det = det;
  }

  /** This band's state made that of `other` (the same kind of band). */
  copyFrom(other: Band): void {
    this.s = other.s;
    this.sp = other.sp;
    this.sz = other.sz;
    for (const key of ['r', 'p', 'a', 'd', 'b'] as const) this[key].set(other[key]);
    this.nb = other.nb;
    this.det = other.det;
  }

  /** The adaptive state, as numbers (to compare two moments of a stream). */
  state(): number[] {
    return [this.s, this.sp, this.sz, ...this.r, ...this.p, ...this.a, ...this.d, ...this.b, this.nb, this.det];
  }

  /** LOGSCL/LOGSCH then SCALEL/SCALEH: the step size adapts to the code just sent or received. */
  scale(w: number): void {
    this.nb = Math.min(this.nbMax, Math.max(0, ((this.nb * 127) >> 7) + w));
    const e = this.shift - (this.nb >> 11);
    const m = ILB[(this.nb >> 6) & 31] as number;
    this.det = (e < 0 ? m << -e : m >> e) << 2;
  }

  /** Block 4: reconstruction, pole and zero predictor adaptation, and the next prediction, from the quantised difference d. */
  adapt(dq: number): void {
    const { r, p, a, d, b } = this;
    // RECONS, PARREC
    d[0] = dq;
    r[0] = sat(this.s + dq);
    p[0] = sat(this.sz + dq);
    // UPPOL2
    const sg0 = p[0] >> 15;
    const sg1 = (p[1] as number) >> 15;
    const sg2 = (p[2] as number) >> 15;
    const a1x4 = sat((a[1] as number) << 2);
    const wd2 = Math.min(32767, sg0 === sg1 ? -a1x4 : a1x4);
    const ap2 = Math.min(12288, Math.max(-12288, (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + (((a[2] as number) * 32512) >> 15)));
    // UPPOL1
    const limit = sat(15360 - ap2);
    const ap1 = Math.min(limit, Math.max(-limit, sat((sg0 === sg1 ? 192 : -192) + (((a[1] as number) * 32640) >> 15))));
    // UPZERO
    const step = dq === 0 ? 0 : 128;
    const sgd = dq >> 15;
    for (let i = 1; i < 7; i++) {
      b[i] = sat(((d[i] as number) >> 15 === sgd ? step : -step) + (((b[i] as number) * 32640) >> 15));
    }
    // DELAYA
    for (let i = 6; i > 0; i--) d[i] = d[i - 1] as number;
    r[2] = r[1] as number;
    r[1] = r[0];
    p[2] = p[1] as number;
    p[1] = p[0];
    a[1] = ap1;
    a[2] = ap2;
    // FILTEP, FILTEZ, PREDIC
    this.sp = sat(((ap1 * sat(2 * (r[1] as number))) >> 15) + ((ap2 * sat(2 * (r[2] as number))) >> 15));
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += ((b[i] as number) * sat(2 * (d[i] as number))) >> 15;
    this.sz = sat(sz);
    this.s = sat(this.sp + this.sz);
  }
}

/** A G.722 encoder: 16 kHz samples in, one byte per two samples out; keeps its state from frame to frame. */
export class G722Encoder {
  private readonly low = new Band(32, 18432, 8);
  private readonly high = new Band(8, 22528, 10);
  /** The transmit QMF's last 24 input samples. */
  private readonly x = new Int32Array(24);

  /** Encodes samples (an odd last one is dropped); values outside 16 bits are clamped. */
  encode(samples: ArrayLike<number>): Buffer {
    const out = Buffer.alloc(samples.length >> 1);
    const x = this.x;
    for (let n = 0; n < out.length; n++) {
      x.copyWithin(0, 2);
      x[22] = sat(Math.round(samples[2 * n] as number) || 0);
      x[23] = sat(Math.round(samples[2 * n + 1] as number) || 0);
      let even = 0;
      let odd = 0;
      for (let i = 0; i < 12; i++) {
        odd += (x[2 * i] as number) * (QMF[i] as number);
        even += (x[2 * i + 1] as number) * (QMF[11 - i] as number);
      }
      out[n] = (this.encodeHigh((even - odd) >> 14) << 6) | this.encodeLow((even + odd) >> 14);
    }
    return out;
  }

  /** Both bands' adaptive state (the QMF's history aside). */
  state(): number[] {
    return [...this.low.state(), ...this.high.state()];
  }

  /** SUBTRA, QUANTL, INVQAL and the adaptation of the low band: its 6-bit code. */
  private encodeLow(xl: number): number {
    const band = this.low;
    const el = sat(xl - band.s);
    const wd = el >= 0 ? el : -(el + 1);
    let i = 1;
    while (i < 30 && wd >= ((Q6[i] as number) * band.det) >> 12) i++;
    const il = el < 0 ? (ILN[i] as number) : (ILP[i] as number);
    const ril = il >> 2;
    const dlow = (band.det * (QM4[ril] as number)) >> 15;
    band.scale(WL[RL42[ril] as number] as number);
    band.adapt(dlow);
    return il;
  }

  /** SUBTRA, QUANTH, INVQAH and the adaptation of the high band: its 2-bit code. */
  private encodeHigh(xh: number): number {
    const band = this.high;
    const eh = sat(xh - band.s);
    const wd = eh >= 0 ? eh : -(eh + 1);
    const mih = wd >= (564 * band.det) >> 12 ? 2 : 1;
    const ih = eh < 0 ? (IHN[mih] as number) : (IHP[mih] as number);
    const dhigh = (band.det * (QM2[ih] as number)) >> 15;
    band.scale(WH[RH2[ih] as number] as number);
    band.adapt(dhigh);
    return ih;
  }
}

/** A G.722 decoder: any bytes in, two 16 kHz samples per byte out; keeps its state from frame to frame. */
export class G722Decoder {
  private readonly low = new Band(32, 18432, 8);
  private readonly high = new Band(8, 22528, 10);
  /** The receive QMF's last 24 values. */
  private readonly x = new Int32Array(24);

  /** A decoder in the same state, to go on from here apart. */
  copy(): G722Decoder {
    const d = new G722Decoder();
    d.low.copyFrom(this.low);
    d.high.copyFrom(this.high);
    d.x.set(this.x);
    return d;
  }

  decode(data: Uint8Array): Int16Array {
    const out = new Int16Array(data.length * 2);
    const x = this.x;
    for (let n = 0; n < data.length; n++) {
      const code = data[n] as number;
      const rlow = this.decodeLow(code & 0x3f);
      const rhigh = this.decodeHigh(code >> 6);
      // the receive QMF
      x.copyWithin(0, 2);
      x[22] = rlow + rhigh;
      x[23] = rlow - rhigh;
      let out1 = 0;
      let out2 = 0;
      for (let i = 0; i < 12; i++) {
        out2 += (x[2 * i] as number) * (QMF[i] as number);
        out1 += (x[2 * i + 1] as number) * (QMF[11 - i] as number);
      }
      out[2 * n] = sat(out1 >> 11);
      out[2 * n + 1] = sat(out2 >> 11);
    }
    return out;
  }

  /** INVQBL, RECONS and LIMIT give the low band's sample; INVQAL and the adaptation follow the 4-bit code. */
  private decodeLow(il: number): number {
    const band = this.low;
    const rlow = Math.min(16383, Math.max(-16384, band.s + ((band.det * (QM6[il] as number)) >> 15)));
    const ril = il >> 2;
    const dlow = (band.det * (QM4[ril] as number)) >> 15;
    band.scale(WL[RL42[ril] as number] as number);
    band.adapt(dlow);
    return rlow;
  }

  /** INVQAH, RECONS and LIMIT of the high band, then its adaptation. */
  private decodeHigh(ih: number): number {
    const band = this.high;
    const dhigh = (band.det * (QM2[ih] as number)) >> 15;
    const rhigh = Math.min(16383, Math.max(-16384, dhigh + band.s));
    band.scale(WH[RH2[ih] as number] as number);
    band.adapt(dhigh);
    return rhigh;
  }
}

/**
 * A steady signal as RTP frames to play round and round: `frame` (320 samples, 20 ms at 16 kHz, a whole number of
 * the signal's periods) encoded again and again after `warmup` frames of settling. An ADPCM stream cannot simply
 * repeat one frame (its state moves on), and a periodic input does not bring the encoder's state back exactly, so the
 * loop closes where the far end hears it least: among the `search` frames, the 40 ends whose encoder state is
 * nearest the start's are tried with a decoder (which follows the encoder's state), and the one whose next frames,
 * decoded across the seam, differ least from those decoded without one is kept. Encoded once, shared by every call.
 */
export function steadyFrames(frame: Int16Array, warmup = 50, search = 400): Buffer[] {
  const encoder = new G722Encoder();
  const decoder = new G722Decoder();
  for (let i = 0; i < warmup; i++) decoder.decode(encoder.encode(frame));
  const start = encoder.state();
  const atStart = decoder.copy();
  const frames: Buffer[] = [];
  const ends: { length: number; distance: number; decoder: G722Decoder }[] = [];
  for (let n = 1; n <= search; n++) {
    const f = encoder.encode(frame);
    frames.push(f);
    decoder.decode(f);
    if (n < 25) continue; // half a second at least
    const distance = encoder.state().reduce((sum, v, i) => sum + Math.abs(v - (start[i] as number)), 0);
    ends.push({ length: n, distance, decoder: decoder.copy() });
  }
  const next = Buffer.concat(frames.slice(0, 4));
  const seamless = atStart.decode(next);
  const heardAcross = (d: G722Decoder): number =>
    d.decode(next).reduce((worst, v, i) => Math.max(worst, Math.abs(v - (seamless[i] as number))), 0);
  const best = ends
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 40)
    .map((end) => ({ length: end.length, error: heardAcross(end.decoder) }))
    .reduce((a, b) => (b.error < a.error ? b : a));
  return frames.slice(0, best.length);
}
