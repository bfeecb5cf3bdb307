/**
 * The training engine behind the panel: a TrainingSession (core/train/
 * session.ts, the same session `ganvas train` drives) with one or more runs
 * (a comparison run has its loss swapped, or one param changed), stepped
 * together, with their sample pictures, quality figures, checkpoints and
 * generator. LocalEngine runs the session where it is created: on the page
 * for WebGPU and WebGL (they need the page's GPU device), or inside a Web
 * Worker for WASM and CPU (worker.ts), where a long step never blocks the
 * page. WorkerEngine is the page's handle on that.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import type { DataAssets } from '../../core/data/index.js';
import { type ExploreRequest, type ExploreResult, Explorer, type ExplorerInfo } from '../../core/explore/index.js';
import type { AdversarialKind } from '../../core/nodes/index.js';
import type { BackendChoice, BackendPreference } from '../../core/train/index.js';
import {
  analyzeRun,
  type BestRun,
  type GeneratorArtifacts,
  type RunSample,
  type SessionStep,
  TrainingSession,
} from '../../core/train/index.js';

export interface EngineInit {
  backend: BackendPreference;
  /** What auto measured on the page (backend is then its choice): shown as the reason. */
  backendChoice?: BackendChoice;
  /** The project (as saved); validated again where the engine runs. */
  project: unknown;
  /** Each run: the base project, or with its adversarial loss swapped, or a whole variant project (one param changed). */
  runs: { label: string; overrideLoss?: AdversarialKind; project?: unknown }[];
  assets: DataAssets;
  /** A checkpoint (GNVS bytes) to resume the first run from. */
  checkpoint?: Uint8Array;
  /** Absolute URL of the digit classifier (FID). */
  classifierUrl: string;
}

/** The panel's handle on a TrainingSession, wherever it runs (the page, or a worker). */
export interface Engine {
  readonly backend: string;
  readonly batchSize: number;
  /** The step each run is at. */
  readonly steps: number[];
  /** Whether training runs off the page's main thread. */
  readonly inWorker: boolean;
  step(): Promise<SessionStep>;
  sample(opts: { fid?: boolean; surface?: boolean }): Promise<RunSample[]>;
  /** Sets the first run's generator from a safetensors file (checked whole first; refused with a message). */
  loadGenerator(bytes: Uint8Array): Promise<{ step: number | undefined }>;
  /** The first run's generator weights as a safetensors file (tfjs names and layouts). */
  generatorWeights(): Promise<Uint8Array>;
  /** The first run's checkpoint (GNVS bytes). */
  checkpoint(): Promise<Uint8Array>;
  /** The first run's generator in tfjs' LayersModel format. */
  generator(): Promise<GeneratorArtifacts | undefined>;
  /** The first run's best state by its early-stopping figure (checkpoint and generator), if it has one. */
  best(): Promise<BestRun | undefined>;
  /** What the latent explorer offers for the first run's generator (refused with a message when it has no z). */
  exploreInfo(): Promise<ExplorerInfo>;
  /** One explorer picture from the first run's generator, at its current weights. */
  explore(req: ExploreRequest): Promise<ExploreResult>;
  dispose(): void;
}

let classifier: Promise<tfl.LayersModel> | undefined;

/**
 * "1 WASM thread" or "4 WASM threads (cross-origin isolated)": tfjs-wasm uses threads only where
 * SharedArrayBuffer exists (a cross-origin isolated page), at most hardwareConcurrency / 2 of them.
 */
export function wasmThreads(): string {
  const n = getThreadsCount();
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const where = isolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  return `${n} WASM thread${n === 1 ? '' : 's'} (${where})`;
}

/** The session where this code runs: on the page for WebGPU and WebGL, or inside the worker. */
export class LocalEngine implements Engine {
  private explorer: Explorer | undefined;
  private constructor(
    readonly backend: string,
    private readonly session: TrainingSession,
    readonly inWorker: boolean,
  ) {}

  static async create(init: EngineInit, inWorker = false): Promise<LocalEngine> {
    const base = analyzeRun(init.project, 'run');
    const session = await TrainingSession.create({
      runs: init.runs.map((r) => ({
        label: r.label,
        analysis: r.project === undefined ? base : analyzeRun(r.project, r.label),
        ...(r.overrideLoss ? { overrideLoss: r.overrideLoss } : {}),
      })),
      backend: init.backend,
      ...(init.backendChoice ? { backendChoice: init.backendChoice } : {}),
      assets: init.assets,
      ...(init.checkpoint ? { checkpoint: init.checkpoint } : {}),
      classifier: () => (classifier ??= tfl.loadLayersModel(init.classifierUrl)),
    });
    const choice = session.backend!;
    const threads = choice.name === 'wasm' ? `, ${wasmThreads()}` : '';
    const label = `${choice.name} (${choice.reason})${threads}${inWorker ? ', in a worker' : ''}`;
    return new LocalEngine(label, session, inWorker);
  }

  get batchSize(): number {
    return this.session.batchSize;
  }
  get steps(): number[] {
    return this.session.steps;
  }
  step(): Promise<SessionStep> {
    return this.session.step();
  }
  sample(opts: { fid?: boolean; surface?: boolean }): Promise<RunSample[]> {
    return this.session.sample(opts);
  }
  async loadGenerator(bytes: Uint8Array): Promise<{ step: number | undefined }> {
    return this.session.loadGenerator(bytes);
  }
  generatorWeights(): Promise<Uint8Array> {
    return this.session.generatorWeights();
  }
  checkpoint(): Promise<Uint8Array> {
    return this.session.checkpoint();
  }
  generator(): Promise<GeneratorArtifacts | undefined> {
    return this.session.generator();
  }
  async best(): Promise<BestRun | undefined> {
    return this.session.best();
  }
  async exploreInfo(): Promise<ExplorerInfo> {
    this.explorer ??= new Explorer(this.session.trainer(0));
    return this.explorer.info;
  }
  async explore(req: ExploreRequest): Promise<ExploreResult> {
    this.explorer ??= new Explorer(this.session.trainer(0));
    return this.explorer.explore(req);
  }
  dispose(): void {
    this.session.dispose();
  }
}

/** Requests to the worker, and its answers. */
type Request =
  | { method: 'create'; init: EngineInit }
  | { method: 'step' }
  | { method: 'sample'; fid?: boolean; surface?: boolean }
  | { method: 'loadGenerator'; bytes: Uint8Array }
  | { method: 'generatorWeights' }
  | { method: 'checkpoint' }
  | { method: 'generator' }
  | { method: 'best' }
  | { method: 'exploreInfo' }
  | { method: 'explore'; req: ExploreRequest }
  | { method: 'dispose' };
export type WorkerRequest = { id: number } & Request;
export type WorkerReply = { id: number } & (
  | { ok: true; value: unknown; steps: number[] }
  | { ok: false; error: string }
);

/** The page's handle on a LocalEngine inside a Web Worker. */
export class WorkerEngine implements Engine {
  readonly inWorker = true;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  backend = '';
  batchSize = 0;
  steps: number[] = [];
  private constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const r = e.data;
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.ok) {
        this.steps = r.steps;
        w.resolve(r.value);
      } else w.reject(new Error(r.error));
    };
    worker.onerror = (e) => {
      for (const w of this.waiting.values()) w.reject(new Error(e.message || 'The training worker failed.'));
      this.waiting.clear();
    };
  }
  private call<T>(req: Request, transfer: Transferable[] = []): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }
  static async create(init: EngineInit): Promise<WorkerEngine> {
    const engine = new WorkerEngine(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
    try {
      const info = await engine.call<{ backend: string; batchSize: number }>({ method: 'create', init });
      engine.backend = info.backend;
      engine.batchSize = info.batchSize;
    } catch (e) {
      engine.worker.terminate();
      throw e;
    }
    return engine;
  }
  step(): Promise<SessionStep> {
    return this.call({ method: 'step' });
  }
  sample(opts: { fid?: boolean; surface?: boolean }): Promise<RunSample[]> {
    return this.call({ method: 'sample', ...opts });
  }
  loadGenerator(bytes: Uint8Array): Promise<{ step: number | undefined }> {
    return this.call({ method: 'loadGenerator', bytes });
  }
  generatorWeights(): Promise<Uint8Array> {
    return this.call({ method: 'generatorWeights' });
  }
  checkpoint(): Promise<Uint8Array> {
    return this.call({ method: 'checkpoint' });
  }
  generator(): Promise<GeneratorArtifacts | undefined> {
    return this.call({ method: 'generator' });
  }
  best(): Promise<BestRun | undefined> {
    return this.call({ method: 'best' });
  }
  exploreInfo(): Promise<ExplorerInfo> {
    return this.call({ method: 'exploreInfo' });
  }
  explore(req: ExploreRequest): Promise<ExploreResult> {
    return this.call({ method: 'explore', req });
  }
  dispose(): void {
    this.worker.terminate();
    for (const w of this.waiting.values()) w.reject(new Error('Training was stopped.'));
    this.waiting.clear();
  }
}
