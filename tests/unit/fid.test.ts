/**
 * The Frechet distance (Heusel et al. 2017) against its closed form, and the
 * committed MNIST classifier whose features it uses: accurate on held-out
 * digits, and its FID ranks real digits far above corrupted ones.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import {
  accuracy,
  CLASSIFIER_DIR,
  digitTensors,
  loadClassifier,
  loadFeatureExtractor,
} from '../../src/cli/classifier.js';
import { resizeDigit } from '../../src/core/data/datasets.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { digitQuality } from '../../src/core/train/fid.js';
import { frechetDistance, gaussianFit, symmetricEigen } from '../../src/core/train/metrics.js';
import { analyzeRun, TrainingSession } from '../../src/core/train/session.js';

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const gauss = (mean: number[], cov: number[][]) => ({
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov.flat()),
  d: mean.length,
});

describe('Frechet distance', () => {
  it('is 0 between a Gaussian and itself', () => {
    const g = gauss(
      [1, 2],
      [
        [2, 0.3],
        [0.3, 1],
      ],
    );
    expect(frechetDistance(g, g)).toBeCloseTo(0, 8);
  });
  it('equals ||m1 - m2||^2 + sum (s1 - s2)^2 for diagonal covariances', () => {
    const a = gauss(
      [0, 1, 2],
      [
        [4, 0, 0],
        [0, 1, 0],
        [0, 0, 9],
      ],
    );
    const b = gauss(
      [1, 1, 0],
      [
        [1, 0, 0],
        [0, 4, 0],
        [0, 0, 9],
      ],
    );
    expect(frechetDistance(a, b)).toBeCloseTo(1 + 0 + 4 + (2 - 1) ** 2 + (1 - 2) ** 2 + 0, 8);
  });
  it('equals sum (sqrt a_i - sqrt b_i)^2 for covariances sharing eigenvectors (rotated)', () => {
    const t = 0.7;
    const R = [
      [Math.cos(t), -Math.sin(t)],
      [Math.sin(t), Math.cos(t)],
    ];
    const rot = (d: number[]) =>
      [0, 1].map((i) => [0, 1].map((j) => R[i]![0]! * d[0]! * R[j]![0]! + R[i]![1]! * d[1]! * R[j]![1]!));
    const a = gauss([0, 0], rot([5, 0.5]));
    const b = gauss([0, 0], rot([2, 3]));
    expect(frechetDistance(a, b)).toBeCloseTo(
      (Math.sqrt(5) - Math.sqrt(2)) ** 2 + (Math.sqrt(0.5) - Math.sqrt(3)) ** 2,
      6,
    );
  });
  it('eigen-decomposes symmetric matrices: V diag(l) V^T = A', () => {
    const A = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]);
    const { values, vectors } = symmetricEigen(A, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += vectors[i * 3 + k]! * values[k]! * vectors[j * 3 + k]!;
        expect(s).toBeCloseTo(A[i * 3 + j]!, 8);
      }
  });
  it('estimates from samples: two draws of one Gaussian are close, a shifted one is far', () => {
    const draw = (shift: number, seed: number) =>
      tf.tidy(() => tf.add(tf.randomNormal([2000, 4], 0, 1, 'float32', seed), shift).dataSync() as Float32Array);
    const a = gaussianFit(draw(0, 1), 2000);
    const b = gaussianFit(draw(0, 2), 2000);
    const c = gaussianFit(draw(1, 3), 2000);
    expect(frechetDistance(a, b)).toBeLessThan(0.05);
    expect(frechetDistance(a, c)).toBeGreaterThan(3.5); // ||shift||^2 = 4
  });
});

describe('the committed MNIST classifier', () => {
  it('classifies held-out digits (8,000-9,999) with at least 93% accuracy', async () => {
    const json = JSON.parse(readFileSync(join(CLASSIFIER_DIR, 'model.json'), 'utf8'));
    const weights = readFileSync(join(CLASSIFIER_DIR, 'weights.bin'));
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const { x, y } = digitTensors(8000, 10_000);
    expect(await accuracy(model, x, y)).toBeGreaterThanOrEqual(0.93);
  });
  it('gives real digits a small FID against other real digits, and corrupted digits a large one', async () => {
    const features = await loadFeatureExtractor();
    const fit = async (x: tf.Tensor) =>
      gaussianFit((await (features.predict(x) as tf.Tensor).data()) as Float32Array, x.shape[0] as number);
    const reference = await fit(digitTensors(9000, 10_000).x);
    const otherReal = await fit(digitTensors(8000, 9000).x);
    const base = digitTensors(8000, 9000).x;
    const noisy = await fit(tf.clipByValue(tf.add(base, tf.randomNormal(base.shape, 0, 0.8, 'float32', 1)), -1, 1));
    const noise = await fit(tf.randomUniform([1000, 28, 28, 1], -1, 1, 'float32', 2));
    const real = frechetDistance(otherReal, reference);
    const corrupted = frechetDistance(noisy, reference);
    const random = frechetDistance(noise, reference);
    expect(real).toBeLessThan(corrupted / 5);
    expect(corrupted).toBeLessThan(random);
  });
});

describe('digit figures at other sizes (32x32 models: StyleGAN-lite, ProGAN)', () => {
  it('resizes generated and reference digits alike: real 32x32 digits score like real 28x28 ones, corrupted far worse', async () => {
    const mnist = loadMnist();
    const classifier = await loadClassifier();
    if (!classifier) throw new Error('the committed classifier is missing');
    /** Digits 8,000-8,999 as the MNIST dataset node gives them at 32x32 (its area resize), in [-1,1]. */
    const at32 = () => {
      const x = new Float32Array(1000 * 1024);
      for (let k = 0; k < 1000; k++) resizeDigit(mnist.images, (8000 + k) * 784, 32, x, k * 1024);
      return tf.sub(tf.mul(tf.tensor4d(x, [1000, 32, 32, 1]), 2), 1);
    };
    const q28 = await digitQuality(classifier, mnist);
    const q32 = await digitQuality(classifier, mnist, 32);
    const real28 = await q28(digitTensors(8000, 9000).x);
    const real32 = await q32(at32());
    const noisy32 = await q32(
      tf.clipByValue(tf.add(at32(), tf.randomNormal([1000, 32, 32, 1], 0, 0.8, 'float32', 1)), -1, 1),
    );
    // The same digits through the same pipeline on both sides: as close to the reference as at 28x28.
    expect(real32.fid).toBeLessThan(2 * real28.fid + 1);
    expect(real32.fid).toBeLessThan(noisy32.fid / 5);
    expect(real32.inceptionScore).toBeGreaterThan(8);
    expect(real32.precision).toBeGreaterThan(0.8);
  }, 120_000);
});

describe('a 32x32 digit model in a training session', () => {
  it('gets the digit figures with its samples (ProGAN-lite), so early stopping can judge it', async () => {
    const p = JSON.parse(readFileSync(join(__dirname, '../../templates/progan-mnist.json'), 'utf8'));
    p.training.settings = { ...p.training.settings, batchSize: 4 };
    const s = await TrainingSession.create({
      runs: [{ label: 'run', analysis: analyzeRun(p, 'run') }],
      assets: { mnist: loadMnist() },
      classifier: loadClassifier,
    });
    const [sample] = await s.sample();
    s.dispose();
    const q = sample!.quality;
    // An untrained generator: far from the digits, but measured.
    expect(q.fid).toBeGreaterThan(100);
    expect(Number.isFinite(q.fid)).toBe(true);
    expect(q.inceptionScore).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
