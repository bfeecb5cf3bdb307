/**
 * Models that really train, on the WASM backend (the one people without a
 * GPU use): the 2D ring template's WGAN-GP covers all 8 modes within a
 * bounded number of steps, a plain minimax run's figures are recorded (not
 * asserted: it is expected to collapse), and a small MNIST DCGAN's losses
 * move and its samples change.
 */
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { meanPairwiseDistance, modeCoverage } from '../../src/core/train/metrics.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText } from '../../src/core/validate.js';

const ROOT = resolve(__dirname, '../..');
const RESULTS = join(ROOT, 'test-results');

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

async function coverage(t: Trainer) {
  const s = t.generate(1000);
  const pts = (await s.data()) as Float32Array;
  s.dispose();
  const modes = t.modes()!;
  return modeCoverage(pts, modes.centers, modes.std);
}

describe('2D ring of 8 Gaussians', () => {
  const text = readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8');

  it('WGAN-GP (the template) covers all 8 modes within 2,500 steps, with no tensor leak', async () => {
    const a = validateProjectText(text);
    const t = new Trainer(a, { seed: 0 });
    const trace: { step: number; covered: number; highQuality: number }[] = [];
    let tensorsAt10 = 0;
    let best = 0;
    while (t.step < 2500) {
      await t.trainStep();
      if (t.step === 10) tensorsAt10 = tf.memory().numTensors;
      if (t.step % 100 === 0) {
        const c = await coverage(t);
        trace.push({ step: t.step, covered: c.covered, highQuality: c.highQuality });
        best = Math.max(best, c.covered);
        if (c.covered === 8) break;
      }
    }
    expect(tf.memory().numTensors).toBe(tensorsAt10);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'ring-wgan-gp.json'), JSON.stringify(trace, null, 2));
    expect(best, JSON.stringify(trace)).toBe(8);
    t.dispose();
  }, 300_000);

  it('records the figures of a plain minimax run on the same data and seed', async () => {
    const project = JSON.parse(text);
    const loss = project.training.nodes.find((n: { id: string }) => n.id === 'loss');
    loss.params.kind = 'minimax';
    project.training.nodes = project.training.nodes.filter((n: { type: string }) => n.type !== 'GradientPenalty');
    project.training.edges = project.training.edges.filter((e: { target: string }) => e.target !== 'gp');
    project.training.settings.dStepsPerGStep = 1;
    const a = validateProjectText(JSON.stringify(project));
    expect(a.status).toBe('ok');
    const t = new Trainer(a, { seed: 0 });
    const trace: { step: number; covered: number; highQuality: number; D: number; G: number }[] = [];
    while (t.step < 1500) {
      const m = await t.trainStep();
      if (t.step % 250 === 0) {
        const c = await coverage(t);
        trace.push({ step: t.step, covered: c.covered, highQuality: c.highQuality, D: m.losses.D!, G: m.losses.G! });
      }
    }
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'ring-minimax.json'), JSON.stringify(trace, null, 2));
    // Whatever it does, it must have trained: finite losses that moved.
    expect(trace.every((r) => Number.isFinite(r.D) && Number.isFinite(r.G))).toBe(true);
    expect(new Set(trace.map((r) => r.G.toFixed(4))).size).toBeGreaterThan(1);
    t.dispose();
  }, 300_000);
});

describe('MNIST DCGAN (28x28 template)', () => {
  it('trains: losses move and the samples of a fixed noise batch change', async () => {
    const a = validateProjectText(readFileSync(join(ROOT, 'templates/dcgan-mnist.json'), 'utf8'));
    const t = new Trainer(a, { seed: 1, batchSize: 16, emaDecay: 0, assets: { mnist: loadMnist() } });
    const before = (await t.generate(16).data()) as Float32Array;
    const losses: number[] = [];
    for (let i = 0; i < 12; i++) losses.push((await t.trainStep()).losses.D!);
    const after = (await t.generate(16).data()) as Float32Array;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Math.max(...losses) - Math.min(...losses)).toBeGreaterThan(0.01);
    let change = 0;
    for (let i = 0; i < before.length; i++) change += Math.abs((after[i] as number) - (before[i] as number));
    expect(change / before.length).toBeGreaterThan(0.01);
    // Samples are images in tanh range with some diversity across the batch.
    expect(after.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(meanPairwiseDistance(after, 16)).toBeGreaterThan(0);
    t.dispose();
  }, 120_000);
});
