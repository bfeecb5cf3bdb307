/**
 * The custom layers against their papers' formulas, computed here by hand on
 * plain arrays, and their save/load round trip through tfjs' own format.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  GlobalSumPool,
  InstanceNorm,
  LearnedConstant,
  MinibatchStdDev,
  NoiseInjection,
  PixelNorm,
  ReflectionPad,
  ReparamConv2D,
  ReparamDense,
  SelfAttention,
  StyleModulation,
} from '../../src/core/nodes/layers/custom.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs((a[i] as number) - (b[i] as number)), `index ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol);
};

function apply(layer: tfl.layers.Layer, x: tf.Tensor | tf.Tensor[], training = false): tf.Tensor {
  return layer.apply(x, { training }) as tf.Tensor;
}

describe('InstanceNorm', () => {
  it('normalizes each sample and channel over H,W: (x - mean) / sqrt(var + eps)', async () => {
    const x = tf.randomNormal([2, 3, 4, 2], 3, 2, 'float32', 1);
    const y = apply(new InstanceNorm({ epsilon: 1e-5 }), x);
    const xv = await x.data();
    const yv = await y.data();
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 2; c++) {
        const idx: number[] = [];
        for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) idx.push(((b * 3 + h) * 4 + w) * 2 + c);
        const vals = idx.map((i) => xv[i] as number);
        const mean = vals.reduce((a, v) => a + v, 0) / vals.length;
        const variance = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / vals.length;
        close(
          idx.map((i) => yv[i] as number),
          vals.map((v) => (v - mean) / Math.sqrt(variance + 1e-5)),
        );
      }
  });
});

describe('PixelNorm', () => {
  it('divides by sqrt(mean over channels of x^2 + eps)', async () => {
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [0.5, -1, 0, 2],
    ]);
    const y = await apply(new PixelNorm({}), x).data();
    const rows = [
      [1, 2, 3, 4],
      [0.5, -1, 0, 2],
    ];
    close(
      y,
      rows.flatMap((r) => r.map((v) => v / Math.sqrt(r.reduce((a, u) => a + u * u, 0) / r.length + 1e-8))),
    );
  });
});

describe('ReflectionPad', () => {
  it('mirrors without repeating the edge', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = apply(new ReflectionPad({ padding: 1 }), x);
    expect(y.shape).toEqual([1, 5, 5, 1]);
    // Row 0 of the output is row 1 of the input, reflected left and right.
    close((await y.data()).slice(0, 5), [5, 4, 5, 6, 5]);
  });
});

describe('MinibatchStdDev', () => {
  it('appends mean over features of the std over each group (ProGAN)', async () => {
    const x = tf.randomNormal([4, 2, 2, 3], 0, 1, 'float32', 3);
    const y = apply(new MinibatchStdDev({ groupSize: 2 }), x);
    expect(y.shape).toEqual([4, 2, 2, 4]);
    const xv = await x.data();
    const yv = await y.data();
    // Groups are samples {i, i + B/G}: reshape [G, B/G, ...] puts sample g*(B/G)+m at (g, m).
    const per = 2 * 2 * 3;
    for (let m = 0; m < 2; m++) {
      let acc = 0;
      for (let k = 0; k < per; k++) {
        const a = xv[m * per + k] as number;
        const b = xv[(m + 2) * per + k] as number;
        const mu = (a + b) / 2;
        acc += Math.sqrt(((a - mu) ** 2 + (b - mu) ** 2) / 2 + 1e-8);
      }
      const expected = acc / per;
      for (const sample of [m, m + 2]) close([yv[sample * 16 + 3] as number], [expected]);
    }
  });
});

describe('GlobalSumPool', () => {
  it('sums over H and W (SNGAN and BigGAN D: torch.sum(h, [2, 3]) in NCHW); its gradient is 1 at every position', async () => {
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 11);
    const y = apply(new GlobalSumPool(), x);
    expect(y.shape).toEqual([2, 5]);
    const xv = await x.data();
    const expected: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 5; c++) {
        let acc = 0;
        for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) acc += xv[((b * 3 + h) * 4 + w) * 5 + c] as number;
        expected.push(acc);
      }
    close(await y.data(), expected);
    const weights = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(apply(new GlobalSumPool(), v), weights)))(x);
    const gv = await g.data();
    for (let i = 0; i < gv.length; i++) {
      const b = Math.floor(i / 60);
      const c = i % 5;
      expect(gv[i]).toBe(b * 5 + c + 1);
    }
  });
});

describe('SelfAttention', () => {
  it('is the identity while gamma is 0, and y = x + v(softmax(g f^T) h) when gamma is 1', async () => {
    const x = tf.randomNormal([2, 3, 3, 8], 0, 1, 'float32', 4);
    const layer = new SelfAttention({ reduction: 2 });
    close(await apply(layer, x).data(), await x.data());
    const gamma = layer.getWeights()[4]!;
    expect(gamma.shape).toEqual([1]);
    layer.setWeights([...layer.getWeights().slice(0, 4), tf.tensor1d([1])]);
    const y = await apply(layer, x).data();
    // By hand (SAGAN sec. 3): s_ij = g(x_i) . f(x_j); beta_i = softmax_j(s_ij); o_i = v(sum_j beta_ij h(x_j)); y = x + o.
    const [wf, wg, wh, wv] = (await Promise.all(
      layer
        .getWeights()
        .slice(0, 4)
        .map((t) => t.array()),
    )) as number[][][];
    const xv = await x.data();
    const C = 8;
    const K = 4;
    const N = 9;
    const proj = (b: number, i: number, m: number[][]): number[] =>
      Array.from({ length: K }, (_, k) =>
        m.reduce((a, row, c) => a + (xv[(b * N + i) * C + c] as number) * (row[k] as number), 0),
      );
    const expected: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < N; i++) {
        const g = proj(b, i, wg!);
        const scores = Array.from({ length: N }, (_, j) =>
          proj(b, j, wf!).reduce((a, v, k) => a + v * (g[k] as number), 0),
        );
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, v) => a + v, 0);
        const o = new Array(K).fill(0) as number[];
        for (let j = 0; j < N; j++) proj(b, j, wh!).forEach((v, k) => (o[k]! += ((e[j] as number) / z) * v));
        for (let c = 0; c < C; c++)
          expected.push((xv[(b * N + i) * C + c] as number) + o.reduce((a, v, k) => a + v * (wv![k]![c] as number), 0));
      }
    close(y, expected, 1e-3);
  });
});

describe('StyleModulation (AdaIN)', () => {
  it('computes ys * (x - mu) / sigma + yb with [ys, yb] = w A + b', async () => {
    const x = tf.randomNormal([2, 2, 2, 3], 1, 2, 'float32', 5);
    const w = tf.randomNormal([2, 4], 0, 1, 'float32', 6);
    const layer = new StyleModulation({ epsilon: 1e-5 });
    const y0 = apply(layer, [x, w]);
    const [kernel, bias] = layer.getWeights() as [tf.Tensor, tf.Tensor];
    // The ys bias starts at 1 and yb at 0 (StyleGAN).
    close(await bias.data(), [1, 1, 1, 0, 0, 0]);
    const xv = await x.data();
    const wv = await w.data();
    const kv = await kernel.data();
    const bv = await bias.data();
    const yv = await y0.data();
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++) {
        const style = (j: number) => {
          let s = bv[j] as number;
          for (let d = 0; d < 4; d++) s += (wv[b * 4 + d] as number) * (kv[d * 6 + j] as number);
          return s;
        };
        const ys = style(c);
        const yb = style(3 + c);
        const idx = [0, 1, 2, 3].map((p) => (b * 4 + p) * 3 + c);
        const vals = idx.map((i) => xv[i] as number);
        const mu = vals.reduce((a, v) => a + v, 0) / 4;
        const sd = Math.sqrt(vals.reduce((a, v) => a + (v - mu) ** 2, 0) / 4 + 1e-5);
        close(
          idx.map((i) => yv[i] as number),
          vals.map((v) => (ys * (v - mu)) / sd + yb),
        );
      }
  });
});

describe('NoiseInjection and LearnedConstant', () => {
  it('adds nothing while the strength is 0, and noise scaled per channel after', async () => {
    const x = tf.ones([2, 3, 3, 2]);
    const layer = new NoiseInjection({ seed: 1 });
    close(await apply(layer, x).data(), await x.data());
    layer.setWeights([tf.tensor1d([0, 1])]);
    const y = await apply(layer, x).data();
    const ch0 = Array.from(y).filter((_, i) => i % 2 === 0);
    const ch1 = Array.from(y).filter((_, i) => i % 2 === 1);
    close(
      ch0,
      ch0.map(() => 1),
    );
    expect(ch1.some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
  });
  it('repeats the learned constant over the batch', async () => {
    const layer = new LearnedConstant({ height: 2, width: 2, channels: 3 });
    const y = apply(layer, tf.zeros([5, 7]));
    expect(y.shape).toEqual([5, 2, 2, 3]);
    close(await y.data(), new Array(60).fill(1));
  });
});

describe('spectral normalization and equalized learning rate', () => {
  it('divides W by its largest singular value (power iteration converges)', async () => {
    const layer = new ReparamDense({ units: 6, spectralNorm: true, useBias: false, powerIterations: 1 });
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 8);
    for (let i = 0; i < 30; i++) apply(layer, x, true); // training calls update u
    const kernel = layer.getWeights()[0] as tf.Tensor2D;
    // sigma_max(W) by many power iterations on W^T W, computed here independently.
    const wv = (await kernel.array()) as number[][];
    let v = new Array(6).fill(1) as number[];
    for (let it = 0; it < 500; it++) {
      const wv1 = wv.map((row) => row.reduce((a, r, j) => a + r * (v[j] as number), 0));
      const next = v.map((_, j) => wv.reduce((a, row, i) => a + (row[j] as number) * (wv1[i] as number), 0));
      const n = Math.hypot(...next);
      v = next.map((t) => t / n);
    }
    const sigma = Math.hypot(...wv.map((row) => row.reduce((a, r, j) => a + r * (v[j] as number), 0)));
    const y = await apply(layer, x).data();
    const expected = await tf.div(tf.matMul(x, kernel), sigma).data();
    close(y, expected, 1e-3);
  });
  it('scales N(0,1) weights by sqrt(2 / fan_in) at run time', async () => {
    const layer = new ReparamConv2D({
      filters: 2,
      kernelSize: 3,
      strides: 1,
      padding: 'same',
      equalizedLR: true,
      useBias: false,
    });
    const x = tf.randomNormal([1, 4, 4, 3], 0, 1, 'float32', 9);
    const y = await apply(layer, x).data();
    const k = layer.getWeights()[0] as tf.Tensor4D;
    const expected = await tf.conv2d(x as tf.Tensor4D, tf.mul(k, Math.sqrt(2 / 27)) as tf.Tensor4D, 1, 'same').data();
    close(y, expected);
  });
});

describe('serialization', () => {
  it('saves and loads a model of custom layers through tfjs and gives the same outputs', async () => {
    const input = tfl.input({ shape: [6, 6, 4] });
    let h = new ReflectionPad({ padding: 1, name: 'pad' }).apply(input) as tfl.SymbolicTensor;
    h = new ReparamConv2D({
      name: 'conv',
      filters: 8,
      kernelSize: 3,
      strides: 1,
      padding: 'valid',
      spectralNorm: true,
    }).apply(h) as tfl.SymbolicTensor;
    h = new InstanceNorm({ name: 'in' }).apply(h) as tfl.SymbolicTensor;
    h = new SelfAttention({ name: 'attn' }).apply(h) as tfl.SymbolicTensor;
    h = new MinibatchStdDev({ name: 'mbstd' }).apply(h) as tfl.SymbolicTensor;
    h = new PixelNorm({ name: 'pn' }).apply(h) as tfl.SymbolicTensor;
    const pooled = new GlobalSumPool({ name: 'pool' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [h, pooled] });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.randomNormal([4, 6, 6, 4], 0, 1, 'float32', 10);
    const [a, b] = [loaded.predict(x) as tf.Tensor[], model.predict(x) as tf.Tensor[]];
    for (let i = 0; i < 2; i++) close(await a[i]!.data(), await b[i]!.data());
    expect(a[1]!.shape).toEqual([4, 9]);
    expect(JSON.stringify(saved!.modelTopology)).toContain('GanvasConv2D');
    expect(JSON.stringify(saved!.modelTopology)).toContain('GanvasGlobalSumPool');
  });
});

describe('BatchNorm with scale or center off (tfjs-layers cannot train it)', () => {
  it('normalizes with batch statistics in training, updates the moving ones, passes gradients, keeps its weights', async () => {
    const { compileModel } = await import('../../src/core/compile/model.js');
    const { validateProjectValue } = await import('../../src/core/validate.js');
    for (const [scale, center] of [
      [false, true],
      [true, false],
      [false, false],
    ] as const) {
      const a = validateProjectValue({
        format: 'ganvas/1',
        name: 'bn',
        models: {
          m: {
            nodes: [
              { id: 'x', type: 'Input', params: { shape: [3] } },
              { id: 'bn', type: 'BatchNorm', params: { scale, center, momentum: 0.5 } },
              { id: 'y', type: 'Output' },
            ],
            edges: [
              { source: 'x', target: 'bn' },
              { source: 'bn', target: 'y' },
            ],
          },
        },
      });
      const model = compileModel(a.models.get('m') as never);
      expect(model.countParams()).toBe(3 * (Number(scale) + Number(center)) + 6);
      const x = tf.tensor2d([
        [1, 2, 3],
        [3, 6, 9],
      ]);
      // A first training call (scale and center off: nothing to train, so no gradient to take).
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const f = () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
      const { value, grads } = vars.length ? tf.variableGrads(f, vars) : { value: f(), grads: {} };
      // (x - mean) / sqrt(var + eps) with var = 1, 4, 9 per feature: every value is +-1/sqrt(1 + eps/var).
      const y = (model.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][];
      expect(y[0]?.[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 5);
      expect(y[1]?.[2]).toBeCloseTo(1 / Math.sqrt(1 + 1e-5 / 9), 5);
      expect(value.dataSync()[0]).toBeGreaterThan(0);
      expect(Object.keys(grads)).toHaveLength(Number(scale) + Number(center));
      const moving = model.getLayer('bn').getWeights().slice(-2);
      // After two training calls with momentum 0.5: mean 0 -> 1.5 -> 2.25 for feature 0 (batch mean 2).
      expect(moving[0]?.dataSync()[0]).toBeCloseTo(1.5, 5);
      model.dispose();
    }
  });
});
