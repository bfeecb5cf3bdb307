/**
 * ganvas' WASM kernels against tfjs' own, in one process so the machine's
 * load is shared alike: ms/step of templates/dcgan-mnist.json at batch 16
 * and 64 with tfjs-wasm's own kernels ("tfjs"), with ganvas' first round of
 * replacements (Conv2DBackpropInput, Tile, BatchMatMul: "round 1") and with
 * all of them ("round 2": also Identity, LeakyRelu, Sum, Mean), alternating
 * in rounds; each also as matmul-equivalents (512x1024x512 products of the
 * same run); and the kernel profile of one step (top 5 kernels, share of the
 * step's wall time). The previous run's rows are kept beside the new ones.
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
import { FAST_WASM_KERNELS, useFastWasmKernels } from '../src/core/train/wasm-kernels.js';
import { validateProjectText } from '../src/core/validate.js';
import { machine, matmulMedianMs, readResults, writeSection } from './common.js';

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

/** The kernel sets compared: tfjs-wasm's own, ganvas' first round of replacements, all of ganvas'. */
const CONFIGS = {
  tfjs: false,
  'round 1': FAST_WASM_KERNELS.slice(0, 3),
  'round 2': true,
} as const;
type Config = keyof typeof CONFIGS;
const NAMES = Object.keys(CONFIGS) as Config[];
// The rows before this round of kernels: the last run of the two-way (tfjs/ganvas) benchmark, carried forward.
const last = readResults().wasmKernels as
  | { machine?: { date?: string }; rows?: unknown[]; configs?: unknown; previous?: unknown }
  | undefined;
const previous = last?.configs ? last.previous : last?.rows ? { date: last.machine?.date, rows: last.rows } : undefined;
const rows: Record<string, unknown>[] = [];
const profiles: Record<string, unknown>[] = [];
const load0 = loadavg()[0];
const load0Text = execSync('uptime').toString().trim();
for (const batch of [16, 64]) {
  const rounds = quick ? 2 : batch === 16 ? 9 : 5;
  const steps = batch === 16 ? (quick ? 3 : 6) : quick ? 2 : 3;
  const trainers = Object.fromEntries(
    NAMES.map((n) => [n, new Trainer(analysis, { seed: 0, batchSize: batch, assets: { mnist } })]),
  ) as Record<Config, Trainer>;
  const ms = Object.fromEntries(NAMES.map((n) => [n, [] as number[]])) as Record<Config, number[]>;
  const mm: number[] = [];
  for (const which of NAMES) {
    useFastWasmKernels(CONFIGS[which]);
    await trainers[which].trainStep();
  }
  for (let r = 0; r < rounds; r++) {
    mm.push(await matmulMedianMs(7));
    for (const which of NAMES) {
      useFastWasmKernels(CONFIGS[which]);
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await trainers[which].trainStep();
      ms[which].push((performance.now() - t0) / steps);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const matmul = med(mm);
  for (const which of NAMES) {
    useFastWasmKernels(CONFIGS[which]);
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
  for (const t of Object.values(trainers)) t.dispose();
}
useFastWasmKernels(true);
writeSection('wasmKernels', {
  machine: machine({ tfjs: tf.version_core, loadAverageAtStart: load0, loadAverageAtEnd: loadavg()[0] }),
  template: 'dcgan-mnist.json',
  configs: {
    tfjs: `tfjs-backend-wasm 4.22's own ${FAST_WASM_KERNELS.join(', ')}`,
    'round 1': `ganvas' ${FAST_WASM_KERNELS.slice(0, 3).join(', ')}; tfjs' others`,
    'round 2': `ganvas' ${FAST_WASM_KERNELS.join(', ')} (src/core/train/wasm-kernels.ts)`,
  },
  common:
    "ganvas' Conv2DBackpropFilter (tfjs-wasm has none), its LeakyReLU gradient (dy * step(x, alpha), src/core/train/gradients.ts) and the Trainer's one-reduction gradient norm; the round-1 kernels as of this run (Conv2DBackpropInput's filters cut as blocks, BatchMatMul's (b a^T)^T), so the previous run's rows below are the before of this round",
  previous,
  load: [load0Text, execSync('uptime').toString().trim()],
  rows,
  profiles,
});
