/**
 * Every loss and regularizer on fixed inputs, against its paper's formula
 * written out here by hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSecondOrderGradients } from '../../src/core/train/gradients.js';
import {
  adversarialLoss,
  auxClassifierLoss,
  gradientPenalty,
  reconstructionLoss,
} from '../../src/core/train/losses.js';

beforeAll(() => registerSecondOrderGradients());

const real = [2.0, -0.5, 0.3, 1.2];
const fake = [-1.0, 0.4, -2.2, 0.1];
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const val = async (t: tf.Tensor) => (await t.data())[0] as number;
const R = () => tf.tensor2d(real, [4, 1]);
const F = () => tf.tensor2d(fake, [4, 1]);

describe('adversarial losses (logits in, scalar out)', () => {
  it('minimax (Goodfellow et al. 2014, eq. 1): D = -E log s(dr) - E log(1 - s(df)); G = E log(1 - s(df))', async () => {
    const { d, g } = adversarialLoss('minimax', R(), F());
    expect(await val(d)).toBeCloseTo(
      -mean(real.map((x) => Math.log(sig(x)))) - mean(fake.map((x) => Math.log(1 - sig(x)))),
      5,
    );
    expect(await val(g)).toBeCloseTo(mean(fake.map((x) => Math.log(1 - sig(x)))), 5);
  });
  it('non-saturating: G = -E log s(df)', async () => {
    const { d, g } = adversarialLoss('non-saturating', R(), F());
    expect(await val(d)).toBeCloseTo(
      -mean(real.map((x) => Math.log(sig(x)))) - mean(fake.map((x) => Math.log(1 - sig(x)))),
      5,
    );
    expect(await val(g)).toBeCloseTo(-mean(fake.map((x) => Math.log(sig(x)))), 5);
  });
  it('one-sided label smoothing: the real target becomes 1 - s (Salimans et al. 2016)', async () => {
    const s = 0.1;
    const { d } = adversarialLoss('non-saturating', R(), F(), s);
    const bce = (x: number, t: number) => -(t * Math.log(sig(x)) + (1 - t) * Math.log(1 - sig(x)));
    expect(await val(d)).toBeCloseTo(mean(real.map((x) => bce(x, 1 - s))) + mean(fake.map((x) => bce(x, 0))), 5);
  });
  it('LSGAN (Mao et al. 2017, a=0 b=1 c=1): D = 1/2 E(dr-1)^2 + 1/2 E df^2; G = 1/2 E(df-1)^2', async () => {
    const { d, g } = adversarialLoss('lsgan', R(), F());
    expect(await val(d)).toBeCloseTo(
      0.5 * mean(real.map((x) => (x - 1) ** 2)) + 0.5 * mean(fake.map((x) => x ** 2)),
      5,
    );
    expect(await val(g)).toBeCloseTo(0.5 * mean(fake.map((x) => (x - 1) ** 2)), 5);
  });
  it('hinge (Lim & Ye 2017): D = E max(0, 1-dr) + E max(0, 1+df); G = -E df', async () => {
    const { d, g } = adversarialLoss('hinge', R(), F());
    expect(await val(d)).toBeCloseTo(
      mean(real.map((x) => Math.max(0, 1 - x))) + mean(fake.map((x) => Math.max(0, 1 + x))),
      5,
    );
    expect(await val(g)).toBeCloseTo(-mean(fake), 5);
  });
  it('Wasserstein (Arjovsky et al. 2017): D = E df - E dr; G = -E df', async () => {
    const { d, g } = adversarialLoss('wgan', R(), F());
    expect(await val(d)).toBeCloseTo(mean(fake) - mean(real), 5);
    expect(await val(g)).toBeCloseTo(-mean(fake), 5);
  });
  it("ProGAN's drift penalty (Karras et al. 2018, sec. A.1): D = E df - E dr + eps E dr^2; G unchanged", async () => {
    const eps = 0.001;
    const { d, g } = adversarialLoss('wgan', R(), F(), 0, eps);
    expect(await val(d)).toBeCloseTo(mean(fake) - mean(real) + eps * mean(real.map((x) => x * x)), 6);
    expect(await val(g)).toBeCloseTo(-mean(fake), 5);
    // Its gradient in each real logit: -1/n + 2 eps dr / n.
    const grad = await tf
      .grad((r: tf.Tensor) => adversarialLoss('wgan', r, F(), 0, eps).d)(R())
      .data();
    Array.from(grad).forEach((v, i) => {
      expect(v).toBeCloseTo((-1 + 2 * eps * (real[i] as number)) / real.length, 6);
    });
  });
  it('stays finite for large logits (softplus form)', async () => {
    const { d, g } = adversarialLoss('minimax', tf.tensor2d([80, -80], [2, 1]), tf.tensor2d([90, -90], [2, 1]));
    expect(Number.isFinite(await val(d))).toBe(true);
    expect(Number.isFinite(await val(g))).toBe(true);
  });
});

describe('gradient penalties, on critics whose input gradient is known in closed form', () => {
  const w = [0.6, -1.2, 0.9];
  const norm = Math.hypot(...w);
  // D(x) = w.x: grad_x D = w for every x.
  const linear = (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, tf.tensor2d(w, [3, 1]));
  // D(x) = 1/2 a ||x||^2: grad_x D = a x.
  const a = 0.7;
  const quadratic = (x: tf.Tensor) => tf.mul(0.5 * a, tf.sum(tf.square(x), 1, true));
  const xr = [
    [1, 2, 0],
    [0.5, -1, 2],
  ];
  const xf = [
    [-1, 0, 1],
    [2, 2, -2],
  ];

  it('WGAN-GP (Gulrajani et al. 2017, eq. 3): lambda E[(||grad D(x_hat)|| - 1)^2]; linear critic: lambda (||w|| - 1)^2', async () => {
    const p = gradientPenalty('wgan-gp', 10, linear, { real: tf.tensor2d(xr), fake: tf.tensor2d(xf), seed: 1 });
    expect(await val(p)).toBeCloseTo(10 * (norm - 1) ** 2, 4);
  });
  it('WGAN-GP interpolates between real and fake: quadratic critic, ||a x_hat|| with x_hat on the segment', async () => {
    // With real == fake, x_hat = x whatever epsilon is.
    const p = gradientPenalty('wgan-gp', 2, quadratic, { real: tf.tensor2d(xr), fake: tf.tensor2d(xr), seed: 1 });
    expect(await val(p)).toBeCloseTo(2 * mean(xr.map((x) => (a * Math.hypot(...x) - 1) ** 2)), 4);
  });
  it('R1 (Mescheder et al. 2018, eq. 9): gamma/2 E ||grad D(x_real)||^2', async () => {
    const p = gradientPenalty('r1', 3, quadratic, { real: tf.tensor2d(xr) });
    expect(await val(p)).toBeCloseTo((3 / 2) * mean(xr.map((x) => a * a * x.reduce((s, v) => s + v * v, 0))), 4);
  });
  it('R2: gamma/2 E ||grad D(x_fake)||^2', async () => {
    const p = gradientPenalty('r2', 3, quadratic, { fake: tf.tensor2d(xf) });
    expect(await val(p)).toBeCloseTo((3 / 2) * mean(xf.map((x) => a * a * x.reduce((s, v) => s + v * v, 0))), 4);
  });
  it('DRAGAN (Kodali et al. 2017): lambda E[(||grad D(x + delta)|| - 1)^2]; linear critic: lambda (||w|| - 1)^2', async () => {
    const p = gradientPenalty('dragan', 10, linear, { real: tf.tensor2d(xr), seed: 2 });
    expect(await val(p)).toBeCloseTo(10 * (norm - 1) ** 2, 4);
  });
  it('DRAGAN perturbs real data: a quadratic critic sees points off the data', async () => {
    const p = await val(gradientPenalty('dragan', 1, quadratic, { real: tf.tensor2d(xr), seed: 2 }));
    const atData = mean(xr.map((x) => (a * Math.hypot(...x) - 1) ** 2));
    expect(Math.abs(p - atData)).toBeGreaterThan(1e-4);
  });
  it('needs its inputs', () => {
    expect(() => gradientPenalty('wgan-gp', 1, linear, { real: tf.tensor2d(xr) })).toThrow(/fake/);
  });
});

describe('reconstruction and classifier losses', () => {
  const A = [1, -2, 0.5, 3];
  const B = [0, -1, 1.5, 2];
  it('L1 (pix2pix, CycleGAN): weight * mean |a - b|', async () => {
    expect(await val(reconstructionLoss('l1', 100, tf.tensor1d(A), tf.tensor1d(B)))).toBeCloseTo(
      100 * mean(A.map((x, i) => Math.abs(x - (B[i] as number)))),
      4,
    );
  });
  it('L2: weight * mean (a - b)^2', async () => {
    expect(await val(reconstructionLoss('l2', 5, tf.tensor1d(A), tf.tensor1d(B)))).toBeCloseTo(
      5 * mean(A.map((x, i) => (x - (B[i] as number)) ** 2)),
      4,
    );
  });
  it('ACGAN class loss (Odena et al. 2017): weight * mean -log softmax(logits)[y]', async () => {
    const logits = [
      [2, 0.5, -1],
      [0, 0, 3],
    ];
    const y = [0, 1];
    const ce = logits.map((l, i) => {
      const z = l.reduce((s, v) => s + Math.exp(v), 0);
      return -Math.log(Math.exp(l[y[i] as number] as number) / z);
    });
    expect(await val(auxClassifierLoss(2, tf.tensor2d(logits), tf.tensor2d(y, [2, 1], 'int32')))).toBeCloseTo(
      2 * mean(ce),
      4,
    );
  });
});
