/**
 * Progressive growing at work (issue 17.1): `ganvas train` on
 * templates/progan-mnist.json with a schedule short enough for this machine
 * (each doubling fades in over 1,600 images and trains 1,600 more: 100 steps
 * per phase at batch 16, 32x32 from step 600), EMA 0.99 (the template's 0.999
 * lags a run this short), FID of the EMA samples every 100 steps (the digit
 * figures at 32x32, docs/training.md). Records the resolution and alpha of
 * every evaluated step and the FID curve. Writes bench/results.json (key
 * progressive).
 *
 *   npx tsx bench/progressive.ts [--steps 800] [--run DIR]
 *
 * --run DIR reads a run this script's command already made there (its
 * run.json must name the same project, steps and batch) instead of training.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../src/cli/assets.js';
import { machine, writeSection } from './common.js';

const args = parseArgs({ options: { steps: { type: 'string' }, run: { type: 'string' } } }).values;
const STEPS = Number(args.steps ?? 800);
const IMAGES = 1600;

const p = JSON.parse(readFileSync(join(ROOT, 'templates/progan-mnist.json'), 'utf8'));
const grow = p.training.nodes.find((n: { type: string }) => n.type === 'Progressive');
grow.params = { ...grow.params, fadeImages: IMAGES, stableImages: IMAGES };
p.training.settings = {
  ...p.training.settings,
  emaDecay: 0.99,
  sampleEvery: 50,
  earlyStopping: { metric: 'fid', every: 100, stop: false },
};
const tmp = mkdtempSync(join(tmpdir(), 'ganvas-progressive-'));
const project = join(tmp, 'progan-bench.json');
writeFileSync(project, JSON.stringify(p));
const command = `ganvas train progan-mnist.json (fadeImages = stableImages = ${IMAGES}, emaDecay 0.99, FID every 100) --steps ${STEPS}`;

const loadStart = execSync('uptime').toString().trim();
let out = args.run;
if (!out) {
  out = join(tmp, 'run');
  execFileSync(
    process.execPath,
    [join(ROOT, 'bin/ganvas.js'), 'train', project, '--steps', String(STEPS), '--out', out],
    {
      stdio: 'inherit',
    },
  );
}
const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
if (run.project !== p.name || run.steps !== STEPS || run.batchSize !== p.training.settings.batchSize)
  throw new Error(`${out} is not a run of this benchmark's command (${JSON.stringify(run)})`);
const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const phaseAt = new Map<number, { resolution: number; alpha: number }>();
for (const l of lines) if (l.type === 'step' && l.progressive) phaseAt.set(l.step, l.progressive);
const curve = lines
  .filter((l) => l.type === 'evaluation')
  .map((l) => ({
    step: l.step as number,
    resolution: phaseAt.get(l.step)?.resolution,
    alpha: phaseAt.get(l.step)?.alpha,
    fid: l.quality.fid as number,
    inceptionScore: l.quality.inceptionScore as number,
    precision: l.quality.precision as number,
    recall: l.quality.recall as number,
  }));
const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
writeSection('progressive', {
  machine: machine(),
  command,
  backend: run.backend,
  batch: run.batchSize,
  steps: STEPS,
  seconds: result.seconds ?? null,
  load: args.run
    ? 'a run made earlier by this command (--run)'
    : `${loadStart} / ${execSync('uptime').toString().trim()}`,
  curve,
  samples: existsSync(join(out, 'samples')) ? 'sample grids every 50 steps in the run folder' : null,
});
console.log(JSON.stringify(curve, null, 2));
