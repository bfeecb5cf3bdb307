/**
 * Hostile input and long sessions (issue 15). Two parts, written to
 * bench/results.json (key hostile). Never fails on a number.
 *
 * - Validation of hostile and huge files: a 100,000-node model, a training
 *   graph of 9,000 dangling edges, nesting a million levels deep, blocks that
 *   would expand to 12 billion nodes.
 * - Soak: the toy ring trained for N steps (default 20,000) through the
 *   Trainer API, with a sample and a checkpoint saved, decoded and restored
 *   every 500 steps (as the editor's resume does); heap, tensors, bytes and
 *   steps/s at the start (step 500) and at the end.
 *
 *   node --expose-gc --import tsx bench/hostile.ts [--steps N] [--backend wasm|cpu]
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { ROOT } from '../src/cli/assets.js';
import { selectBackend } from '../src/core/train/backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/core/train/checkpoint.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';
import { chainProject } from '../tests/fixtures/big-graph.js';
import { machine, writeSection } from './common.js';

tf.env().set('PROD', true);
const args = parseArgs({
  options: { steps: { type: 'string', default: '20000' }, backend: { type: 'string', default: 'wasm' } },
}).values;
const ring = readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8');

function timed(
  label: string,
  text: string,
): { case: string; bytes: number; ms: number; status: string; diagnostics: number } {
  const t0 = performance.now();
  const a = validateProjectText(text);
  const ms = performance.now() - t0;
  console.log(`${label}: ${a.status}, ${a.diagnostics.length} diagnostics, ${ms.toFixed(0)} ms`);
  return { case: label, bytes: text.length, ms, status: a.status, diagnostics: a.diagnostics.length };
}

const validation = [];
validation.push(timed('100,000-node model', JSON.stringify(chainProject(100_000), null, 2)));
{
  const p = JSON.parse(ring);
  for (let k = 0; k < 9_000; k++) {
    p.training.nodes.push({ id: `n${k}`, type: 'NoiseSource', params: { dim: 2 } });
    p.training.edges.push({ source: `missing${k}`, target: `n${k}` });
  }
  validation.push(timed('9,000 dangling training edges', JSON.stringify(p, null, 2)));
}
validation.push(timed('nesting 1,000,000 deep', `{"format": "ganvas/1", "x": ${'['.repeat(1e6)}${']'.repeat(1e6)}}`));
{
  const p = JSON.parse(ring);
  const port = { id: 'i', type: 'Input', params: { shape: [64] } };
  const wire = [
    { source: 'i', target: 'x' },
    { source: 'x', target: 'o' },
  ];
  p.blocks = { b0: { nodes: [port, { id: 'x', type: 'ReLU' }, { id: 'o', type: 'Output' }], edges: wire } };
  for (let k = 1; k <= 4; k++) {
    const x = { id: 'x', type: 'Block', params: { block: `b${k - 1}`, repeat: 256 } };
    p.blocks[`b${k}`] = { nodes: [port, x, { id: 'o', type: 'Output' }], edges: wire };
  }
  p.models.generator.nodes.push({ id: 'boom', type: 'Block', params: { block: 'b4', repeat: 256 } });
  validation.push(timed('blocks nested 5 deep, repeat 256', JSON.stringify(p, null, 2)));
}

// Soak.
const steps = Number(args.steps);
const backend = (await selectBackend(args.backend as 'wasm' | 'cpu')).name;
const analysis = validateProjectText(ring);
const trainer = new Trainer(analysis);
const gc = (globalThis as { gc?: () => void }).gc;
type Point = { step: number; heapMiB: number; tensors: number; tensorMiB: number; stepsPerSecond: number };
const points: Point[] = [];
let windowStart = performance.now();
const t0 = performance.now();
for (let s = 1; s <= steps; s++) {
  await trainer.trainStep();
  if (s % 500 !== 0) continue;
  const sample = trainer.generate(256);
  await sample.data();
  sample.dispose();
  const state = await trainer.state();
  const bytes = await encodeCheckpoint(state, 'toy-ring');
  tf.dispose(state.tensors.map((x) => x.tensor));
  const { header, tensors } = decodeCheckpoint(bytes);
  await trainer.restore({ step: header.step, tensors });
  tf.dispose(tensors.map((x) => x.tensor));
  gc?.();
  const m = tf.memory();
  const now = performance.now();
  const point = {
    step: s,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    tensors: m.numTensors,
    tensorMiB: m.numBytes / 2 ** 20,
    stepsPerSecond: 500 / ((now - windowStart) / 1000),
  };
  windowStart = now;
  points.push(point);
  console.log(
    `step ${s}: heap ${point.heapMiB.toFixed(1)} MiB, ${point.tensors} tensors, ${point.tensorMiB.toFixed(3)} MiB, ` +
      `${point.stepsPerSecond.toFixed(1)} steps/s`,
  );
}
trainer.dispose();
const soak = {
  backend,
  steps,
  seconds: (performance.now() - t0) / 1000,
  gcExposed: gc !== undefined,
  start: points[0],
  end: points[points.length - 1],
  maxTensors: Math.max(...points.map((p) => p.tensors)),
  maxHeapMiB: Math.max(...points.map((p) => p.heapMiB)),
  leftAfterDispose: tf.memory().numTensors,
};
console.log(JSON.stringify(soak));
writeSection('hostile', { machine: machine({ backend }), validation, soak });
