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
import type { QualityMetric } from '../project/schema.js';
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
import { EarlyStopper, type EarlyStopState, type Evaluation, METRIC_INFO } from './early-stop.js';
import { type DigitQualityFn, digitQuality } from './fid.js';
import {
  encodeGeneratorWeights,
  type GeneratorIdentity,
  modelWeightSpecs,
  readGeneratorWeights,
} from './generator-weights.js';
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
   * runs that generate single-channel digits from the MNIST dataset; the shell loads
   * it (a file, a URL). Undefined (or resolving to undefined): no FID.
   */
  classifier?: () => Promise<tfl.LayersModel | undefined>;
  /** The first run's early-stopping state to continue from (with `checkpoint`; see earlyStopping()). */
  earlyStop?: EarlyStopState;
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
  /** The Inception score analogue on the digit classifier, same 500 digits (1 to 10). */
  inceptionScore?: number;
  /** Improved precision and recall (k = 3) on the classifier's features, same digits and reference. */
  precision?: number;
  recall?: number;
}

/** A quality figure of a set of figures, by metric name (modeScore: modes covered + high-quality share). */
export function qualityValue(q: QualityFigures, metric: QualityMetric): number | undefined {
  if (metric === 'modeScore')
    return q.modesCovered !== undefined && q.highQuality !== undefined ? q.modesCovered + q.highQuality : undefined;
  return q[metric];
}

/** An early-stopping evaluation of a run, with the figures it was made from. */
export interface RunEvaluation extends Evaluation {
  run: number;
  quality: QualityFigures;
}

/** The best state of a run so far, by its early-stopping figure: what shells write to best/. */
export interface BestRun {
  step: number;
  metric: QualityMetric;
  value: number;
  quality: QualityFigures;
  checkpoint: Uint8Array;
  generator: GeneratorArtifacts | undefined;
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
  | { kind: 'requested'; message: string }
  /** Every run ended: at least one stopped early on its quality figure (the message says why). */
  | { kind: 'early'; run: number; label: string; message: string };

export interface SessionStep {
  /** One entry per run stepped (runs already at the target step are not). */
  metrics: StepMetrics[];
  /** Early-stopping evaluations made after this step (settings.earlyStopping), one per run evaluated. */
  evaluations?: RunEvaluation[];
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

/** Whether a project trains on the bundled digits (then its single-channel square samples get a FID). */
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

/** A run's early stopping: its rule, cadence, and why it stopped (once it has). */
interface EarlyStopRun {
  stopper: EarlyStopper;
  every: number;
  stopped?: string;
  best?: BestRun;
}

export class TrainingSession {
  private requested = false;
  private diverged: StopReason | undefined;
  /** The last figures of each run, by step: an evaluation's figures serve a picture at the same step. */
  private readonly lastSample = new Map<
    number,
    { step: number; fid: boolean; surface: boolean; sample: Omit<RunSample, 'run'> }
  >();

  private constructor(
    readonly backend: BackendChoice | undefined,
    private readonly runs: readonly SessionRun[],
    private readonly trainers: readonly Trainer[],
    private readonly fid: DigitQualityFn | undefined,
    /** The target step, or undefined for no limit. */
    readonly targetSteps: number | undefined,
    private readonly early: readonly (EarlyStopRun | undefined)[],
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
      // The digit figures serve every run whose samples are single-channel digits of its size (a comparison's runs share the data).
      const early = opts.runs.map((r, i) => earlyStopRun(r, trainers[i] as Trainer, fid !== undefined));
      if (opts.earlyStop && early[0]) early[0].stopper.restore(opts.earlyStop);
      return new TrainingSession(backend, opts.runs, trainers, fid, opts.steps, early);
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
    const ended = this.trainers.map((t, i) => this.early[i]?.stopped !== undefined || this.reachedTarget(t));
    if (ended.every(Boolean)) {
      const i = this.early.findIndex((e) => e?.stopped !== undefined);
      if (i >= 0) {
        const message = this.early[i]!.stopped as string;
        return { kind: 'early', run: i, label: this.runs[i]!.label, message };
      }
      return { kind: 'steps', message: `reached step ${this.targetSteps}` };
    }
    return undefined;
  }

  private reachedTarget(t: Trainer): boolean {
    return this.targetSteps !== undefined && t.step >= this.targetSteps;
  }

  /**
   * A run's early stopping: the figure judged, the best step and value so
   * far, evaluations without improvement, and why it stopped (undefined when
   * the project sets no early stopping).
   */
  earlyStopping(run = 0): (EarlyStopState & { every: number; stopped?: string }) | undefined {
    const e = this.early[run];
    return e ? { ...e.stopper.snapshot(), every: e.every, ...(e.stopped ? { stopped: e.stopped } : {}) } : undefined;
  }

  /** The run's best state by its early-stopping figure (checkpoint and generator), once it has one. */
  best(run = 0): BestRun | undefined {
    return this.early[run]?.best;
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
    const evaluations: RunEvaluation[] = [];
    for (const [i, t] of this.trainers.entries()) {
      if (this.reachedTarget(t) || this.early[i]?.stopped !== undefined) continue;
      const m = await t.trainStep();
      metrics.push(m);
      const bad = t.divergence(m);
      if (bad && !this.diverged) this.diverged = { kind: 'diverged', run: i, label: this.runs[i]!.label, message: bad };
      const e = this.early[i];
      if (e && !bad && t.step % e.every === 0) evaluations.push(await this.evaluate(i, e));
    }
    const stop = this.stopped;
    return { metrics, ...(evaluations.length > 0 ? { evaluations } : {}), ...(stop ? { stop } : {}) };
  }

  /** An early-stopping evaluation of a run at its step: its figure, the best kept, the rule applied. */
  private async evaluate(run: number, e: EarlyStopRun): Promise<RunEvaluation> {
    const t = this.trainer(run);
    const sample = await this.sampleOf(run, true);
    const value = qualityValue(sample.quality, e.stopper.metric);
    const ev = e.stopper.observe(t.step, value ?? Number.NaN);
    if (ev.improved)
      e.best = {
        step: t.step,
        metric: e.stopper.metric,
        value: ev.value,
        quality: sample.quality,
        checkpoint: await this.checkpoint(run),
        generator: await this.generator(run),
      };
    if (ev.stop) e.stopped = ev.stop;
    return { ...ev, run, quality: sample.quality };
  }

  /** A run's picture and figures at its step, computed once per step (with the digit figures when asked). */
  private async sampleOf(run: number, fid: boolean, surface = true): Promise<Omit<RunSample, 'run'>> {
    const t = this.trainer(run);
    const withFid = fid && this.fid !== undefined;
    const last = this.lastSample.get(run);
    if (last && last.step === t.step && last.fid === withFid && last.surface === surface) return last.sample;
    const sample = await sampleRun(t, withFid ? this.fid : undefined, surface);
    this.lastSample.set(run, { step: t.step, fid: withFid, surface, sample });
    return sample;
  }

  /**
   * Sample pictures and quality figures of every run at its current step.
   * `fid: false` skips the FID (500 more samples through the classifier), for
   * a shell that takes pictures more often than it needs that figure.
   * `surface: false` leaves D's decision surface out of 2D pictures (a D that
   * never trained says nothing).
   */
  async sample(opts: { fid?: boolean; surface?: boolean } = {}): Promise<RunSample[]> {
    const out: RunSample[] = [];
    for (const i of this.trainers.keys())
      out.push({ run: i, ...(await this.sampleOf(i, opts.fid !== false, opts.surface !== false)) });
    return out;
  }

  /** The run's generator: the model of the call that gives the samples, and who it belongs to. */
  private generatorModel(run: number): { model: tfl.LayersModel; who: GeneratorIdentity; t: Trainer } {
    const t = this.trainer(run);
    const name = t.sampleNode()?.params.model as string | undefined;
    const model = name !== undefined ? t.models.get(name) : undefined;
    if (!model || name === undefined) throw new SessionError('The training graph has no generator call to sample.');
    return { model, t, who: { project: this.runs[run]!.analysis.project?.name ?? 'project', model: name } };
  }

  /**
   * Sets the run's generator weights from a safetensors file in tfjs names and
   * layouts (what the PyTorch export writes as generator.safetensors), after
   * checking it whole: a GeneratorWeightsError says what is wrong, and nothing
   * changes. Returns the step the file was saved at, when it says.
   */
  loadGenerator(bytes: Uint8Array, run = 0): { step: number | undefined } {
    const { model, who, t } = this.generatorModel(run);
    const { tensors, step } = readGeneratorWeights(bytes, who, modelWeightSpecs(model));
    t.setModelWeights(who.model, tensors);
    // A progressive generator samples at the file's point of its growth (its step; the full network if unknown).
    t.showProgressAt(step);
    this.lastSample.delete(run); // same step, other weights: the cached pictures are not theirs
    return { step };
  }

  /** The run's generator weights as a safetensors file (tfjs names and layouts), as loadGenerator reads. */
  generatorWeights(run = 0): Promise<Uint8Array> {
    const { model, who, t } = this.generatorModel(run);
    return encodeGeneratorWeights(model, who, t.step);
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

/** A run's early stopping from its project's settings, with the metric resolved ('auto'); undefined when not set. */
function earlyStopRun(run: SessionRun, t: Trainer, digits: boolean): EarlyStopRun | undefined {
  const es = t.plan.settings.earlyStopping;
  if (!es) return undefined;
  const modes = t.modes() !== undefined;
  const metric: QualityMetric | undefined =
    es.metric !== 'auto' ? es.metric : digits ? 'fid' : modes ? 'modeScore' : undefined;
  const digitMetric = metric === 'fid' || metric === 'inceptionScore' || metric === 'precision' || metric === 'recall';
  const why =
    metric === undefined
      ? 'the project has no quality figure to judge (FID needs single-channel digits, 16x16 to 64x64, from the bundled MNIST and the classifier; mode figures a 2D mixture)'
      : digitMetric && !digits
        ? `${METRIC_INFO[metric].label} needs a first run that generates single-channel digits (16x16 to 64x64) from the bundled MNIST, and the digit classifier`
        : !digitMetric && !modes
          ? `${METRIC_INFO[metric].label} needs a 2D mixture dataset (ring, grid)`
          : undefined;
  if (why || !metric) throw new SessionError(`${run.label}: early stopping: ${why}.`);
  return { stopper: new EarlyStopper(metric, es.patience, es.minDelta, es.stop), every: es.every };
}

/** The digit figures' function when the first run trains on the digits and generates single-channel square digits. */
async function makeFid(opts: SessionOptions, run: SessionRun, first: Trainer): Promise<DigitQualityFn | undefined> {
  if (!opts.classifier || !opts.assets?.mnist || !usesDigits(run.analysis)) return undefined;
  const probe = first.generate(1);
  const [, h, w, c] = probe.shape;
  probe.dispose();
  // Single-channel square digits, 28x28 or a size the MNIST node resizes them to (StyleGAN-lite's and ProGAN's 32).
  if (probe.shape.length !== 4 || c !== 1 || h !== w || (h as number) < 16 || (h as number) > 64) return undefined;
  const classifier = await opts.classifier();
  return classifier ? digitQuality(classifier, opts.assets.mnist, h) : undefined;
}

/** The extent of a square view of a 2D mixture's modes, with a margin. */
function extentOf(centers: [number, number][]): number {
  return Math.max(...centers.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.5 + 0.5;
}

async function sampleRun(t: Trainer, fid: DigitQualityFn | undefined, surface = true): Promise<Omit<RunSample, 'run'>> {
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
    if (surface) await shadeDecisionSurface(t, picture, extent);
    return { step, picture, quality };
  }
  if (shape.length === 4) {
    const [, h, w, c] = shape as [number, number, number, number];
    const picture = imageGrid(values, n, h, w, c, GRID_COLUMNS);
    if (fid && c === 1) {
      const many = t.generate(FID_SAMPLES, FID_SEED);
      try {
        Object.assign(quality, await fid(many));
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
