/**
 * The training engine behind the panel: one or more runs (a comparison run
 * has its loss swapped), stepped together, with their sample pictures,
 * quality figures, checkpoints and generator. LocalEngine runs them where it
 * is created: on the page for WebGPU and WebGL (they need the page's GPU
 * device), or inside a Web Worker for WASM and CPU (worker.ts), where a long
 * step never blocks the page. WorkerEngine is the page's handle on that.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { datasetParamsSchema } from '../../core/data/catalog.js';
import type { DataAssets } from '../../core/data/datasets.js';
import type { AdversarialKind } from '../../core/nodes/training.js';
import { selectBackend, type BackendPreference } from '../../core/train/backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../core/train/checkpoint.js';
import { digitFid, featureExtractor, type FidFn } from '../../core/train/fid.js';
import { imageGrid, scatter2d, type Rgba } from '../../core/train/images.js';
import { modeCoverage } from '../../core/train/metrics.js';
import { Trainer, type StepMetrics } from '../../core/train/trainer.js';
import { validateProjectValue, type ProjectAnalysis } from '../../core/validate.js';

export interface Quality {
  step: number;
  modesCovered?: number;
  modesTotal?: number;
  highQuality?: number;
  fid?: number;
}

export interface EngineInit {
  backend: BackendPreference;
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

export interface StepResult {
  metrics: StepMetrics;
  /** Why this step's figures mean the run must stop. */
  divergence?: string;
}

export interface PictureResult {
  picture?: Rgba;
  quality: Quality[];
}

export interface Engine {
  readonly backend: string;
  readonly batchSize: number;
  /** The step each run is at. */
  readonly steps: number[];
  /** Whether training runs off the page's main thread. */
  readonly inWorker: boolean;
  step(): Promise<StepResult[]>;
  pictures(): Promise<PictureResult[]>;
  checkpoint(projectName: string): Promise<Uint8Array>;
  /** The first run's generator in tfjs' LayersModel format. */
  generator(): Promise<{ json: string; weights: ArrayBuffer } | undefined>;
  dispose(): void;
}

function usesDigits(a: ProjectAnalysis): boolean {
  return (a.project?.training?.nodes ?? []).some((n) => n.type === 'Dataset' && datasetParamsSchema.safeParse(n.params ?? {}).data?.source === 'mnist');
}

/** Draws a picture of a run's samples (an image grid, or 2D points over D's decision surface) and takes its quality figures. */
async function samplePicture(t: Trainer, fid: FidFn | undefined): Promise<PictureResult> {
  const quality: Quality[] = [];
  const modes = t.modes();
  const fake = t.generate(modes ? 400 : 64);
  const values = (await fake.data()) as Float32Array;
  const shape = fake.shape;
  const f = fid && shape.length === 4 ? await fid(fake) : undefined;
  fake.dispose();
  if (f !== undefined) quality.push({ step: t.step, fid: f });
  if (modes && shape[1] === 2) {
    const cov = modeCoverage(values, modes.centers, modes.std);
    quality.push({ step: t.step, modesCovered: cov.covered, modesTotal: cov.total, highQuality: cov.highQuality });
    const real = t.realSamples(400);
    const realValues = (await real.data()) as Float32Array;
    real.dispose();
    const extent = Math.max(...modes.centers.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.5 + 0.5;
    const pic = scatter2d(realValues, values, extent, 300);
    // D's decision surface, as in GAN Lab: sigmoid(D(x)) on a 30x30 grid, shaded behind the points.
    const dName = t.plan.players.D.models[0];
    const d = dName ? t.models.get(dName) : undefined;
    if (d && d.inputs.length === 1 && d.inputs[0]!.shape.length === 2) {
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
          const v = p[Math.min(n - 1, Math.floor((y / pic.height) * n)) * n + Math.min(n - 1, Math.floor((x / pic.width) * n))] as number;
          pic.data[o] = Math.round(255 - 40 * (1 - v));
          pic.data[o + 1] = Math.round(255 - 25 * Math.abs(v - 0.5));
          pic.data[o + 2] = Math.round(255 - 40 * v);
        }
    }
    return { picture: pic, quality };
  }
  if (shape.length === 4) {
    const [, h, w, c] = shape as [number, number, number, number];
    return { picture: imageGrid(values.subarray(0, 36 * h * w * c), 36, h, w, c, 6), quality };
  }
  return { quality };
}

let classifier: Promise<tfl.LayersModel> | undefined;

export class LocalEngine implements Engine {
  readonly inWorker: boolean;
  private constructor(
    readonly backend: string,
    private readonly trainers: Trainer[],
    private readonly fid: FidFn | undefined,
    inWorker: boolean,
  ) {
    this.inWorker = inWorker;
  }

  static async create(init: EngineInit, inWorker = false): Promise<LocalEngine> {
    const choice = await selectBackend(init.backend);
    const valid = (project: unknown, label: string): ProjectAnalysis => {
      const a = validateProjectValue(project);
      if (a.status !== 'ok') throw new Error(`${label}: the project has errors: ${a.diagnostics.find((d) => d.severity === 'error')?.message ?? ''}`);
      return a;
    };
    const analysis = valid(init.project, 'run');
    const trainers = init.runs.map((r) => new Trainer(r.project === undefined ? analysis : valid(r.project, r.label), { assets: init.assets, ...(r.overrideLoss ? { overrideLoss: r.overrideLoss } : {}) }));
    if (init.checkpoint && trainers[0]) {
      const { header, tensors } = decodeCheckpoint(init.checkpoint);
      await trainers[0].restore({ step: header.step, tensors });
      tf.dispose(tensors.map((t) => t.tensor));
    }
    let fid: FidFn | undefined;
    const first = trainers[0];
    if (first && init.assets.mnist && usesDigits(analysis)) {
      const probe = first.generate(1);
      const fits = probe.shape.join(',') === '1,28,28,1';
      probe.dispose();
      if (fits) {
        classifier ??= tfl.loadLayersModel(init.classifierUrl);
        fid = await digitFid(featureExtractor(await classifier), init.assets.mnist);
      }
    }
    return new LocalEngine(`${choice.name} (${choice.reason})${inWorker ? ', in a worker' : ''}`, trainers, fid, inWorker);
  }

  get batchSize(): number {
    return this.trainers[0]?.batchSize ?? 0;
  }
  get steps(): number[] {
    return this.trainers.map((t) => t.step);
  }
  async step(): Promise<StepResult[]> {
    const out: StepResult[] = [];
    for (const t of this.trainers) {
      const metrics = await t.trainStep();
      const divergence = t.divergence(metrics);
      out.push({ metrics, ...(divergence ? { divergence } : {}) });
    }
    return out;
  }
  async pictures(): Promise<PictureResult[]> {
    return Promise.all(this.trainers.map((t) => samplePicture(t, this.fid)));
  }
  async checkpoint(projectName: string): Promise<Uint8Array> {
    const t = this.trainers[0];
    if (!t) throw new Error('Nothing is training.');
    const st = await t.state();
    const bytes = await encodeCheckpoint(st, projectName);
    tf.dispose(st.tensors.map((x) => x.tensor));
    return bytes;
  }
  async generator(): Promise<{ json: string; weights: ArrayBuffer } | undefined> {
    const t = this.trainers[0];
    const node = t?.sampleNode();
    const model = node ? t?.models.get(node.params.model as string) : undefined;
    if (!model) return undefined;
    let out: { json: string; weights: ArrayBuffer } | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        out = {
          json: JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', generatedBy: 'ganvas', convertedBy: null, weightsManifest: [{ paths: ['generator.weights.bin'], weights: a.weightSpecs ?? [] }] }),
          weights: a.weightData as ArrayBuffer,
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return out;
  }
  dispose(): void {
    for (const t of this.trainers) t.dispose();
  }
}

/** Requests to the worker, and its answers. */
type Request = { method: 'create'; init: EngineInit } | { method: 'step' } | { method: 'pictures' } | { method: 'checkpoint'; projectName: string } | { method: 'generator' } | { method: 'dispose' };
export type WorkerRequest = { id: number } & Request;
export type WorkerReply = { id: number } & ({ ok: true; value: unknown; steps: number[] } | { ok: false; error: string });

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
  step(): Promise<StepResult[]> {
    return this.call({ method: 'step' });
  }
  pictures(): Promise<PictureResult[]> {
    return this.call({ method: 'pictures' });
  }
  checkpoint(projectName: string): Promise<Uint8Array> {
    return this.call({ method: 'checkpoint', projectName });
  }
  generator(): Promise<{ json: string; weights: ArrayBuffer } | undefined> {
    return this.call({ method: 'generator' });
  }
  dispose(): void {
    this.worker.terminate();
    for (const w of this.waiting.values()) w.reject(new Error('Training was stopped.'));
    this.waiting.clear();
  }
}
