/**
 * The latent explorer (core/explore): the latent utilities against their
 * formulas (seeded z, lerp, slerp, BigGAN's truncation of z, StyleGAN's
 * truncation of w, chosen dimensions), and the Explorer on the templates:
 * the same seed gives the same picture, a moved slider changes it, a class
 * reaches a conditional generator, truncation in W equals the formula on the
 * mapping network's output, and StyleGAN-lite's style mixing at the extremes
 * equals each parent's picture.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import {
  ExploreError,
  Explorer,
  interpolationTimes,
  lerp,
  seededLatent,
  setDimensions,
  slerp,
  truncateLatent,
  truncateStyle,
} from '../../src/core/explore/index.js';
import { analyzeRun, TrainingSession } from '../../src/core/train/index.js';

const ROOT = resolve(__dirname, '../..');
const template = (name: string): unknown => JSON.parse(readFileSync(join(ROOT, 'templates', `${name}.json`), 'utf8'));
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const angle = (a: Float32Array, b: Float32Array) => Math.acos(Math.min(1, dot(a, b) / (norm(a) * norm(b))));
const unit = (v: Float32Array) => v.map((x) => x / norm(v));

describe('latent utilities', () => {
  it('seeded z: the same vector for the same seed, another for another seed, and standard normal statistics', () => {
    const a = seededLatent(7, 64);
    expect(Array.from(seededLatent(7, 64))).toEqual(Array.from(a));
    expect(Array.from(seededLatent(8, 64))).not.toEqual(Array.from(a));
    const big = seededLatent(1, 20_000);
    const mean = big.reduce((s, x) => s + x, 0) / big.length;
    const variance = big.reduce((s, x) => s + (x - mean) ** 2, 0) / big.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
    const u = seededLatent(1, 5000, 'uniform');
    expect(Math.max(...u)).toBeLessThanOrEqual(1);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
  });

  it('lerp is (1-t)a + tb', () => {
    const a = Float32Array.from([1, 2, 3]);
    const b = Float32Array.from([-1, 0, 5]);
    expect(Array.from(lerp(a, b, 0.25))).toEqual([0.5, 1.5, 3.5]);
    expect(Array.from(lerp(a, b, 0))).toEqual(Array.from(a));
    expect(Array.from(lerp(a, b, 1))).toEqual(Array.from(b));
  });

  it('slerp: endpoints at t=0 and 1, unit inputs stay unit, the angle to a is t times the angle', () => {
    const a = unit(seededLatent(1, 32));
    const b = unit(seededLatent(2, 32));
    const theta = angle(a, b);
    for (const [i, x] of slerp(a, b, 0).entries()) expect(x).toBeCloseTo(a[i] as number, 6);
    for (const [i, x] of slerp(a, b, 1).entries()) expect(x).toBeCloseTo(b[i] as number, 6);
    for (const t of [0.1, 0.5, 0.8]) {
      const m = slerp(a, b, t);
      expect(norm(m)).toBeCloseTo(1, 5);
      expect(angle(a, m)).toBeCloseTo(t * theta, 4);
      expect(angle(m, b)).toBeCloseTo((1 - t) * theta, 4);
    }
    // Parallel vectors: lerp.
    const p = Float32Array.from([1, 0]);
    expect(Array.from(slerp(p, Float32Array.from([2, 0]), 0.5))).toEqual([1.5, 0]);
  });

  it("BigGAN's truncation: entries within psi kept, those beyond redrawn inside, deterministic per seed", () => {
    const z = seededLatent(3, 2000);
    const psi = 0.5;
    const t = truncateLatent(z, psi, 3);
    for (let i = 0; i < z.length; i++) {
      expect(Math.abs(t[i] as number)).toBeLessThanOrEqual(psi);
      if (Math.abs(z[i] as number) <= psi) expect(t[i]).toBe(z[i]);
    }
    // Redrawn entries follow N(0,1) restricted to [-psi, psi]: symmetric, and not pinned at the bound.
    const redrawn = Array.from(t).filter((_, i) => Math.abs(z[i] as number) > psi);
    expect(redrawn.length).toBeGreaterThan(1000);
    expect(Math.abs(redrawn.reduce((s, x) => s + x, 0) / redrawn.length)).toBeLessThan(0.05);
    expect(redrawn.filter((x) => Math.abs(x) === psi).length).toBe(0);
    expect(Array.from(truncateLatent(z, psi, 3))).toEqual(Array.from(t));
    expect(() => truncateLatent(z, 0, 3)).toThrow(ExploreError);
  });

  it("StyleGAN's truncation: w_avg + psi (w - w_avg) per row; psi 1 keeps w, psi 0 gives w_avg", () => {
    const avg = Float32Array.from([1, -1]);
    const w = Float32Array.from([3, 1, 1, -1]);
    expect(Array.from(truncateStyle(w, avg, 0.5))).toEqual([2, 0, 1, -1]);
    expect(Array.from(truncateStyle(w, avg, 1))).toEqual(Array.from(w));
    expect(Array.from(truncateStyle(w, avg, 0))).toEqual([1, -1, 1, -1]);
  });

  it('chosen dimensions are set, the rest kept; a dimension out of range is refused', () => {
    const z = Float32Array.from([0.1, 0.2, 0.3]);
    expect(Array.from(setDimensions(z, [{ index: 1, value: 2 }]))).toEqual([0.1, 2, 0.3].map(Math.fround));
    expect(() => setDimensions(z, [{ index: 3, value: 0 }])).toThrow(/dimensions 0 to 2/);
    expect(interpolationTimes(5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe('Explorer on the templates', () => {
  const mnist = loadMnist();
  const sessions: TrainingSession[] = [];
  const open = async (name: string) => {
    const s = await TrainingSession.create({
      runs: [{ label: 'run', analysis: analyzeRun(template(name), 'run') }],
      assets: { mnist },
      backend: 'cpu',
    });
    sessions.push(s);
    return s;
  };
  let dcgan: TrainingSession;
  beforeAll(async () => {
    dcgan = await open('dcgan-mnist');
  });
  afterAll(() => {
    for (const s of sessions) s.dispose();
  });

  it('dcgan-mnist: z of 64 normal, truncation in z; same seeds same picture, a slider changes it', async () => {
    const e = new Explorer(dcgan.trainer(0));
    expect(e.info).toMatchObject({ zDim: 64, distribution: 'normal', truncation: 'z', styleLayers: 0 });
    expect(e.info.classes).toBeUndefined();
    const a = await e.explore({ seeds: [1, 2, 3, 4] });
    const b = await e.explore({ seeds: [1, 2, 3, 4] });
    expect(a.count).toBe(4);
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(a.picture.width).toBe(2 * 30 + 2);
    const moved = await e.explore({ seeds: [1, 2, 3, 4], dims: [{ index: 0, value: 3 }] });
    expect(Array.from(moved.values)).not.toEqual(Array.from(a.values));
    // The generator sees exactly the latents: sample k is G(z_k) of the seeded z (BatchNorm in inference mode).
    const one = await e.explore({ seeds: [3] });
    const per = 28 * 28;
    for (let i = 0; i < per; i += 97) expect(one.values[i]).toBeCloseTo(a.values[2 * per + i] as number, 5);
    await expect(e.explore({ seeds: [1], label: 2 })).rejects.toThrow(/no class label/);
    await expect(e.explore({ seeds: [1], mix: { seed: 2, from: 1 } })).rejects.toThrow(/mapping network/);
    await expect(e.explore({ seeds: [1.5] })).rejects.toThrow(/whole number/);
  });

  it("interpolation: the ends are the seeds' own samples", async () => {
    const e = new Explorer(dcgan.trainer(0));
    const [a, b] = [await e.explore({ seeds: [5] }), await e.explore({ seeds: [9] })];
    for (const method of ['linear', 'spherical'] as const) {
      const path = await e.explore({ interpolate: { a: 5, b: 9, ts: interpolationTimes(3), method } });
      expect(path.count).toBe(3);
      const n = a.values.length;
      for (let i = 0; i < n; i += 61) {
        expect(path.values[i]).toBeCloseTo(a.values[i] as number, 5);
        expect(path.values[2 * n + i]).toBeCloseTo(b.values[i] as number, 5);
      }
    }
  });

  it('conditional-mnist: 10 classes; the class changes the picture; a class out of range is refused', async () => {
    const s = await open('conditional-mnist');
    const e = new Explorer(s.trainer(0));
    expect(e.info.classes).toBe(10);
    const c0 = await e.explore({ seeds: [1, 2], label: 0 });
    const c7 = await e.explore({ seeds: [1, 2], label: 7 });
    expect(Array.from(c7.values)).not.toEqual(Array.from(c0.values));
    await expect(e.explore({ seeds: [1], label: 10 })).rejects.toThrow(/classes are 0 to 9/);
  });

  it('stylegan-lite: truncation in W equals w_avg + psi (w - w_avg); style mixing at 0 and all layers gives each parent', async () => {
    const s = await open('stylegan-lite');
    const t = s.trainer(0);
    const e = new Explorer(t);
    expect(e.info.truncation).toBe('w');
    expect(e.info.styleLayers).toBe(8);
    expect(e.info.sampleShape).toEqual([32, 32, 1]);
    // psi = 0 puts every sample at w_avg: two seeds give one picture (NoiseInjection seeded alike).
    const zero = await e.explore({ seeds: [1], truncation: 0 });
    const zero2 = await e.explore({ seeds: [1], truncation: 0, dims: [{ index: 0, value: 2 }] });
    for (let i = 0; i < zero.values.length; i += 13) expect(zero2.values[i]).toBeCloseTo(zero.values[i] as number, 4);
    const full = await e.explore({ seeds: [1], truncation: 1 });
    const none = await e.explore({ seeds: [1] });
    for (let i = 0; i < full.values.length; i += 13) expect(full.values[i]).toBeCloseTo(none.values[i] as number, 4);
    // Mixing: from = all 8 layers keeps seed 1's styles; from = 0 takes seed 4's (noise seeded by seed 1 in both).
    const mixAll = await e.explore({ seeds: [1], mix: { seed: 4, from: 8 } });
    for (let i = 0; i < none.values.length; i += 13) expect(mixAll.values[i]).toBeCloseTo(none.values[i] as number, 4);
    const mix0 = await e.explore({ seeds: [1], mix: { seed: 4, from: 0 } });
    const withB = await e.explore({
      seeds: [1],
      dims: Array.from(seededLatent(4, 64)).map((value, index) => ({ index, value })),
    });
    for (let i = 0; i < none.values.length; i += 13) expect(mix0.values[i]).toBeCloseTo(withB.values[i] as number, 4);
    const mix5 = await e.explore({ seeds: [1], mix: { seed: 4, from: 5 } });
    expect(Array.from(mix5.values)).not.toEqual(Array.from(none.values));
    expect(Array.from(mix5.values)).not.toEqual(Array.from(mix0.values));
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });

  it('image-to-image generators are refused with the reason', async () => {
    const s = await open('pix2pix');
    expect(() => new Explorer(s.trainer(0))).toThrow(/not only by noise and labels/);
  });
});
