/**
 * What tfjs' WebGPU backend costs in Node (Dawn) on this machine, apart from any model: the round trip of one
 * read, the cost per dispatch of a chain of tiny kernels, and the rate of large fp32 products and convolutions.
 * Explains the step times of bench/gpu-train.ts: a training step of ganvas is ~700 to ~2,600 dispatches and one
 * read (bench/gpu-counts.ts), so per-dispatch cost x dispatches bounds it from below.
 *
 *   npx tsx bench/device/webgpu-probe.ts OUT.json
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { offerNodeWebGpu } from '../../src/cli/webgpu.js';
import { probeWebGpuAdapter, selectBackend } from '../../src/core/train/backend.js';

const out = process.argv[2] ?? 'webgpu-probe.json';
const why = await offerNodeWebGpu();
if (why) throw new Error(why);
const adapter = (await probeWebGpuAdapter()).label;
await selectBackend('webgpu');

async function median(runs: number, f: () => Promise<void>): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(runs / 2)] as number;
}

const result: Record<string, unknown> = { adapter, tfjs: tf.version_core, date: new Date().toISOString() };

// Every tensor here has 4,096 values and lives on the GPU: tfjs-webgpu runs an op whose inputs are small and still
// on the CPU on the CPU instead (WEBGPU_CPU_FORWARD, below WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD values), so a probe on
// a scalar times JavaScript, not the GPU (an earlier version of this probe did).
tf.env().set('WEBGPU_CPU_FORWARD', false);
const s = tf.tidy(() => tf.add(tf.ones([4096]), 0));
await s.data();

// 1. One read after one kernel: the round trip CPU -> GPU -> CPU.
result.readRoundTripMs = await median(30, async () => {
  const y = tf.add(s, 1);
  await y.data();
  y.dispose();
});

// 2. A chain of n tiny kernels, then one read: the cost per dispatch, for two values of tfjs' submit batching.
for (const batch of [15, 100]) {
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batch);
  for (const n of [100, 1000]) {
    const ms = await median(5, async () => {
      const y = tf.tidy(() => {
        let x: tf.Tensor = s;
        for (let i = 0; i < n; i++) x = tf.add(x, 1);
        return x;
      });
      await y.data();
      y.dispose();
    });
    result[`chain${n}Batch${batch}Ms`] = ms;
    result[`perDispatchUsBatch${batch}N${n}`] = (ms * 1000) / n;
  }
}
tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 15);

// 3. A 2048^3 fp32 product and a batch-64 3x3 convolution of 64x64x128 to 128 channels.
const a = tf.randomNormal([2048, 2048]);
const b = tf.randomNormal([2048, 2048]);
const mmMs = await median(5, async () => {
  const c = tf.matMul(a, b);
  await c.data();
  c.dispose();
});
result.matmul2048Ms = mmMs;
result.matmul2048Tflops = (2 * 2048 ** 3) / (mmMs / 1000) / 1e12;
const x = tf.randomNormal([64, 64, 64, 128]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 128, 128]) as tf.Tensor4D;
const convMs = await median(5, async () => {
  const c = tf.conv2d(x, w, 1, 'same');
  await c.data();
  c.dispose();
});
result.conv64Ms = convMs;
result.conv64Tflops = (2 * 64 * 64 * 64 * 128 * 128 * 9) / (convMs / 1000) / 1e12;
console.log(JSON.stringify(result, null, 2));
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
