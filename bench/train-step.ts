/**
 * Training cost in Node: step time of every template on the WASM backend
 * (and the pure-JS CPU backend for the small ones), FLOPs per step counted
 * from the node registry and the FLOP/s achieved beside the backend's
 * measured matmul peak; ganvas against the same DCGAN hand-written with
 * tf.layers; the exported TypeScript script against the in-app trainer.
 * Writes bench/results.json (key trainStep). Never fails on a number.
 *
 *   npx tsx bench/train-step.ts [--quick]
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { exportProject } from '../src/cli/export.js';
import { selectBackend } from '../src/core/train/backend.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';
import { forTraining } from '../tests/fixtures/templates.js';
import { machine, matmulMedianMs, writeSection } from './common.js';
import { handwrittenDcgan } from './handwritten.js';
import { flopsPerStep, syntheticFolder } from './step-common.js';

tf.env().set('PROD', true);
const quick = process.argv.includes('--quick');
const mnist = loadMnist();

/** The backend's matmul rate: a 512x1024 by 1024x512 product, median of 5 (GFLOP/s). */
async function peak(): Promise<number> {
  return (2 * 512 * 1024 * 512) / ((await matmulMedianMs(5)) / 1000) / 1e9;
}

interface Row {
  template: string;
  backend: string;
  batch: number;
  note?: string;
  stepsTimed: number;
  msPerStep: number;
  stepsPerSecond: number;
  gflopPerStep: number;
  gflops: number;
}

async function time(file: string, backend: 'wasm' | 'cpu', batch: number, warm: number, steps: number): Promise<Row> {
  await selectBackend(backend);
  const t = forTraining(file, readFileSync(join(ROOT, 'templates', file), 'utf8'));
  const a = validateProjectText(t.text);
  const trainer = new Trainer(a, { seed: 0, batchSize: batch, assets: { mnist, folder: syntheticFolder(64, 64) } });
  for (let i = 0; i < warm; i++) await trainer.trainStep();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await trainer.trainStep();
  const ms = (performance.now() - t0) / steps;
  trainer.dispose();
  const flop = flopsPerStep(a, batch);
  const note =
    file === 'pix2pix.json'
      ? 'widths / 4 (as in the tests)'
      : file === 'cyclegan.json'
        ? '64x64, widths / 2 (as in the tests)'
        : file === 'dcgan.json'
          ? 'synthetic 64x64 images'
          : undefined;
  return {
    template: file,
    backend,
    batch,
    ...(note ? { note } : {}),
    stepsTimed: steps,
    msPerStep: ms,
    stepsPerSecond: 1000 / ms,
    gflopPerStep: flop / 1e9,
    gflops: flop / 1e9 / (ms / 1000),
  };
}

const rows: Row[] = [];
const plan: [string, 'wasm' | 'cpu', number, number, number][] = [
  ['toy-ring.json', 'wasm', 128, 5, quick ? 20 : 100],
  ['toy-ring.json', 'cpu', 128, 2, quick ? 5 : 20],
  ['dcgan-mnist.json', 'wasm', 16, 2, quick ? 3 : 10],
  ['dcgan-mnist.json', 'cpu', 16, 1, quick ? 1 : 2],
  ['wgan-gp.json', 'wasm', 16, 1, quick ? 2 : 5],
  ['conditional-mnist.json', 'wasm', 16, 1, quick ? 2 : 5],
  ['stylegan-lite.json', 'wasm', 16, 1, quick ? 2 : 5],
  ['dcgan.json', 'wasm', 16, 1, quick ? 1 : 3],
  ['pix2pix.json', 'wasm', 1, 1, quick ? 1 : 3],
  ['cyclegan.json', 'wasm', 1, 1, quick ? 1 : 3],
];
for (const [f, b, batch, warm, steps] of plan) {
  const r = await time(f, b, batch, warm, steps);
  rows.push(r);
  console.log(
    `${f} ${b} batch ${batch}: ${r.msPerStep.toFixed(1)} ms/step, ${r.gflopPerStep.toFixed(3)} GFLOP/step, ${r.gflops.toFixed(2)} GFLOP/s`,
  );
}
const peaks: Record<string, number> = {};
for (const b of ['wasm', 'cpu'] as const) {
  await selectBackend(b);
  peaks[b] = await peak();
  console.log(`${b} matmul peak: ${peaks[b]!.toFixed(2)} GFLOP/s`);
}

// ganvas against the same DCGAN written by hand, alternating, same backend and batch (EMA off in ganvas: the plain loop has none).
await selectBackend('wasm');
const BATCH = 32;
const overheadSteps = quick ? 4 : 15;
const hand = handwrittenDcgan(mnist, BATCH);
const ours = new Trainer(validateProjectText(readFileSync(join(ROOT, 'templates/dcgan-mnist.json'), 'utf8')), {
  seed: 0,
  batchSize: BATCH,
  emaDecay: 0,
  assets: { mnist },
});
await hand.step();
await ours.trainStep();
let handMs = 0;
let oursMs = 0;
for (let i = 0; i < overheadSteps; i++) {
  let t0 = performance.now();
  await hand.step();
  handMs += performance.now() - t0;
  t0 = performance.now();
  await ours.trainStep();
  oursMs += performance.now() - t0;
}
hand.dispose();
ours.dispose();
const overhead = {
  template: 'dcgan-mnist.json',
  backend: 'wasm',
  batch: BATCH,
  steps: overheadSteps,
  handwrittenMsPerStep: handMs / overheadSteps,
  ganvasMsPerStep: oursMs / overheadSteps,
  ratio: oursMs / handMs,
};
console.log(
  `overhead: ganvas ${overhead.ganvasMsPerStep.toFixed(1)} ms vs hand-written ${overhead.handwrittenMsPerStep.toFixed(1)} ms per step: ratio ${overhead.ratio.toFixed(3)}`,
);

// The exported script against the in-app trainer: per-step time from two runs of different lengths (start-up cancels out).
const exported: { template: string; batch: number; scriptMsPerStep: number; inAppMsPerStep: number; ratio: number }[] =
  [];
const dir = join(ROOT, 'test-results/bench-export');
mkdirSync(dir, { recursive: true });
for (const [f, batch, short, long] of [
  ['toy-ring.json', 128, 5, quick ? 25 : 105],
  ['dcgan-mnist.json', 16, 2, quick ? 5 : 12],
] as const) {
  const text = readFileSync(join(ROOT, 'templates', f), 'utf8');
  const file = join(dir, f.replace('.json', '.ts'));
  writeFileSync(file, exportProject(validateProjectText(text)));
  const wall = (steps: number) => {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        file,
        '--steps',
        String(steps),
        '--batch',
        String(batch),
        '--every',
        '1000000',
        '--out',
        join(dir, 'run'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`${f}: the exported script failed: ${r.stderr.slice(-500)}`);
    return performance.now() - t0;
  };
  const scriptMs = (wall(long) - wall(short)) / (long - short);
  await selectBackend('wasm');
  const t = new Trainer(validateProjectText(text), { seed: 0, batchSize: batch, assets: { mnist } });
  for (let i = 0; i < short; i++) await t.trainStep();
  const t0 = performance.now();
  for (let i = short; i < long; i++) await t.trainStep();
  const appMs = (performance.now() - t0) / (long - short);
  t.dispose();
  exported.push({ template: f, batch, scriptMsPerStep: scriptMs, inAppMsPerStep: appMs, ratio: scriptMs / appMs });
  console.log(`${f}: exported script ${scriptMs.toFixed(1)} ms/step, in-app ${appMs.toFixed(1)} ms/step`);
}

writeSection('trainStep', {
  machine: machine({
    tfjs: tf.version_core,
    wasmThreads: 'single-threaded (no SharedArrayBuffer in Node without flags)',
  }),
  flopsMethod:
    'registry forward FLOPs per sample x batch per model call, x3 inside the tape, D calls x critic steps; penalty double-backprop not counted',
  peaksGflops: peaks,
  rows,
  overhead,
  exported,
});
