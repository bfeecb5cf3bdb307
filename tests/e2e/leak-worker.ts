/**
 * Loaded as a module Web Worker by the browser tests (through Vite), the way
 * the training panel runs WASM and CPU training: trains, samples, saves a
 * checkpoint, restores it and finally disposes, in a loop, through the
 * Trainer API, and reports tf.memory() inside the worker at each point.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { decodeCheckpoint, encodeCheckpoint, selectBackend, Trainer } from '../../src/core/train/index.js';
import { validateProjectText } from '../../src/core/validate.js';
import { serveWasmFromBundle } from '../../src/ui/train/wasm.js';
import ringTemplate from '../../templates/toy-ring.json?raw';

export interface LeakReport {
  backend: string;
  before: tf.MemoryInfo['numTensors'];
  beforeBytes: number;
  /** numTensors / numBytes after each cycle. */
  cycles: { tensors: number; bytes: number }[];
  afterDispose: { tensors: number; bytes: number };
}

serveWasmFromBundle(self.location.origin);

async function loop(backend: 'wasm' | 'cpu', cycles: number): Promise<LeakReport> {
  await selectBackend(backend);
  const at = () => ({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes });
  const start = at();
  const analysis = validateProjectText(ringTemplate);
  const t = new Trainer(analysis, { batchSize: 16, emaDecay: 0.9 });
  const out: LeakReport = {
    backend: tf.getBackend(),
    before: start.tensors,
    beforeBytes: start.bytes,
    cycles: [],
    afterDispose: start,
  };
  for (let c = 0; c < cycles; c++) {
    await t.trainStep();
    await t.trainStep();
    const g = t.generate(64);
    await g.data();
    g.dispose();
    const state = await t.state();
    const bytes = await encodeCheckpoint(state, analysis.project?.name ?? 'project');
    tf.dispose(state.tensors.map((x) => x.tensor));
    const decoded = decodeCheckpoint(bytes);
    await t.restore({ step: decoded.header.step, tensors: decoded.tensors });
    tf.dispose(decoded.tensors.map((x) => x.tensor));
    out.cycles.push(at());
  }
  t.dispose();
  out.afterDispose = at();
  return out;
}

self.onmessage = async (e: MessageEvent<{ backend: 'wasm' | 'cpu'; cycles: number }>) => {
  try {
    (self as unknown as Worker).postMessage({ ok: true, report: await loop(e.data.backend, e.data.cycles) });
  } catch (err) {
    (self as unknown as Worker).postMessage({ ok: false, error: (err as Error).message });
  }
};
