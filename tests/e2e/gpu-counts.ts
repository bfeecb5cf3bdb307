/**
 * Loaded in the page through Vite (by bench/gpu-counts.ts and tests/e2e/gpu-counts.spec.ts): counts, per
 * training step after warm-up, what the GPU backends ask of the GPU — dispatches (compute passes' dispatches
 * on WebGPU, draw calls on WebGL), pipeline/program compilations and GPU-to-CPU reads — by wrapping the
 * WebGPU and WebGL2 prototypes' methods. Hardware-independent figures: they come out the same on SwiftShader
 * as on a real GPU. Each is counted for ganvas' Trainer and for the same model written by hand with tfjs.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/core/train/backend';
import { Trainer } from '../../src/core/train/trainer';
import { validateProjectText } from '../../src/core/validate';
import dcganTemplate from '../../templates/dcgan-mnist.json?raw';
import ringTemplate from '../../templates/toy-ring.json?raw';
import { syntheticFolder } from '../fixtures/conv-gan';

export interface Counts {
  /** dispatchWorkgroups (WebGPU) or drawArrays/drawElements (WebGL). */
  dispatches: number;
  /** createComputePipeline(Async) (WebGPU) or linkProgram (WebGL). */
  compilations: number;
  /** mapAsync for reading (WebGPU) or readPixels (WebGL): GPU-to-CPU reads. */
  reads: number;
  /** Reads through tfjs-webgpu's synchronous path (copyBufferToTexture into a canvas): dataSync on WebGPU. */
  syncReads: number;
  /** queue.submit (WebGPU) or flush/finish (WebGL, unused). */
  submits: number;
  /** CPU-to-GPU uploads: queue.writeBuffer (WebGPU) or texSubImage2D/bufferSubData (WebGL). */
  uploads: number;
}

const zero = (): Counts => ({ dispatches: 0, compilations: 0, reads: 0, syncReads: 0, submits: 0, uploads: 0 });
let counts = zero();
let installed = false;

type Proto = Record<string, unknown>;
function wrap(proto: Proto | undefined, method: string, count: (args: unknown[]) => void): void {
  const original = proto?.[method];
  if (!proto || typeof original !== 'function') return;
  proto[method] = function (this: unknown, ...args: unknown[]) {
    count(args);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
}

/** Wraps the WebGPU and WebGL2 prototypes once; the counters then run for every device and context. */
export function installCounters(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string, { prototype: Proto } | undefined>;
  wrap(g.GPUComputePassEncoder?.prototype, 'dispatchWorkgroups', () => counts.dispatches++);
  wrap(g.GPUDevice?.prototype, 'createComputePipeline', () => counts.compilations++);
  wrap(g.GPUDevice?.prototype, 'createComputePipelineAsync', () => counts.compilations++);
  wrap(g.GPUBuffer?.prototype, 'mapAsync', (a) => {
    // GPUMapMode.READ = 1
    if (((a[0] as number) & 1) !== 0) counts.reads++;
  });
  wrap(g.GPUCommandEncoder?.prototype, 'copyBufferToTexture', () => counts.syncReads++);
  wrap(g.GPUQueue?.prototype, 'submit', () => counts.submits++);
  wrap(g.GPUQueue?.prototype, 'writeBuffer', () => counts.uploads++);
  const gl = g.WebGL2RenderingContext?.prototype;
  wrap(gl, 'drawArrays', () => counts.dispatches++);
  wrap(gl, 'drawElements', () => counts.dispatches++);
  wrap(gl, 'linkProgram', () => counts.compilations++);
  wrap(gl, 'readPixels', () => counts.reads++);
  wrap(gl, 'texSubImage2D', () => counts.uploads++);
  wrap(gl, 'bufferSubData', () => counts.uploads++);
}

export interface StepCounts {
  backend: string;
  /** What ran: "ganvas" (the Trainer) or "handwritten" (tf.layers and a plain loop). */
  variant: string;
  warmupSteps: number;
  steps: number;
  /** Per step, averaged over `steps` steps after the warm-up. */
  perStep: Counts;
  /** The largest count of compilations in any one measured step. */
  maxCompilationsInAStep: number;
  /** The first (warm-up) step's compilations. */
  firstStepCompilations: number;
  /** ms per step (SwiftShader's, here: not a hardware-independent figure). */
  msPerStep: number;
  /** WebGPU: tfjs-webgpu's WEBGPU_MATMUL_PROGRAM_TYPE (3: packed, ganvas' choice on a software adapter; -1: tfjs' own). */
  matmulProgram?: number;
}

async function measure(
  backend: string,
  variant: string,
  step: () => Promise<unknown>,
  warmup: number,
  steps: number,
): Promise<StepCounts> {
  counts = zero();
  await step();
  const firstStepCompilations = counts.compilations;
  for (let i = 1; i < warmup; i++) await step();
  const total = zero();
  let maxCompilationsInAStep = 0;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    counts = zero();
    await step();
    maxCompilationsInAStep = Math.max(maxCompilationsInAStep, counts.compilations);
    for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += counts[k];
  }
  const msPerStep = (performance.now() - t0) / steps;
  const perStep = zero();
  for (const k of Object.keys(total) as (keyof Counts)[]) perStep[k] = total[k] / steps;
  return {
    backend,
    variant,
    warmupSteps: warmup,
    steps,
    perStep,
    maxCompilationsInAStep,
    firstStepCompilations,
    msPerStep,
  };
}

function trainer(text: string, batch?: number): Trainer {
  const project = JSON.parse(text) as { training: { settings: { batchSize: number } } };
  if (batch) project.training.settings.batchSize = batch;
  const a = validateProjectText(JSON.stringify(project));
  if (a.status !== 'ok') throw new Error(a.diagnostics.map((d) => d.message).join('; '));
  // Digits of random pixels: what is counted does not depend on them.
  const count = 256;
  const images = new Uint8Array(count * 28 * 28).map((_, i) => (i * 2654435761) % 251);
  const labels = new Uint8Array(count).map((_, i) => i % 10);
  return new Trainer(a, { seed: 3, assets: { folder: syntheticFolder(), mnist: { images, labels, count } } });
}

/**
 * templates/toy-ring.json written by hand: the same MLPs, WGAN-GP (lambda 0.1), 5 critic steps per generator
 * step, Adam(1e-3, 0.5, 0.9), batch 128, with the losses read once per step as a plain loop does.
 */
function handwrittenRing(batch = 128): { step: () => Promise<number[]>; dispose: () => void } {
  const mlp = (input: number, out: number, act: () => tfl.layers.Layer) =>
    tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [input], units: 64 }),
        act(),
        tfl.layers.dense({ units: 64 }),
        act(),
        tfl.layers.dense({ units: out }),
      ],
    });
  const G = mlp(4, 2, () => tfl.layers.reLU());
  const D = mlp(2, 1, () => tfl.layers.leakyReLU({ alpha: 0.2 }));
  const optD = tf.train.adam(1e-3, 0.5, 0.9);
  const optG = tf.train.adam(1e-3, 0.5, 0.9);
  const varsD = D.trainableWeights.map((w) => w.read() as tf.Variable);
  const varsG = G.trainableWeights.map((w) => w.read() as tf.Variable);
  const real = () =>
    tf.tidy(() => {
      const k = tf.floor(tf.randomUniform([batch, 1], 0, 8));
      const angle = tf.mul(k, Math.PI / 4);
      return tf.add(tf.mul(tf.concat([tf.cos(angle), tf.sin(angle)], 1), 2), tf.randomNormal([batch, 2], 0, 0.02));
    });
  const critic = (x: tf.Tensor) => D.apply(x, { training: true }) as tf.Tensor;
  const step = async () => {
    const out: tf.Scalar[] = [];
    for (let k = 0; k < 5; k++) {
      const d = tf.tidy(() => {
        const r = real();
        const f = G.apply(tf.randomNormal([batch, 4]), { training: true }) as tf.Tensor;
        return optD.minimize(
          () => {
            const e = tf.randomUniform([batch, 1]);
            const xHat = tf.add(tf.mul(e, r), tf.mul(tf.sub(1, e), f));
            const g = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(xHat);
            const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
            const gp = tf.mul(0.1, tf.mean(tf.square(tf.sub(norm, 1))));
            return tf.add(tf.sub(tf.mean(critic(f)), tf.mean(critic(r))), gp) as tf.Scalar;
          },
          true,
          varsD,
        ) as tf.Scalar;
      });
      if (k < 4) d.dispose();
      else out.push(d);
    }
    out.push(
      tf.tidy(
        () =>
          optG.minimize(
            () => tf.neg(tf.mean(critic(G.apply(tf.randomNormal([batch, 4]), { training: true }) as tf.Tensor))),
            true,
            varsG,
          ) as tf.Scalar,
      ),
    );
    const values = [...(await tf.stack(out).data())];
    tf.dispose(out);
    return values;
  };
  return { step, dispose: () => tf.dispose([...varsD, ...varsG]) };
}

export interface CountsReport {
  rows: StepCounts[];
  /** Per backend: ms of one dispatch of a small op (a chain of 100, read once), the unit a step's time is made of. */
  perDispatchMs: { backend: string; op: string; ms: number }[];
  errors: string[];
}

/** ms per op of a chain of `n` small ops (the ring's sizes), after a warm-up chain, read once at the end. */
async function chainMs(op: 'add [128,64]' | 'matMul [128,64]x[64,64]', n = 100): Promise<number> {
  const x = tf.randomNormal([128, 64]);
  const w = tf.mul(tf.randomNormal([64, 64]), 0.1);
  const run = async () => {
    const y = tf.tidy(() => {
      let t = x;
      for (let i = 0; i < n; i++) t = op === 'add [128,64]' ? tf.add(t, 1) : tf.matMul(t, w);
      return t;
    });
    await y.data();
    y.dispose();
  };
  await run();
  const t0 = performance.now();
  await run();
  const ms = (performance.now() - t0) / n;
  tf.dispose([x, w]);
  return ms;
}

/**
 * Per backend (webgpu, webgl): the ring template through ganvas' Trainer and by hand, and (with
 * `dcganBatch`) the DCGAN-MNIST template at that batch through the Trainer.
 */
export async function countSteps(
  opts: {
    backends?: string[];
    warmup?: number;
    steps?: number;
    dcganBatch?: number;
    handwritten?: boolean;
    /** tfjs-webgpu's WEBGPU_MATMUL_PROGRAM_TYPE, for experiments (-1: tfjs' own choice). */
    matmulProgram?: number;
  } = {},
): Promise<CountsReport> {
  installCounters();

  const report: CountsReport = { rows: [], perDispatchMs: [], errors: [] };
  const warmup = opts.warmup ?? 3;
  const steps = opts.steps ?? 3;
  for (const backend of opts.backends ?? ['webgpu', 'webgl']) {
    try {
      await selectBackend(backend as 'webgpu' | 'webgl');
    } catch (e) {
      report.errors.push(`${backend}: ${(e as Error).message}`);
      continue;
    }
    // After selectBackend, which sets its own choice on a software adapter.
    if (backend === 'webgpu' && opts.matmulProgram !== undefined)
      tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', opts.matmulProgram);
    const first = report.rows.length;
    for (const op of ['add [128,64]', 'matMul [128,64]x[64,64]'] as const)
      report.perDispatchMs.push({ backend, op, ms: await chainMs(op) });
    const t = trainer(ringTemplate);
    report.rows.push(await measure(backend, 'ganvas ring', () => t.trainStep(), warmup, steps));
    t.dispose();
    if (opts.handwritten !== false) {
      const h = handwrittenRing();
      report.rows.push(await measure(backend, 'handwritten ring', h.step, warmup, steps));
      h.dispose();
    }
    if (opts.dcganBatch) {
      const d = trainer(dcganTemplate, opts.dcganBatch);
      report.rows.push(
        await measure(backend, `ganvas dcgan-mnist batch ${opts.dcganBatch}`, () => d.trainStep(), warmup, steps),
      );
      d.dispose();
    }
    if (backend === 'webgpu')
      for (const r of report.rows.slice(first)) r.matmulProgram = tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE');
  }
  return report;
}
