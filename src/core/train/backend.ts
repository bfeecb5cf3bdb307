/**
 * Backend choice: webgpu, then webgl, then wasm, then cpu, or one forced,
 * with the reason shown. The shells import the backend packages they can
 * offer (the browser all four, Node wasm and cpu); this module only picks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { registerSecondOrderGradients } from './gradients.js';
import { patchWebGpuKernels } from './webgpu-kernels.js';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = 'auto' | BackendName;

export interface BackendChoice {
  name: BackendName;
  /** One sentence: why this backend ("webgpu: no adapter; webgl: not registered; using wasm"). */
  reason: string;
  attempts: { name: BackendName; ok: boolean; why?: string }[];
}

export class BackendError extends Error {}

export async function selectBackend(pref: BackendPreference = 'auto'): Promise<BackendChoice> {
  registerSecondOrderGradients();
  registerWasmTrainingKernels();
  patchWebGpuKernels();
  const order: BackendName[] = pref === 'auto' ? [...BACKENDS] : [pref];
  const attempts: BackendChoice['attempts'] = [];
  for (const name of order) {
    if (!tf.findBackendFactory(name)) {
      attempts.push({ name, ok: false, why: 'not available here' });
      continue;
    }
    let ok = false;
    let why: string | undefined;
    try {
      ok = await tf.setBackend(name);
      if (ok) await tf.ready();
      if (!ok) why = name === 'webgpu' ? 'no WebGPU adapter' : 'failed to initialise';
    } catch (e) {
      why = (e as Error).message.split('\n')[0];
    }
    attempts.push({ name, ok, ...(why ? { why } : {}) });
    if (ok) {
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.why}`);
      return { name, reason: pref === 'auto' ? (skipped.length ? `${skipped.join('; ')}; using ${name}` : `using ${name}, the fastest available`) : `forced ${name}`, attempts };
    }
  }
  throw new BackendError(`No backend could start: ${attempts.map((a) => `${a.name}: ${a.why}`).join('; ')}.`);
}
