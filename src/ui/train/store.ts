/**
 * The training panel's state, outside React: the run's status (one state
 * machine, machine.ts, the only source of truth), the engine, every run's
 * metrics and quality figures, the sample pictures and their gallery, and
 * the data folder. The panel subscribes with useSyncExternalStore; the
 * training loop lives here, not in a component. No React import.
 */
import type { DataAssets } from '../../core/data/index.js';
import type { ExploreRequest, ExploreResult, ExplorerInfo } from '../../core/explore/index.js';
import type { AdversarialKind } from '../../core/nodes/index.js';
import { applyParamChange, type Project, parseParamChange } from '../../core/project/index.js';
import {
  type BackendPreference,
  type BestRun,
  checkCheckpoint,
  fmtFigure,
  type GeneratorArtifacts,
  METRIC_INFO,
  type ProgressiveSchedule,
  type Provenance,
  projectHash,
  type QualityFigures,
  type Rgba,
  type RunEvaluation,
  type StepMetrics,
} from '../../core/train/index.js';
import type { ProjectAnalysis } from '../../core/validate.js';
import type { Folder } from './data.js';
import type { Engine, EngineInit } from './engine.js';
import { can, type RunEvent, type RunStatus, transition } from './machine.js';
import { progressiveScheduleOf } from './progress.js';

export interface RunView {
  label: string;
  /** Append-only for the run's lifetime; `version` in the snapshot says when it grew. */
  history: StepMetrics[];
  quality: QualityFigures[];
  /** Early-stopping evaluations (settings.earlyStopping), in order; the last says the best so far. */
  evaluations: RunEvaluation[];
  /** Why the run stopped early (the rule's sentence), once it has. */
  stoppedEarly?: string;
  started: number;
  diverged: boolean;
  /** Progressive growing's schedule (the run's Progressive node), when it has one: the panel shows its stage. */
  progressive?: ProgressiveSchedule;
}

export interface GalleryEntry {
  step: number;
  pictures: (Rgba | undefined)[];
  /** Pictures of loaded generator weights: the file and its step, shown as the caption. */
  source?: string;
}

export interface TrainSnapshot {
  status: RunStatus;
  /** The last problem or notice, shown as an alert ('' for none). */
  message: string;
  /** The backend in use and why ('' before a run). */
  backend: string;
  batchSize: number | undefined;
  /** The first run's step. */
  step: number;
  /** Steps per second since the loop (re)started. */
  rate: number;
  /** Grows whenever the runs' histories do (charts redraw on it). */
  version: number;
  runs: readonly RunView[];
  /** Every sample picture taken, with its step (the last 200), for the scrubber; the last is the latest. */
  gallery: readonly GalleryEntry[];
  /** The gallery entry shown, or undefined for the latest. */
  scrub: number | undefined;
  folder: Folder | undefined;
  /** What the data part is doing ('decoding 3/30…'), or ''. */
  loading: string;
  /** Generator weights loaded without a run (shown by a session of their own): the file's name, or ''. */
  loaded: string;
}

/** What a Start needs beyond the project: the form's choices. */
export interface StartOptions {
  backend: BackendPreference;
  /** A second run with this adversarial loss, or ''. */
  compareWith: AdversarialKind | '';
  /** A second run with one param changed ("opt_G.learningRate = 0.001"), or ''. */
  change: string;
}

export interface StoreDeps {
  /** A fresh engine (in a worker for WASM and CPU, on the page for WebGPU and WebGL). */
  createEngine: (init: EngineInit) => Promise<Engine>;
  /** The assets the project's datasets need (the bundled digits, the chosen folder). */
  assets: (analysis: ProjectAnalysis, folder: Folder | undefined) => Promise<DataAssets>;
  /** Absolute URL of the digit classifier (FID). */
  classifierUrl: string;
  /** Lets the page paint between steps when training runs on its thread. */
  yieldToPage?: () => Promise<void>;
  now?: () => number;
}

/**
 * Pictures every 10 steps, or every 1.5 s on a slow backend, and never more
 * than a fifth of the time (the wait after a picture is at least four times
 * what it took); the FID (500 more samples) at most every 10 s.
 */
const PICTURE_STEPS = 10;
const PICTURE_MS = 1500;
const PICTURE_SHARE = 4;
const FID_MS = 10_000;
const GALLERY_SIZE = 200;

const INITIAL: TrainSnapshot = {
  status: 'idle',
  message: '',
  backend: '',
  batchSize: undefined,
  step: 0,
  rate: 0,
  version: 0,
  runs: [],
  gallery: [],
  scrub: undefined,
  folder: undefined,
  loading: '',
  loaded: '',
};

/**
 * A run's early stopping in a sentence, for the panel: "Best FID 23.1 at step
 * 2,000; 2 of 5 evaluations since without improvement", or "...; stopped
 * early" once the rule stopped the run (the alert says why). Undefined before
 * the first evaluation.
 */
export function earlyStopSummary(run: RunView, patience?: number): string | undefined {
  const last = run.evaluations[run.evaluations.length - 1];
  if (!last) return undefined;
  const label = METRIC_INFO[last.metric].label;
  const of = patience !== undefined ? ` of ${patience}` : '';
  const since =
    last.wait > 0
      ? `; ${last.wait}${of} evaluation${(patience ?? last.wait) === 1 ? '' : 's'} since without improvement`
      : '';
  const tail = run.stoppedEarly ? '; stopped early' : since;
  return `Best ${label} ${fmtFigure(last.best.value)} at step ${fmtFigure(last.best.step)}${tail}`;
}

/** The pictures shown: the scrubbed gallery entry, or the latest. */
export function shownPictures(s: TrainSnapshot): {
  step: number | undefined;
  pictures: (Rgba | undefined)[];
  source?: string;
} {
  const entry = s.scrub !== undefined ? s.gallery[s.scrub] : undefined;
  if (entry) return entry;
  const last = s.gallery[s.gallery.length - 1];
  return { step: undefined, pictures: last?.pictures ?? [], ...(last?.source ? { source: last.source } : {}) };
}

export class TrainStore {
  private snap: TrainSnapshot = INITIAL;
  private readonly listeners = new Set<() => void>();
  private engine: Engine | undefined;
  /** The project the current run trains, for the provenance marks of downloaded pictures. */
  private runProject: { name: string; hash: string; seed: number } | undefined;
  /** A session of its own for generator weights loaded while there is no run (never trained). */
  private viewer: Engine | undefined;
  /** The engine a training loop is stepping (a step may still be in flight after a pause or a stop). */
  private loopingOn: Engine | undefined;
  /** Grows at every dispose: an engine that arrives for an older generation is dropped. */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly deps: StoreDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  // useSyncExternalStore's two functions, bound so they can be passed as they are.
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  readonly getSnapshot = (): TrainSnapshot => this.snap;

  private set(patch: Partial<TrainSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }

  /** The one way the status changes. Returns false (and changes nothing) for an event not legal now. */
  private fire(event: RunEvent, patch: Partial<TrainSnapshot> = {}): boolean {
    if (!can(this.snap.status, event)) return false;
    this.set({ ...patch, status: transition(this.snap.status, event) });
    return true;
  }

  /** Starts new runs: the project, and a comparison run when the options ask for one. */
  async start(analysis: ProjectAnalysis, opts: StartOptions): Promise<void> {
    if (!this.fire('start', { message: '' })) return;
    try {
      const firstLoss = analysis.project?.training?.nodes.find((n) => n.type === 'AdversarialLoss');
      const kind = (firstLoss?.params as { kind?: string } | undefined)?.kind;
      let runs: EngineInit['runs'] = opts.compareWith
        ? [{ label: String(kind ?? 'run') }, { label: opts.compareWith, overrideLoss: opts.compareWith }]
        : [{ label: 'run' }];
      if (opts.change.trim() && analysis.project) {
        const c = parseParamChange(opts.change);
        runs = [{ label: 'as is' }, { label: c.text, project: applyParamChange(analysis.project, c) }];
      }
      const e = await this.newEngine(analysis, opts.backend, runs);
      if (!e) return void this.fire('fail', { message: 'Closed while starting.' });
      this.fire('ready');
      void this.loop(e);
    } catch (err) {
      this.fire('fail', { message: (err as Error).message });
    }
  }

  /** A run continued from a checkpoint: ready, paused, at the checkpoint's step. */
  async resumeFrom(
    analysis: ProjectAnalysis,
    backend: BackendPreference,
    name: string,
    bytes: Uint8Array,
  ): Promise<void> {
    // The file is checked as a whole first: a damaged one says what is wrong and leaves the run as it is.
    try {
      checkCheckpoint(bytes);
    } catch (err) {
      return this.setMessage(`checkpoint ${name}: ${(err as Error).message}`);
    }
    if (!this.fire('start', { message: '' })) return;
    try {
      const e = await this.newEngine(analysis, backend, [{ label: 'run' }], bytes);
      if (!e) return void this.fire('fail', { message: 'Closed while starting.' });
      const step = e.steps[0] ?? 0;
      this.fire('readyPaused', { step, message: `Resumed from ${name} at step ${step}: press Resume.` });
    } catch (err) {
      this.fire('fail', { message: `${name}: ${(err as Error).message}` });
    }
  }

  /** A fresh engine and empty runs; undefined when the store was disposed meanwhile. */
  private async newEngine(
    analysis: ProjectAnalysis,
    backend: BackendPreference,
    runs: EngineInit['runs'],
    checkpoint?: Uint8Array,
  ): Promise<Engine | undefined> {
    this.engine?.dispose();
    this.engine = undefined;
    this.dropViewer();
    const generation = this.generation;
    if (analysis.project)
      this.runProject = {
        name: analysis.project.name,
        hash: projectHash(analysis.project),
        seed: analysis.project.training?.settings.seed ?? 0,
      };
    const init: EngineInit = {
      backend,
      project: analysis.project,
      runs,
      assets: await this.deps.assets(analysis, this.snap.folder),
      classifierUrl: this.deps.classifierUrl,
      ...(checkpoint ? { checkpoint } : {}),
    };
    const e = await this.deps.createEngine(init);
    if (generation !== this.generation) {
      e.dispose(); // the panel closed while the engine started
      return undefined;
    }
    this.engine = e;
    const started = this.now();
    this.set({
      backend: e.backend,
      batchSize: e.batchSize,
      step: e.steps[0] ?? 0,
      rate: 0,
      runs: runs.map((r) => {
        // A variant's project is the one start() made with applyParamChange, a Project.
        const progressive = progressiveScheduleOf((r.project as Project | undefined) ?? analysis.project);
        return {
          label: r.label,
          history: [],
          quality: [],
          evaluations: [],
          started,
          diverged: false,
          ...(progressive ? { progressive } : {}),
        };
      }),
      gallery: [],
      scrub: undefined,
      version: this.snap.version + 1,
    });
    return e;
  }

  pause(): void {
    this.fire('pause');
  }

  resume(): void {
    if (!this.fire('resume')) return;
    // A step still in flight since the pause: that loop goes on.
    if (this.engine && this.loopingOn !== this.engine) void this.loop(this.engine);
  }

  /** Stops after the step in flight (status 'stopping' until it ends), or at once when none is. */
  stop(): void {
    if (!this.fire('stop')) return;
    if (!this.engine || this.loopingOn !== this.engine) this.fire('halted');
  }

  private async loop(e: Engine): Promise<void> {
    if (this.loopingOn === e) return;
    this.loopingOn = e;
    const t0 = this.now();
    const start = e.steps[0] ?? 0;
    let lastPicture = -Infinity;
    let lastPictureAt = -Infinity;
    let pictureMs = 0;
    let lastFidAt = -Infinity;
    try {
      while (this.snap.status === 'running' && this.engine === e) {
        const r = await e.step();
        if (this.engine !== e) return; // replaced or disposed meanwhile
        const runs = this.snap.runs;
        r.metrics.forEach((m, i) => runs[i]?.history.push(m));
        for (const ev of r.evaluations ?? []) {
          const run = runs[ev.run];
          run?.evaluations.push(ev);
          if (run && ev.stop) run.stoppedEarly = ev.stop;
        }
        const now = e.steps[0] ?? 0;
        const elapsed = (this.now() - t0) / 1000;
        this.set({ step: now, rate: elapsed > 0 ? (now - start) / elapsed : 0, version: this.snap.version + 1 });
        if (r.stop) {
          const run = r.stop.kind === 'diverged' ? runs[r.stop.run] : undefined;
          if (run) run.diverged = true;
          this.fire('halted', { message: run ? `${run.label}: ${r.stop.message}` : r.stop.message });
          break;
        }
        const since = this.now() - lastPictureAt;
        const due = now - lastPicture >= PICTURE_STEPS || since > PICTURE_MS;
        if (now === 1 || (due && since >= PICTURE_SHARE * pictureMs)) {
          lastPicture = now;
          lastPictureAt = this.now();
          const fid = lastPictureAt - lastFidAt >= FID_MS;
          if (fid) lastFidAt = lastPictureAt;
          await this.takePictures(e, fid);
          pictureMs = this.now() - lastPictureAt;
        }
        if (!e.inWorker && this.deps.yieldToPage) await this.deps.yieldToPage();
      }
    } catch (err) {
      if (this.engine === e) this.fire('fail', { message: (err as Error).message });
    } finally {
      if (this.loopingOn === e) this.loopingOn = undefined;
      // A stop asked for while a step was in flight ends here.
      if (this.engine === e && this.snap.status === 'stopping') this.fire('halted');
    }
  }

  private async takePictures(e: Engine, fid: boolean): Promise<void> {
    const samples = await e.sample({ fid });
    if (this.engine !== e) return;
    samples.forEach((s) => this.snap.runs[s.run]?.quality.push(s.quality));
    const entry = { step: samples[0]?.step ?? this.snap.step, pictures: samples.map((s) => s.picture) };
    const gallery = [...this.snap.gallery, entry].slice(-GALLERY_SIZE);
    // A scrubbed view stays on its picture while older ones drop off the front.
    const dropped = this.snap.gallery.length + 1 - gallery.length;
    const scrub = this.snap.scrub === undefined ? undefined : Math.max(0, this.snap.scrub - dropped);
    this.set({ gallery, scrub, version: this.snap.version + 1 });
  }

  /** Shows an earlier gallery entry; the last one (or undefined) follows the latest. */
  setScrub(k: number | undefined): void {
    this.set({ scrub: k === undefined || k >= this.snap.gallery.length - 1 ? undefined : Math.max(0, k) });
  }

  setFolder(folder: Folder | undefined): void {
    this.set({ folder });
  }
  setLoading(loading: string): void {
    this.set({ loading });
  }
  setMessage(message: string): void {
    this.set({ message });
  }

  /** The first run's generator (tfjs LayersModel artifacts), when there is a run. */
  async generator(): Promise<GeneratorArtifacts | undefined> {
    return this.engine?.generator();
  }
  /** The first run's best state by its early-stopping figure, when it has one. */
  async best(): Promise<BestRun | undefined> {
    return this.engine?.best();
  }
  /**
   * Sets the generator from a safetensors file (tfjs names and layouts, e.g. a
   * PyTorch run's generator.safetensors) and shows samples from it: in the run
   * when there is one that is not stepping (its downloads, checkpoint and
   * Resume then use these weights), else in a session of its own, built from
   * the project and never trained. The file is checked whole first; a refused
   * one says what is wrong and nothing changes.
   */
  async loadGenerator(
    analysis: ProjectAnalysis,
    backend: BackendPreference,
    name: string,
    bytes: Uint8Array,
  ): Promise<void> {
    const s = this.snap.status;
    if (s === 'starting' || s === 'running' || s === 'stopping')
      return this.setMessage(`${name}: pause or stop training before loading generator weights.`);
    const generation = this.generation;
    const viewing = this.engine === undefined;
    let target = this.engine ?? this.viewer;
    let fresh: Engine | undefined;
    try {
      if (!target) {
        fresh = await this.deps.createEngine({
          // Auto would time a training step on every backend: sampling needs none of that.
          backend: backend === 'auto' ? 'wasm' : backend,
          project: analysis.project,
          runs: [{ label: name }],
          assets: await this.deps.assets(analysis, this.snap.folder),
          classifierUrl: this.deps.classifierUrl,
        });
        target = fresh;
      }
      const { step } = await target.loadGenerator(bytes);
      const samples = await target.sample({ fid: false, surface: !viewing });
      if (generation !== this.generation || (this.engine ?? this.viewer ?? fresh) !== target) {
        fresh?.dispose(); // the panel closed, or a run started meanwhile
        return;
      }
      if (fresh) this.viewer = fresh;
      const source = `${name}${step !== undefined ? ` (step ${step})` : ''}`;
      const entry: GalleryEntry = {
        step: samples[0]?.step ?? this.snap.step,
        pictures: samples.map((x) => x.picture),
        source,
      };
      this.set({
        gallery: [...this.snap.gallery, entry].slice(-GALLERY_SIZE),
        scrub: undefined,
        message: `Loaded ${source}: samples shown.`,
        loaded: viewing ? name : '',
      });
    } catch (err) {
      fresh?.dispose();
      this.setMessage(`${name}: ${(err as Error).message}`);
    }
  }

  /**
   * The engine the latent explorer runs on: the run's, or loaded weights'
   * session, or else a session of its own at the project's seeded initial
   * weights (never trained), started here.
   */
  private async exploreTarget(analysis: ProjectAnalysis, backend: BackendPreference): Promise<Engine> {
    const have = this.engine ?? this.viewer;
    if (have) return have;
    const generation = this.generation;
    const fresh = await this.deps.createEngine({
      backend: backend === 'auto' ? 'wasm' : backend,
      project: analysis.project,
      runs: [{ label: 'explore' }],
      assets: await this.deps.assets(analysis, this.snap.folder),
      classifierUrl: this.deps.classifierUrl,
    });
    if (generation !== this.generation || this.engine || this.viewer) {
      fresh.dispose();
      return (this.engine ?? this.viewer) as Engine;
    }
    this.viewer = fresh;
    return fresh;
  }

  /** What the explorer offers for the generator shown (run, loaded, or untrained). */
  async exploreInfo(analysis: ProjectAnalysis, backend: BackendPreference): Promise<ExplorerInfo> {
    return (await this.exploreTarget(analysis, backend)).exploreInfo();
  }

  /** One explorer picture from the generator shown. */
  async explore(analysis: ProjectAnalysis, backend: BackendPreference, req: ExploreRequest): Promise<ExploreResult> {
    return (await this.exploreTarget(analysis, backend)).explore(req);
  }

  /** Whose generator the explorer shows: 'run', 'loaded' (weights from a file), or 'initial' (untrained). */
  exploreSource(): 'run' | 'loaded' | 'initial' {
    return this.engine ? 'run' : this.snap.loaded ? 'loaded' : 'initial';
  }

  /** The generator weights shown (the run's, or loaded ones) as a safetensors file; undefined when there are none. */
  async generatorWeights(): Promise<Uint8Array | undefined> {
    return (this.engine ?? this.viewer)?.generatorWeights();
  }

  private dropViewer(): void {
    this.viewer?.dispose();
    this.viewer = undefined;
    if (this.snap.loaded) this.set({ loaded: '' });
  }

  /** The first run's checkpoint (GNVS bytes), when there is a run. */
  async checkpoint(): Promise<Uint8Array | undefined> {
    return this.engine?.checkpoint();
  }

  /** The provenance marks of a picture of the current run at `step` (docs/provenance.md). */
  provenance(step: number): Provenance {
    const p = this.runProject;
    return {
      project: p?.name ?? 'untitled',
      projectHash: p?.hash ?? 'unknown',
      step,
      seed: p?.seed ?? 0,
      tool: 'ganvas (editor)',
    };
  }

  /**
   * The panel closed: the engine goes, a loop stops, an engine still starting
   * is dropped when it arrives. The store stays usable (React may mount the
   * panel again with it).
   */
  dispose(): void {
    this.generation++;
    this.engine?.dispose();
    this.engine = undefined;
    this.dropViewer();
    this.fire('stop');
    this.fire('halted');
  }
}
