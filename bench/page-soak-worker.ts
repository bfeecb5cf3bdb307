/**
 * The page half of the soak (bench/page-soak.ts): a module Web Worker, as the
 * training panel uses, trains templates/toy-ring.json through the Trainer API
 * with a sample and a checkpoint saved, decoded and restored every `every`
 * steps, and posts the worker's tensors, tensor memory, heap (where the
 * browser can measure it) and steps/s at each of those points.
 */
import * as tf from '@tensorflow/tfjs-core';
import { decodeCheckpoint, encodeCheckpoint, selectBackend, Trainer } from '../src/core/train/index.js';
import { validateProjectText } from '../src/core/validate.js';
import { serveWasmFromBundle } from '../src/ui/train/wasm.js';
import ringTemplate from '../templates/toy-ring.json?raw';

serveWasmFromBundle(self.location.origin);

interface Point {
  step: number;
  tensors: number;
  tensorMiB: number;
  heapMiB?: number;
  stepsPerSecond: number;
}

/** The worker's memory as Chromium measures it (cross-origin isolated pages only), in MiB. */
async function heapMiB(): Promise<number | undefined> {
  const p = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
  if (!p.measureUserAgentSpecificMemory) return undefined;
  try {
    return (await p.measureUserAgentSpecificMemory()).bytes / 2 ** 20;
  } catch {
    return undefined;
  }
}

self.onmessage = async (e: MessageEvent<{ steps: number; every: number }>) => {
  const post = (m: unknown) => (self as unknown as Worker).postMessage(m);
  try {
    await selectBackend('wasm');
    const analysis = validateProjectText(ringTemplate);
    const t = new Trainer(analysis);
    const t0 = performance.now();
    let windowStart = t0;
    for (let s = 1; s <= e.data.steps; s++) {
      await t.trainStep();
      if (s % e.data.every !== 0) continue;
      const g = t.generate(256);
      await g.data();
      g.dispose();
      const state = await t.state();
      const bytes = await encodeCheckpoint(state, analysis.project?.name ?? 'project');
      tf.dispose(state.tensors.map((x) => x.tensor));
      const decoded = decodeCheckpoint(bytes);
      await t.restore({ step: decoded.header.step, tensors: decoded.tensors });
      tf.dispose(decoded.tensors.map((x) => x.tensor));
      const now = performance.now();
      const m = tf.memory();
      const heap = await heapMiB();
      const point: Point = {
        step: s,
        tensors: m.numTensors,
        tensorMiB: m.numBytes / 2 ** 20,
        ...(heap !== undefined ? { heapMiB: heap } : {}),
        stepsPerSecond: e.data.every / ((now - windowStart) / 1000),
      };
      windowStart = performance.now();
      post({ point });
    }
    t.dispose();
    post({ done: true, seconds: (performance.now() - t0) / 1000, leftAfterDispose: tf.memory().numTensors });
  } catch (err) {
    post({ error: (err as Error).message });
  }
};
