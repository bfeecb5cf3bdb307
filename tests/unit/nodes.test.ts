/**
 * Every layer node of the registry: its shape rule agrees with the tfjs
 * layers it builds, its parameter count equals tfjs' own count, and a forward
 * pass on real tensors gives the inferred shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { makeLayer } from '../../src/core/compile/model.js';
import { NODE_TYPES } from '../../src/core/nodes/registry.js';
import type { DType, TensorType } from '../../src/core/nodes/types.js';

interface Case {
  params: Record<string, unknown>;
  inputs: { shape: number[]; dtype?: DType }[];
  out: number[];
}

const f = (shape: number[]): { shape: number[] } => ({ shape });
const img = f([8, 8, 6]);

/** At least one case per node type; the shapes are worked out by hand. */
const CASES: Record<string, Case[]> = {
  Input: [{ params: { shape: [28, 28, 1] }, inputs: [], out: [28, 28, 1] }],
  Noise: [{ params: { dim: 64 }, inputs: [], out: [64] }],
  Label: [{ params: { numClasses: 10 }, inputs: [], out: [1] }],
  Output: [{ params: {}, inputs: [f([5])], out: [5] }],
  Embedding: [{ params: { numClasses: 10, dim: 7 }, inputs: [{ shape: [1], dtype: 'int32' }], out: [7] }],
  Dense: [
    { params: { units: 5 }, inputs: [f([3])], out: [5] },
    { params: { units: 5, useBias: false, spectralNorm: true }, inputs: [f([3])], out: [5] },
    { params: { units: 4, equalizedLR: true }, inputs: [f([6])], out: [4] },
  ],
  Conv2D: [
    { params: { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, inputs: [f([9, 9, 3])], out: [5, 5, 4] },
    { params: { filters: 4, kernelSize: 3, strides: 1, padding: 'valid' }, inputs: [f([9, 9, 3])], out: [7, 7, 4] },
    {
      params: { filters: 2, kernelSize: 4, strides: 2, padding: 'same', spectralNorm: true },
      inputs: [img],
      out: [4, 4, 2],
    },
    {
      params: { filters: 2, kernelSize: 3, strides: 1, padding: 'same', equalizedLR: true, useBias: false },
      inputs: [img],
      out: [8, 8, 2],
    },
  ],
  ConvTranspose2D: [
    { params: { filters: 3, kernelSize: 4, strides: 2, padding: 'same' }, inputs: [f([4, 4, 5])], out: [8, 8, 3] },
    {
      params: { filters: 3, kernelSize: 4, strides: 1, padding: 'valid', useBias: false },
      inputs: [f([1, 1, 5])],
      out: [4, 4, 3],
    },
    { params: { filters: 3, kernelSize: 3, strides: 2, padding: 'valid' }, inputs: [f([4, 4, 5])], out: [9, 9, 3] },
    {
      params: { filters: 2, kernelSize: 4, strides: 2, padding: 'same', spectralNorm: true, equalizedLR: true },
      inputs: [f([4, 4, 5])],
      out: [8, 8, 2],
    },
  ],
  Upsample: [
    { params: { factor: 2, interpolation: 'nearest' }, inputs: [img], out: [16, 16, 6] },
    { params: { factor: 3, interpolation: 'bilinear' }, inputs: [img], out: [24, 24, 6] },
  ],
  Downsample: [{ params: { factor: 2 }, inputs: [img], out: [4, 4, 6] }],
  BatchNorm: [
    { params: {}, inputs: [img], out: [8, 8, 6] },
    { params: { scale: false }, inputs: [f([7])], out: [7] },
  ],
  InstanceNorm: [
    { params: {}, inputs: [img], out: [8, 8, 6] },
    { params: { affine: false }, inputs: [img], out: [8, 8, 6] },
  ],
  LayerNorm: [{ params: {}, inputs: [img], out: [8, 8, 6] }],
  PixelNorm: [{ params: {}, inputs: [f([9])], out: [9] }],
  ReLU: [{ params: {}, inputs: [img], out: [8, 8, 6] }],
  LeakyReLU: [{ params: { alpha: 0.2 }, inputs: [f([3])], out: [3] }],
  Tanh: [{ params: {}, inputs: [f([3])], out: [3] }],
  Sigmoid: [{ params: {}, inputs: [f([3])], out: [3] }],
  ELU: [{ params: {}, inputs: [f([3])], out: [3] }],
  Linear: [{ params: {}, inputs: [f([3])], out: [3] }],
  Dropout: [{ params: { rate: 0.3 }, inputs: [img], out: [8, 8, 6] }],
  Concat: [{ params: { inputs: 3 }, inputs: [f([4, 4, 2]), f([4, 4, 3]), f([4, 4, 1])], out: [4, 4, 6] }],
  Add: [{ params: { inputs: 2 }, inputs: [img, img], out: [8, 8, 6] }],
  Multiply: [{ params: { inputs: 2 }, inputs: [f([5]), f([5])], out: [5] }],
  Reshape: [
    { params: { shape: [4, 4, 2] }, inputs: [f([32])], out: [4, 4, 2] },
    { params: { shape: [-1, 8] }, inputs: [f([2, 2, 8])], out: [4, 8] },
  ],
  Flatten: [
    { params: {}, inputs: [img], out: [384] },
    { params: {}, inputs: [f([5])], out: [5] },
  ],
  ReflectionPad: [{ params: { padding: 3 }, inputs: [img], out: [14, 14, 6] }],
  ZeroPad: [{ params: { padding: 1 }, inputs: [img], out: [10, 10, 6] }],
  GlobalSumPool: [{ params: {}, inputs: [img], out: [6] }],
  MinibatchStdDev: [{ params: { groupSize: 2 }, inputs: [img], out: [8, 8, 7] }],
  FadeIn: [{ params: { resolution: 16 }, inputs: [img, img], out: [8, 8, 6] }],
  SelfAttention: [{ params: { reduction: 2 }, inputs: [f([4, 4, 8])], out: [4, 4, 8] }],
  LearnedConstant: [{ params: { height: 4, width: 4, channels: 5 }, inputs: [f([3])], out: [4, 4, 5] }],
  StyleModulation: [{ params: {}, inputs: [img, f([10])], out: [8, 8, 6] }],
  NoiseInjection: [{ params: {}, inputs: [img], out: [8, 8, 6] }],
  ConditionalBatchNorm: [
    { params: {}, inputs: [img, f([10])], out: [8, 8, 6] },
    { params: {}, inputs: [f([7]), f([3])], out: [7] },
  ],
  Projection: [
    { params: { numClasses: 4 }, inputs: [f([9]), { shape: [1], dtype: 'int32' }], out: [1] },
    {
      params: { numClasses: 4, linear: false, spectralNorm: true },
      inputs: [f([9]), { shape: [1], dtype: 'int32' }],
      out: [1],
    },
  ],
};

const BATCH = 4;

describe('node registry', () => {
  it('has a test case for every node type', () => {
    expect([...NODE_TYPES.keys()].filter((t) => !CASES[t])).toEqual([]);
  });

  it('gives every node docs, a category and params whose defaults parse', () => {
    for (const def of NODE_TYPES.values()) {
      expect(def.doc.length, def.type).toBeGreaterThan(20);
      expect(() => def.params.parse({}), def.type).not.toThrow();
    }
  });

  for (const [type, cases] of Object.entries(CASES)) {
    describe(type, () => {
      cases.forEach((c, k) => {
        it(`case ${k}: shape rule, parameter count and forward pass agree with tfjs`, async () => {
          const def = NODE_TYPES.get(type)!;
          const params = def.params.parse(c.params);
          const types: TensorType[] = c.inputs.map((i) => ({ shape: [null, ...i.shape], dtype: i.dtype ?? 'float32' }));
          const r = def.infer({ params, id: 'n', inputs: types, sources: types.map((t) => `x gives ${t.shape}`) });
          if ('problems' in r) throw new Error(r.problems.map((p) => p.message).join('; '));
          expect(r.outputs[0]!.shape).toEqual([null, ...c.out]);
          const count = def.paramCount(params, types, r.outputs);
          const specs = def.layers(params, 'n', types);
          if (def.modelInput || def.modelOutput) {
            expect(specs).toEqual([]);
            expect(count).toEqual({ trainable: 0, nonTrainable: 0 });
            if (def.modelInput) expect(def.modelInput.shape(params)).toEqual(c.out);
            return;
          }
          const inputs = c.inputs.map((i, j) =>
            tfl.input({ shape: i.shape, dtype: i.dtype ?? 'float32', name: `in${j}` }),
          );
          let y: tfl.SymbolicTensor | tfl.SymbolicTensor[] = inputs.length === 1 ? inputs[0]! : inputs;
          for (const s of specs) y = makeLayer(s).apply(y) as tfl.SymbolicTensor;
          const model = tfl.model({ inputs, outputs: y as tfl.SymbolicTensor });
          expect((y as tfl.SymbolicTensor).shape).toEqual([null, ...c.out]);
          const trainable = model.trainableWeights.reduce(
            (a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1),
            0,
          );
          expect({ trainable, total: model.countParams() }).toEqual({
            trainable: count.trainable,
            total: count.trainable + count.nonTrainable,
          });
          const xs = c.inputs.map((i) =>
            i.dtype === 'int32'
              ? tf.randomUniform([BATCH, ...i.shape], 0, 10, 'int32')
              : tf.randomNormal([BATCH, ...i.shape], 0, 1, 'float32', 7),
          );
          const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
          expect(out.shape).toEqual([BATCH, ...c.out]);
          const values = await out.data();
          expect(values.every((v) => Number.isFinite(v))).toBe(true);
          expect(def.flops(params, types, r.outputs)).toBeGreaterThanOrEqual(0);
          tf.dispose([...xs, out]);
          model.layers.forEach((l) => l.dispose());
        });
      });
    });
  }
});
