/**
 * Progressive growing (Karras et al. 2018; issue 17.1) against the paper and
 * its reference code (tkarras/progressive_growing_of_gans: train.py's
 * TrainingSchedule, networks.py's lerp_clip, dataset processing in
 * process_reals):
 * - the schedule: lod = log2(final / resolution), fractional during a fade,
 *   with alpha linear in images shown; the phases in order;
 * - FadeIn: lerp_clip(new, old, lod_in - lod_r) as old + alpha (new - old),
 *   its gradients (zero, not missing, for the path not in use);
 * - the real images: average-pooled to the resolution in use, blended with
 *   their half resolution during a fade, nearest-upsampled back (checked
 *   against loops written from the definition);
 * - training: the blocks not yet in use do not move; the samples are at the
 *   resolution in use; a run resumed mid-fade equals the straight run bit for
 *   bit; the exported TypeScript script follows the phases and losses.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, ROOT } from '../../src/cli/assets.js';
import { FadeIn } from '../../src/core/nodes/layers/custom.js';
import { selectBackend } from '../../src/core/train/backend.js';
import {
  fadeAlpha,
  growthImages,
  type ProgressiveSchedule,
  progressivePhase,
  progressiveReals,
} from '../../src/core/train/progressive.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText } from '../../src/core/validate.js';

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const S: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 100, stableImages: 100 };

describe('the schedule', () => {
  it('starts stable at the first resolution, then fades each doubling in over fadeImages and holds it stableImages', () => {
    const at = (i: number) => progressivePhase(S, i);
    expect(at(0)).toEqual({ lod: 3, resolution: 4, alpha: 1, fading: false });
    expect(at(99)).toEqual({ lod: 3, resolution: 4, alpha: 1, fading: false });
    expect(at(100)).toEqual({ lod: 3, resolution: 8, alpha: 0, fading: true });
    expect(at(150)).toEqual({ lod: 2.5, resolution: 8, alpha: 0.5, fading: true });
    expect(at(175)).toEqual({ lod: 2.25, resolution: 8, alpha: 0.75, fading: true });
    expect(at(200)).toEqual({ lod: 2, resolution: 8, alpha: 1, fading: false });
    expect(at(300)).toEqual({ lod: 2, resolution: 16, alpha: 0, fading: true });
    expect(at(420)).toEqual({ lod: 1, resolution: 16, alpha: 1, fading: false });
    expect(at(525)).toEqual({ lod: 0.75, resolution: 32, alpha: 0.25, fading: true });
    expect(at(600)).toEqual({ lod: 0, resolution: 32, alpha: 1, fading: false });
    expect(at(1e9)).toEqual({ lod: 0, resolution: 32, alpha: 1, fading: false });
    expect(growthImages(S)).toBe(600);
  });

  it('lod decreases monotonically and continuously (linear in images during fades, flat in between)', () => {
    let prev = progressivePhase(S, 0).lod;
    for (let i = 1; i <= 700; i++) {
      const { lod, resolution, fading } = progressivePhase(S, i);
      expect(lod).toBeLessThanOrEqual(prev);
      expect(prev - lod).toBeLessThanOrEqual(1 / S.fadeImages + 1e-12);
      // The resolution trained: ceil(lod) levels below final when stable, one level up while it fades in.
      expect(resolution).toBe(S.final / 2 ** (Math.ceil(lod) - (fading ? 1 : 0)));
      prev = lod;
    }
  });

  it("FadeIn's alpha is 1 - lerp_clip's t = 1 - clip(lod_in - lod_r, 0, 1), lod_r = log2(final / r)", () => {
    for (const r of [8, 16, 32])
      for (let lod = 0; lod <= 3; lod += 0.125) {
        const t = Math.min(1, Math.max(0, lod - Math.log2(32 / r)));
        expect(fadeAlpha(32, r, lod)).toBeCloseTo(1 - t, 12);
      }
    // During the fade to 16x16 (lod 1.5): the 8x8 block is fully in, 16x16 half, 32x32 not at all.
    expect([8, 16, 32].map((r) => fadeAlpha(32, r, 1.5))).toEqual([1, 0.5, 0]);
  });
});

describe('FadeIn', () => {
  it('is old + alpha (new - old), and its gradients are alpha and 1 - alpha (zeros, not none, at the ends)', () => {
    const layer = new FadeIn({ resolution: 8 });
    const a = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 2);
    for (const alpha of [0, 0.3, 1]) {
      layer.alpha = alpha;
      const y = layer.apply([a, b]) as tf.Tensor;
      const want = tf.add(b, tf.mul(tf.sub(a, b), alpha));
      expect(tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]).toBeLessThan(1e-6);
      const [ga, gb] = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(layer.apply([x, z]) as tf.Tensor))([a, b]);
      expect(Array.from(ga!.dataSync()).every((v) => Math.abs(v - alpha) < 1e-6)).toBe(true);
      expect(Array.from(gb!.dataSync()).every((v) => Math.abs(v - (1 - alpha)) < 1e-6)).toBe(true);
    }
    // Saved with its alpha: a saved generator samples as it was left.
    expect(layer.getConfig()).toMatchObject({ resolution: 8, alpha: 1 });
  });
});

describe('the real images at the resolution in use (process_reals)', () => {
  /** From the definition, with loops: [H,W] of one channel. */
  function reference(x: number[][], lod: number): number[][] {
    const pool = (img: number[][], f: number) =>
      Array.from({ length: img.length / f }, (_, i) =>
        Array.from({ length: img.length / f }, (_, j) => {
          let s = 0;
          for (let u = 0; u < f; u++) for (let v = 0; v < f; v++) s += img[i * f + u]![j * f + v]!;
          return s / (f * f);
        }),
      );
    const up = (img: number[][], f: number) =>
      Array.from({ length: img.length * f }, (_, i) =>
        Array.from({ length: img.length * f }, (_, j) => img[Math.floor(i / f)]![Math.floor(j / f)]!),
      );
    const whole = Math.floor(lod);
    const frac = lod - whole;
    let y = pool(x, 2 ** whole);
    const half = up(pool(y, 2), 2);
    y = y.map((row, i) => row.map((v, j) => v + (half[i]![j]! - v) * frac));
    return up(y, 2 ** whole);
  }

  for (const lod of [0, 0.5, 1, 1.25, 2, 2.7, 3])
    it(`lod ${lod}`, async () => {
      const size = 16;
      const data = Array.from({ length: 2 * size * size }, (_, i) => Math.sin(i * 1.7) + 0.1 * (i % 7));
      const x = tf.tensor4d(data, [2, size, size, 1]);
      const got = await progressiveReals(x, lod).array();
      for (let b = 0; b < 2; b++) {
        const img = Array.from({ length: size }, (_, i) =>
          Array.from({ length: size }, (_, j) => data[b * size * size + i * size + j]!),
        );
        const want = reference(img, lod);
        for (let i = 0; i < size; i++)
          for (let j = 0; j < size; j++) expect(got[b]![i]![j]![0]).toBeCloseTo(want[i]![j]!, 5);
      }
    });
});

const TEMPLATE = readFileSync(join(ROOT, 'templates/progan-mnist.json'), 'utf8');
/** The ProGAN template with a schedule short enough for a test (images at batch 4). */
function withSchedule(fadeImages: number, stableImages: number): string {
  const p = JSON.parse(TEMPLATE);
  const grow = p.training.nodes.find((n: { type: string }) => n.type === 'Progressive');
  grow.params = { ...grow.params, fadeImages, stableImages };
  return JSON.stringify(p);
}
const BATCH = 4;
const trainer = (text: string) =>
  new Trainer(validateProjectText(text), { assets: { mnist: loadMnist() }, batchSize: BATCH });
const weightsOf = (t: Trainer, model: string, layer: string) =>
  (t.models.get(model) as { getLayer(n: string): { getWeights(): tf.Tensor[] } })
    .getLayer(layer)
    .getWeights()
    .map((w) => w.dataSync().slice());

describe('training the ProGAN template', () => {
  it('before a block fades in its weights get zero gradients and stay put; the 4x4 networks train', async () => {
    const t = trainer(withSchedule(1000, 1000)); // all three steps at 4x4
    const layers = {
      generator: ['fc', 'c4', 'rgb4', 'c8a', 'rgb8', 'c16b', 'rgb16', 'c32a', 'rgb32'],
      discriminator: ['from4', 'c4', 'out', 'from8', 'c8a', 'from16', 'c16b', 'from32', 'c32a'],
    };
    const before = Object.entries(layers).map(([m, ls]) => ls.map((l) => weightsOf(t, m, l)));
    for (let i = 0; i < 3; i++) expect((await t.trainStep()).progressive?.resolution).toBe(4);
    const after = Object.entries(layers).map(([m, ls]) => ls.map((l) => weightsOf(t, m, l)));
    Object.entries(layers).forEach(([m, ls], k) =>
      ls.forEach((l, j) => {
        const moved = before[k]![j]!.some((w, i) => w.some((v, q) => v !== after[k]![j]![i]![q]));
        // In use at 4x4: G's dense, 4x4 conv and toRGB; D's 4x4 fromRGB and last block.
        const inUse = ['fc', 'c4', 'rgb4', 'from4', 'out'].includes(l);
        expect(moved, `${m}/${l}`).toBe(inUse);
      }),
    );
    // Samples are at 4x4: constant over 8x8 blocks of the 32x32 output.
    const s = (await t.generate(2).array()) as number[][][][];
    for (const img of s)
      for (let i = 0; i < 32; i++)
        for (let j = 0; j < 32; j++) expect(img[i]![j]![0]).toBe(img[i - (i % 8)]![j - (j % 8)]![0]);
    t.dispose();
  }, 120_000);

  it('a run resumed mid-fade continues exactly (bit-identical weights and losses)', async () => {
    // stable 4x4 for 4 images (step 0), fade to 8x8 over 8 (steps 1-2, alpha 0 and 0.5), stable 8x8 (step 3).
    const text = withSchedule(8, 4);
    const straight = trainer(text);
    const phases = [];
    const lossesStraight = [];
    for (let i = 0; i < 4; i++) {
      const m = await straight.trainStep();
      phases.push(m.progressive);
      lossesStraight.push(m.losses);
    }
    expect(phases.map((p) => [p?.resolution, p?.alpha])).toEqual([
      [4, 1],
      [8, 0],
      [8, 0.5],
      [8, 1],
    ]);
    const first = trainer(text);
    await first.trainStep();
    await first.trainStep();
    const saved = await first.state();
    first.dispose();
    const resumed = trainer(text);
    await resumed.restore(saved);
    tf.dispose(saved.tensors.map((x) => x.tensor));
    const lossesResumed = [(await resumed.trainStep()).losses, (await resumed.trainStep()).losses];
    expect(lossesResumed).toEqual(lossesStraight.slice(2));
    const a = await straight.state();
    const b = await resumed.state();
    expect(a.tensors.map((x) => x.name)).toEqual(b.tensors.map((x) => x.name));
    a.tensors.forEach((x, i) =>
      expect(Array.from(x.tensor.dataSync()), x.name).toEqual(Array.from(b.tensors[i]!.tensor.dataSync())),
    );
    tf.dispose([...a.tensors, ...b.tensors].map((x) => x.tensor));
    straight.dispose();
    resumed.dispose();
  }, 180_000);
});
