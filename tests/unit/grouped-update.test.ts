/**
 * GroupedAdamOptimizer and groupedUpdate (src/core/train/optimizers.ts): the small variables of an update are
 * updated in one go. Checked against tfjs' own Adam and a per-variable EMA, to the bit, on the CPU and WASM
 * backends: values and both moments after steps with a learning-rate change, a variable without a gradient, a
 * variable above the grouping size, and the betas of DCGAN (0.5, 0.999) and of StyleGAN/ProGAN (0, 0.99). The
 * point of it, counted: fewer kernels per update.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/train/backend.js';
import { GROUP_MAX_SIZE, GroupedAdamOptimizer, groupedUpdate } from '../../src/core/train/optimizers.js';
import { setLearningRate } from '../../src/core/train/schedule.js';

afterAll(async () => {
  await selectBackend('wasm');
});

const SHAPES = [[3], [4, 5], [64, 64], [2, 3, 3, 8], [300, 300], [1]];

function variables(prefix: string, seed: number): tf.Variable[] {
  return SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i), true, `${prefix}/${i}`));
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe('grouped updates', () => {
  for (const backend of ['cpu', 'wasm'] as const)
    for (const [beta1, beta2] of [
      [0.5, 0.999],
      [0, 0.99],
    ] as const)
      it(`Adam on ${backend}, betas ${beta1}/${beta2}: the same bits as tf.train.adam`, async () => {
        await selectBackend(backend);
        expect(SHAPES.some((s) => s.reduce((a, b) => a * b) > GROUP_MAX_SIZE)).toBe(true);
        const ours = variables(`g${backend}${beta1}`, 1);
        const theirs = variables(`t${backend}${beta1}`, 1);
        const a = new GroupedAdamOptimizer(0.01, beta1, beta2, 1e-8);
        const b = tf.train.adam(0.01, beta1, beta2, 1e-8);
        for (let step = 0; step < 5; step++) {
          if (step === 3) for (const o of [a, b]) setLearningRate(o, 0.003);
          const grads = SHAPES.map((s, i) => tf.randomNormal(s, 0, 1 + i, 'float32', 100 * step + i));
          // Step 2: the second variable has no gradient (null: it is left as it is by both).
          const named = (vs: tf.Variable[]) =>
            Object.fromEntries(
              vs.map((v, i) => [v.name, step === 2 && i === 1 ? null : grads[i]]),
            ) as tf.NamedTensorMap;
          a.applyGradients(named(ours));
          b.applyGradients(named(theirs) as Parameters<typeof b.applyGradients>[0]);
          tf.dispose(grads);
        }
        ours.forEach((v, i) => expect(bits(v), `variable ${i}`).toEqual(bits(theirs[i] as tf.Variable)));
        const [wa, wb] = [await a.getWeights(), await b.getWeights()];
        expect(wa.map((w) => w.name.replace(/^g/, ''))).toEqual(wb.map((w) => w.name.replace(/^t/, '')));
        wa.forEach((w, i) => expect(bits(w.tensor), w.name).toEqual(bits((wb[i] as { tensor: tf.Tensor }).tensor)));
        tf.dispose([...ours, ...theirs]);
        a.dispose();
        b.dispose();
      });

  it('an EMA of many weights: the same bits as one by one', async () => {
    await selectBackend('wasm');
    const weights = variables('w', 7);
    const ours = variables('e1', 3);
    const theirs = variables('e2', 3);
    const d = 0.999;
    tf.tidy(() => {
      groupedUpdate([ours, weights], ([e, w]) => [tf.add(tf.mul(e as tf.Tensor, d), tf.mul(w as tf.Tensor, 1 - d))], [
        ours,
      ]);
      theirs.forEach((e, i) => e.assign(tf.add(tf.mul(e, d), tf.mul(weights[i] as tf.Tensor, 1 - d))));
    });
    ours.forEach((v, i) => expect(bits(v), `weight ${i}`).toEqual(bits(theirs[i] as tf.Variable)));
    tf.dispose([...weights, ...ours, ...theirs]);
  });

  it('counts fewer kernels and no constants written: one update of 16 small variables', async () => {
    await selectBackend('wasm');
    const shapes = Array.from({ length: 16 }, (_, i) => [8 + i, 4]);
    const kernels = async (o: tf.Optimizer, prefix: string) => {
      const vs = shapes.map((s, i) => tf.variable(tf.ones(s), true, `${prefix}/${i}`));
      const grads = Object.fromEntries(vs.map((v) => [v.name, tf.onesLike(v)]));
      o.applyGradients(grads); // creates the slots (and GroupedAdam's constants)
      // Tensors written from the CPU (on WebGPU, each an upload through a staging buffer): a number operand is one.
      const backend = tf.backend() as unknown as { write: (...a: unknown[]) => unknown };
      const write = backend.write;
      let writes = 0;
      backend.write = function (this: unknown, ...a: unknown[]) {
        if (a[0] != null) writes++; // values from the CPU (a kernel's output is written with none)
        return write.apply(this, a);
      };
      const p = await tf.profile(() => o.applyGradients(grads));
      backend.write = write;
      tf.dispose([...vs, ...Object.values(grads)]);
      o.dispose();
      return { kernels: p.kernels.filter((k) => k.name !== 'Reshape' && k.name !== 'Identity').length, writes };
    };
    const grouped = await kernels(new GroupedAdamOptimizer(0.01, 0.5, 0.999, 1e-8), 'kg');
    const plain = await kernels(tf.train.adam(0.01, 0.5, 0.999, 1e-8), 'kp');
    // tfjs: about 12 kernels per variable; grouped: the same dozen once, four concatenations and three splits.
    expect(plain.kernels).toBeGreaterThanOrEqual(16 * 11);
    expect(grouped.kernels).toBeLessThanOrEqual(30);
    // tfjs writes its numbers anew for every variable; GroupedAdam keeps them from its first update.
    expect(plain.writes).toBeGreaterThanOrEqual(16 * 5);
    expect(grouped.writes).toBe(0);
  });
});
