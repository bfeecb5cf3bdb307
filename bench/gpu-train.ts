/**
 * Training speed of every shipped template, as shipped (full size, its own
 * batch), on one backend in Node: `wasm` (one thread) or `webgpu` (Dawn's Node
 * bindings, the optional `webgpu` package: the CLI's `--backend webgpu`). Made
 * to run on a machine with a GPU, bundled (bench/device/prepare.sh, run by bench/device/run.sh), so it
 * imports nothing of the browser tooling. Writes one JSON file, rewritten
 * after every template, so a run cut short keeps what it measured.
 *
 *   npx tsx bench/gpu-train.ts --backend webgpu --out gpu-webgpu.json [--templates a.json,b.json] [--budget-ms 4000]
 *
 * Per template: the first step (shader compilation and uploads included) is
 * timed alone; after one more warm-up step, steps are timed until the budget
 * is spent (at least 2, at most 200). A step ends with the trainer's one read
 * of its figures, so the GPU's work is inside the timing. Errors (a model that
 * does not fit) are recorded per template, not thrown. Each template runs in a
 * process of its own (a WASM heap that aborted, or a lost GPU device, would
 * poison the next ones), each with a time limit (--limit-s, default 120).
 */
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { offerNodeWebGpu } from '../src/cli/webgpu.js';
import { probeWebGpuAdapter, selectBackend } from '../src/core/train/backend.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';
import { flopsPerStep, syntheticFolder } from './step-common.js';

const { values: opt } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string' },
    'budget-ms': { type: 'string', default: '4000' },
    'slow-first-ms': { type: 'string', default: '20000' },
    'templates-dir': { type: 'string', default: join(ROOT, 'templates') },
    templates: { type: 'string' },
    'limit-s': { type: 'string', default: '120' },
    child: { type: 'boolean', default: false },
  },
});
const backend = opt.backend as 'wasm' | 'webgpu';
const out = opt.out ?? `gpu-train-${backend}.json`;
const budgetMs = Number(opt['budget-ms']);
/** A first step slower than this is the only one timed (a CPU backend on the biggest templates). */
const slowFirstMs = Number(opt['slow-first-ms']);
const templatesDir = opt['templates-dir'] as string;
const files =
  opt.templates?.split(',') ??
  readdirSync(templatesDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
const limitS = Number(opt['limit-s']);

interface Row {
  template: string;
  batch: number;
  params?: number;
  firstStepMs?: number;
  stepsTimed?: number;
  msPerStep?: number;
  stepsPerSecond?: number;
  gflopPerStep?: number;
  gflops?: number;
  error?: string;
}
interface Doc {
  backend: string;
  adapter?: string;
  rows: Row[];
  [key: string]: unknown;
}

/** The line of a crashed child's stderr that says what went wrong (not Node's version banner after it). */
function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^Node\.js v/.test(l));
  return ([...lines].reverse().find((l) => /error|abort|fault|memory/i.test(l)) ?? lines.pop() ?? '').slice(0, 300);
}

if (!opt.child) {
  // One process per template; the rows are gathered here, the machine's description from the first child.
  let doc: Doc | undefined;
  const rows: Row[] = [];
  for (const file of files) {
    const part = `${out}.${file}.part`;
    rmSync(part, { force: true });
    const args = [
      ...[process.argv[1] as string, '--child', '--backend', backend, '--templates-dir', templatesDir],
      ...['--budget-ms', String(budgetMs), '--slow-first-ms', String(slowFirstMs), '--templates', file, '--out', part],
    ];
    const r = spawnSync(process.execPath, [...process.execArgv, ...args], { encoding: 'utf8', timeout: limitS * 1000 });
    process.stdout.write(r.stdout ?? '');
    const got = existsSync(part) ? (JSON.parse(readFileSync(part, 'utf8')) as Doc) : undefined;
    rmSync(part, { force: true });
    const row = got?.rows[0];
    if (got && row && (row.msPerStep !== undefined || row.error)) {
      doc ??= got;
      rows.push(row);
    } else {
      const why = r.error ? `stopped after ${limitS} s` : lastError(r.stderr ?? '') || `exit ${r.status ?? r.signal}`;
      rows.push({ ...(row ?? { template: file, batch: 0 }), error: why });
      console.log(`${file} ${backend}: ${why}`);
    }
    writeFileSync(out, `${JSON.stringify({ ...(doc ?? { backend }), rows }, null, 2)}\n`);
  }
  process.exit(0);
}

tf.env().set('PROD', true);
let adapter: string | undefined;
if (backend === 'webgpu') {
  const why = await offerNodeWebGpu();
  if (why) throw new Error(why);
  const probe = await probeWebGpuAdapter();
  if (!probe.present) throw new Error(`no WebGPU adapter (${probe.label})`);
  adapter = `${probe.label}${probe.software ? ' (software)' : ''}`;
}
await selectBackend(backend);
const mnist = loadMnist();
const folder = syntheticFolder(256, 64);

const rows: Row[] = [];
const started = new Date().toISOString();

function write(): void {
  const doc = {
    backend,
    ...(adapter ? { adapter } : {}),
    tfjs: tf.version_core,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg()[0],
    started,
    budgetMs,
    method:
      'each template as shipped, its own batch; first step timed alone, one more warm-up step, then steps timed until the budget (2 to 200); GFLOP/s from the registry (bench/step-common.ts)',
    rows,
  };
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, out);
}

for (const file of files) {
  const text = readFileSync(join(templatesDir, file), 'utf8');
  const a = validateProjectText(text);
  const batch = a.project?.training?.settings.batchSize ?? 0;
  const row: Row = { template: file, batch };
  rows.push(row);
  let trainer: Trainer | undefined;
  try {
    if (!a.project) throw new Error(`${file} does not validate: ${a.diagnostics[0]?.message}`);
    row.gflopPerStep = flopsPerStep(a, batch) / 1e9;
    trainer = new Trainer(a, { seed: 0, batchSize: batch, assets: { mnist, folder } });
    let t0 = performance.now();
    await trainer.trainStep();
    row.firstStepMs = performance.now() - t0;
    row.params = [...trainer.models.values()].reduce((n, m) => n + m.countParams(), 0);
    let steps = 0;
    let ms = row.firstStepMs;
    if (row.firstStepMs < slowFirstMs) {
      await trainer.trainStep();
      t0 = performance.now();
      while (steps < 200 && (steps < 2 || performance.now() - t0 < budgetMs)) {
        await trainer.trainStep();
        steps++;
      }
      ms = (performance.now() - t0) / steps;
    } else steps = 1;
    row.stepsTimed = steps;
    row.msPerStep = ms;
    row.stepsPerSecond = 1000 / ms;
    row.gflops = row.gflopPerStep / (ms / 1000);
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0]?.slice(0, 300);
  } finally {
    try {
      trainer?.dispose();
    } catch {
      // A trainer that failed half-way may not dispose cleanly; the next template starts from fresh models.
    }
  }
  console.log(
    row.error
      ? `${file} ${backend}: ${row.error}`
      : `${file} ${backend} batch ${batch}: first step ${row.firstStepMs?.toFixed(0)} ms, ${row.msPerStep?.toFixed(1)} ms/step (${row.stepsTimed} steps), ${row.gflops?.toFixed(1)} GFLOP/s`,
  );
  write();
}
