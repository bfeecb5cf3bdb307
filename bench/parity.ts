/**
 * Quality parity (issue 18): what the initializer does to early training,
 * measured as curves over seeds, so another engine's curve can be put beside
 * ganvas' and told apart from seed noise.
 *
 * - MNIST DCGAN template: FID (src/core/train/session.ts' figure: 500 samples
 *   of a fixed noise batch through the bundled digit classifier) every 100
 *   steps, for ganvas' defaults (tfjs' glorotNormal kernels, gamma 1) and the
 *   paper's initialization (N(0, 0.02) kernels, gamma N(1, 0.02)), 3 seeds each.
 * - 2D ring template (WGAN-GP): modes covered out of 8 every 250 steps, for
 *   the template (ganvas' defaults) and the WGAN-GP reference code's
 *   initialization (gan_toy.py: He-uniform hidden layers, Glorot-uniform output).
 *
 * Each curve keeps every seed's values, their mean, sd, min and max per
 * logged step; the verdict between two curves is Welch's t at each logged
 * step (bench/parity-stats.ts), with p < 0.05 as the stated threshold.
 *
 * An engine is one function from a job (project, seed, steps, metric) to the
 * metric's values at the logged steps: ENGINES below has ganvas (tfjs on
 * WASM); the PyTorch export joins as one more entry producing the same curve,
 * and every pair of engines then gets a verdict per variant.
 *
 *   npx tsx bench/parity.ts [--steps 400] [--ring-steps 1500] [--seeds 0,1,2] [--only dcgan|ring] [--variant TEXT] [--engines tfjs,pytorch]
 *
 * --only and --variant (a substring of the variant's name) run part of it, e.g. in parallel
 * processes; each merges its curves into what bench/results.json already holds and recomputes
 * the verdicts over all the curves there.
 *
 * Writes bench/results.json (key parity). Never fails on a number.
 */
import '@tensorflow/tfjs-backend-wasm';
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, MNIST_BIN, ROOT } from '../src/cli/assets.js';
import { loadClassifier } from '../src/cli/classifier.js';
import { exportProjectPyTorch } from '../src/cli/export.js';
import { selectBackend } from '../src/core/train/backend.js';
import { analyzeRun, TrainingSession } from '../src/core/train/session.js';
import { machine, readResults, writeSection } from './common.js';
import { type Curve, type StepVerdict, summarize, verdict } from './parity-stats.js';

tf.env().set('PROD', true);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const STEPS = Number(arg('--steps') ?? 400);
const RING_STEPS = Number(arg('--ring-steps') ?? 1500);
const SEEDS = (arg('--seeds') ?? '0,1,2').split(',').map(Number);
const ONLY = arg('--only');
const VARIANT = arg('--variant');

export type Metric = 'fid' | 'modesCovered';
export interface Job {
  /** A label for messages. */
  name: string;
  /** A ganvas project value (the engine validates it). */
  project: unknown;
  seed: number;
  steps: number;
  /** Log the metric every this many steps. */
  every: number;
  metric: Metric;
}
export interface JobResult {
  steps: number[];
  values: number[];
  seconds: number;
}
/** Trains `job.project` and reports `job.metric` at every `job.every` steps. */
export type Engine = (job: Job) => Promise<JobResult>;

const mnist = loadMnist();

/** ganvas itself: the in-app trainer through a TrainingSession on tfjs' WASM backend (the CLI's and the page's path). */
const ganvasTfjs: Engine = async (job) => {
  const session = await TrainingSession.create({
    runs: [{ analysis: analyzeRun(job.project, job.name), label: job.name }],
    backend: 'wasm',
    seed: job.seed,
    steps: job.steps,
    assets: { mnist },
    classifier: loadClassifier,
  });
  const steps: number[] = [];
  const values: number[] = [];
  const t0 = performance.now();
  try {
    for (let s = 1; s <= job.steps; s++) {
      const r = await session.step();
      if (r.stop?.kind === 'diverged') throw new Error(`${job.name}: ${r.stop.message}`);
      if (s % job.every === 0) {
        const [sample] = await session.sample({ fid: job.metric === 'fid' });
        const v = job.metric === 'fid' ? sample?.quality.fid : sample?.quality.modesCovered;
        if (v === undefined) throw new Error(`${job.name}: no ${job.metric} at step ${s}.`);
        steps.push(s);
        values.push(v);
        console.log(`  ${job.name} seed ${job.seed} step ${s}: ${job.metric} ${v.toFixed(2)}`);
      }
    }
  } finally {
    session.dispose();
  }
  return { steps, values, seconds: (performance.now() - t0) / 1000 };
};

const PYTHON = process.env.GANVAS_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/**
 * The PyTorch export: train.py (torch on the CPU, one thread) trained to each logged step in turn, resuming
 * from its own checkpoint (exact); its generator (generator.safetensors, EMA weights when on) is loaded into a
 * ganvas session that measures it with the same function (the same FID on the same classifier and sample batch).
 */
const pytorchExport: Engine = async (job) => {
  const a = analyzeRun(job.project, job.name);
  const dir = mkdtempSync(join(tmpdir(), 'ganvas-parity-'));
  writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
  const session = await TrainingSession.create({
    runs: [{ analysis: a, label: job.name }],
    backend: 'wasm',
    seed: job.seed,
    steps: job.steps,
    assets: { mnist },
    classifier: loadClassifier,
  });
  const steps: number[] = [];
  const values: number[] = [];
  let seconds = 0;
  try {
    for (let s = job.every; s <= job.steps; s += job.every) {
      const args = [
        'train.py',
        '--steps',
        String(s),
        '--seed',
        String(job.seed),
        '--out',
        'run',
        '--quiet',
        '--threads',
        '1',
      ];
      args.push('--every', '1000000', '--checkpoint-every', '1000000', '--mnist', MNIST_BIN);
      if (s > job.every) args.push('--resume', 'run/checkpoint.safetensors');
      const r = spawnSync(PYTHON, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
      if (r.status !== 0) throw new Error(`${job.name}: train.py failed: ${r.stderr.trim().split('\n').pop()}`);
      seconds += JSON.parse(readFileSync(join(dir, 'run/result.json'), 'utf8')).seconds as number;
      session.loadGenerator(new Uint8Array(readFileSync(join(dir, 'run/generator.safetensors'))));
      const [sample] = await session.sample({ fid: job.metric === 'fid' });
      const v = job.metric === 'fid' ? sample?.quality.fid : sample?.quality.modesCovered;
      if (v === undefined) throw new Error(`${job.name}: no ${job.metric} at step ${s}.`);
      steps.push(s);
      values.push(v);
      console.log(`  ${job.name} seed ${job.seed} step ${s} (pytorch): ${job.metric} ${v.toFixed(2)}`);
    }
  } finally {
    session.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  return { steps, values, seconds };
};

/** The engines compared: ganvas on tfjs, and its PyTorch export where Python has torch (--engines picks). */
const ENGINE_PICK = arg('--engines');
export const ENGINES: Record<string, Engine> = Object.fromEntries(
  Object.entries({
    'ganvas (tfjs WASM)': ganvasTfjs,
    ...(hasTorch ? { 'PyTorch export (torch CPU)': pytorchExport } : {}),
  }).filter(([k]) => !ENGINE_PICK || ENGINE_PICK.split(',').some((p) => k.toLowerCase().includes(p))),
);

type ProjectValue = {
  models: Record<string, { nodes: { params?: Record<string, unknown> }[] }>;
  blocks?: Record<string, { nodes: { params?: Record<string, unknown> }[] }>;
};
const INIT_KEYS = /Initializer$/;
/** The template with every initializer param removed: ganvas' (tfjs') defaults. */
function withDefaults(p: ProjectValue): ProjectValue {
  const q = structuredClone(p);
  for (const g of [...Object.values(q.models), ...Object.values(q.blocks ?? {})])
    for (const n of g.nodes)
      if (n.params) for (const k of Object.keys(n.params)) if (INIT_KEYS.test(k)) delete n.params[k];
  return q;
}
/** The ring with the WGAN-GP reference code's initialization (igul222/improved_wgan_training gan_toy.py: ReLULayer 'he', output Linear 'glorot', both uniform). */
function ringReference(p: ProjectValue): ProjectValue {
  const q = structuredClone(p) as unknown as {
    models: Record<string, { nodes: { id: string; type: string; params?: Record<string, unknown> }[] }>;
  };
  for (const g of Object.values(q.models))
    for (const n of g.nodes)
      if (n.type === 'Dense')
        n.params = { ...n.params, kernelInitializer: { kind: /out/.test(n.id) ? 'glorotUniform' : 'heUniform' } };
  return q as unknown as ProjectValue;
}
function template(name: string): ProjectValue {
  return JSON.parse(readFileSync(join(ROOT, `templates/${name}.json`), 'utf8')) as ProjectValue;
}

interface Study {
  key: string;
  title: string;
  template: string;
  metric: Metric;
  steps: number;
  every: number;
  variants: Record<string, ProjectValue>;
}

/** Every pair of curves: the variants within an engine, and each variant across engines. */
function verdicts(curves: Curve[]): { a: string; b: string; steps: StepVerdict[] }[] {
  const out: { a: string; b: string; steps: StepVerdict[] }[] = [];
  for (let i = 0; i < curves.length; i++)
    for (let j = i + 1; j < curves.length; j++) {
      const a = curves[i] as Curve;
      const b = curves[j] as Curve;
      if (a.engine !== b.engine && a.variant !== b.variant) continue;
      out.push({ a: `${a.engine}: ${a.variant}`, b: `${b.engine}: ${b.variant}`, steps: verdict(a, b) });
    }
  return out;
}

async function runStudy(s: Study, previous: Curve[]) {
  const curves: Curve[] = previous.filter((c) => s.variants[c.variant] !== undefined);
  for (const [engine, run] of Object.entries(ENGINES))
    for (const [variant, project] of Object.entries(s.variants)) {
      if (VARIANT && !variant.includes(VARIANT)) continue;
      const runs = [];
      for (const seed of SEEDS) {
        const r = await run({
          name: `${s.key}/${variant}`,
          project,
          seed,
          steps: s.steps,
          every: s.every,
          metric: s.metric,
        });
        runs.push({ seed, ...r });
      }
      const c = summarize(engine, variant, s.metric, runs);
      const at = curves.findIndex((x) => x.engine === engine && x.variant === variant);
      if (at >= 0) curves[at] = c;
      else curves.push(c);
    }
  return {
    title: s.title,
    template: s.template,
    metric: s.metric,
    steps: s.steps,
    every: s.every,
    seeds: SEEDS,
    alpha: 0.05,
    curves,
    verdicts: verdicts(curves),
  };
}

async function main() {
  await selectBackend('wasm');
  const uptimeBefore = execSync('uptime').toString().trim();
  const dcgan = template('dcgan-mnist');
  const ring = template('toy-ring');
  const studies: Study[] = [
    {
      key: 'dcgan',
      title: 'MNIST DCGAN: FID',
      template: 'dcgan-mnist',
      metric: 'fid',
      steps: STEPS,
      every: 100,
      variants: {
        'defaults (tfjs glorotNormal, gamma 1)': withDefaults(dcgan),
        'paper (N(0,0.02), gamma N(1,0.02))': dcgan,
      },
    },
    {
      key: 'ring',
      title: '2D ring, WGAN-GP: modes covered (of 8)',
      template: 'toy-ring',
      metric: 'modesCovered',
      steps: RING_STEPS,
      every: 250,
      variants: {
        'template (ganvas defaults, tfjs glorotNormal)': ring,
        'reference code (He-uniform hidden, Glorot-uniform out)': ringReference(ring),
      },
    },
  ];
  const partial = ONLY !== undefined || VARIANT !== undefined;
  const stored = () => (readResults().parity as Record<string, { curves?: Curve[] }> | undefined) ?? {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of studies) {
    if (ONLY && ONLY !== s.key) continue;
    console.log(`${s.title}: ${s.steps} steps x ${SEEDS.length} seeds x ${Object.keys(s.variants).length} variants`);
    out[s.key] = await runStudy(s, []);
  }
  const uptimeAfter = execSync('uptime').toString().trim();
  const m = machine({ backend: 'wasm', uptimeBefore, uptimeAfter });
  // A partial run merges into what is stored (read just before writing: parallel parts finish at different times).
  const kept = partial ? stored() : {};
  for (const [key, study] of Object.entries(out)) {
    const before = (kept[key]?.curves ?? []).filter(
      (c) => !(study.curves as Curve[]).some((x) => x.engine === c.engine && x.variant === c.variant),
    );
    const curves = [...before, ...(study.curves as Curve[])];
    const machines = {
      ...((kept[key] as Record<string, unknown> | undefined)?.machines as object),
      [VARIANT ?? 'all']: m,
    };
    out[key] = { ...study, curves, verdicts: verdicts(curves), machine: m, machines };
  }
  writeSection('parity', { ...kept, machine: m, ...out });
  console.log(`done: ${uptimeAfter}`);
}

await main();
