/**
 * Differentiable augmentation (issue 17.2), on WASM in Node:
 * - its cost per step: dcgan-mnist against dcgan-mnist-diffaugment (colour,
 *   translation, cutout on D's real and fake inputs), batch 64, median step;
 * - where it matters: both trained on only the first 200 MNIST digits (same
 *   seed, steps, batch), FID of 500 EMA samples (seed 777) on the bundled
 *   classifier against the held-out reference digits 9,000-9,999, every
 *   `--every` steps. Writes bench/results.json (key augment).
 *
 *   npx tsx bench/augment.ts [--steps 2000] [--every 500] [--digits 200] [--only plain|diffaugment] [--no-cost]
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { loadClassifier } from '../src/cli/classifier.js';
import type { MnistData } from '../src/core/data/datasets.js';
import { selectBackend } from '../src/core/train/backend.js';
import { digitQuality } from '../src/core/train/fid.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';
import { machine, writeSection } from './common.js';

tf.env().set('PROD', true);
const args = parseArgs({
  options: {
    steps: { type: 'string' },
    every: { type: 'string' },
    digits: { type: 'string' },
    only: { type: 'string' },
    'no-cost': { type: 'boolean' },
  },
}).values;
const STEPS = Number(args.steps ?? 2000);
const EVERY = Number(args.every ?? 500);
const DIGITS = Number(args.digits ?? 200);

await selectBackend('wasm');
const mnist = loadMnist();
const side = 28 * 28;
const small: MnistData = {
  images: mnist.images.slice(0, DIGITS * side),
  labels: mnist.labels.slice(0, DIGITS),
  count: DIGITS,
};
const classifier = await loadClassifier();
if (!classifier) throw new Error('no classifier (public/models/mnist-classifier): run ganvas classifier');
const fid = await digitQuality(classifier, mnist);
const text = (f: string) => readFileSync(join(ROOT, 'templates', f), 'utf8');
const all = { plain: text('dcgan-mnist.json'), diffaugment: text('dcgan-mnist-diffaugment.json') };
// --only plain|diffaugment: one variant (the runs are independent and deterministic: two processes give the same figures).
const variants = args.only ? { [args.only]: all[args.only as keyof typeof all] } : all;

// Cost per step, on the full set (the data does not change the step's cost).
const cost: Record<string, number> = {};
for (const [name, t] of Object.entries(args['no-cost'] ? {} : variants)) {
  const trainer = new Trainer(validateProjectText(t), { assets: { mnist }, batchSize: 64 });
  for (let i = 0; i < 3; i++) await trainer.trainStep();
  const ms: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    await trainer.trainStep();
    ms.push(performance.now() - t0);
  }
  trainer.dispose();
  ms.sort((a, b) => a - b);
  cost[name] = ms[Math.floor(ms.length / 2)] as number;
  console.log(`${name}: median step ${cost[name]?.toFixed(1)} ms (batch 64)`);
}

// FID on a small training set.
const curves: Record<string, { step: number; fid: number }[]> = {};
for (const [name, t] of Object.entries(variants)) {
  const trainer = new Trainer(validateProjectText(t), { assets: { mnist: small }, batchSize: 64, seed: 0 });
  curves[name] = [];
  for (let s = 1; s <= STEPS; s++) {
    await trainer.trainStep();
    if (s % EVERY === 0) {
      const samples = trainer.generate(500, 777);
      const q = await fid(samples);
      samples.dispose();
      curves[name]?.push({ step: s, fid: q.fid });
      console.log(`${name} step ${s}: FID ${q.fid.toFixed(2)}`);
    }
  }
  trainer.dispose();
}

const result = { machine: machine(), steps: STEPS, digits: DIGITS, batch: 64, stepMs: cost, fid: curves };
console.log(JSON.stringify(result));
try {
  if (!args.only) writeSection('augment', result);
} catch (e) {
  console.error(`bench/results.json not written (${(e as Error).message}); the numbers are above.`);
}
