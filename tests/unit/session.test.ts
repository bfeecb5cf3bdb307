/**
 * The training session every shell drives (core/train/session.ts): it
 * trains, its quality figures are those of its samples, a checkpoint
 * restored into a fresh session continues exactly like an uninterrupted run,
 * and it stops for the three reasons it knows (steps, divergence, request).
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { loadClassifier } from '../../src/cli/classifier.js';
import { modeCoverage } from '../../src/core/train/metrics.js';
import {
  analyzeRun,
  generatorModelJson,
  type SessionOptions,
  TrainingSession,
  usesDigits,
} from '../../src/core/train/session.js';

const ROOT = resolve(__dirname, '../..');

afterAll(async () => {
  await tf.setBackend('cpu');
});

// `any`: a project JSON edited in place by each test; analyzeRun checks it, not the type system.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function template(name: string): Json {
  return JSON.parse(readFileSync(join(ROOT, 'templates', name), 'utf8')) as Json;
}

/** The toy ring template, changed by the test. */
function ring(change: (p: Json) => void = () => {}): Json {
  const p = template('toy-ring.json');
  change(p);
  return p;
}

function session(project: Json, opts: Partial<SessionOptions> = {}): Promise<TrainingSession> {
  const runs = [{ label: 'run', analysis: analyzeRun(project, 'run') }];
  return TrainingSession.create({ runs, backend: 'wasm', ...opts });
}

/** Cheap steps: one D step per G step, batch 32. */
const quick = (p: Json) => {
  p.training.settings = { ...p.training.settings, dStepsPerGStep: 1, batchSize: 32 };
};

describe('a training session', () => {
  it('trains the ring template; its quality figures are those of its samples and move as it learns', async () => {
    // The template's modes are tight (std 0.02) and take ~2,000 steps to cover; at std 0.2 a hundred steps show it.
    const s = await session(
      ring((p) => (p.training.nodes.find((n: Json) => n.id === 'ring').params.std = 0.2)),
      { batchSize: 64, steps: 100 },
    );
    expect(s.backend?.name).toBe('wasm');
    const [before] = await s.sample();
    expect(before!.quality).toMatchObject({ step: 0, modesCovered: 0, modesTotal: 8 });
    let steps = 0;
    while (!s.stopped) {
      const { metrics } = await s.step();
      steps += metrics.length;
    }
    expect(steps).toBe(100);
    expect(s.stopped).toEqual({ kind: 'steps', message: 'reached step 100' });
    expect((await s.step()).metrics).toEqual([]); // no step past the target
    const [after] = await s.sample();
    const q = after!.quality;
    expect(q.step).toBe(100);
    expect(q.modesCovered!).toBeGreaterThan(before!.quality.modesCovered!);
    expect(q.diversity!).toBeGreaterThan(before!.quality.diversity!);
    // The same figures as modeCoverage on the same samples (the fixed noise batch of 1,000).
    const t = s.trainer(0);
    const fake = t.generate(1000);
    const modes = t.modes()!;
    const cov = modeCoverage((await fake.data()) as Float32Array, modes.centers, modes.std);
    fake.dispose();
    expect([q.modesCovered, q.modesTotal, q.highQuality]).toEqual([cov.covered, cov.total, cov.highQuality]);
    // The picture: 400x400, real points (blue) and generated ones (orange) over D's shaded decision surface.
    const pic = after!.picture!;
    expect([pic.width, pic.height]).toEqual([400, 400]);
    const colours = new Set<string>();
    for (let i = 0; i < pic.data.length; i += 4) colours.add(`${pic.data[i]},${pic.data[i + 1]},${pic.data[i + 2]}`);
    expect(colours.has('59,130,246')).toBe(true);
    expect(colours.has('249,115,22')).toBe(true);
    expect(colours.has('255,255,255')).toBe(false); // every background pixel is shaded
    s.dispose();
  }, 120_000);

  it('continues from a checkpoint exactly like an uninterrupted run (same losses)', async () => {
    const project = ring(quick);
    const straight = await session(project, { steps: 16 });
    const losses: Record<string, number>[] = [];
    let checkpoint: Uint8Array | undefined;
    while (!straight.stopped) {
      const { metrics } = await straight.step();
      losses.push(metrics[0]!.losses);
      if (straight.steps[0] === 8) checkpoint = await straight.checkpoint();
    }
    straight.dispose();
    const resumed = await session(project, { steps: 16, checkpoint: checkpoint! });
    expect(resumed.steps).toEqual([8]);
    const after: Record<string, number>[] = [];
    while (!resumed.stopped) after.push((await resumed.step()).metrics[0]!.losses);
    expect(after).toHaveLength(8);
    expect(after).toEqual(losses.slice(8));
    resumed.dispose();
  }, 60_000);

  it('stops a diverging run with the reason, and steps no further', async () => {
    // An absurd learning rate with plain SGD on a Wasserstein loss with no penalty blows up.
    const project = ring((p) => {
      quick(p);
      p.training.nodes = p.training.nodes.filter((n: Json) => n.type !== 'GradientPenalty');
      p.training.edges = p.training.edges.filter((e: Json) => e.target !== 'gp');
      for (const n of p.training.nodes)
        if (n.type === 'Optimizer') n.params = { ...n.params, algorithm: 'sgd', learningRate: 10 };
    });
    const s = await session(project, { steps: 500 });
    let last;
    while (!s.stopped) last = await s.step();
    const stop = s.stopped!;
    expect(stop.kind).toBe('diverged');
    expect(stop.message).toMatch(/NaN|Infinity|exploded/);
    expect(last?.stop).toEqual(stop);
    expect(stop).toMatchObject({ run: 0, label: 'run' });
    const at = s.steps[0]!;
    expect(at).toBeLessThan(500);
    expect((await s.step()).metrics).toEqual([]);
    expect(s.steps[0]).toBe(at);
    s.dispose();
  }, 60_000);

  it('stops when asked, before its next step', async () => {
    const s = await session(ring(quick));
    expect(s.stopped).toBeUndefined(); // no target: it would go on
    await s.step();
    await s.step();
    s.requestStop();
    const r = await s.step();
    expect(r.metrics).toEqual([]);
    expect(r.stop).toEqual({ kind: 'requested', message: 'stopped at step 2' });
    expect(s.steps).toEqual([2]);
    s.dispose();
  }, 60_000);

  it('steps comparison runs together, each with its loss, and gives the generator in tfjs format', async () => {
    const a = analyzeRun(ring(quick), 'wgan-gp');
    const s = await TrainingSession.create({
      runs: [
        { label: 'wgan-gp', analysis: a },
        { label: 'minimax', analysis: a, overrideLoss: 'minimax' },
      ],
      backend: 'wasm',
      steps: 3,
    });
    expect(s.labels).toEqual(['wgan-gp', 'minimax']);
    const first = await s.step();
    expect(first.metrics.map((m) => m.step)).toEqual([1, 1]);
    expect(first.metrics[0]!.losses.D).not.toBeCloseTo(first.metrics[1]!.losses.D!, 4);
    while (!s.stopped) await s.step();
    expect(s.steps).toEqual([3, 3]);
    const samples = await s.sample();
    expect(samples.map((x) => [x.run, x.step])).toEqual([
      [0, 3],
      [1, 3],
    ]);
    const g = (await s.generator())!;
    const json = JSON.parse(generatorModelJson(g, 'weights.bin'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const values = g.weightSpecs.reduce((n, w) => n + w.shape.reduce((x, y) => x * y, 1), 0);
    expect(g.weightData.byteLength).toBe(values * 4);
    s.dispose();
  }, 60_000);

  it('knows a digits project, and gives its 28x28 samples a FID when handed the classifier', async () => {
    const ring = analyzeRun(template('toy-ring.json'), 'ring');
    expect(usesDigits(ring)).toBe(false);
    const project = template('dcgan-mnist.json');
    const digits = analyzeRun(project, 'digits');
    expect(usesDigits(digits)).toBe(true);
    const s = await session(project, { batchSize: 8, assets: { mnist: loadMnist() }, classifier: loadClassifier });
    const [x] = await s.sample();
    expect(x!.quality.step).toBe(0);
    expect(x!.quality.fid).toBeGreaterThan(0);
    expect(x!.quality.modesCovered).toBeUndefined();
    expect([x!.picture!.width, x!.picture!.height]).toEqual([8 * 30 + 2, 8 * 30 + 2]); // 64 digits, 8 by 8
    // Asked to skip it (a shell taking pictures often), no FID.
    expect((await s.sample({ fid: false }))[0]!.quality.fid).toBeUndefined();
    s.dispose();
    // No classifier, no FID.
    const plain = await session(project, { batchSize: 8, assets: { mnist: loadMnist() } });
    expect((await plain.sample())[0]!.quality.fid).toBeUndefined();
    plain.dispose();
  }, 120_000);
});
