/**
 * `ganvas train` and `ganvas compare`: the training engine with a progress
 * bar, metrics as JSON lines, sample pictures as PNG, checkpoints, and a
 * clean stop on Ctrl-C. Files are written whole (temp file + rename).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';
import type { DataAssets, DatasetParams } from '../core/data/index.js';
import type { AdversarialKind } from '../core/nodes/index.js';
import type { Project } from '../core/project/index.js';
import { LIMITS } from '../core/project/index.js';
import type { BackendPreference, StepMetrics } from '../core/train/index.js';
import {
  CheckpointError,
  checkCheckpoint,
  describePhase,
  type EarlyStopState,
  fmtFigure,
  generatorModelJson,
  METRIC_INFO,
  projectHash,
  type QualityFigures,
  TrainingSession,
} from '../core/train/index.js';
import type { ProjectAnalysis } from '../core/validate.js';
import { loadImageFolder, loadMnist } from './assets.js';
import type { C2paSigner } from './c2pa.js';
import { readBytes, writeAtomic } from './io.js';
import { CLI_TOOL, encodePng } from './png.js';

export type { QualityFigures };
export { writeAtomic };

tf.env().set('PROD', true);

export interface TrainOptions {
  steps?: number;
  batch?: number;
  seed?: number;
  backend?: BackendPreference;
  data?: string;
  out: string;
  resume?: string;
  overrideLoss?: AdversarialKind;
  /** Progress output: a bar on a terminal, lines otherwise, nothing when quiet. */
  progress?: 'bar' | 'lines' | 'none';
  label?: string;
  /** Signs every sample picture with C2PA content credentials (docs/provenance.md). */
  signer?: C2paSigner;
}

export interface RunResult {
  status: 'done' | 'diverged' | 'interrupted';
  reason?: string;
  steps: number;
  backend: string;
  backendReason: string;
  history: StepMetrics[];
  quality: QualityFigures[];
  seconds: number;
}

/** What the project's datasets need from the disk. */
export function loadAssets(project: Project, dataPath?: string): DataAssets {
  const assets: DataAssets = {};
  for (const n of project.training?.nodes ?? []) {
    if (n.type !== 'Dataset') continue;
    const p = n.params as DatasetParams;
    if (p.source === 'mnist' || p.source === 'mnist-edges' || p.source === 'mnist-two-domains')
      assets.mnist ??= loadMnist();
    if (p.source === 'folder') {
      const dir = dataPath ?? p.path;
      if (!dir) throw new Error(`Dataset '${n.id}' reads a folder of images: give it with --data DIR.`);
      assets.folder = loadImageFolder(dir, p.width, p.height, p.channels);
    }
  }
  return assets;
}

export async function runTraining(
  analysis: ProjectAnalysis,
  opts: TrainOptions,
  shouldStop: () => boolean = () => false,
): Promise<RunResult> {
  const project = analysis.project as Project;
  const settings = project.training!.settings;
  const steps = opts.steps ?? settings.steps;
  // Everything that can be refused is checked before the first file is written.
  const checkpoint = opts.resume ? await readCheckpoint(opts.resume) : undefined;
  const earlyStop = opts.resume && checkpoint ? readEarlyStop(opts.resume, checkpoint) : undefined;
  const assets = loadAssets(project, opts.data);
  const loss = opts.overrideLoss ? { overrideLoss: opts.overrideLoss } : {};
  if ((opts.backend ?? 'auto') === 'auto') {
    // On a machine with a GPU, auto measures WebGPU (Dawn) beside WASM; a software adapter is not offered (it is
    // ~100x slower than WASM), and no GPU leaves auto as it was.
    const { probeNodeGpu, offerNodeWebGpu } = await import('./webgpu.js');
    const gpu = probeNodeGpu();
    if (gpu?.present && !gpu.software) await offerNodeWebGpu();
  }
  if (opts.backend === 'webgpu') {
    const { offerNodeWebGpu, NO_ADAPTER } = await import('./webgpu.js');
    const why = await offerNodeWebGpu();
    if (why) throw new Error(`--backend webgpu: ${why}`);
    const { probeWebGpuAdapter } = await import('../core/train/index.js');
    if (!(await probeWebGpuAdapter()).present) throw new Error(`--backend webgpu: ${NO_ADAPTER}`);
  }
  let session: TrainingSession;
  try {
    session = await TrainingSession.create({
      runs: [{ label: opts.label ?? project.name, analysis, ...loss }],
      backend: opts.backend ?? 'auto',
      assets,
      steps,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.batch !== undefined ? { batchSize: opts.batch } : {}),
      ...(checkpoint ? { checkpoint } : {}),
      ...(earlyStop ? { earlyStop } : {}),
      classifier: async () => (await import('./classifier.js')).loadClassifier(),
    });
  } catch (e) {
    // Trainer.restore: a checkpoint of another project, named as such.
    if (e instanceof CheckpointError && opts.resume) throw new Error(`checkpoint ${opts.resume}: ${e.message}`);
    throw e;
  }
  mkdirSync(join(opts.out, 'samples'), { recursive: true });
  const choice = session.backend!;
  const stepNow = () => session.steps[0] as number;
  const log = (s: string) => {
    if (opts.progress !== 'none') process.stderr.write(`${s}\n`);
  };
  const from = opts.resume ? ` from step ${stepNow()}` : '';
  log(
    `${opts.label ?? project.name}: backend ${choice.name} (${choice.reason}); batch ${session.batchSize}, ` +
      `seed ${session.seed}, ${steps} steps${from}; writing ${opts.out}`,
  );
  const runInfo = {
    project: project.name,
    backend: choice.name,
    backendReason: choice.reason,
    seed: session.seed,
    batchSize: session.batchSize,
    steps,
    loss: opts.overrideLoss ?? null,
    started: new Date().toISOString(),
  };
  writeAtomic(join(opts.out, 'run.json'), JSON.stringify(runInfo, null, 2));

  // Metrics are appended a whole line at a time, so the file can be followed while training.
  const metricsPath = join(opts.out, 'metrics.jsonl');
  if (!opts.resume) writeFileSync(metricsPath, '');
  const appendMetric = (record: object) => appendFileSync(metricsPath, `${JSON.stringify(record)}\n`);
  const history: StepMetrics[] = [];
  const qualityHistory: QualityFigures[] = [];
  const every = settings.sampleEvery;
  const label = opts.label ? `${opts.label} ` : '';
  const bar =
    opts.progress === 'bar'
      ? new cliProgress.SingleBar(
          {
            format: `${label}[{bar}] {value}/{total} | D {d} | G {g}{stage} | {rate} steps/s | ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(steps, stepNow(), { d: '-', g: '-', rate: '-', stage: '' });
  const t0 = performance.now();
  const startStep = stepNow();
  const checkpointPath = join(opts.out, 'checkpoint.gnvs');
  const saveCheckpoint = async () => {
    writeAtomic(checkpointPath, await session.checkpoint());
    // The early-stopping rule's state at the checkpoint's step, beside it: a resumed run carries on with it.
    const es = session.earlyStopping();
    if (es) writeAtomic(`${checkpointPath}.early-stop.json`, JSON.stringify({ step: stepNow(), state: es }));
  };

  // Early stopping (settings.earlyStopping): each new best is written to best/ beside the last checkpoint.
  const bestDir = join(opts.out, 'best');
  const saveBest = async () => {
    const b = session.best();
    if (!b) return;
    mkdirSync(bestDir, { recursive: true });
    writeAtomic(join(bestDir, 'checkpoint.gnvs'), b.checkpoint);
    if (b.generator) {
      mkdirSync(join(bestDir, 'generator'), { recursive: true });
      writeAtomic(join(bestDir, 'generator', 'model.json'), generatorModelJson(b.generator, 'weights.bin'));
      writeAtomic(join(bestDir, 'generator', 'weights.bin'), new Uint8Array(b.generator.weightData));
    }
    const info = { step: b.step, metric: b.metric, value: b.value, quality: b.quality };
    writeAtomic(join(bestDir, 'best.json'), JSON.stringify(info, null, 2));
  };
  const early = session.earlyStopping();
  if (early)
    log(
      `early stopping on ${METRIC_INFO[early.metric].label} every ${early.every} steps` +
        ` (patience ${project.training!.settings.earlyStopping!.patience}); the best is kept in ${bestDir}`,
    );

  const hash = projectHash(project);
  const record = async (force: boolean) => {
    const step = stepNow();
    if (!force && step % every !== 0) return;
    const { quality, picture } = (await session.sample())[0]!;
    qualityHistory.push(quality);
    appendMetric({ type: 'quality', ...quality });
    if (picture) {
      const provenance = { project: project.name, projectHash: hash, step, seed: session.seed, tool: CLI_TOOL };
      const file = join(opts.out, 'samples', `step-${String(step).padStart(6, '0')}.png`);
      writeAtomic(file, await encodePng(picture, provenance, opts.signer));
    }
  };

  await record(true);
  await saveCheckpoint(); // so that a run that diverges early still has a last good checkpoint
  let lastLine = performance.now();
  while (!session.stopped) {
    if (shouldStop()) session.requestStop();
    const { metrics, stop, evaluations } = await session.step();
    // Reading results resolves in microtasks only: yield to the event loop so that Ctrl-C gets through.
    if (metrics.length > 0) await new Promise((r) => setImmediate(r));
    for (const m of metrics) {
      appendMetric({ type: 'step', ...m });
      history.push(m);
    }
    for (const ev of evaluations ?? []) {
      const { run: _run, quality, ...rest } = ev;
      appendMetric({ type: 'evaluation', ...rest, quality });
      const label = METRIC_INFO[ev.metric].label;
      const best = `best ${fmtFigure(ev.best.value)} at step ${fmtFigure(ev.best.step)}`;
      if (ev.improved) await saveBest();
      if (opts.progress === 'lines')
        log(
          `step ${ev.step}: ${label} ${fmtFigure(ev.value)}${ev.improved ? ' (new best, saved to best/)' : `; ${best}`}`,
        );
    }
    if (stop && stop.kind !== 'steps') break;
    const m = metrics[0] as StepMetrics;
    const now = stepNow();
    const rate = (now - startStep) / ((performance.now() - t0) / 1000);
    const d = (m.losses.D ?? 0).toFixed(3);
    const g = (m.losses.G ?? 0).toFixed(3);
    // Progressive growing: the resolution in use, and the fade-in's alpha during a fade.
    const stage = m.progressive ? ` | ${describePhase(m.progressive)}` : '';
    if (bar) bar.update(now, { d, g, rate: rate.toFixed(1), stage });
    else if (
      opts.progress === 'lines' &&
      (now % Math.max(1, Math.floor(steps / 20)) === 0 || now === steps || performance.now() - lastLine > 5000)
    ) {
      lastLine = performance.now();
      const losses = `D ${(m.losses.D ?? 0).toFixed(4)} G ${(m.losses.G ?? 0).toFixed(4)}`;
      log(`${label}step ${now}/${steps} ${losses}${stage} ${rate.toFixed(1)} steps/s`);
    }
    await record(false);
    if (now % settings.checkpointEvery === 0) await saveCheckpoint();
  }
  bar?.stop();
  const stop = session.stopped;
  const status: RunResult['status'] =
    stop?.kind === 'diverged' ? 'diverged' : stop?.kind === 'requested' ? 'interrupted' : 'done';
  // A run that stopped early is done; the reason says why and which step was best.
  const reason = status === 'done' && stop?.kind !== 'early' ? undefined : stop?.message;
  // A diverged run keeps the last good checkpoint; others save where they stopped.
  if (status !== 'diverged') {
    if (stepNow() % every !== 0) await record(true);
    await saveCheckpoint();
    await saveGenerator(session, opts.out);
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: RunResult = {
    status,
    ...(reason ? { reason } : {}),
    steps: stepNow(),
    backend: choice.name,
    backendReason: choice.reason,
    history,
    quality: qualityHistory,
    seconds,
  };
  const summary = {
    status,
    reason: reason ?? null,
    steps: stepNow(),
    backend: choice.name,
    seconds,
    stepsPerSecond: (stepNow() - startStep) / seconds,
    lastQuality: qualityHistory[qualityHistory.length - 1] ?? null,
    ...(early ? { earlyStopping: session.earlyStopping() ?? null, best: bestSummary(session) } : {}),
  };
  writeAtomic(join(opts.out, 'result.json'), JSON.stringify(summary, null, 2));
  session.dispose();
  return result;
}

/** The best step of an early-stopped run, for result.json (a resumed run may have found it before the resume). */
function bestSummary(session: TrainingSession): object | null {
  const b = session.best();
  if (b) return { step: b.step, metric: b.metric, value: b.value, quality: b.quality, dir: 'best' };
  const s = session.earlyStopping();
  return s?.best ? { ...s.best, metric: s.metric, dir: 'best' } : null;
}

/** The early-stopping state saved beside a checkpoint (FILE.early-stop.json), when it is of the checkpoint's step. */
function readEarlyStop(resume: string, checkpoint: Uint8Array): EarlyStopState | undefined {
  const file = `${resume}.early-stop.json`;
  if (!existsSync(file)) return undefined;
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { step?: unknown; state?: EarlyStopState };
    return j.step === checkCheckpoint(checkpoint).header.step ? j.state : undefined;
  } catch {
    return undefined; // unreadable: the rule starts afresh
  }
}

/** Reads and checks a checkpoint file as a whole; an Error "checkpoint FILE: what is wrong" otherwise. */
export async function readCheckpoint(path: string): Promise<Uint8Array> {
  const r = await readBytes(path, LIMITS.maxCheckpointBytes);
  if (!r.ok) throw new Error(`checkpoint ${r.message.replace(/^Cannot read /, '')}`);
  try {
    checkCheckpoint(r.bytes);
  } catch (e) {
    if (e instanceof CheckpointError) throw new Error(`checkpoint ${path}: ${e.message}`);
    throw e;
  }
  return r.bytes;
}

/** Saves the generator in tfjs' LayersModel format (model.json + weights.bin). */
async function saveGenerator(session: TrainingSession, out: string): Promise<void> {
  const a = await session.generator();
  if (!a) return;
  const dir = join(out, 'generator');
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'model.json'), generatorModelJson(a, 'weights.bin'));
  writeAtomic(join(dir, 'weights.bin'), new Uint8Array(a.weightData));
}
