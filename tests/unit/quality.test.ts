/**
 * Issue 17, item 4: the Inception score analogue and improved precision and
 * recall against hand-computed values, the early-stopping rule on scripted
 * figure sequences, the session stopping early with its best state kept,
 * and the digit figures on the bundled classifier (real digits score well,
 * noise badly).
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { loadClassifier } from '../../src/cli/classifier.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { decodeCheckpoint } from '../../src/core/train/checkpoint.js';
import { EarlyStopper } from '../../src/core/train/early-stop.js';
import { digitImages, digitQuality } from '../../src/core/train/fid.js';
import { inceptionScore, precisionRecall } from '../../src/core/train/metrics.js';
import { SessionError, TrainingSession } from '../../src/core/train/session.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

const f32 = (xs: number[][]) => Float32Array.from(xs.flat());

describe('Inception score: exp(E_x KL(p(y|x) || p(y)))', () => {
  it('is 10 for confident predictions spread evenly over 10 classes, 1 for one class or uniform rows', () => {
    const oneHot = (c: number) => Array.from({ length: 10 }, (_, j) => (j === c ? 1 : 0));
    const even = Array.from({ length: 30 }, (_, i) => oneHot(i % 10));
    expect(inceptionScore(f32(even), 30)).toBeCloseTo(10, 10);
    expect(inceptionScore(f32(Array.from({ length: 7 }, () => oneHot(3))), 7)).toBeCloseTo(1, 12);
    expect(inceptionScore(f32(Array.from({ length: 5 }, () => Array(10).fill(0.1))), 5)).toBeCloseTo(1, 6);
    // Confident over 5 of 10 classes: 5.
    expect(inceptionScore(f32(Array.from({ length: 10 }, (_, i) => oneHot(i % 5))), 10)).toBeCloseTo(5, 10);
  });
  it('matches a hand computation on two classes', () => {
    // p(y) = (0.75, 0.25); KL_1 = ln(1/0.75); KL_2 = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25).
    const kl = (Math.log(1 / 0.75) + 0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(2)) / 2;
    expect(inceptionScore(Float64Array.from([1, 0, 0.5, 0.5]), 2)).toBeCloseTo(Math.exp(kl), 6);
    expect(Math.exp(kl)).toBeCloseTo(1.2408, 4);
  });
});

describe('precision and recall (Kynkäänniemi et al. 2019, k-NN manifolds)', () => {
  const cloud = (n: number, d: number, offset: number, seed: number) => {
    let s = seed;
    const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    return Float32Array.from({ length: n * d }, () => offset + r());
  };
  it('identical sets: precision = recall = 1; disjoint far sets: 0 and 0', () => {
    const a = cloud(40, 8, 0, 7);
    expect(precisionRecall(a, 40, a, 40)).toEqual({ precision: 1, recall: 1 });
    expect(precisionRecall(cloud(30, 8, 100, 3), 30, a, 40)).toEqual({ precision: 0, recall: 0 });
  });
  it('matches hand-computed manifolds on a line (k = 3 and k = 1)', () => {
    const real = Float32Array.from([0, 1, 2, 3, 4]);
    // Real radii (3rd neighbour): 0 -> 3, 1 -> 2, 2 -> 2, 3 -> 2, 4 -> 3. 6.9 is within 3 of 4; 7.5 is not.
    expect(precisionRecall(Float32Array.from([6.9, 7.5, 1.5, -2.9]), 4, real, 5, 3).precision).toBe(0.75);
    // k = 1: fakes 0.5 and 10 are each other's neighbour (radius 9.5): every real point is within it.
    expect(precisionRecall(Float32Array.from([0.5, 10]), 2, Float32Array.from([0, 1, 2, 3]), 4, 1)).toEqual({
      precision: 0.5,
      recall: 1,
    });
    // A generator that covers half the real set: recall 1/2, precision 1.
    expect(precisionRecall(Float32Array.from([0, 1, 2]), 3, Float32Array.from([0, 1, 2, 20, 21, 22]), 6, 1)).toEqual({
      precision: 1,
      recall: 0.5,
    });
  });
});

describe('the early-stopping rule', () => {
  it('FID (lower is better): stops after `patience` evaluations not better by more than minDelta, with the best', () => {
    const s = new EarlyStopper('fid', 3, 0.5);
    const fids = [50, 40, 39.8, 41, 39.7, 30];
    const out = [];
    for (const [i, v] of fids.entries()) {
      const ev = s.observe((i + 1) * 100, v);
      out.push(ev);
      if (ev.stop) break;
    }
    expect(out.map((e) => e.improved)).toEqual([true, true, false, false, false]);
    expect(out.map((e) => e.wait)).toEqual([0, 0, 1, 2, 3]);
    expect(out[4]!.stop).toBe(
      'stopped at step 500: FID did not improve by more than 0.5 for 3 evaluations; best 40 at step 200',
    );
    expect(s.best).toEqual({ step: 200, value: 40 });
  });
  it('higher-is-better figures; an improvement resets the wait; NaN never improves; stop: false never stops', () => {
    const s = new EarlyStopper('modeScore', 2, 0);
    const seq = [3.5, 3.5, 8.9, Number.NaN, 8.9];
    const evs = seq.map((v, i) => s.observe(i + 1, v));
    expect(evs.map((e) => e.improved)).toEqual([true, false, true, false, false]);
    expect(evs.map((e) => e.stop !== undefined)).toEqual([false, false, false, false, true]);
    expect(evs[4]!.stop).toMatch(
      /^stopped at step 5: modes covered \+ high-quality share did not improve for 2 evaluations; best 8\.9 at step 3$/,
    );
    const keep = new EarlyStopper('fid', 1, 0, false);
    for (let i = 0; i < 5; i++) expect(keep.observe(i, 10 + i).stop).toBeUndefined();
    expect(keep.best).toEqual({ step: 0, value: 10 });
  });
  it('a restored state carries on where it was', () => {
    const a = new EarlyStopper('fid', 2, 0);
    a.observe(10, 5);
    a.observe(20, 6);
    const b = new EarlyStopper('fid', 2, 0);
    b.restore(a.snapshot());
    expect(b.observe(30, 7).stop).toMatch(/best 5 at step 10$/);
  });
});

describe('a session with early stopping', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });
  const withEarly = (es: Record<string, unknown>) => {
    const p = toyProject();
    p.training!.settings = { ...p.training!.settings, earlyStopping: es };
    return validateProjectValue(p);
  };

  it('evaluates every N steps, keeps the best checkpoint and generator, and stops with the reason', async () => {
    // minDelta larger than the figure's range: only the first evaluation improves.
    const s = await TrainingSession.create({
      runs: [{ label: 'toy', analysis: withEarly({ every: 2, patience: 2, minDelta: 100 }) }],
      batchSize: 8,
      steps: 50,
    });
    const evs = [];
    let stop;
    while (!stop) {
      const r = await s.step();
      evs.push(...(r.evaluations ?? []));
      stop = r.stop;
    }
    expect(s.steps).toEqual([6]);
    expect(evs.map((e) => [e.step, e.metric, e.improved])).toEqual([
      [2, 'modeScore', true],
      [4, 'modeScore', false],
      [6, 'modeScore', false],
    ]);
    expect(evs[0]!.value).toBe(evs[0]!.quality.modesCovered! + evs[0]!.quality.highQuality!);
    expect(stop.kind).toBe('early');
    expect(stop.message).toMatch(
      /^stopped at step 6: modes covered \+ high-quality share did not improve by more than 100 for 2 evaluations; best .* at step 2$/,
    );
    const best = s.best()!;
    expect(best.step).toBe(2);
    expect(decodeCheckpoint(best.checkpoint).header.step).toBe(2);
    expect(best.generator?.weightSpecs.length).toBeGreaterThan(0);
    expect(s.earlyStopping()).toMatchObject({ metric: 'modeScore', wait: 2, best: { step: 2 }, every: 2 });
    // The session is over: no further step.
    expect((await s.step()).metrics).toEqual([]);
    s.dispose();
  });

  it('refuses a digit figure for a 2D project, before training', async () => {
    await expect(
      TrainingSession.create({ runs: [{ label: 'toy', analysis: withEarly({ metric: 'fid' }) }], batchSize: 8 }),
    ).rejects.toThrow(SessionError);
    await expect(
      TrainingSession.create({ runs: [{ label: 'toy', analysis: withEarly({ metric: 'fid' }) }], batchSize: 8 }),
    ).rejects.toThrow(/early stopping: FID needs .*digits/);
  });
});

describe('digit figures on the bundled classifier', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  it('real held-in digits: high Inception score, precision and recall; noise: low', async () => {
    const classifier = await loadClassifier();
    expect(classifier).toBeDefined();
    const mnist = loadMnist();
    const q = await digitQuality(classifier!, mnist);
    const real = digitImages(mnist, 8000, 8500);
    const noise = tf.randomUniform([500, 28, 28, 1], -1, 1, 'float32', 4);
    const r = await q(real);
    const n = await q(noise);
    tf.dispose([real, noise]);
    // Real digits, ten classes about equally, classified at ~94%: the score is near 10.
    expect(r.inceptionScore).toBeGreaterThan(7);
    expect(r.precision).toBeGreaterThan(0.6);
    expect(r.recall).toBeGreaterThan(0.6);
    expect(n.precision).toBeLessThan(0.1);
    expect(n.recall).toBeLessThan(0.1);
    expect(n.inceptionScore).toBeLessThan(r.inceptionScore / 2);
    expect(n.fid).toBeGreaterThan(10 * r.fid);
    console.log(`real digits: ${JSON.stringify(r)}; noise: ${JSON.stringify(n)}`);
  }, 60_000);
});
