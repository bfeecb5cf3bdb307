/**
 * ganvas' WASM kernels against tfjs' own, in one process so the machine's
 * load is shared alike: ms/step of templates/dcgan-mnist.json at batch 16
 * and 64 with tfjs-wasm's Conv2DBackpropInput, Tile and BatchMatMul ("before") and
 * with ganvas' ("after"), alternating in rounds; each
 * also as matmul-equivalents (512x1024x512 products of the same run); and the
 * kernel profile of one step (top 5 kernels, share of the step's wall time).
 * Writes bench/results.json (key wasmKernels). Never fails on a number.
 *
 *   npx tsx bench/wasm-kernels.ts [--quick]
 */
import '@tensorflow/tfjs-backend-wasm';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { selectBackend } from '../src/core/train/backend.js';
import { Trainer } from '../src/core/train/trainer.js';
import { useFastWasmKernels } from '../src/core/train/wasm-kernels.js';
import { validateProjectText } from '../src/core/validate.js';
import { machine, matmulMedianMs, writeSection } from './common.js';

tf.env().set('PROD', true);
const quick = process.argv.includes('--quick');
const mnist = loadMnist();
await selectBackend('wasm');
const analysis = validateProjectText(readFileSync(join(ROOT, 'templates/dcgan-mnist.json'), 'utf8'));

interface Profile {
  stepMs: number;
  top: { kernel: string; ms: number; share: number; calls: number }[];
}

/** The kernel profile of one step: the faster of two profiled steps (the machine is shared). */
async function profileStep(t: Trainer): Promise<Profile> {
  const a = await profileOnce(t);
  const b = await profileOnce(t);
  return a.stepMs <= b.stepMs ? a : b;
}

async function profileOnce(t: Trainer): Promise<Profile> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await t.trainStep();
  });
  const stepMs = performance.now() - t0;
  const by = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.calls++;
    by.set(k.name, e);
  }
  const top = [...by.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 5)
    .map(([kernel, e]) => ({ kernel, ms: e.ms, share: e.ms / stepMs, calls: e.calls }));
  return { stepMs, top };
}

const rows: Record<string, unknown>[] = [];
const profiles: Record<string, unknown>[] = [];
const load0 = loadavg()[0];
const load0Text = execSync('uptime').toString().trim();
for (const batch of [16, 64]) {
  const rounds = quick ? 2 : 5;
  const steps = batch === 16 ? (quick ? 3 : 6) : quick ? 2 : 3;
  const trainers = {
    before: new Trainer(analysis, { seed: 0, batchSize: batch, assets: { mnist } }),
    after: new Trainer(analysis, { seed: 0, batchSize: batch, assets: { mnist } }),
  };
  const ms = { before: [] as number[], after: [] as number[] };
  const mm: number[] = [];
  for (const which of ['before', 'after'] as const) {
    useFastWasmKernels(which === 'after');
    await trainers[which].trainStep();
  }
  for (let r = 0; r < rounds; r++) {
    mm.push(await matmulMedianMs(7));
    for (const which of ['before', 'after'] as const) {
      useFastWasmKernels(which === 'after');
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await trainers[which].trainStep();
      ms[which].push((performance.now() - t0) / steps);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const matmul = med(mm);
  for (const which of ['before', 'after'] as const) {
    useFastWasmKernels(which === 'after');
    const msPerStep = med(ms[which]);
    const msPerStepMin = Math.min(...ms[which]);
    rows.push({
      batch,
      kernels: which,
      msPerStep,
      matmulMs: matmul,
      matmulEquivalents: msPerStep / matmul,
      msPerStepMin,
      matmulMsMin: Math.min(...mm),
      rounds,
      stepsPerRound: steps,
    });
    console.log(
      `dcgan-mnist wasm batch ${batch} ${which}: ${msPerStep.toFixed(1)} ms/step = ` +
        `${(msPerStep / matmul).toFixed(2)} matmul-equivalents (matmul ${matmul.toFixed(1)} ms)`,
    );
    const p = await profileStep(trainers[which]);
    profiles.push({ batch, kernels: which, ...p });
    console.log(
      `  profile: ${p.top.map((k) => `${k.kernel} ${k.ms.toFixed(0)} ms (${(100 * k.share).toFixed(0)}%)`).join(', ')}`,
    );
  }
  trainers.before.dispose();
  trainers.after.dispose();
}
useFastWasmKernels(true);
writeSection('wasmKernels', {
  machine: machine({ tfjs: tf.version_core, loadAverageAtStart: load0, loadAverageAtEnd: loadavg()[0] }),
  template: 'dcgan-mnist.json',
  before: "tfjs-backend-wasm 4.22's own Conv2DBackpropInput, Tile and BatchMatMul",
  after: "ganvas' Conv2DBackpropInput, Tile and BatchMatMul (src/core/train/wasm-kernels.ts)",
  load: [load0Text, execSync('uptime').toString().trim()],
  rows,
  profiles,
});
