/**
 * The training kernels ganvas adds to the WASM backend, against the CPU
 * backend's own: filter gradients of convolutions and transposed
 * convolutions in every padding/stride combination, embedding gradients, and
 * whole training steps of models built from every trainable node type.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecondOrderGradients } from '../../src/core/train/gradients.js';
import { Trainer } from '../../src/core/train/trainer.js';
import {
  FAST_WASM_KERNELS,
  registerWasmTrainingKernels,
  useFastWasmKernels,
} from '../../src/core/train/wasm-kernels.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { convGanProject, syntheticFolder } from '../fixtures/conv-gan.js';

beforeAll(async () => {
  registerSecondOrderGradients();
  registerWasmTrainingKernels();
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

async function onBackend<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  await tf.setBackend(name);
  try {
    return await fn();
  } finally {
    await tf.setBackend('cpu');
  }
}

async function values(t: tf.Tensor | tf.Tensor[]): Promise<number[]> {
  const list = Array.isArray(t) ? t : [t];
  const out: number[] = [];
  for (const x of list) out.push(...(await x.data()));
  return out;
}

function expectClose(a: number[], b: number[], tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1, ...b.map(Math.abs));
  for (let i = 0; i < a.length; i++)
    expect(Math.abs((a[i] as number) - (b[i] as number)), `index ${i}`).toBeLessThan(tol * scale);
}

describe('WASM training kernels', () => {
  it('WASM really lacks Conv2DBackpropFilter in tfjs 4.22, and now has it', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBeDefined();
  });

  const convCases: [string, number[], number, number, 'same' | 'valid', number][] = [
    ['3x3 s1 same', [2, 6, 6, 3], 3, 1, 'same', 4],
    ['3x3 s1 valid', [2, 6, 6, 3], 3, 1, 'valid', 4],
    ['4x4 s2 same', [2, 8, 8, 3], 4, 2, 'same', 5],
    ['4x4 s2 valid', [2, 9, 9, 2], 4, 2, 'valid', 3],
    ['3x3 s2 same odd', [3, 7, 7, 2], 3, 2, 'same', 2],
    ['1x1 s1', [2, 5, 5, 4], 1, 1, 'same', 3],
    ['7x7 s1 valid', [1, 10, 10, 3], 7, 1, 'valid', 2],
  ];
  for (const [name, shape, k, s, pad, co] of convCases) {
    it(`conv2d filter and input gradients equal the CPU backend's: ${name}`, async () => {
      const x = tf.randomNormal(shape as [number, number, number, number], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, shape[3]!, co], 0, 1, 'float32', 2) as tf.Tensor4D;
      const f = (xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, pad)));
      const cpu = await values(tf.grads(f)([x, w]));
      const wasm = await onBackend('wasm', async () => values(tf.grads(f)([tf.clone(x), tf.clone(w)])));
      expectClose(wasm, cpu);
    });
    it(`conv2dTranspose filter gradient equals the CPU backend's: ${name}`, async () => {
      const [b, h, ww, c] = shape as [number, number, number, number];
      const x = tf.randomNormal([b, h, ww, c], 0, 1, 'float32', 3) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, co, c], 0, 1, 'float32', 4) as tf.Tensor4D;
      const out = (n: number) => (pad === 'same' ? n * s : (n - 1) * s + k);
      const f = (xx: tf.Tensor, wt: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2dTranspose(xx as tf.Tensor4D, wt as tf.Tensor4D, [b, out(h), out(ww), co], s, pad)));
      const cpu = await values(tf.grads(f)([x, w]));
      const wasm = await onBackend('wasm', async () => values(tf.grads(f)([tf.clone(x), tf.clone(w)])));
      expectClose(wasm, cpu);
    });
  }

  it("the kernels ganvas replaces on WASM are ganvas', switchable back to tfjs' own, all or some", () => {
    expect(FAST_WASM_KERNELS).toEqual([
      'Conv2DBackpropInput',
      'Tile',
      'BatchMatMul',
      'Identity',
      'Cast',
      'Slice',
      'SplitV',
      'LeakyRelu',
      'Sum',
      'Mean',
    ]);
    const fastOnes = new Map(FAST_WASM_KERNELS.map((n) => [n, tf.getKernel(n, 'wasm')?.kernelFunc]));
    useFastWasmKernels(['Tile']);
    for (const name of FAST_WASM_KERNELS)
      if (name === 'Tile') expect(tf.getKernel(name, 'wasm')?.kernelFunc).toBe(fastOnes.get(name));
      else expect(tf.getKernel(name, 'wasm')?.kernelFunc).not.toBe(fastOnes.get(name));
    useFastWasmKernels(true);
    for (const name of FAST_WASM_KERNELS) {
      const fast = tf.getKernel(name, 'wasm')?.kernelFunc;
      useFastWasmKernels(false);
      const slow = tf.getKernel(name, 'wasm')?.kernelFunc;
      expect(slow).toBeDefined();
      expect(slow).not.toBe(fast);
      useFastWasmKernels(true);
      expect(tf.getKernel(name, 'wasm')?.kernelFunc).toBe(fast);
    }
  });

  // BatchMatMul with transposed operands on random shapes: rank 2 and 3 (batch 1, batch n, broadcast batch),
  // vectors (a row times a transposed matrix, a transposed matrix times a column) and plain matrices.
  let mseed = 5;
  const mrand = (n: number) => {
    mseed = (mseed * 1103515245 + 12345) % 2147483648;
    return Math.floor((mseed / 2147483648) * n);
  };
  for (let i = 0; i < 24; i++) {
    const [ta, tb] = [i % 4 === 1 || i % 4 === 3, i % 4 >= 2];
    const m = i % 5 === 0 ? 1 : 1 + mrand(40);
    const n = i % 7 === 0 ? 1 : 1 + mrand(40);
    const k = 1 + mrand(60);
    const batch = [[], [1], [1 + mrand(3)], [1 + mrand(3)]][i % 4]!;
    const batchB = i % 8 === 3 ? [1] : batch; // broadcast over the batch
    const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
    const bShape = [...(batchB.length ? batchB : batch), ...(tb ? [n, k] : [k, n])];
    it(`BatchMatMul equals the CPU backend's: [${aShape}]${ta ? '^T' : ''} x [${bShape}]${tb ? '^T' : ''}`, async () => {
      const a = tf.randomNormal(aShape, 0, 1, 'float32', 200 + i);
      const b = tf.randomNormal(bShape, 0, 1, 'float32', 300 + i);
      const cpu = tf.matMul(a, b, ta, tb);
      const wasm = await onBackend('wasm', async () => {
        const t = tf.matMul(tf.clone(a), tf.clone(b), ta, tb);
        expect(t.shape).toEqual(cpu.shape);
        return values(t);
      });
      expectClose(wasm, await values(cpu));
    });
  }

  // Tile on random shapes (rank 1-5, reps 1-4, blocks under and over the copy threshold), every dtype WASM has.
  let tseed = 11;
  const trand = (n: number) => {
    tseed = (tseed * 1103515245 + 12345) % 2147483648;
    return Math.floor((tseed / 2147483648) * n);
  };
  for (let i = 0; i < 16; i++) {
    const rank = 1 + trand(5);
    const shape = Array.from({ length: rank }, () => 1 + trand(i % 2 ? 20 : 4));
    const reps = Array.from({ length: rank }, () => 1 + trand(4));
    const dtype = (['float32', 'int32', 'bool'] as const)[i % 3]!;
    it(`Tile equals the CPU backend's: ${dtype} [${shape}] x [${reps}]`, async () => {
      const x = tf.cast(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 100 + i), 5), dtype);
      const cpu = Array.from(await tf.tile(x, reps).data());
      const wasm = await onBackend('wasm', async () => {
        const t = tf.tile(tf.clone(x), reps);
        expect(t.dtype).toBe(dtype);
        expect(t.shape).toEqual(shape.map((d, k) => d * reps[k]!));
        return Array.from(await t.data());
      });
      expect(wasm).toEqual(cpu);
    });
  }
  it("Tile's gradient (BatchNorm's statistics) equals the CPU backend's", async () => {
    const x = tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', 9);
    const [offset, scale] = [tf.tensor1d([0.1, 0.2, 0.3]), tf.tensor1d([1, 2, 3])];
    const f = (xx: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.sum(tf.square(tf.batchNorm(xx, mean, variance, offset, scale, 1e-3)));
    };
    const cpu = await values(tf.grad(f)(x));
    const wasm = await onBackend('wasm', async () => values(tf.grad(f)(tf.clone(x))));
    expectClose(wasm, cpu);
  });

  // Random shapes: strides 1-3 (unequal too), kernels 1-5 (non-square too), 'same', 'valid' and explicit
  // padding, odd and even sizes, batch 1-3, channels 1-5 and 8-12. Seeded, so a failure names a reproducible case.
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n); // high bits: an LCG's low bits repeat quickly
  };
  for (let i = 0; i < 24; i++) {
    const sh = 1 + rand(3);
    const sw = rand(4) === 0 ? 1 + rand(3) : sh;
    const kh = 1 + rand(5);
    const kw = rand(4) === 0 ? 1 + rand(5) : kh;
    // Explicit padding below the kernel size: tfjs-wasm's own forward Conv2D corrupts its heap when the
    // padding reaches the kernel size (tfjs 4.22; seen with a 2-wide kernel and padding 2).
    const pads = ['same', 'valid', 1, 2] as const;
    const picked = pads[rand(4)] as 'same' | 'valid' | number;
    const pad = typeof picked === 'number' ? Math.min(picked, Math.min(kh, kw) - 1) || 'valid' : picked;
    const b = 1 + rand(3);
    const ci = i % 3 === 0 ? 8 + rand(5) : 1 + rand(5); // from 8 input channels: a convolution per phase
    const co = 1 + rand(5);
    const h = kh + rand(8);
    const w = kw + rand(8);
    const name = `x [${b},${h},${w},${ci}] k ${kh}x${kw} s ${sh}x${sw} pad ${pad} co ${co}`;
    it(`Conv2DBackpropInput equals the CPU backend's: ${name}`, async () => {
      const x = tf.randomNormal([b, h, w, ci], 0, 1, 'float32', 10 + i) as tf.Tensor4D;
      const f = tf.randomNormal([kh, kw, ci, co], 0, 1, 'float32', 40 + i) as tf.Tensor4D;
      const yShape = tf.conv2d(x, f, [sh, sw], pad).shape;
      const dy = tf.randomNormal(yShape, 0, 1, 'float32', 70 + i) as tf.Tensor4D;
      const cpu = await values(tf.conv2dTranspose(dy, f, [b, h, w, ci], [sh, sw], pad));
      const loss = (ff: tf.Tensor4D, dd: tf.Tensor) => (xx: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff, [sh, sw], pad), dd));
      const cpuGrad = await values(tf.grad(loss(f, dy))(x));
      const [wasm, wasmGrad] = await onBackend('wasm', async () => {
        const [dy2, f2, x2] = [tf.clone(dy), tf.clone(f), tf.clone(x)];
        const t = await values(tf.conv2dTranspose(dy2, f2, [b, h, w, ci], [sh, sw], pad));
        const g = await values(tf.grad(loss(f2, dy2))(x2));
        return [t, g];
      });
      expectClose(wasm, cpu);
      expectClose(wasmGrad, cpuGrad);
      expectClose(cpuGrad, cpu);
    });
  }

  // LeakyRelu as x * step(x, alpha): tfjs-wasm's own values to the bit (both multiply by alpha in float32), the CPU
  // backend's (which multiplies by alpha in float64, then rounds) to 1 ulp; zeros, signed zeros and NaN included.
  for (const [i, alpha] of [0.2, 0.01, 0.3, 1.5, -0.5].entries()) {
    const shape = [[3, 5, 7, 2], [17], [2, 9, 4], [4, 4, 4, 4, 3], [1000]][i]!;
    it(`LeakyRelu (alpha ${alpha}) equals tfjs-wasm's own to the bit and the CPU backend's: [${shape}]`, async () => {
      const x = tf.tidy(() => {
        const r = tf.randomNormal(shape, 0, 2, 'float32', 500 + i);
        const v = r.dataSync().slice();
        [v[0], v[1], v[2], v[3]] = [0, -0, Number.NaN, 1e-40];
        return tf.tensor(v, shape);
      });
      const cpu = await values(tf.leakyRelu(x, alpha));
      const [mine, theirs] = await onBackend('wasm', async () => {
        const a = await values(tf.leakyRelu(tf.clone(x), alpha));
        useFastWasmKernels(false);
        try {
          return [a, await values(tf.leakyRelu(tf.clone(x), alpha))];
        } finally {
          useFastWasmKernels(true);
        }
      });
      expect(mine).toEqual(theirs);
      expect(Number.isNaN(mine[2])).toBe(true);
      expectClose(
        mine.filter((_, k) => k !== 2),
        cpu.filter((_, k) => k !== 2),
        1e-6,
      );
    });
  }

  it("LeakyReLU's gradient is tfjs' own where(x > 0, dy, alpha dy) to the bit, on the CPU backend and WASM", async () => {
    const x = tf.randomNormal([4, 6, 6, 3], 0, 1, 'float32', 21);
    const dy = tf.randomNormal([4, 6, 6, 3], 0, 1, 'float32', 22);
    const expected = await values(tf.where(tf.greater(x, 0), dy, tf.mul(dy, 0.2)));
    const f = (xx: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(xx, 0.2), dy));
    expect(await values(tf.grad(f)(x))).toEqual(expected);
    const wasm = await onBackend('wasm', async () => {
      const [xw, dyw] = [tf.clone(x), tf.clone(dy)];
      return values(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(xx, 0.2), dyw)))(xw));
    });
    expect(wasm).toEqual(expected);
  });

  // Sum and mean over leading axes (average pooling on WASM) on random shapes, keepDims or not; other axes fall
  // back to tfjs-wasm's own.
  let rseed = 13;
  const rrand = (n: number) => {
    rseed = (rseed * 1103515245 + 12345) % 2147483648;
    return Math.floor((rseed / 2147483648) * n);
  };
  for (let i = 0; i < 16; i++) {
    const rank = 2 + rrand(4);
    const shape = Array.from({ length: rank }, () => 1 + rrand(i % 2 ? 12 : 5));
    const lead = 1 + rrand(rank - 1);
    const axes = i % 5 === 4 ? [rank - 1] : Array.from({ length: lead }, (_, k) => k).reverse();
    const keepDims = i % 3 === 0;
    const op = i % 2 ? 'mean' : 'sum';
    it(`${op} over axes [${axes}] equals the CPU backend's: [${shape}]${keepDims ? ', keepDims' : ''}`, async () => {
      const x = tf.randomNormal(shape, 1, 3, 'float32', 600 + i);
      const cpu = tf[op](x, axes, keepDims);
      const wasm = await onBackend('wasm', async () => {
        const t = tf[op](tf.clone(x), axes, keepDims);
        expect(t.shape).toEqual(cpu.shape);
        return values(t);
      });
      expectClose(wasm, await values(cpu), 1e-5);
    });
  }

  // Slice on random boxes of random shapes (rank 1-5, every dtype WASM has), and split along a random axis, against
  // the CPU backend.
  let sseed = 17;
  const srand = (n: number) => {
    sseed = (sseed * 1103515245 + 12345) % 2147483648;
    return Math.floor((sseed / 2147483648) * n);
  };
  for (let i = 0; i < 20; i++) {
    const rank = 1 + srand(5);
    const shape = Array.from({ length: rank }, () => 1 + srand(6));
    const begin = shape.map((d) => (srand(3) === 0 ? 0 : srand(d)));
    const size = shape.map((d, a) => (srand(3) === 0 ? -1 : 1 + srand(d - (begin[a] as number))));
    const dtype = (['float32', 'int32', 'bool'] as const)[i % 3]!;
    it(`Slice and SplitV equal the CPU backend's: ${dtype} [${shape}] from [${begin}] size [${size}]`, async () => {
      const x = tf.cast(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 700 + i), 5), dtype);
      const cpu = tf.slice(x, begin, size);
      const wasm = await onBackend('wasm', async () => {
        const t = tf.slice(tf.clone(x), begin, size);
        expect(t.shape).toEqual(cpu.shape);
        expect(t.dtype).toBe(dtype);
        return Array.from(await t.data());
      });
      expect(wasm).toEqual(Array.from(await cpu.data()));
      const axis = srand(rank);
      const parts = [1 + srand(3), 1 + srand(3)];
      const y = tf.tile(
        x,
        shape.map((_, a) => (a === axis ? parts[0]! + parts[1]! : 1)),
      );
      const cpuParts = await Promise.all(
        tf
          .split(
            y,
            parts.map((p) => p * shape[axis]!),
            axis,
          )
          .map((t) => t.data()),
      );
      const wasmParts = await onBackend('wasm', async () =>
        Promise.all(
          tf
            .split(
              tf.clone(y),
              parts.map((p) => p * shape[axis]!),
              axis,
            )
            .map((t) => t.data()),
        ),
      );
      expect(wasmParts.map((p) => Array.from(p))).toEqual(cpuParts.map((p) => Array.from(p)));
    });
  }

  it('Cast on WASM: to its own dtype shares the data; to another converts as tfjs-wasm does', async () => {
    const x = tf.tensor([1.5, -2, 0, 3]);
    const cpu = await values(tf.cast(x, 'int32'));
    await onBackend('wasm', async () => {
      const before = tf.memory().numTensors;
      const a = tf.tensor([1.5, -2, 0, 3]);
      const same = tf.cast(a, 'float32');
      a.dispose();
      expect(await values(same)).toEqual([1.5, -2, 0, 3]);
      const i = tf.cast(same, 'int32');
      expect(i.dtype).toBe('int32');
      expect(await values(i)).toEqual(cpu);
      tf.dispose([same, i]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it("Identity (clone) on WASM shares the data, which outlives the original's disposal", async () => {
    await onBackend('wasm', async () => {
      const before = tf.memory().numTensors;
      const x = tf.tensor([1, 2, 3]);
      const y = tf.clone(x);
      x.dispose();
      expect(await values(y)).toEqual([1, 2, 3]);
      const z = tf.clone(y);
      y.dispose();
      expect(await values(z)).toEqual([1, 2, 3]);
      z.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const s = tf.tensor(['a', 'bc']);
      expect(await tf.clone(s).data()).toEqual(['a', 'bc']);
    });
  });

  it("embedding (gather) gradients equal the CPU backend's", async () => {
    const table = tf.randomNormal([10, 4], 0, 1, 'float32', 5);
    const ids = tf.tensor1d([1, 3, 3, 9, 0, 1], 'int32');
    const f = (t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, ids)));
    const cpu = await values(tf.grad(f)(table));
    const wasm = await onBackend('wasm', async () => values(tf.grad(f)(tf.clone(table))));
    expectClose(wasm, cpu);
  });

  it("a DCGAN-style training step with every trainable layer type runs on WASM with the CPU backend's losses", async () => {
    const project = convGanProject(
      [
        { id: 'z', type: 'Noise', params: { dim: 8 } },
        { id: 'fc', type: 'Dense', params: { units: 4 * 4 * 8 } },
        { id: 'rs', type: 'Reshape', params: { shape: [4, 4, 8] } },
        { id: 'bn', type: 'BatchNorm' },
        { id: 'r', type: 'ReLU' },
        { id: 'up', type: 'ConvTranspose2D', params: { filters: 4, kernelSize: 4, strides: 2 } },
        { id: 'inorm', type: 'InstanceNorm' },
        { id: 'e', type: 'ELU' },
        { id: 'up2', type: 'Upsample', params: { interpolation: 'nearest' } },
        { id: 'pad', type: 'ReflectionPad', params: { padding: 1 } },
        { id: 'conv', type: 'Conv2D', params: { filters: 1, kernelSize: 3, strides: 1, padding: 'valid' } },
        { id: 't', type: 'Tanh' },
        { id: 'img', type: 'Output' },
      ],
      [
        { id: 'x', type: 'Input', params: { shape: [16, 16, 1] } },
        { id: 'c1', type: 'Conv2D', params: { filters: 4, kernelSize: 4, strides: 2, spectralNorm: true } },
        { id: 'a1', type: 'LeakyReLU' },
        { id: 'att', type: 'SelfAttention', params: { reduction: 2 } },
        { id: 'mb', type: 'MinibatchStdDev', params: { groupSize: 2 } },
        { id: 'c2', type: 'Conv2D', params: { filters: 8, kernelSize: 3, strides: 2, equalizedLR: true } },
        { id: 'ln', type: 'LayerNorm' },
        { id: 'pool', type: 'Downsample' },
        { id: 'f', type: 'Flatten' },
        { id: 'o', type: 'Dense', params: { units: 1 } },
        { id: 'logit', type: 'Output' },
      ],
      4,
    );
    const a = validateProjectValue(project);
    expect(a.diagnostics).toEqual([]);
    const assets = { folder: syntheticFolder() };
    const run = async () => {
      const t = new Trainer(a, { seed: 3, assets });
      const out = [];
      for (let i = 0; i < 3; i++) out.push((await t.trainStep()).losses);
      t.dispose();
      return out;
    };
    const cpu = await run();
    const wasm = await onBackend('wasm', run);
    for (let i = 0; i < 3; i++)
      for (const k of Object.keys(cpu[i]!))
        expect(Math.abs(wasm[i]![k]! - cpu[i]![k]!), `step ${i} ${k}`).toBeLessThan(
          2e-3 * Math.max(1, Math.abs(cpu[i]![k]!)),
        );
    void tfl;
  });
});
