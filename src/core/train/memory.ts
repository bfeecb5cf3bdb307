/**
 * Memory budgets per backend, enforced before anything is allocated (issue 15):
 * a project whose training would not fit the chosen backend is refused with
 * the estimate and the budget, instead of dying inside tfjs ("Invalid typed
 * array length") after files were written.
 *
 * The estimate, in float32 bytes, over every model the training graph calls:
 * - parameters: weights (4 bytes each) and their gradients (4 bytes each, trainable only);
 * - optimizer slots: two per trainable weight (Adam's moments; RMSProp also keeps two;
 *   counted for every optimizer, SGD included, to stay on the safe side);
 * - the EMA copy of the generator's weights when emaDecay > 0;
 * - activations: each call's activations per sample x batch size, twice (the forward values
 *   kept for the backward pass, and their gradients).
 */
import { type Diagnostic, diag } from '../diagnostics.js';
import { formatBytes } from '../project/limits.js';
import type { ProjectAnalysis } from '../shapes/project.js';
import type { BackendName } from './backend.js';

/**
 * What one backend can hold for a training run. WASM: tfjs-backend-wasm's heap
 * grows to 2 GiB at most (a wasm32 memory, and the package's build limit);
 * CPU: JavaScript typed arrays in the process heap, kept to 4 GiB;
 * WebGL: textures, which browsers cap near 1-2 GiB before losing the context;
 * WebGPU: storage buffers on the GPU, kept to 2 GiB to fit integrated GPUs.
 */
export const BACKEND_MEMORY_BUDGET: Record<BackendName, number> = {
  webgpu: 2 * 2 ** 30,
  webgl: 1 * 2 ** 30,
  wasm: 2 * 2 ** 30,
  cpu: 4 * 2 ** 30,
};

export interface MemoryEstimate {
  parameters: number;
  weightBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  emaBytes: number;
  activationBytes: number;
  batchSize: number;
  total: number;
}

const F32 = 4;

/** The training memory of a valid project at a batch size (the project's own by default). */
export function trainingMemory(a: ProjectAnalysis, batchSize?: number): MemoryEstimate {
  const training = a.project?.training;
  const batch = batchSize ?? training?.settings.batchSize ?? 1;
  const calls = (training?.nodes ?? []).filter((n) => n.type === 'ModelCall').map((n) => String(n.params?.model));
  const called = new Set(calls);
  let parameters = 0;
  let trainable = 0;
  for (const name of called) {
    const t = a.models.get(name)?.totals;
    if (!t) continue;
    parameters += t.trainable + t.nonTrainable;
    trainable += t.trainable;
  }
  let gTrainable = 0;
  for (const n of training?.nodes ?? []) {
    if (n.type !== 'Optimizer' || n.params?.player !== 'G') continue;
    const models = Array.isArray(n.params.models) ? (n.params.models as unknown[]) : [];
    for (const m of models) gTrainable += a.models.get(String(m))?.totals.trainable ?? 0;
  }
  const ema = (training?.settings.emaDecay ?? 0) > 0 ? gTrainable * F32 : 0;
  let activations = 0;
  for (const name of calls) activations += (a.models.get(name)?.totals.activationElements ?? 0) * F32 * batch * 2;
  const e = {
    parameters,
    weightBytes: parameters * F32,
    gradientBytes: trainable * F32,
    optimizerBytes: 2 * trainable * F32,
    emaBytes: ema,
    activationBytes: activations,
    batchSize: batch,
  };
  return { ...e, total: e.weightBytes + e.gradientBytes + e.optimizerBytes + e.emaBytes + e.activationBytes };
}

/** A MEMORY_BUDGET error when training the project on `backend` would not fit, else undefined. */
export function memoryBudgetDiagnostic(
  a: ProjectAnalysis,
  backend: BackendName,
  batchSize?: number,
): Diagnostic | undefined {
  const e = trainingMemory(a, batchSize);
  const budget = BACKEND_MEMORY_BUDGET[backend];
  if (e.total <= budget) return undefined;
  const parts =
    `${e.parameters.toLocaleString('en-US')} parameters (${formatBytes(e.weightBytes)} of weights, ` +
    `${formatBytes(e.gradientBytes)} of gradients, ${formatBytes(e.optimizerBytes)} of optimizer moments` +
    `${e.emaBytes > 0 ? `, ${formatBytes(e.emaBytes)} of EMA weights` : ''}) and ` +
    `${formatBytes(e.activationBytes)} of activations and their gradients at batch size ${e.batchSize}`;
  return diag(
    'MEMORY_BUDGET',
    `Training needs about ${formatBytes(e.total)}, over the ${formatBytes(budget)} budget of the ${backend} backend: ` +
      `${parts}. Shrink the models, lower the batch size, or pick a backend with a larger budget.`,
    { path: ['models'] },
  );
}
