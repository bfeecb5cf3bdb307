/**
 * BigGAN's conditioning layers (issue 17.5) against their papers' formulas on
 * hand-computed cases: conditional BatchNorm (de Vries et al. 2017; Brock et
 * al. 2019) and the projection discriminator's output (Miyato & Koyama 2018).
 * Their second-order gradients: second-order.test.ts; the template's training
 * steps: templates.test.ts; PyTorch parity: tests/pytorch/parity.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ConditionalBatchNorm, Projection } from '../../src/core/nodes/layers/custom.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs((a[i] as number) - (b[i] as number)), `index ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol);
};

/** Weights by their short names (gain_kernel, moving_mean, ...). */
function setByName(layer: tfl.layers.Layer, values: Record<string, tf.Tensor>): void {
  for (const w of layer.weights) {
    const short = w.name.split('/').pop()!.replace(/_\d+$/, '');
    if (values[short]) w.write(values[short]!);
  }
}
function byName(layer: tfl.layers.Layer, short: string): tfl.LayerVariable {
  return layer.weights.find((w) => w.name.split('/').pop()!.replace(/_\d+$/, '') === short)!;
}

describe('ConditionalBatchNorm', () => {
  // x: B=2, H=1, W=2, C=1: [[1, 3], [5, 7]]. Batch mean 4, biased variance (9+1+1+9)/4 = 5.
  // e = [[1], [2]], W_g = [[0.5]], W_b = [[2]]: gamma = 1 + e W_g = [1.5, 2], beta = e W_b = [2, 4].
  const x = () => tf.tensor4d([1, 3, 5, 7], [2, 1, 2, 1]);
  const e = () => tf.tensor2d([[1], [2]]);
  const make = () => {
    const layer = new ConditionalBatchNorm({ momentum: 0.9, epsilon: 1e-5 });
    layer.apply([tfl.input({ shape: [1, 2, 1] }), tfl.input({ shape: [1] })]);
    setByName(layer, { gain_kernel: tf.tensor2d([[0.5]]), bias_kernel: tf.tensor2d([[2]]) });
    return layer;
  };

  it('training: y = (x - mu_B) / sqrt(var_B + eps) * (1 + e W_g) + e W_b, per sample', async () => {
    const layer = make();
    const y = await (layer.apply([x(), e()], { training: true }) as tf.Tensor).data();
    const s = Math.sqrt(5 + 1e-5);
    close(y, [(-3 / s) * 1.5 + 2, (-1 / s) * 1.5 + 2, (1 / s) * 2 + 4, (3 / s) * 2 + 4]);
  });

  it('updates the moving statistics as BatchNorm (m = 0.9 m + 0.1 batch) and uses them in inference', async () => {
    const layer = make();
    tf.dispose(layer.apply([x(), e()], { training: true }) as tf.Tensor);
    close(await byName(layer, 'moving_mean').read().data(), [0.1 * 4]);
    close(await byName(layer, 'moving_variance').read().data(), [0.9 * 1 + 0.1 * 5]);
    const y = await (layer.apply([x(), e()], { training: false }) as tf.Tensor).data();
    const s = Math.sqrt(1.4 + 1e-5);
    close(y, [((1 - 0.4) / s) * 1.5 + 2, ((3 - 0.4) / s) * 1.5 + 2, ((5 - 0.4) / s) * 2 + 4, ((7 - 0.4) / s) * 2 + 4]);
  });

  it('takes [B,C] features too, and gradients reach W_g, W_b and the conditioning', async () => {
    const layer = new ConditionalBatchNorm({});
    const xs = tf.randomNormal([4, 3], 0, 1, 'float32', 1);
    const es = tf.randomNormal([4, 2], 0, 1, 'float32', 2);
    const target = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    layer.apply([xs, es], { training: true });
    const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    expect(vars.length).toBe(2);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply([xs, es], { training: true }) as tf.Tensor, target)) as tf.Scalar,
      vars,
    );
    for (const v of vars) expect((await tf.sum(tf.abs(grads[v.name]!)).data())[0]).toBeGreaterThan(1e-4);
    const ge = tf.grad((ee: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply([xs, ee], { training: true }) as tf.Tensor, target)),
    )(es);
    expect((await tf.sum(tf.abs(ge)).data())[0]).toBeGreaterThan(1e-4);
  });

  it('with spectral norm: W_g / sigma(W_g) and W_b / sigma(W_b) once u has converged (BigGAN: SNLinear maps)', async () => {
    // C = 2, D = 2: W_g = [[3, 0], [0, 1]] (sigma 3), W_b = [[0, 2], [0, 0]] (sigma 2).
    const layer = new ConditionalBatchNorm({ spectralNorm: true, epsilon: 1e-5 });
    layer.apply([tfl.input({ shape: [2] }), tfl.input({ shape: [2] })]);
    expect(layer.nonTrainableWeights.map((w) => w.name.split('/').pop())).toEqual([
      'moving_mean',
      'moving_variance',
      'sn_u_gain',
      'sn_u_bias',
    ]);
    setByName(layer, {
      gain_kernel: tf.tensor2d([3, 0, 0, 1], [2, 2]),
      bias_kernel: tf.tensor2d([0, 2, 0, 0], [2, 2]),
    });
    const xs = tf.tensor2d([1, 2, 3, 6], [2, 2]); // batch mean [2, 4], biased variance [1, 4]: x_hat = [[-1, -1], [1, 1]]
    const es = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    for (let i = 0; i < 30; i++) tf.dispose(layer.apply([xs, es], { training: true }) as tf.Tensor);
    const y = await (layer.apply([xs, es], { training: true }) as tf.Tensor).data();
    // gamma = 1 + e W_g / 3: [[2, 1], [1, 4/3]]; beta = e W_b / 2: [[0, 1], [0, 0]].
    const n = 1 / Math.sqrt(1 + 1e-5);
    const m = 2 / Math.sqrt(4 + 1e-5);
    close(y, [-n * 2, -m * 1 + 1, n * 1, m * (4 / 3)]);
    // Off, the same weights act unscaled; its config says neither spectralNorm nor powerIterations.
    const plain = new ConditionalBatchNorm({ epsilon: 1e-5 });
    plain.apply([xs, es], { training: true });
    expect(plain.nonTrainableWeights).toHaveLength(2);
    expect(plain.getConfig()).not.toHaveProperty('spectralNorm');
    expect(layer.getConfig()).toMatchObject({ spectralNorm: true, powerIterations: 1 });
  });

  it('saves and loads through its config', () => {
    const layer = new ConditionalBatchNorm({ momentum: 0.8, epsilon: 1e-3, name: 'cbn' });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap.GanvasConditionalBatchNorm![1](
      tf.serialization.SerializationMap.getMap().classNameMap.GanvasConditionalBatchNorm![0],
      layer.getConfig(),
    ) as ConditionalBatchNorm;
    expect(copy.momentum).toBe(0.8);
    expect(copy.epsilon).toBe(1e-3);
  });
});

describe('Projection', () => {
  // h = [[1, 2, 3], [4, 5, 6]], y = [[1], [0]], E = [[3, 0, 0], [0, 1, 0]], w = [0, 4, 0]^T, b = 0.5.
  const h = () => tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const y = () => tf.tensor2d([[1], [0]], [2, 1], 'int32');
  const make = (args: { linear?: boolean; spectralNorm?: boolean }) => {
    const layer = new Projection({ numClasses: 2, ...args });
    layer.apply([tfl.input({ shape: [3] }), tfl.input({ shape: [1], dtype: 'int32' })]);
    setByName(layer, {
      embeddings: tf.tensor2d([3, 0, 0, 0, 1, 0], [2, 3]),
      kernel: tf.tensor2d([[0], [4], [0]]),
      bias: tf.tensor1d([0.5]),
    });
    return layer;
  };

  it('logit = <embed(y), h> + h w + b', async () => {
    // Sample 0, class 1: <[0,1,0],[1,2,3]> = 2, h w = 8: 10.5. Sample 1, class 0: <[3,0,0],[4,5,6]> = 12, h w = 20: 32.5.
    const out = make({}).apply([h(), y()]) as tf.Tensor;
    expect(out.shape).toEqual([2, 1]);
    close(await out.data(), [10.5, 32.5]);
  });

  it('without the linear term: the projection alone', async () => {
    close(await (make({ linear: false }).apply([h(), y()]) as tf.Tensor).data(), [2, 12]);
  });

  it('with spectral norm: E / sigma(E) and w / |w| (sigma(E) = 3, |w| = 4) once u has converged', async () => {
    const layer = make({ spectralNorm: true });
    for (let i = 0; i < 20; i++) tf.dispose(layer.apply([h(), y()], { training: true }) as tf.Tensor);
    // Sample 0: 2/3 + 8/4 + 0.5; sample 1: 12/3 + 20/4 + 0.5.
    close(await (layer.apply([h(), y()]) as tf.Tensor).data(), [2 / 3 + 2.5, 4 + 5.5]);
  });

  it('gradients reach the embedding row of each sample class, w, b and the features', async () => {
    const layer = make({});
    const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(
      () => tf.sum(layer.apply([h(), y()], { training: true }) as tf.Tensor) as tf.Scalar,
      vars,
    );
    const g = Object.fromEntries(
      await Promise.all(
        vars.map(async (v) => [v.name.split('/').pop()!.replace(/_\d+$/, ''), Array.from(await grads[v.name]!.data())]),
      ),
    );
    // d/dE[c] = sum of h over the samples of class c; d/dw = sum of h; d/db = B.
    close(g.embeddings, [4, 5, 6, 1, 2, 3]);
    close(g.kernel, [5, 7, 9]);
    close(g.bias, [2]);
    const gh = await tf
      .grad((hh: tf.Tensor) => tf.sum(layer.apply([hh, y()]) as tf.Tensor))(h())
      .data();
    // d/dh = E[y] + w: [0,1,0]+[0,4,0] and [3,0,0]+[0,4,0].
    close(gh, [0, 5, 0, 3, 4, 0]);
  });
});
