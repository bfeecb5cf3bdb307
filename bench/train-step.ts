/**
 * Training step time of the templates on the Node backends (WASM, pure-JS
 * CPU): the speed-up the WASM training kernels bring. Writes
 * bench/results.json (merged by key) and prints a table. Never fails on a number.
 *
 *   npx tsx bench/train-step.ts [--quick]
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { selectBackend } from '../src/core/train/backend.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';

tf.env().set('PROD', true);
const quick = process.argv.includes('--quick');

interface Row {
  template: string;
  backend: string;
  batch: number;
  stepsTimed: number;
  msPerStep: number;
  stepsPerSecond: number;
}

async function time(template: string, backend: 'wasm' | 'cpu', batch: number, warm: number, steps: number): Promise<Row> {
  await selectBackend(backend);
  const a = validateProjectText(readFileSync(join(ROOT, 'templates', template), 'utf8'));
  const t = new Trainer(a, { seed: 0, batchSize: batch, assets: { mnist: loadMnist() } });
  for (let i = 0; i < warm; i++) await t.trainStep();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await t.trainStep();
  const ms = (performance.now() - t0) / steps;
  t.dispose();
  return { template, backend, batch, stepsTimed: steps, msPerStep: ms, stepsPerSecond: 1000 / ms };
}

const rows: Row[] = [];
rows.push(await time('toy-ring.json', 'wasm', 128, 5, quick ? 20 : 100));
rows.push(await time('toy-ring.json', 'cpu', 128, 2, quick ? 5 : 20));
rows.push(await time('dcgan-mnist.json', 'wasm', 16, 2, quick ? 3 : 10));
rows.push(await time('dcgan-mnist.json', 'cpu', 16, 1, quick ? 1 : 2));

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString() };
const path = join(ROOT, 'bench/results.json');
const all = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
all.trainStep = { machine, rows };
writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`);
console.log(`machine: ${machine.cpu} (${machine.cores} cores), node ${machine.node}`);
console.log('| template | backend | batch | ms/step | steps/s |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.template} | ${r.backend} | ${r.batch} | ${r.msPerStep.toFixed(1)} | ${r.stepsPerSecond.toFixed(2)} |`);
for (const t of ['toy-ring.json', 'dcgan-mnist.json']) {
  const w = rows.find((r) => r.template === t && r.backend === 'wasm')!;
  const c = rows.find((r) => r.template === t && r.backend === 'cpu')!;
  console.log(`${t}: WASM is ${(c.msPerStep / w.msPerStep).toFixed(1)}x faster than CPU`);
}
