/**
 * `ganvas train` and `ganvas compare`: the training engine with a progress
 * bar, metrics as JSON lines, sample pictures as PNG, checkpoints, and a
 * clean stop on Ctrl-C. Files are written whole (temp file + rename).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import cliProgress from 'cli-progress';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { DatasetParams } from '../core/data/catalog.js';
import type { DataAssets } from '../core/data/datasets.js';
import type { AdversarialKind } from '../core/nodes/training.js';
import type { Project } from '../core/project/schema.js';
import { selectBackend, type BackendPreference } from '../core/train/backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../core/train/checkpoint.js';
import { imageGrid, scatter2d, type Rgba } from '../core/train/images.js';
import { digitFid, type FidFn } from '../core/train/fid.js';
import { meanPairwiseDistance, modeCoverage } from '../core/train/metrics.js';
import { Trainer, type StepMetrics } from '../core/train/trainer.js';
import type { ProjectAnalysis } from '../core/validate.js';
import { loadImageFolder, loadMnist } from './assets.js';

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

export interface QualityFigures {
  step: number;
  /** Frechet distance of classifier features, generated vs real digits (MNIST 28x28 only). */
  fid?: number;
  modesCovered?: number;
  modesTotal?: number;
  highQuality?: number;
  diversity?: number;
  realDiversity?: number;
}

export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function png(img: Rgba): Buffer {
  const p = new PNG({ width: img.width, height: img.height });
  p.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(p);
}

/** What the project's datasets need from the disk. */
export function loadAssets(project: Project, dataPath?: string): DataAssets {
  const assets: DataAssets = {};
  for (const n of project.training?.nodes ?? []) {
    if (n.type !== 'Dataset') continue;
    const p = n.params as DatasetParams;
    if (p.source === 'mnist' || p.source === 'mnist-edges' || p.source === 'mnist-two-domains') assets.mnist ??= loadMnist();
    if (p.source === 'folder') {
      const dir = dataPath ?? p.path;
      if (!dir) throw new Error(`Dataset '${n.id}' reads a folder of images: give it with --data DIR.`);
      assets.folder = loadImageFolder(dir, p.width, p.height, p.channels);
    }
  }
  return assets;
}

/**
 * For 28x28 single-channel samples: the Frechet distance between the
 * committed classifier's features of the samples and of 1,000 held-out real
 * digits. Undefined when the classifier is not there.
 */
export async function makeFid(): Promise<FidFn | undefined> {
  const { CLASSIFIER_DIR, loadFeatureExtractor } = await import('./classifier.js');
  if (!existsSync(join(CLASSIFIER_DIR, 'model.json'))) return undefined;
  return digitFid(await loadFeatureExtractor(), loadMnist());
}

/** Samples for pictures and quality figures. */
async function quality(trainer: Trainer, step: number, fid?: FidFn): Promise<{ figures: QualityFigures; picture?: Rgba }> {
  const figures: QualityFigures = { step };
  const modes = trainer.modes();
  const n = modes ? 1000 : 64;
  const fake = trainer.generate(n);
  const fakeData = (await fake.data()) as Float32Array;
  const shape = fake.shape;
  fake.dispose();
  const perSample = fakeData.length / n;
  figures.diversity = meanPairwiseDistance(fakeData.subarray(0, Math.min(n, 64) * perSample), Math.min(n, 64)) / Math.sqrt(perSample);
  let picture: Rgba | undefined;
  if (modes && perSample === 2) {
    const cov = modeCoverage(fakeData, modes.centers, modes.std);
    figures.modesCovered = cov.covered;
    figures.modesTotal = cov.total;
    figures.highQuality = cov.highQuality;
    const real = trainer.realSamples(500);
    const realData = (await real.data()) as Float32Array;
    real.dispose();
    figures.realDiversity = meanPairwiseDistance(realData.subarray(0, 128), 64) / Math.sqrt(2);
    const extent = Math.max(...modes.centers.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.5 + 0.5;
    picture = scatter2d(realData, fakeData, extent);
  } else if (shape.length === 4) {
    const [, h, w, c] = shape as [number, number, number, number];
    picture = imageGrid(fakeData, n, h, w, c, 8);
    if (fid && h === 28 && w === 28 && c === 1) {
      const many = trainer.generate(500, 777);
      figures.fid = await fid(many);
      many.dispose();
    }
  }
  return { figures, ...(picture ? { picture } : {}) };
}

export async function runTraining(analysis: ProjectAnalysis, opts: TrainOptions, shouldStop: () => boolean = () => false): Promise<RunResult> {
  const project = analysis.project as Project;
  const settings = project.training!.settings;
  const steps = opts.steps ?? settings.steps;
  const choice = await selectBackend(opts.backend ?? 'auto');
  const assets = loadAssets(project, opts.data);
  mkdirSync(join(opts.out, 'samples'), { recursive: true });
  const trainer = new Trainer(analysis, {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.batch !== undefined ? { batchSize: opts.batch } : {}),
    ...(opts.overrideLoss ? { overrideLoss: opts.overrideLoss } : {}),
    assets,
  });
  if (opts.resume) {
    const { header, tensors } = decodeCheckpoint(new Uint8Array(readFileSync(opts.resume)));
    await trainer.restore({ step: header.step, tensors });
    tf.dispose(tensors.map((t) => t.tensor));
  }
  const log = (s: string) => {
    if (opts.progress !== 'none') process.stderr.write(`${s}\n`);
  };
  log(`${opts.label ?? project.name}: backend ${choice.name} (${choice.reason}); batch ${trainer.batchSize}, seed ${trainer.seed}, ${steps} steps${opts.resume ? ` from step ${trainer.step}` : ''}; writing ${opts.out}`);
  writeAtomic(join(opts.out, 'run.json'), JSON.stringify({ project: project.name, backend: choice.name, backendReason: choice.reason, seed: trainer.seed, batchSize: trainer.batchSize, steps, loss: opts.overrideLoss ?? null, started: new Date().toISOString() }, null, 2));

  // Metrics are appended a whole line at a time, so the file can be followed while training.
  const metricsPath = join(opts.out, 'metrics.jsonl');
  if (!opts.resume) writeFileSync(metricsPath, '');
  const appendMetric = (record: object) => appendFileSync(metricsPath, `${JSON.stringify(record)}\n`);
  const history: StepMetrics[] = [];
  const qualityHistory: QualityFigures[] = [];
  const every = settings.sampleEvery;
  const bar =
    opts.progress === 'bar'
      ? new cliProgress.SingleBar(
          { format: `${opts.label ? `${opts.label} ` : ''}[{bar}] {value}/{total} | D {d} | G {g} | {rate} steps/s | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(steps, trainer.step, { d: '-', g: '-', rate: '-' });
  const t0 = performance.now();
  const startStep = trainer.step;
  let status: RunResult['status'] = 'done';
  let reason: string | undefined;
  const checkpointPath = join(opts.out, 'checkpoint.gnvs');
  const saveCheckpoint = async () => {
    const state = await trainer.state();
    writeAtomic(checkpointPath, await encodeCheckpoint(state, project.name));
    tf.dispose(state.tensors.map((t) => t.tensor));
  };

  const usesDigits = project.training!.nodes.some((n) => n.type === 'Dataset' && (n.params as DatasetParams).source === 'mnist');
  const fid = usesDigits ? await makeFid() : undefined;
  const record = async (force: boolean) => {
    const step = trainer.step;
    if (!force && step % every !== 0) return;
    const { figures, picture } = await quality(trainer, step, fid);
    qualityHistory.push(figures);
    appendMetric({ type: 'quality', ...figures });
    if (picture) writeAtomic(join(opts.out, 'samples', `step-${String(step).padStart(6, '0')}.png`), png(picture));
  };

  await record(true);
  await saveCheckpoint(); // so that a run that diverges early still has a last good checkpoint
  let lastLine = performance.now();
  while (trainer.step < steps) {
    if (shouldStop()) {
      status = 'interrupted';
      reason = `stopped at step ${trainer.step}`;
      break;
    }
    const m = await trainer.trainStep();
    // Reading results resolves in microtasks only: yield to the event loop so that Ctrl-C gets through.
    await new Promise((r) => setImmediate(r));
    const bad = trainer.divergence(m);
    appendMetric({ type: 'step', ...m });
    history.push(m);
    if (bad) {
      status = 'diverged';
      reason = bad;
      break;
    }
    const rate = (trainer.step - startStep) / ((performance.now() - t0) / 1000);
    if (bar) bar.update(trainer.step, { d: (m.losses.D ?? 0).toFixed(3), g: (m.losses.G ?? 0).toFixed(3), rate: rate.toFixed(1) });
    else if (opts.progress === 'lines' && (trainer.step % Math.max(1, Math.floor(steps / 20)) === 0 || trainer.step === steps || performance.now() - lastLine > 5000)) {
      lastLine = performance.now();
      log(`${opts.label ? `${opts.label} ` : ''}step ${trainer.step}/${steps} D ${(m.losses.D ?? 0).toFixed(4)} G ${(m.losses.G ?? 0).toFixed(4)} ${rate.toFixed(1)} steps/s`);
    }
    await record(false);
    if (trainer.step % settings.checkpointEvery === 0) {
      await saveCheckpoint();
    }
  }
  bar?.stop();
  // A diverged run keeps the last good checkpoint; others save where they stopped.
  if (status !== 'diverged') {
    if (trainer.step % every !== 0) await record(true);
    await saveCheckpoint();
    await saveGenerator(trainer, opts.out);
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: RunResult = { status, ...(reason ? { reason } : {}), steps: trainer.step, backend: choice.name, backendReason: choice.reason, history, quality: qualityHistory, seconds };
  writeAtomic(join(opts.out, 'result.json'), JSON.stringify({ status, reason: reason ?? null, steps: trainer.step, backend: choice.name, seconds, stepsPerSecond: (trainer.step - startStep) / seconds, lastQuality: qualityHistory[qualityHistory.length - 1] ?? null }, null, 2));
  trainer.dispose();
  return result;
}

/** Saves the generator in tfjs' LayersModel format (model.json + weights.bin). */
async function saveGenerator(trainer: Trainer, out: string): Promise<void> {
  const node = trainer.sampleNode();
  if (!node) return;
  const model = trainer.models.get(node.params.model as string) as tfl.LayersModel;
  const dir = join(out, 'generator');
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weightsManifest = [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }];
      writeAtomic(join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', generatedBy: 'ganvas', convertedBy: null, weightsManifest }));
      const w = a.weightData as ArrayBuffer;
      writeAtomic(join(dir, 'weights.bin'), new Uint8Array(w));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
