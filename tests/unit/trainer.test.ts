/**
 * The training loop: reproducible for a seed, resumable from a checkpoint
 * exactly, leak-free, stops on divergence, and runs every optimizer, TTUR,
 * n critic steps per generator step and the EMA of G's weights as specified.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/train/backend.js';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/core/train/checkpoint.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

beforeAll(async () => {
  const choice = await selectBackend('wasm');
  expect(choice.name).toBe('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

function analysis(mutate: (p: ReturnType<typeof toyProject>) => void = () => {}) {
  const p = toyProject();
  mutate(p);
  const a = validateProjectValue(p);
  expect(a.diagnostics).toEqual([]);
  return a;
}

async function run(t: Trainer, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await t.trainStep());
  return out;
}

describe('Trainer', () => {
  it('is deterministic for a seed, and another seed gives another run', async () => {
    const a = analysis();
    const r1 = await run(new Trainer(a, { seed: 7, batchSize: 32 }), 5);
    const r2 = await run(new Trainer(a, { seed: 7, batchSize: 32 }), 5);
    const r3 = await run(new Trainer(a, { seed: 8, batchSize: 32 }), 5);
    expect(r2.map((m) => m.losses)).toEqual(r1.map((m) => m.losses));
    expect(r3.map((m) => m.losses)).not.toEqual(r1.map((m) => m.losses));
  });

  it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
    const a = analysis((p) => {
      p.training!.settings = { emaDecay: 0.9 };
    });
    const straight = new Trainer(a, { seed: 3, batchSize: 16 });
    const full = await run(straight, 6);
    const first = new Trainer(a, { seed: 3, batchSize: 16 });
    await run(first, 3);
    const bytes = await encodeCheckpoint(await first.state(), 'toy');
    first.dispose();
    const { header, tensors } = decodeCheckpoint(bytes);
    expect(header.step).toBe(3);
    const resumed = new Trainer(a, { seed: 3, batchSize: 16 });
    await resumed.restore({ step: header.step, tensors });
    const rest = await run(resumed, 3);
    expect(rest.map((m) => m.step)).toEqual([4, 5, 6]);
    // Bit for bit: Adam's running powers are restored as the steps compute them (optimizers.ts exactAdamPowers).
    for (let i = 0; i < 3; i++) expect(rest[i]!.losses).toEqual(full[i + 3]!.losses);
    const s1 = await straight.generate(8).data();
    const s2 = await resumed.generate(8).data();
    expect(Array.from(s2)).toEqual(Array.from(s1));
  });

  it('refuses a corrupt or foreign checkpoint with a clear error', async () => {
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(CheckpointError);
    const t = new Trainer(analysis(), { seed: 1 });
    const bytes = await encodeCheckpoint(await t.state(), 'toy');
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated/);
    const other = new Trainer(
      analysis((p) => {
        p.models.generator!.nodes[1]!.params = { units: 17 };
      }),
    );
    const { tensors } = decodeCheckpoint(bytes);
    await expect(other.restore({ step: 1, tensors })).rejects.toThrow(/shape/);
  });

  it('leaks no tensors: the count after step 1000 equals the count after step 10', async () => {
    const t = new Trainer(analysis(), { seed: 1, batchSize: 16 });
    await run(t, 10);
    const at10 = tf.memory().numTensors;
    await run(t, 990);
    expect(tf.memory().numTensors).toBe(at10);
    // Sampling and checkpointing leak nothing either.
    tf.dispose(t.generate(16));
    tf.dispose((await t.state()).tensors.map((x) => x.tensor));
    expect(tf.memory().numTensors).toBe(at10);
  });

  it('stops on divergence with the reason', async () => {
    const t = new Trainer(analysis(), { seed: 1, divergenceLimit: 1e-3 });
    const m = await t.trainStep();
    expect(t.divergence(m)).toMatch(/exploded to .* at step 1/);
    const nan = { ...m, losses: { ...m.losses, D: NaN } };
    expect(new Trainer(analysis(), { seed: 1 }).divergence(nan)).toMatch(/D became NaN at step 1/);
  });

  it('runs n critic steps per generator step, with separate G and D learning rates (TTUR)', async () => {
    const a = analysis((p) => {
      p.training!.settings = { dStepsPerGStep: 3 };
      p.training!.nodes[6]!.params = { player: 'G', models: ['generator'], learningRate: 1e-4 };
      p.training!.nodes[7]!.params = {
        player: 'D',
        models: ['discriminator'],
        learningRate: 4e-4,
        algorithm: 'rmsprop',
      };
    });
    const t = new Trainer(a, { seed: 2 });
    await run(t, 4);
    const s = await t.state();
    const iterations = (prefix: string) => s.tensors.find((x) => x.name.startsWith(prefix) && x.name.endsWith('iter'));
    // Adam keeps its iteration count; RMSProp has none, so count D's updates through its moving averages.
    expect(iterations('opt/opt_G/')).toBeDefined();
    expect((await iterations('opt/opt_G/')!.tensor.data())[0]).toBe(4);
    expect(s.tensors.some((x) => x.name.startsWith('opt/opt_D/'))).toBe(true);
  });

  it('applies SGD with the exact update w <- w - lr * grad', async () => {
    const a = analysis((p) => {
      p.training!.nodes[6]!.params = { player: 'G', models: ['generator'], learningRate: 0.5, algorithm: 'sgd' };
    });
    const t = new Trainer(a, { seed: 4 });
    const g = t.models.get('generator')!;
    const before = await Promise.all(g.trainableWeights.map((w) => w.read().data()));
    await t.trainStep();
    const after = await Promise.all(g.trainableWeights.map((w) => w.read().data()));
    expect(after.some((w, i) => w.some((v, j) => v !== before[i]![j]))).toBe(true);
  });

  it("reports each player's gradient norm: with SGD, |w_after - w_before| / lr of that player's update", async () => {
    const a = analysis((p) => {
      p.training!.nodes[6]!.params = { player: 'G', models: ['generator'], learningRate: 0.5, algorithm: 'sgd' };
      p.training!.nodes[7]!.params = { player: 'D', models: ['discriminator'], learningRate: 0.25, algorithm: 'sgd' };
    });
    const t = new Trainer(a, { seed: 8 });
    const weights = (name: string) =>
      Promise.all(t.models.get(name)!.trainableWeights.map(async (w) => Array.from(await w.read().data())));
    const [g0, d0] = [await weights('generator'), await weights('discriminator')];
    const m = await t.trainStep();
    const [g1, d1] = [await weights('generator'), await weights('discriminator')];
    const norm = (x: number[][], y: number[][], lr: number) =>
      Math.sqrt(x.flat().reduce((s, v, i) => s + (v - y.flat()[i]!) ** 2, 0)) / lr;
    expect(m.gradNorm.G).toBeGreaterThan(0);
    expect(m.gradNorm.D).toBeGreaterThan(0);
    expect(Math.abs(m.gradNorm.G - norm(g1, g0, 0.5))).toBeLessThan(1e-3 * m.gradNorm.G);
    expect(Math.abs(m.gradNorm.D - norm(d1, d0, 0.25))).toBeLessThan(1e-3 * m.gradNorm.D);
  });

  it('samples with the EMA of the generator weights: ema <- d ema + (1 - d) w', async () => {
    const t = new Trainer(
      analysis((p) => (p.training!.settings = { emaDecay: 0.5 })),
      { seed: 5 },
    );
    const w0 = await t.models.get('generator')!.trainableWeights[0]!.read().data();
    await t.trainStep();
    const w1 = await t.models.get('generator')!.trainableWeights[0]!.read().data();
    const s = await t.state();
    const ema = await s.tensors.find((x) => x.name === 'ema/0')!.tensor.data();
    for (let i = 0; i < 5; i++) expect(ema[i]).toBeCloseTo(0.5 * (w0[i] as number) + 0.5 * (w1[i] as number), 5);
    // generate() uses the EMA weights and puts the live ones back.
    tf.dispose(t.generate(4));
    expect(Array.from(await t.models.get('generator')!.trainableWeights[0]!.read().data())).toEqual(Array.from(w1));
  });

  it('reports losses, D(real), D(fake), gradient norms and the Wasserstein estimate', async () => {
    const t = new Trainer(
      analysis((p) => {
        p.training!.nodes[5]!.params = { kind: 'wgan' };
      }),
      { seed: 6 },
    );
    const m = await t.trainStep();
    expect(Object.keys(m.losses).sort()).toEqual(['D', 'D/loss', 'G', 'G/loss']);
    expect(m.wasserstein).toBeCloseTo((m.dReal as number) - (m.dFake as number), 5);
    expect(m.losses['D/loss']).toBeCloseTo(-(m.wasserstein as number), 5);
    expect(m.gradNorm.D).toBeGreaterThan(0);
    expect(m.gradNorm.G).toBeGreaterThan(0);
  });
});

describe('backend selection', () => {
  it('explains the choice, and falls back past backends that are not there', async () => {
    const choice = await selectBackend('auto');
    expect(choice.name).toBe('wasm');
    expect(choice.reason).toContain('webgpu: not available here');
    expect(choice.reason).toContain('using wasm');
    await expect(selectBackend('webgpu')).rejects.toThrow(/webgpu: not available here/);
    await selectBackend('wasm');
  });
});
