/**
 * The Augment node's transformations (train/augment.ts) against DiffAugment's
 * definitions (Zhao et al. 2020, the authors' DiffAugment_pytorch.py),
 * written out here element by element on small tensors; ADA's per-sample
 * probability; and the gradient with respect to the input against finite
 * differences (gradients must reach G through D's augmented inputs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, ROOT } from '../../src/cli/assets.js';
import { compileTrainingPlan, playerProgram, sampleCall } from '../../src/core/compile/plan.js';
import { makeRng } from '../../src/core/data/random.js';
import { Augment } from '../../src/core/nodes/training.js';
import {
  applyAugment,
  augment,
  augmentDrawCount,
  augmentDraws,
  brightness,
  contrast,
  cutout,
  flip,
  saturation,
  translation,
} from '../../src/core/train/augment.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/core/train/checkpoint.js';
import { registerSecondOrderGradients } from '../../src/core/train/gradients.js';
import { type StepMetrics, Trainer } from '../../src/core/train/trainer.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { chain, node, tinyGenerator } from '../fixtures/tiny-gan.js';

// The trainer's gradient registrations (tfjs-core alone registers none).
beforeAll(() => registerSecondOrderGradients());

const [B, H, W, C] = [3, 8, 6, 2];
/** A fixed batch [B,H,W,C] with distinct values. */
function batch(): { x: tf.Tensor4D; v: number[] } {
  const rng = makeRng('augment-test');
  const v = Array.from({ length: B * H * W * C }, () => rng() * 2 - 1);
  return { x: tf.tensor4d(v, [B, H, W, C]), v };
}
const at = (v: ArrayLike<number>, b: number, i: number, j: number, c: number, h = H, w = W) =>
  v[((b * h + i) * w + j) * C + c] as number;
const per = (u: number[]) => tf.tensor4d(u, [u.length, 1, 1, 1]);

function expectClose(got: ArrayLike<number>, want: number[], digits = 5): void {
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) expect(got[k] as number, `element ${k}`).toBeCloseTo(want[k] as number, digits);
}

/** Every element of the batch, in NHWC order, from f(b,i,j,c). */
function each(f: (b: number, i: number, j: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) out.push(f(b, i, j, c));
  return out;
}

const r = [0.1, 0.55, 0.93];

describe('DiffAugment colour (per-sample r ~ U[0,1))', () => {
  it('brightness: x + (r - 0.5)', () => {
    const { x, v } = batch();
    expectClose(
      brightness(x, per(r)).dataSync(),
      each((b, i, j, c) => at(v, b, i, j, c) + ((r[b] as number) - 0.5)),
    );
  });

  it('saturation: (x - mean over channels) * 2r + mean over channels', () => {
    const { x, v } = batch();
    const want = each((b, i, j, c) => {
      let m = 0;
      for (let k = 0; k < C; k++) m += at(v, b, i, j, k) / C;
      return (at(v, b, i, j, c) - m) * 2 * (r[b] as number) + m;
    });
    expectClose(saturation(x, per(r)).dataSync(), want);
  });

  it('contrast: (x - mean over the sample) * (r + 0.5) + mean over the sample', () => {
    const { x, v } = batch();
    const means = [0, 1, 2].map((b) => {
      let m = 0;
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) m += at(v, b, i, j, c);
      return m / (H * W * C);
    });
    const want = each(
      (b, i, j, c) => (at(v, b, i, j, c) - (means[b] as number)) * ((r[b] as number) + 0.5) + (means[b] as number),
    );
    expectClose(contrast(x, per(r)).dataSync(), want);
  });
});

describe('DiffAugment translation, cutout; flips', () => {
  // DiffAugment's rand_translation, literally: shift s = int(size * 0.125 + 0.5), t = randint(-s, s + 1) (here
  // floor(u * (2s + 1)) - s), the image zero-padded by 1 and indexed at clamp(i + t + 1, 0, size + 1).
  it('translation: out[i,j] = x[i + tx, j + ty], zero outside (the authors pad-and-index form)', () => {
    const { x, v } = batch();
    const ux = [0.0, 0.5, 0.999];
    const uy = [0.3, 0.99, 0.05];
    const sx = Math.trunc(H * 0.125 + 0.5);
    const sy = Math.trunc(W * 0.125 + 0.5);
    const tx = ux.map((u) => Math.floor(u * (2 * sx + 1)) - sx);
    const ty = uy.map((u) => Math.floor(u * (2 * sy + 1)) - sy);
    expect(tx).toEqual([-1, 0, 1]);
    expect(ty).toEqual([-1, 1, -1]);
    const padded = (b: number, i: number, j: number, c: number) =>
      i === 0 || j === 0 || i === H + 1 || j === W + 1 ? 0 : at(v, b, i - 1, j - 1, c);
    const clamp = (a: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, a));
    const want = each((b, i, j, c) =>
      padded(b, clamp(i + (tx[b] as number) + 1, 0, H + 1), clamp(j + (ty[b] as number) + 1, 0, W + 1), c),
    );
    expectClose(translation(x, per(ux), per(uy)).dataSync(), want, 6);
  });

  // rand_cutout: side = int(size * 0.5 + 0.5), offset = randint(0, size + (1 - side % 2)), rows
  // clamp(offset - side // 2 + k, 0, size - 1) for k < side zeroed (likewise columns).
  it('cutout: a zeroed square of half the image at a random position (the authors clamped-index form)', () => {
    const { x, v } = batch();
    const ux = [0.0, 0.4, 0.999];
    const uy = [0.999, 0.2, 0.6];
    const ch = Math.trunc(H * 0.5 + 0.5);
    const cw = Math.trunc(W * 0.5 + 0.5);
    const zero = new Set<string>();
    for (let b = 0; b < B; b++) {
      const ox = Math.floor((ux[b] as number) * (H + (1 - (ch % 2))));
      const oy = Math.floor((uy[b] as number) * (W + (1 - (cw % 2))));
      for (let a = 0; a < ch; a++)
        for (let d = 0; d < cw; d++) {
          const i = Math.min(H - 1, Math.max(0, ox - Math.floor(ch / 2) + a));
          const j = Math.min(W - 1, Math.max(0, oy - Math.floor(cw / 2) + d));
          zero.add(`${b},${i},${j}`);
        }
    }
    const want = each((b, i, j, c) => (zero.has(`${b},${i},${j}`) ? 0 : at(v, b, i, j, c)));
    expectClose(cutout(x, per(ux), per(uy)).dataSync(), want, 6);
    // Each sample loses at most a side x side square, and at least one pixel.
    for (let b = 0; b < B; b++) {
      const n = [...zero].filter((k) => k.startsWith(`${b},`)).length;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(ch * cw);
    }
  });

  it('flip: left-right where u < 0.5', () => {
    const { x, v } = batch();
    const u = [0.2, 0.7, 0.49];
    const want = each((b, i, j, c) => ((u[b] as number) < 0.5 ? at(v, b, i, W - 1 - j, c) : at(v, b, i, j, c)));
    expectClose(flip(x, per(u)).dataSync(), want, 6);
  });
});

describe('the pipeline', () => {
  const all = ['color', 'translation', 'cutout', 'flip'];

  it('draws [B,1,1,1] U[0,1) tensors: per policy its own, plus a gate each when p < 1', () => {
    expect(augmentDrawCount(all, false)).toBe(3 + 2 + 2 + 1);
    expect(augmentDrawCount(all, true)).toBe(3 + 2 + 2 + 1 + 4);
    const d = augmentDraws(B, ['translation'], false, 7);
    expect(d.map((t) => t.shape)).toEqual([
      [B, 1, 1, 1],
      [B, 1, 1, 1],
    ]);
  });

  it('applies the policies in order with the draws in order (p = 1)', () => {
    const { x } = batch();
    const d = [0.1, 0.6, 0.3, 0.8, 0.2, 0.9, 0.5, 0.4, 0.7].map((u) => per([u, 1 - u, u / 2]));
    const want = flip(
      cutout(translation(contrast(saturation(brightness(x, d[0]!), d[1]!), d[2]!), d[3]!, d[4]!), d[5]!, d[6]!),
      d[7]!,
    );
    expectClose(applyAugment(x, all, 1, d).dataSync(), Array.from(want.dataSync()), 6);
  });

  it("p gates each policy per sample (ADA): a sample whose gate draw is >= p keeps that policy's input", () => {
    const { x, v } = batch();
    // brightness, saturation, contrast draws, then the gate: samples 0 and 2 pass (u < 0.5), sample 1 does not.
    const d = [per(r), per([0.5, 0.5, 0.5]), per([0.5, 0.5, 0.5]), per([0.1, 0.9, 0.49])];
    const got = applyAugment(x, ['color'], 0.5, d).dataSync();
    const want = each((b, i, j, c) => (b === 1 ? at(v, b, i, j, c) : at(v, b, i, j, c) + ((r[b] as number) - 0.5)));
    expectClose(got, want, 5);
    // p = 0: the identity.
    expectClose(augment(x, all, 0, 3).dataSync(), v, 6);
  });

  it('is differentiable: d(sum w * augment(x))/dx equals central finite differences', () => {
    const { x, v } = batch();
    const wr = makeRng('augment-weights');
    const w = tf.tensor4d(
      Array.from({ length: v.length }, () => wr() * 2 - 1),
      [B, H, W, C],
    );
    for (const p of [1, 0.5]) {
      const f = (t: tf.Tensor) => tf.sum(tf.mul(w, augment(t, all, p, 11))) as tf.Scalar;
      const g = tf.grad(f)(x).dataSync();
      expect(Array.from(g).some((e) => e !== 0)).toBe(true);
      const eps = 1e-2;
      // Every 7th element (all samples, rows, columns and channels are visited).
      for (let k = 0; k < v.length; k += 7) {
        const bump = (s: number) => {
          const y = v.slice();
          y[k] = (y[k] as number) + s;
          return f(tf.tensor4d(y, [B, H, W, C])).dataSync()[0] as number;
        };
        const fd = (bump(eps) - bump(-eps)) / (2 * eps);
        expect(g[k] as number, `p ${p}, element ${k}`).toBeCloseTo(fd, 2);
      }
    }
  });
});

describe('the Augment node', () => {
  it('keeps the shape of float32 images and refuses other inputs with a located problem', () => {
    const params = Augment.params.parse({});
    expect(Augment.op?.(params)).toEqual({ op: 'augment', policies: ['color', 'translation', 'cutout'], p: 1 });
    const img = { shape: [null, 28, 28, 1], dtype: 'float32' as const };
    const ctx = { params, id: 'aug', sources: ['G.img gives [?,28,28,1]'], models: new Map() };
    expect(Augment.infer({ ...ctx, inputs: [img] })).toEqual({ outputs: [img] });
    const flat = Augment.infer({ ...ctx, inputs: [{ shape: [null, 2], dtype: 'float32' }] });
    expect('problems' in flat && flat.problems[0]).toMatchObject({ code: 'RANK', port: 'in' });
  });
});

/** A small image GAN on 8x8 digits with ADA-driven Augment nodes on D's real and fake inputs. */
function adaProject(ada: Record<string, unknown>) {
  const aug = { policies: ['color', 'translation', 'cutout', 'flip'], ...ada };
  return {
    format: 'ganvas/1',
    name: 'ada',
    models: {
      generator: tinyGenerator(),
      discriminator: {
        nodes: [
          node('x', 'Input', { shape: [8, 8, 1] }),
          node('c', 'Conv2D', { filters: 4, kernelSize: 3, strides: 2 }),
          node('a', 'LeakyReLU'),
          node('f', 'Flatten'),
          node('d', 'Dense', { units: 1 }),
          node('logit', 'Output'),
        ],
        edges: chain(['x', 'c', 'a', 'f', 'd', 'logit']),
      },
    },
    training: {
      nodes: [
        node('data', 'Dataset', { source: 'mnist', size: 8 }),
        node('noise', 'NoiseSource', { dim: 8 }),
        node('G', 'ModelCall', { model: 'generator' }),
        node('aug_real', 'Augment', aug),
        node('aug_fake', 'Augment', aug),
        node('D_real', 'ModelCall', { model: 'discriminator' }),
        node('D_fake', 'ModelCall', { model: 'discriminator' }),
        node('loss', 'AdversarialLoss', { kind: 'non-saturating' }),
        node('opt_G', 'Optimizer', { player: 'G', models: ['generator'] }),
        node('opt_D', 'Optimizer', { player: 'D', models: ['discriminator'], learningRate: 0.01 }),
      ],
      edges: [
        { source: 'noise', target: 'G', targetPort: 'z' },
        { source: 'G', sourcePort: 'img', target: 'aug_fake', targetPort: 'in' },
        { source: 'aug_fake', target: 'D_fake', targetPort: 'x' },
        { source: 'data', sourcePort: 'x', target: 'aug_real', targetPort: 'in' },
        { source: 'aug_real', target: 'D_real', targetPort: 'x' },
        { source: 'D_real', sourcePort: 'logit', target: 'loss', targetPort: 'real' },
        { source: 'D_fake', sourcePort: 'logit', target: 'loss', targetPort: 'fake' },
      ],
      settings: { batchSize: 8, seed: 3, dStepsPerGStep: 2 },
    },
  };
}

describe('ADA in the trainer', () => {
  const make = (ada: Record<string, unknown>) => {
    const a = validateProjectValue(adaProject(ada));
    expect(a.diagnostics).toEqual([]);
    return new Trainer(a, { assets: { mnist: loadMnist() } });
  };
  const figures = (m: StepMetrics) => ({ ...m.losses, ...m.ada });

  it('p moves by sign(r_t - target) * batch * interval / speed every interval steps, r_t the mean of E[sign D(real)]', async () => {
    // 8 images * 2 steps / 64 = 0.25 per adjustment.
    const t = make({ p: 0.5, ada: true, adaInterval: 2, adaSpeed: 64 });
    let want = 0.5;
    for (let k = 1; k <= 8; k++) {
      const m = await t.trainStep();
      const ada = m.ada as Record<string, number>;
      if (k % 2 === 0) {
        expect(ada['ada/rt']).toBeGreaterThanOrEqual(-1);
        expect(ada['ada/rt']).toBeLessThanOrEqual(1);
        want = Math.min(1, Math.max(0, want + Math.sign((ada['ada/rt'] as number) - 0.6) * 0.25));
      } else expect(ada['ada/rt']).toBeUndefined();
      expect(ada['ada/p'], `step ${k}`).toBeCloseTo(want, 6);
    }
    t.dispose();
  });

  it('resumes exactly mid-interval from a checkpoint (p and the running r_t sum are in it)', async () => {
    const ada = { p: 0.3, ada: true, adaInterval: 3, adaSpeed: 48 };
    const whole = make(ada);
    const straight: Record<string, number>[] = [];
    for (let k = 0; k < 7; k++) straight.push(figures(await whole.trainStep()));
    whole.dispose();
    const first = make(ada);
    for (let k = 0; k < 4; k++) await first.trainStep();
    const { header, tensors } = decodeCheckpoint(await encodeCheckpoint(await first.state(), 'ada'));
    first.dispose();
    const resumed = make(ada);
    await resumed.restore({ step: header.step, tensors });
    const after: Record<string, number>[] = [];
    for (let k = 0; k < 3; k++) after.push(figures(await resumed.trainStep()));
    expect(after).toEqual(straight.slice(4));
    expect(new Set(straight.map((m) => m['ada/p'])).size).toBeGreaterThan(1);
    // A checkpoint of the same project without ADA's state is refused, naming it.
    const plain = make({ p: 0.3 });
    const s = await plain.state();
    const fresh = make(ada);
    await expect(fresh.restore({ step: 0, tensors: s.tensors })).rejects.toThrow(/ADA/);
    tf.dispose(s.tensors.map((x) => x.tensor));
    tf.dispose(tensors.map((x) => x.tensor));
    for (const t of [resumed, plain, fresh]) t.dispose();
  });
});

describe('the plan with Augment nodes', () => {
  it("finds the sample call through an Augment (StyleGAN-lite: the synthesis network's, not the mapping's)", () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/stylegan-lite.json'), 'utf8'));
    p.training.nodes.push({ id: 'aug', type: 'Augment', params: {} });
    const e = p.training.edges.find((x: { target: string }) => x.target === 'D_fake');
    p.training.edges.push({ source: 'aug', target: 'D_fake', targetPort: e.targetPort });
    Object.assign(e, { target: 'aug', targetPort: 'in' });
    const a = validateProjectValue(p);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = compileTrainingPlan(a);
    expect(sampleCall(plan)?.id).toBe('G');
    // The augmentation is part of G's update (inside its tape), and of D's outside it.
    expect(playerProgram(plan, 'G').inside.map((n) => n.id)).toContain('aug');
    expect(playerProgram(plan, 'D').outside.map((n) => n.id)).toContain('aug');
  });
});
