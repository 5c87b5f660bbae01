/**
 * The G.722 codec's own properties: whatever arrives decodes without throwing to two samples a byte, whatever is
 * sent encodes to one byte per two samples, and a tone comes back as the same tone. Bit-exactness against a reference
 * is test/g722-ffmpeg.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { G722Decoder, G722Encoder, steadyFrames } from './g722.js';

describe('G.722', () => {
  it('decoding arbitrary bytes never throws and gives two 16-bit samples per byte, in any split', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 8 }), (chunks) => {
        const decoder = new G722Decoder();
        for (const chunk of chunks) {
          const out = decoder.decode(chunk);
          assert.ok(out instanceof Int16Array);
          assert.equal(out.length, 2 * chunk.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same bytes decode to the same samples whether they come in one piece or in frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 1000 }), fc.integer({ min: 1, max: 200 }), (bytes, size) => {
        const whole = new G722Decoder().decode(bytes);
        const decoder = new G722Decoder();
        const parts: number[] = [];
        for (let i = 0; i < bytes.length; i += size) parts.push(...decoder.decode(bytes.subarray(i, i + size)));
        assert.deepEqual(parts, [...whole]);
      }),
      { numRuns: 100 },
    );
  });

  it('encoding any numbers (out of range, fractional, NaN, infinite) never throws: one byte per two samples', () => {
    const sample = fc.oneof(fc.integer({ min: -32768, max: 32767 }), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e12, -1e12));
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 700 }), (samples) => {
        const out = new G722Encoder().encode(samples);
        assert.equal(out.length, Math.floor(samples.length / 2));
      }),
      { numRuns: 300 },
    );
  });

  it('a tone in each band comes back as that tone (the codec delays it by 22 samples, its QMF pair)', () => {
    for (const freq of [400, 1000, 3000, 5000, 7000]) {
      const n = 16000;
      const pcm = Int16Array.from({ length: n }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * freq * i) / 16000)));
      const back = new G722Decoder().decode(new G722Encoder().encode(pcm));
      const delay = 22;
      let signal = 0;
      let noise = 0;
      for (let i = 2000; i < n; i++) {
        const want = pcm[i - delay] as number;
        signal += want * want;
        noise += (want - (back[i] as number)) ** 2;
      }
      const snr = 10 * Math.log10(signal / noise);
      assert.ok(snr > 20, `${freq} Hz: SNR ${snr.toFixed(1)} dB`);
    }
  });

  it("silence decodes to silence (the ADPCM's idle noise, a few least significant bits)", () => {
    const bytes = new G722Encoder().encode(new Int16Array(3200));
    assert.ok(new G722Decoder().decode(bytes).every((s) => Math.abs(s) <= 4));
  });

  it('a steady tone as a loop of frames plays round without a click at the seam', () => {
    const tone = Int16Array.from({ length: 320 }, (_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 400 * i) / 16000)));
    const frames = steadyFrames(tone);
    assert.ok(frames.length >= 25 && frames.every((f) => f.length === 160), `${frames.length} frames`);
    // three times round, as a call plays it: every 20 ms of what the far end hears is the tone (22 samples late)
    const heard = new G722Decoder().decode(Buffer.concat([...frames, ...frames, ...frames]));
    const delay = 22;
    for (let f = 5; f < heard.length / 320; f++) {
      let signal = 0;
      let noise = 0;
      for (let i = f * 320; i < (f + 1) * 320; i++) {
        const want = 3000 * Math.sin((2 * Math.PI * 400 * (i - delay)) / 16000);
        signal += want * want;
        noise += (want - (heard[i] as number)) ** 2;
      }
      const snr = 10 * Math.log10(signal / noise);
      assert.ok(snr > 20, `frame ${f} (a seam every ${frames.length}): SNR ${snr.toFixed(1)} dB`);
    }
  });

  it('silence as a loop of frames decodes to silence, the seam a few LSB at most (below -60 dBFS)', () => {
    const frames = steadyFrames(new Int16Array(320));
    const heard = new G722Decoder().decode(Buffer.concat([...frames, ...frames, ...frames]));
    // the first frames: a decoder from its initial state meeting an encoder that has settled (also a few LSB)
    const loudest = heard.subarray(5 * 320).reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    assert.ok(loudest <= 32, `${loudest}`);
  });
});
