/**
 * The PyTorch export beside ganvas' tfjs engine, on this machine: for each
 * template, the step time of the exported train.py (one process, one torch
 * thread) and of ganvas' Trainer on WASM (one thread in Node) in the same run,
 * same batch; and train.py under torchrun with 2 processes (gloo, one thread
 * each) on the same global batch. Writes bench/results.json (key pytorch).
 * Needs Python with torch ($GANVAS_PYTHON or /usr/bin/python3); without it
 * the section says so. Never fails on a number.
 *
 *   npx tsx bench/pytorch.ts [--quick]
 */
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, MNIST_BIN, ROOT } from '../src/cli/assets.js';
import { exportProjectPyTorch } from '../src/cli/export.js';
import { selectBackend } from '../src/core/train/backend.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';
import { forTraining } from '../tests/fixtures/templates.js';
import { machine, readResults, writeSection } from './common.js';
import { folderAsDigits } from './step-common.js';

tf.env().set('PROD', true);
const quick = process.argv.includes('--quick');
const PYTHON = process.env.GANVAS_PYTHON ?? '/usr/bin/python3';
const DIR = join(ROOT, 'test-results/bench-pytorch');
const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** DCGAN 64x64 trains on an image folder: the bench swaps in 64x64 RGB digits of the same shape on both engines. */
function benchable(file: string): { text: string; batch: number } {
  const t = forTraining(file, readFileSync(join(ROOT, 'templates', file), 'utf8'));
  return { text: folderAsDigits(t.text), batch: t.batch };
}

async function tfjsMs(text: string, batch: number, warm: number, steps: number): Promise<number> {
  await selectBackend('wasm');
  const trainer = new Trainer(validateProjectText(text), { seed: 0, batchSize: batch, assets: { mnist: loadMnist() } });
  for (let i = 0; i < warm; i++) await trainer.trainStep();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await trainer.trainStep();
  const ms = (performance.now() - t0) / steps;
  trainer.dispose();
  return ms;
}

/** ms per step of train.py between step `warm` and the last, from its own clock (the JSON lines' seconds). */
function torchMs(dir: string, batch: number, warm: number, steps: number, processes: number): number | string {
  const out = join(dir, `run-${processes}`);
  rmSync(out, { recursive: true, force: true });
  const script = [
    'train.py',
    '--steps',
    String(warm + steps),
    '--batch',
    String(batch),
    '--out',
    out,
    '--quiet',
    '--every',
    '100000',
    '--checkpoint-every',
    '100000',
    '--threads',
    '1',
    '--mnist',
    MNIST_BIN,
  ];
  const args =
    processes === 1
      ? script
      : [
          '-m',
          'torch.distributed.run',
          `--nproc_per_node=${processes}`,
          '--redirects',
          '1',
          '--tee',
          '1',
          '--log_dir',
          join(dir, 'logs'),
          ...script,
        ];
  const r = spawnSync(PYTHON, args, { cwd: dir, env, encoding: 'utf8', timeout: 1_200_000 });
  if (r.status !== 0) return `failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'step');
  const a = lines.find((l) => l.step === warm);
  const b = lines[lines.length - 1];
  return ((b.seconds - a.seconds) * 1000) / (b.step - a.step);
}

const version = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'], {
  encoding: 'utf8',
});
if (version.status !== 0) {
  writeSection('pytorch', { machine: machine(), skipped: `no torch for ${PYTHON}` });
  console.log(`bench/pytorch: no torch for ${PYTHON}; skipped`);
  process.exit(0);
}
const plan: [string, number, number, number, number][] = [
  // template, batch (global), warm-up steps, timed steps, torchrun? (1 = also 2 processes)
  ['toy-ring.json', 128, 5, quick ? 20 : 100, 1],
  ['dcgan-mnist.json', 16, 2, quick ? 4 : 20, 1],
  ['dcgan-mnist.json', 64, 2, quick ? 2 : 8, 1],
  ['wgan-gp.json', 16, 1, quick ? 2 : 6, 0],
  ['conditional-mnist.json', 16, 1, quick ? 2 : 6, 0],
  ['stylegan-lite.json', 16, 1, quick ? 2 : 4, 0],
  ['dcgan.json', 16, 1, quick ? 1 : 3, 0],
];
const rows: Record<string, unknown>[] = [];
mkdirSync(DIR, { recursive: true });
for (const [file, batch, warm, steps, distributed] of plan) {
  const { text } = benchable(file);
  const dir = join(DIR, `${file.replace('.json', '')}-${batch}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(validateProjectText(text)));
  const load = loadavg()[0];
  const tfjs = await tfjsMs(text, batch, warm, steps);
  const torch1 = torchMs(dir, batch, warm, steps, 1);
  const torch2 = distributed ? torchMs(dir, batch, warm, steps, 2) : undefined;
  const row = {
    template: file,
    batch,
    stepsTimed: steps,
    tfjsWasmMs: tfjs,
    torchMs: torch1,
    ...(torch2 !== undefined ? { torchrun2Ms: torch2 } : {}),
    speedup: typeof torch1 === 'number' ? tfjs / torch1 : null,
    load1: load,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
/** Debian's BLAS alternative that torch's libblas resolves to: the reference BLAS or OpenBLAS. */
function blas(): string {
  try {
    const path = realpathSync('/etc/alternatives/libblas.so.3-x86_64-linux-gnu');
    return path.includes('openblas') ? 'openblas' : path.includes('/blas/') ? 'reference' : path;
  } catch {
    return 'unknown';
  }
}
const previous = (readResults() as Record<string, { runs?: Record<string, unknown> }>).pytorch?.runs ?? {};
const which = blas();
writeSection('pytorch', {
  note: "Same run, same batch, one thread each: ganvas' Trainer on tfjs WASM (Node) and the exported train.py (torch CPU, torch.set_num_threads(1)); torchrun: 2 processes x 1 thread, gloo, the same global batch. Runs are kept per BLAS (Debian's python3-torch uses the reference BLAS unless libopenblas0 is installed).",
  runs: {
    ...previous,
    [which]: {
      machine: machine({ torch: version.stdout.trim().split(' ')[0], python: PYTHON, blas: which }),
      quick,
      rows,
    },
  },
});
