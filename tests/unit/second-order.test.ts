/**
 * Gradient penalties differentiate D's input gradient with respect to D's
 * weights. For every layer node a discriminator may contain, this checks
 * d(penalty)/d(weights) against central finite differences, with ganvas'
 * second-order gradient registrations in place (src/core/train/gradients.ts).
 * It also checks that the first-order gradients of the linear resampling ops
 * are their adjoints (tfjs' CPU nearest-neighbour gradient is not).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLayer } from '../../src/core/compile/model.js';
import { FadeIn } from '../../src/core/nodes/layers/custom.js';
import { NODE_TYPES } from '../../src/core/nodes/registry.js';
import { registerSecondOrderGradients } from '../../src/core/train/gradients.js';
import { gradientPenalty } from '../../src/core/train/losses.js';

beforeAll(() => registerSecondOrderGradients());

type Sym = tfl.SymbolicTensor;
interface Case {
  type: string;
  params: Record<string, unknown>;
  /** Per-sample input shape of the node. */
  shape: number[];
}

/** Every layer a discriminator may contain, with the options that change its math. */
const CASES: Case[] = [
  { type: 'Dense', params: { units: 3 }, shape: [5] },
  { type: 'Dense', params: { units: 3, spectralNorm: true }, shape: [5] },
  { type: 'Dense', params: { units: 3, equalizedLR: true }, shape: [5] },
  { type: 'Conv2D', params: { filters: 2, kernelSize: 3, strides: 2 }, shape: [4, 4, 2] },
  {
    type: 'Conv2D',
    params: { filters: 2, kernelSize: 3, strides: 1, padding: 'valid', spectralNorm: true },
    shape: [4, 4, 2],
  },
  { type: 'Conv2D', params: { filters: 2, kernelSize: 3, strides: 1, equalizedLR: true }, shape: [4, 4, 2] },
  { type: 'ConvTranspose2D', params: { filters: 2, kernelSize: 3, strides: 2 }, shape: [3, 3, 2] },
  { type: 'ConvTranspose2D', params: { filters: 2, kernelSize: 4, strides: 2, spectralNorm: true }, shape: [3, 3, 2] },
  { type: 'LeakyReLU', params: { alpha: 0.2 }, shape: [5] },
  { type: 'ReLU', params: {}, shape: [5] },
  { type: 'ELU', params: {}, shape: [5] },
  { type: 'Tanh', params: {}, shape: [5] },
  { type: 'Sigmoid', params: {}, shape: [5] },
  { type: 'Linear', params: {}, shape: [5] },
  { type: 'Dropout', params: { rate: 0.5 }, shape: [5] },
  { type: 'BatchNorm', params: {}, shape: [4, 4, 2] },
  { type: 'LayerNorm', params: {}, shape: [5] },
  { type: 'InstanceNorm', params: {}, shape: [4, 4, 2] },
  { type: 'PixelNorm', params: {}, shape: [5] },
  { type: 'Downsample', params: { factor: 2 }, shape: [4, 4, 2] },
  { type: 'GlobalSumPool', params: {}, shape: [3, 3, 2] },
  { type: 'Upsample', params: { interpolation: 'nearest' }, shape: [3, 3, 2] },
  { type: 'Upsample', params: { interpolation: 'bilinear' }, shape: [3, 3, 2] },
  { type: 'ReflectionPad', params: { padding: 1 }, shape: [4, 4, 2] },
  { type: 'ZeroPad', params: { padding: 1 }, shape: [3, 3, 2] },
  { type: 'MinibatchStdDev', params: { groupSize: 2 }, shape: [3, 3, 2] },
  { type: 'SelfAttention', params: { reduction: 1 }, shape: [3, 3, 2] },
  { type: 'Reshape', params: { shape: [2, -1] }, shape: [6] },
  { type: 'Flatten', params: {}, shape: [3, 3, 2] },
  { type: 'Concat', params: { inputs: 2 }, shape: [5] },
  { type: 'Add', params: { inputs: 2 }, shape: [5] },
  { type: 'FadeIn', params: { resolution: 8 }, shape: [4, 4, 2] },
  { type: 'Multiply', params: { inputs: 2 }, shape: [5] },
  { type: 'Embedding', params: { numClasses: 4, dim: 5 }, shape: [5] },
  { type: 'StyleModulation', params: {}, shape: [3, 3, 2] },
  { type: 'ConditionalBatchNorm', params: {}, shape: [3, 3, 2] },
  { type: 'Projection', params: { numClasses: 4 }, shape: [5] },
  { type: 'Projection', params: { numClasses: 4, spectralNorm: true }, shape: [5] },
];

/** Not checked here, and why. */
const EXCLUDED: Record<string, string> = {
  Input: 'a model input, not a layer',
  Noise: 'a model input, not a layer',
  Label: 'a model input, not a layer',
  Output: 'marks an output, builds no layer',
  LearnedConstant: "a generator input: its output does not depend on D's input",
  NoiseInjection:
    'fresh noise on every call, so finite differences of one draw are meaningless; its formula is checked in custom-layers.test.ts',
};

const BATCH = 4;

/** Deterministic weights, so a failure reproduces. */
function seedWeights(model: tfl.LayersModel, seed: number): void {
  model.setWeights(model.getWeights().map((w, i) => tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', seed + i), 0.5)));
}

/** A small critic around one node: x -> pre -> node -> flatten -> dense(1). Extra node inputs come from side branches. */
function critic(c: Case): { model: tfl.LayersModel; inputs: (x: tf.Tensor) => tf.Tensor[] } {
  const def = NODE_TYPES.get(c.type)!;
  const params = def.params.parse(c.params);
  const spatial = c.shape.length === 3;
  const x = tfl.input({ shape: c.shape });
  const pre = (
    spatial ? tfl.layers.conv2d({ filters: c.shape[2]!, kernelSize: 1 }) : tfl.layers.dense({ units: c.shape[0]! })
  ).apply(x) as Sym;
  const extra: Sym[] = [];
  const fixed: tf.Tensor[] = [];
  let args: Sym | Sym[] = pre;
  if (['Concat', 'Add', 'Multiply', 'FadeIn'].includes(c.type)) {
    args = [
      pre,
      (spatial
        ? tfl.layers.conv2d({ filters: c.shape[2]!, kernelSize: 1 })
        : tfl.layers.dense({ units: c.shape[0]! })
      ).apply(x) as Sym,
    ];
  } else if (c.type === 'StyleModulation' || c.type === 'ConditionalBatchNorm') {
    const w = tfl.input({ shape: [3] });
    extra.push(w);
    fixed.push(tf.randomNormal([BATCH, 3], 0, 1, 'float32', 11));
    args = [pre, w];
  }
  let h: Sym | Sym[];
  if (c.type === 'Projection') {
    const y = tfl.input({ shape: [1], dtype: 'int32' });
    extra.push(y);
    fixed.push(tf.tensor2d([[0], [1], [2], [1]], [4, 1], 'int32'));
    args = [pre, y];
  }
  if (c.type === 'Embedding') {
    // Projection-style conditioning: <phi(x), embed(y)>, y fixed.
    const y = tfl.input({ shape: [1], dtype: 'int32' });
    extra.push(y);
    fixed.push(tf.tensor2d([[0], [1], [2], [3]], [4, 1], 'int32'));
    let e: Sym = y;
    for (const s of def.layers(params, 'node', [{ shape: [null, 1], dtype: 'int32' }]))
      e = makeLayer(s).apply(e) as Sym;
    h = tfl.layers.multiply().apply([pre, e]) as Sym;
  } else {
    h = args;
    for (const s of def.layers(params, 'node', [{ shape: [null, ...c.shape], dtype: 'float32' }]))
      h = makeLayer(s).apply(h) as Sym;
  }
  let out = h as Sym;
  if (out.shape.length > 2) out = tfl.layers.flatten().apply(out) as Sym;
  out = tfl.layers.dense({ units: 1 }).apply(out) as Sym;
  const model = tfl.model({ inputs: [x, ...extra], outputs: out });
  // A FadeIn mid-fade, so that both of its paths carry gradient.
  for (const l of model.layers) if (l instanceof FadeIn) l.alpha = 0.4;
  return { model, inputs: (xx) => [xx, ...fixed] };
}

describe('second-order gradients: d(penalty)/d(weights) against finite differences', () => {
  it('covers every layer node a discriminator may contain', () => {
    const covered = new Set([...CASES.map((c) => c.type), ...Object.keys(EXCLUDED)]);
    expect([...NODE_TYPES.keys()].filter((t) => !covered.has(t))).toEqual([]);
  });

  for (const c of CASES) {
    for (const kind of ['r1', 'wgan-gp'] as const) {
      it(`${c.type} ${JSON.stringify(c.params)} (${kind})`, async () => {
        const { model, inputs } = critic(c);
        seedWeights(model, 100);
        const real = tf.randomNormal([BATCH, ...c.shape], 0, 1, 'float32', 1);
        const fake = tf.randomNormal([BATCH, ...c.shape], 0, 1, 'float32', 2);
        // Spectral norm's u is a constant of the gradient: converge it first.
        for (let i = 0; i < 200; i++) tf.dispose(model.apply(inputs(real), { training: true }) as tf.Tensor);
        const D = (x: tf.Tensor) => model.apply(inputs(x), { training: false }) as tf.Tensor;
        const penalty = () => gradientPenalty(kind, 10, D, { real, fake, seed: 5 });
        const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
        const { grads } = tf.variableGrads(penalty, vars);
        const f = async () => (await penalty().data())[0] as number;
        let checked = 0;
        let scale = 1e-3;
        for (const v of vars)
          if (grads[v.name]) scale = Math.max(scale, (await tf.max(tf.abs(grads[v.name]!)).data())[0] as number);
        for (const v of vars) {
          const g = grads[v.name] ? await grads[v.name]!.data() : new Float32Array(v.size);
          const base = await v.data();
          let tried = 0;
          for (let k = 0; k < v.size && tried < 3; k++) {
            const i = (k * 7919 + 3) % v.size;
            const fdAt = async (eps: number) => {
              const plus = Float32Array.from(base);
              plus[i]! += eps;
              v.assign(tf.tensor(plus, v.shape));
              const fp = await f();
              const minus = Float32Array.from(base);
              minus[i]! -= eps;
              v.assign(tf.tensor(minus, v.shape));
              const fm = await f();
              v.assign(tf.tensor(base, v.shape));
              return (fp - fm) / (2 * eps);
            };
            const fd1 = await fdAt(1e-2);
            const fd2 = await fdAt(5e-3);
            // A kink (ReLU, LeakyReLU) within eps makes finite differences meaningless there: skip the coordinate.
            if (Math.abs(fd1 - fd2) > 0.05 * Math.max(Math.abs(fd1), 1e-2 * scale)) continue;
            tried++;
            checked++;
            expect(
              Math.abs(fd1 - (g[i] as number)),
              `${v.name}[${i}]: finite difference ${fd1}, gradient ${g[i]}`,
            ).toBeLessThan(0.03 * Math.abs(fd1) + 5e-3 * scale);
          }
        }
        expect(checked).toBeGreaterThan(2);
        tf.dispose([real, fake, ...Object.values(grads)]);
      });
    }
  }
});

describe('first-order gradients of linear resampling ops are their adjoints', () => {
  const ops: [string, (x: tf.Tensor4D) => tf.Tensor, number[]][] = [
    ['nearest x2', (x) => tf.image.resizeNearestNeighbor(x, [6, 6]), [3, 3, 2]],
    ['nearest x3', (x) => tf.image.resizeNearestNeighbor(x, [9, 9]), [3, 3, 2]],
    ['nearest 2->5', (x) => tf.image.resizeNearestNeighbor(x, [5, 5]), [2, 2, 2]],
    ['bilinear x2', (x) => tf.image.resizeBilinear(x, [6, 6]), [3, 3, 2]],
    ['avgPool 2', (x) => tf.avgPool(x, 2, 2, 'valid'), [4, 4, 2]],
    [
      'mirrorPad reflect 1',
      (x) =>
        tf.mirrorPad(
          x,
          [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ],
          'reflect',
        ),
      [3, 3, 2],
    ],
    [
      'mirrorPad reflect 3',
      (x) =>
        tf.mirrorPad(
          x,
          [
            [0, 0],
            [3, 3],
            [3, 3],
            [0, 0],
          ],
          'reflect',
        ),
      [5, 5, 2],
    ],
    [
      'mirrorPad symmetric 2,1',
      (x) =>
        tf.mirrorPad(
          x,
          [
            [0, 0],
            [2, 1],
            [1, 2],
            [0, 0],
          ],
          'symmetric',
        ),
      [4, 4, 2],
    ],
  ];
  for (const [name, op, shape] of ops) {
    it(`${name}: <A x, y> = <x, A^T y> for a batch of 3`, async () => {
      const x = tf.randomNormal([3, ...shape] as [number, number, number, number], 0, 1, 'float32', 1) as tf.Tensor4D;
      const y = tf.randomNormal(op(x).shape, 0, 1, 'float32', 2);
      const lhs = (await tf.sum(tf.mul(op(x), y)).data())[0] as number;
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(op(xx as tf.Tensor4D), y)))(x);
      const rhs = (await tf.sum(tf.mul(x, g)).data())[0] as number;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    });
  }
});
