/**
 * One training session, the same for every shell (`ganvas train`, `ganvas
 * compare`, the editor's training panel on the page or in its worker): the
 * Trainer of each run (a comparison has several, stepped together), the stop
 * conditions (steps reached, divergence, stop requested), sample pictures and
 * quality figures, checkpoints, and the generator's artifacts. The shells do
 * the I/O: files, PNG, progress bars on one side; canvases, worker messages
 * and downloads on the other.
 *
 * Pure core: no React, no DOM-only and no Node-only API.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { datasetParamsSchema } from '../data/catalog.js';
import type { DataAssets } from '../data/datasets.js';
import type { AdversarialKind } from '../nodes/training.js';
import { type ProjectAnalysis, validateProjectValue } from '../validate.js';
import {
  type BackendChoice,
  type BackendPreference,
  backendCacheKey,
  deviceDescription,
  type SelectOptions,
  selectBackend,
} from './backend.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { digitFid, type FidFn, featureExtractor } from './fid.js';
import { imageGrid, type Rgba, scatter2d } from './images.js';
import { meanPairwiseDistance, modeCoverage } from './metrics.js';
import { type StepMetrics, Trainer } from './trainer.js';

export class SessionError extends Error {}

/** One run of a session: a validated project, optionally with its adversarial loss swapped. */
export interface SessionRun {
  label: string;
  analysis: ProjectAnalysis;
  overrideLoss?: AdversarialKind;
}

export interface SessionOptions {
  runs: SessionRun[];
  /** Picks (and sets) the tfjs backend; left out, the current backend is used. */
  backend?: BackendPreference;
  /**
   * A choice auto already made elsewhere (the page measures, then starts a worker for WASM): that backend is
   * set, and the choice's reason kept.
   */
  backendChoice?: BackendChoice;
  /** Where auto's measurements persist beyond this session (the page passes localStorage). */
  backendCache?: SelectOptions['cache'];
  /** Data the datasets need (digits, a folder's images), loaded by the shell. */
  assets?: DataAssets;
  seed?: number;
  batchSize?: number;
  /** Stop when every run has reached this step; left out, no limit. */
  steps?: number;
  /** A checkpoint (GNVS bytes) to continue the first run from. */
  checkpoint?: Uint8Array;
  /**
   * The digit classifier (public/models/mnist-classifier), for the FID of
   * runs that generate 28x28x1 digits from the MNIST dataset; the shell loads
   * it (a file, a URL). Undefined (or resolving to undefined): no FID.
   */
  classifier?: () => Promise<tfl.LayersModel | undefined>;
}

/** Quality figures of a run's samples at one step: the same figures in every shell. */
export interface QualityFigures {
  step: number;
  /** Mean pairwise distance of 64 samples, per sqrt(values per sample). */
  diversity?: number;
  /** 2D mixtures: modes holding at least a quarter of their fair share of 1,000 samples. */
  modesCovered?: number;
  modesTotal?: number;
  /** 2D mixtures: share of samples within 3 std of a mode. */
  highQuality?: number;
  /** 2D mixtures: the diversity of real samples, for reference. */
  realDiversity?: number;
  /** Frechet distance of classifier features, 500 generated vs 1,000 real digits (MNIST 28x28 only). */
  fid?: number;
}

/** A run's sample picture (an image grid, or 2D points over D's decision surface) and its quality figures. */
export interface RunSample {
  run: number;
  step: number;
  picture?: Rgba;
  quality: QualityFigures;
}

export type StopReason =
  | { kind: 'steps'; message: string }
  | { kind: 'diverged'; run: number; label: string; message: string }
  | { kind: 'requested'; message: string };

export interface SessionStep {
  /** One entry per run stepped (runs already at the target step are not). */
  metrics: StepMetrics[];
  /** Set when this step ended the session. */
  stop?: StopReason;
}

/** The generator in tfjs' LayersModel format: what model.json describes and weights.bin holds. */
export interface GeneratorArtifacts {
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** model.json for the generator's artifacts, its weights in the file `weightsPath`. */
export function generatorModelJson(a: GeneratorArtifacts, weightsPath: string): string {
  const weightsManifest = [{ paths: [weightsPath], weights: a.weightSpecs }];
  const { modelTopology } = a;
  const json = { modelTopology, format: 'layers-model', generatedBy: 'ganvas', convertedBy: null, weightsManifest };
  return JSON.stringify(json);
}

/** Whether a project trains on the bundled digits (then its 28x28x1 samples get a FID). */
export function usesDigits(a: ProjectAnalysis): boolean {
  return (a.project?.training?.nodes ?? []).some(
    (n) => n.type === 'Dataset' && datasetParamsSchema.safeParse(n.params ?? {}).data?.source === 'mnist',
  );
}

/** A project value validated for a run, or an error naming the run. */
export function analyzeRun(project: unknown, label: string): ProjectAnalysis {
  const a = validateProjectValue(project);
  if (a.status !== 'ok') {
    const first = a.diagnostics.find((d) => d.severity === 'error')?.message ?? '';
    throw new SessionError(`${label}: the project has errors: ${first}`);
  }
  return a;
}

/** Samples for quality figures and pictures: the fixed noise batch, and the real reference. */
const SAMPLES_2D = 1000;
const REAL_2D = 500;
const SAMPLES_IMAGES = 64;
const GRID_COLUMNS = 8;
const FID_SAMPLES = 500;
const FID_SEED = 777;
const PICTURE_2D = 400;

/**
 * Sets the backend; for 'auto', by timing one training step of the project on each candidate (see
 * backend.ts), cached per project shape, batch and device.
 */
export async function chooseBackend(
  pref: BackendPreference,
  analysis: ProjectAnalysis,
  opts: Pick<SessionOptions, 'assets' | 'batchSize' | 'backendCache'> = {},
): Promise<BackendChoice> {
  if (pref !== 'auto') return selectBackend(pref);
  const trial = async (budgetMs: number): Promise<{ ms: number; firstStepOnly?: boolean }> => {
    const t = new Trainer(analysis, {
      assets: opts.assets ?? {},
      seed: 0,
      ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    });
    try {
      let t0 = performance.now();
      await t.trainStep(); // warm-up: compiles shaders, allocates
      const warm = performance.now() - t0;
      // Already far slower than the best, even allowing for a GPU's shader compilation in its first step:
      // no second step.
      if (warm > 10 * budgetMs && warm > 5000) return { ms: warm, firstStepOnly: true };
      t0 = performance.now();
      await t.trainStep();
      return { ms: performance.now() - t0 };
    } finally {
      t.dispose();
    }
  };
  const batch = opts.batchSize ?? analysis.project?.training?.settings.batchSize ?? 0;
  const key = backendCacheKey(analysis.project, batch, await deviceDescription());
  return selectBackend('auto', { trial, cacheKey: key, ...(opts.backendCache ? { cache: opts.backendCache } : {}) });
}

export class TrainingSession {
  private requested = false;
  private diverged: StopReason | undefined;

  private constructor(
    readonly backend: BackendChoice | undefined,
    private readonly runs: readonly SessionRun[],
    private readonly trainers: readonly Trainer[],
    private readonly fid: FidFn | undefined,
    /** The target step, or undefined for no limit. */
    readonly targetSteps: number | undefined,
  ) {}

  static async create(opts: SessionOptions): Promise<TrainingSession> {
    if (opts.runs.length === 0) throw new SessionError('A training session needs at least one run.');
    if (opts.backendChoice) await selectBackend(opts.backendChoice.name);
    const backend = opts.backendChoice
      ? opts.backendChoice
      : opts.backend
        ? await chooseBackend(opts.backend, opts.runs[0]!.analysis, opts)
        : undefined;
    const trainers: Trainer[] = [];
    try {
      for (const r of opts.runs)
        trainers.push(
          new Trainer(r.analysis, {
            assets: opts.assets ?? {},
            ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
            ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
            ...(r.overrideLoss ? { overrideLoss: r.overrideLoss } : {}),
          }),
        );
      const first = trainers[0] as Trainer;
      if (opts.checkpoint) {
        const { header, tensors } = decodeCheckpoint(opts.checkpoint);
        try {
          await first.restore({ step: header.step, tensors });
        } finally {
          tf.dispose(tensors.map((t) => t.tensor));
        }
      }
      const fid = await makeFid(opts, opts.runs[0] as SessionRun, first);
      return new TrainingSession(backend, opts.runs, trainers, fid, opts.steps);
    } catch (e) {
      for (const t of trainers) t.dispose();
      throw e;
    }
  }

  get labels(): string[] {
    return this.runs.map((r) => r.label);
  }
  /** The step each run is at. */
  get steps(): number[] {
    return this.trainers.map((t) => t.step);
  }
  get batchSize(): number {
    return (this.trainers[0] as Trainer).batchSize;
  }
  get seed(): number {
    return (this.trainers[0] as Trainer).seed;
  }
  /** The first run's training settings (sample and checkpoint cadence, steps). */
  get settings(): Trainer['plan']['settings'] {
    return (this.trainers[0] as Trainer).plan.settings;
  }
  /** A run's Trainer, for reading (tests, benchmarks); the session steps it. */
  trainer(run = 0): Trainer {
    const t = this.trainers[run];
    if (!t) throw new SessionError(`The session has no run ${run}.`);
    return t;
  }

  /** Why the session has ended, or undefined while it can go on. */
  get stopped(): StopReason | undefined {
    if (this.diverged) return this.diverged;
    if (this.requested) return { kind: 'requested', message: `stopped at step ${this.trainer(0).step}` };
    if (this.targetSteps !== undefined && this.trainers.every((t) => t.step >= (this.targetSteps as number)))
      return { kind: 'steps', message: `reached step ${this.targetSteps}` };
    return undefined;
  }

  /** Ends the session before its next step (Ctrl-C, the panel's Stop). */
  requestStop(): void {
    this.requested = true;
  }

  /**
   * One step of every run still short of the target. A run whose figures
   * diverge (NaN, Infinity, an exploding loss) ends the whole session, after
   * the other runs have taken the same step.
   */
  async step(): Promise<SessionStep> {
    const before = this.stopped;
    if (before) return { metrics: [], stop: before };
    const metrics: StepMetrics[] = [];
    for (const [i, t] of this.trainers.entries()) {
      if (this.targetSteps !== undefined && t.step >= this.targetSteps) continue;
      const m = await t.trainStep();
      metrics.push(m);
      const bad = t.divergence(m);
      if (bad && !this.diverged) this.diverged = { kind: 'diverged', run: i, label: this.runs[i]!.label, message: bad };
    }
    const stop = this.stopped;
    return { metrics, ...(stop ? { stop } : {}) };
  }

  /**
   * Sample pictures and quality figures of every run at its current step.
   * `fid: false` skips the FID (500 more samples through the classifier), for
   * a shell that takes pictures more often than it needs that figure.
   */
  async sample(opts: { fid?: boolean } = {}): Promise<RunSample[]> {
    const fid = opts.fid === false ? undefined : this.fid;
    const out: RunSample[] = [];
    for (const [i, t] of this.trainers.entries()) out.push({ run: i, ...(await sampleRun(t, fid)) });
    return out;
  }

  /** The run's state (weights, optimizer slots, EMA, step) as checkpoint bytes. */
  async checkpoint(run = 0): Promise<Uint8Array> {
    const t = this.trainer(run);
    const state = await t.state();
    try {
      return await encodeCheckpoint(state, this.runs[run]!.analysis.project?.name ?? 'project');
    } finally {
      tf.dispose(state.tensors.map((x) => x.tensor));
    }
  }

  /** The run's generator (the model of the call that gives the samples) in tfjs' LayersModel format. */
  async generator(run = 0): Promise<GeneratorArtifacts | undefined> {
    const t = this.trainer(run);
    const node = t.sampleNode();
    const model = node ? t.models.get(node.params.model as string) : undefined;
    if (!model) return undefined;
    let out: GeneratorArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        const w = a.weightData;
        const weightData =
          w === undefined ? new ArrayBuffer(0) : Array.isArray(w) ? tf.io.concatenateArrayBuffers(w) : w;
        out = { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs ?? [], weightData };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return out;
  }

  dispose(): void {
    for (const t of this.trainers) t.dispose();
  }
}

/** The FID function when the first run trains on the digits and generates 28x28x1 samples. */
async function makeFid(opts: SessionOptions, run: SessionRun, first: Trainer): Promise<FidFn | undefined> {
  if (!opts.classifier || !opts.assets?.mnist || !usesDigits(run.analysis)) return undefined;
  const probe = first.generate(1);
  const fits = probe.shape.join(',') === '1,28,28,1';
  probe.dispose();
  if (!fits) return undefined;
  const classifier = await opts.classifier();
  return classifier ? digitFid(featureExtractor(classifier), opts.assets.mnist) : undefined;
}

/** The extent of a square view of a 2D mixture's modes, with a margin. */
function extentOf(centers: [number, number][]): number {
  return Math.max(...centers.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.5 + 0.5;
}

async function sampleRun(t: Trainer, fid: FidFn | undefined): Promise<Omit<RunSample, 'run'>> {
  const step = t.step;
  const quality: QualityFigures = { step };
  const modes = t.modes();
  const n = modes ? SAMPLES_2D : SAMPLES_IMAGES;
  const fake = t.generate(n);
  const values = (await fake.data()) as Float32Array;
  const shape = fake.shape;
  fake.dispose();
  const perSample = values.length / n;
  const k = Math.min(n, 64);
  quality.diversity = meanPairwiseDistance(values.subarray(0, k * perSample), k) / Math.sqrt(perSample);
  if (modes && perSample === 2) {
    const cov = modeCoverage(values, modes.centers, modes.std);
    quality.modesCovered = cov.covered;
    quality.modesTotal = cov.total;
    quality.highQuality = cov.highQuality;
    const real = t.realSamples(REAL_2D);
    const realValues = (await real.data()) as Float32Array;
    real.dispose();
    quality.realDiversity = meanPairwiseDistance(realValues.subarray(0, 128), 64) / Math.sqrt(2);
    const extent = extentOf(modes.centers);
    const picture = scatter2d(realValues, values, extent, PICTURE_2D);
    await shadeDecisionSurface(t, picture, extent);
    return { step, picture, quality };
  }
  if (shape.length === 4) {
    const [, h, w, c] = shape as [number, number, number, number];
    const picture = imageGrid(values, n, h, w, c, GRID_COLUMNS);
    if (fid && h === 28 && w === 28 && c === 1) {
      const many = t.generate(FID_SAMPLES, FID_SEED);
      try {
        quality.fid = await fid(many);
      } finally {
        many.dispose();
      }
    }
    return { step, picture, quality };
  }
  return { step, quality };
}

/**
 * D's decision surface behind the points, as in GAN Lab: sigmoid(D(x)) on a
 * 30x30 grid shades the white background (warm where D says real, cool where
 * it says fake). Only for a D with one 2D input.
 */
async function shadeDecisionSurface(t: Trainer, pic: Rgba, extent: number): Promise<void> {
  const dName = t.plan.players.D.models[0];
  const d = dName ? t.models.get(dName) : undefined;
  if (!d || d.inputs.length !== 1 || d.inputs[0]!.shape.length !== 2) return;
  const n = 30;
  const grid = tf.tidy(() => {
    const xs = tf.linspace(-extent, extent, n);
    const gx = tf.tile(tf.reshape(xs, [1, n]), [n, 1]);
    const gy = tf.tile(tf.reshape(tf.reverse(xs), [n, 1]), [1, n]);
    const pts = tf.stack([tf.reshape(gx, [-1]), tf.reshape(gy, [-1])], 1);
    return tf.sigmoid(d.apply(pts, { training: false }) as tf.Tensor);
  });
  const p = (await grid.data()) as Float32Array;
  grid.dispose();
  for (let y = 0; y < pic.height; y++)
    for (let x = 0; x < pic.width; x++) {
      const o = (y * pic.width + x) * 4;
      if (pic.data[o] !== 255 || pic.data[o + 1] !== 255 || pic.data[o + 2] !== 255) continue; // a point
      const row = Math.min(n - 1, Math.floor((y / pic.height) * n));
      const cell = row * n + Math.min(n - 1, Math.floor((x / pic.width) * n));
      const v = p[cell] as number;
      pic.data[o] = Math.round(255 - 40 * (1 - v));
      pic.data[o + 1] = Math.round(255 - 25 * Math.abs(v - 0.5));
      pic.data[o + 2] = Math.round(255 - 40 * v);
    }
}
