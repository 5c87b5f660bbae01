/**
 * The G.722 codec (src/sip/g722.ts) against an implementation nobody here wrote: Debian's ffmpeg, whose adpcm_g722
 * encoder and decoder derive from the ITU reference. The same 16 kHz samples encoded by both give the same bytes, and
 * the same bytes (ffmpeg's own and arbitrary ones) decoded by both give the same samples, bit for bit.
 *
 * The ITU-T G.722 test vectors (the Recommendation's appendix software) cannot be downloaded here (no network but
 * the package registries), so ffmpeg stands in as the reference; the signals below reach the codec's corners
 * (silence, full-scale square waves, steps, noise, sweeps across both sub-bands).
 *
 * ffmpeg is Debian's package (npm run setup installs it); without it the test fails under CI and is skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { G722Decoder, G722Encoder } from '../src/sip/g722.js';
import { needs } from './peers.js';

const RATE = 16000;

/** A seeded generator, so that a failure repeats. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function clamp(v: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(v)));
}

/** Signals that drive both bands and the adaptation limits. */
function signals(): Record<string, Int16Array> {
  const make = (seconds: number, f: (i: number, t: number) => number): Int16Array =>
    Int16Array.from({ length: seconds * RATE }, (_, i) => clamp(f(i, i / RATE)));
  const rnd = random(7);
  return {
    silence: make(0.5, () => 0),
    'speech-band tones': make(1, (_, t) => 6000 * Math.sin(2 * Math.PI * 300 * t) + 4000 * Math.sin(2 * Math.PI * 1700 * t)),
    'high-band tone': make(1, (_, t) => 9000 * Math.sin(2 * Math.PI * 6000 * t)),
    'sweep 50 Hz - 7.9 kHz': make(2, (_, t) => 12000 * Math.sin(2 * Math.PI * (50 * t + (7850 / 4) * t * t))),
    'full-scale square': make(0.5, (i) => (Math.floor(i / 20) % 2 === 0 ? 32767 : -32768)),
    'full-scale noise': make(0.5, () => (rnd() < 0.5 ? 32767 : -32768)),
    'noise and steps': make(1, (i) => (i % 4000 < 2000 ? 20000 : -20000) * (i > 8000 ? 0 : 1) + 3000 * (rnd() - 0.5)),
    'loud clipped sine': make(1, (_, t) => 60000 * Math.sin(2 * Math.PI * 440 * t)),
  };
}

describe('G.722 against ffmpeg (Debian adpcm_g722)', { skip: needs('ffmpeg') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'polysim-g722-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const ffmpeg = (args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      execFile('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], (err, _out, stderr) =>
        err ? reject(new Error(`ffmpeg ${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
      );
    });

  /** ffmpeg's encoding of raw 16 kHz samples, as a raw G.722 stream. */
  async function ffEncode(name: string, pcm: Int16Array): Promise<Buffer> {
    const input = join(dir, `${name}.s16`);
    const output = join(dir, `${name}.g722`);
    writeFileSync(input, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    await ffmpeg(['-f', 's16le', '-ar', String(RATE), '-ac', '1', '-i', input, '-c:a', 'g722', '-f', 'g722', output]);
    return readFileSync(output);
  }

  /** ffmpeg's decoding of a raw G.722 stream into 16 kHz samples. */
  async function ffDecode(name: string, g722: Buffer): Promise<Int16Array> {
    const input = join(dir, `${name}.in.g722`);
    const output = join(dir, `${name}.out.s16`);
    writeFileSync(input, g722);
    await ffmpeg(['-f', 'g722', '-i', input, '-f', 's16le', '-ac', '1', '-ar', String(RATE), output]);
    const raw = readFileSync(output);
    return new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
  }

  function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
    if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `at ${i}: ${a[i]} and ${b[i]}`;
    return undefined;
  }

  // All the signals one after the other, as one stream: two ffmpeg runs (each takes about a second to start).
  const parts = Object.entries(signals());
  const pcm = new Int16Array(parts.reduce((n, [, p]) => n + p.length, 0));
  parts.reduce((at, [, p]) => (pcm.set(p, at), at + p.length), 0);
  /** Which signal sample i of the stream belongs to, for the message of a difference. */
  const signalAt = (i: number): string => {
    let at = 0;
    for (const [name, p] of parts) if (i < (at += p.length)) return name;
    return 'past the end';
  };
  let theirs: Promise<Buffer> | undefined;
  const ffStream = (): Promise<Buffer> => (theirs ??= ffEncode('signals', pcm));

  // silence, tones in each band, a sweep, full-scale square and noise, steps, a clipped sine (signals() above)
  it('the signals encode to the bytes ffmpeg encodes them to', async () => {
    const ours = new G722Encoder().encode(pcm);
    assert.equal(ours.length, pcm.length / 2);
    const diff = firstDifference(ours, await ffStream());
    assert.equal(diff, undefined, `encoded bytes differ ${diff} (${signalAt(2 * Number(/at (\d+)/.exec(diff ?? '')?.[1]))})`);
  });

  it("ffmpeg's stream decodes to the samples ffmpeg decodes it to", async () => {
    const stream = await ffStream();
    const diff = firstDifference(new G722Decoder().decode(stream), await ffDecode('signals', stream));
    assert.equal(diff, undefined, `decoded samples differ ${diff} (${signalAt(Number(/at (\d+)/.exec(diff ?? '')?.[1]))})`);
  });

  it('arbitrary bytes (every code, in random order) decode to the samples ffmpeg decodes them to', async () => {
    const rnd = random(2024);
    const bytes = Buffer.from(Array.from({ length: 64_000 }, (_, i) => (i < 256 ? i : Math.floor(rnd() * 256))));
    const heard = await ffDecode('arbitrary', bytes);
    assert.equal(firstDifference(new G722Decoder().decode(bytes), heard), undefined);
  });

  it('frame by frame (20 ms, 320 samples, as RTP carries it) encodes and decodes as ffmpeg does the whole', async () => {
    const stream = await ffStream();
    const encoder = new G722Encoder();
    const frames: Buffer[] = [];
    for (let i = 0; i < pcm.length; i += 320) frames.push(encoder.encode(pcm.subarray(i, i + 320)));
    assert.ok(frames.every((f) => f.length === 160));
    assert.equal(firstDifference(Buffer.concat(frames), stream), undefined);
    const decoder = new G722Decoder();
    const heard = new Int16Array(pcm.length);
    frames.forEach((f, i) => heard.set(decoder.decode(f), i * 320));
    assert.equal(firstDifference(heard, new G722Decoder().decode(stream)), undefined);
  });
});
