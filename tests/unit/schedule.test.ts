/**
 * Learning-rate schedules (issue 17, item 3): learningRateAt against its
 * formulas, a tfjs optimizer given a new rate updates as one made with it,
 * the trainer logs and applies the rate of every step, a resumed run
 * continues at the same rate with the same weights, and the exported script
 * follows the same schedule (exports without one stay as they were).
 */
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/cli/assets.js';
import { exportProject } from '../../src/cli/export.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { makeOptimizer } from '../../src/core/train/optimizers.js';
import {
  CONSTANT_SCHEDULE,
  type LrSchedule,
  learningRateAt,
  scheduleOf,
  setLearningRate,
} from '../../src/core/train/schedule.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectValue } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

const sched = (s: Partial<LrSchedule>): LrSchedule => ({ ...CONSTANT_SCHEDULE, ...s });

describe('learningRateAt', () => {
  it('constant: the base rate at every step', () => {
    for (const step of [0, 1, 99, 1e6]) expect(learningRateAt(CONSTANT_SCHEDULE, 2e-4, step)).toBe(2e-4);
  });

  it("linear: pix2pix's constant-then-linear-to-zero", () => {
    const s = sched({ kind: 'linear', decayStart: 100, decaySteps: 100 });
    for (const step of [0, 50, 100]) expect(learningRateAt(s, 2e-4, step)).toBeCloseTo(2e-4, 15);
    expect(learningRateAt(s, 2e-4, 125)).toBeCloseTo(2e-4 * 0.75, 15);
    expect(learningRateAt(s, 2e-4, 150)).toBeCloseTo(1e-4, 15);
    expect(learningRateAt(s, 2e-4, 200)).toBe(0);
    expect(learningRateAt(s, 2e-4, 5000)).toBe(0);
    // To a floor: 1 - (1 - m) t.
    const f = sched({ kind: 'linear', decayStart: 0, decaySteps: 10, minFactor: 0.1 });
    expect(learningRateAt(f, 1, 5)).toBeCloseTo(1 - 0.9 * 0.5, 15);
    expect(learningRateAt(f, 1, 10)).toBeCloseTo(0.1, 15);
    expect(learningRateAt(f, 1, 11)).toBeCloseTo(0.1, 15);
  });

  it('cosine: m + (1 - m)(1 + cos(pi t))/2, as torch CosineAnnealingLR with eta_min = m lr', () => {
    const s = sched({ kind: 'cosine', decayStart: 10, decaySteps: 40, minFactor: 0.2 });
    const base = 1e-3;
    const eta = 0.2 * base;
    for (const step of [0, 10, 17, 30, 49, 50, 80]) {
      const t = Math.min(1, Math.max(0, (step - 10) / 40));
      // torch's closed form: eta_min + (base - eta_min)(1 + cos(pi T_cur / T_max)) / 2.
      expect(learningRateAt(s, base, step)).toBeCloseTo(eta + ((base - eta) * (1 + Math.cos(Math.PI * t))) / 2, 15);
    }
    expect(learningRateAt(s, base, 30)).toBeCloseTo(0.6e-3, 15);
    expect(learningRateAt(s, base, 50)).toBeCloseTo(eta, 15);
  });

  it('warm-up: (step + 1)/W of the rate for the first W steps, combined with a decay by product', () => {
    const w = sched({ warmupSteps: 4 });
    expect([0, 1, 2, 3, 4, 9].map((k) => learningRateAt(w, 1, k))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    const wc = sched({ kind: 'cosine', warmupSteps: 10, decayStart: 10, decaySteps: 100 });
    expect(learningRateAt(wc, 1, 4)).toBeCloseTo(0.5, 15);
    expect(learningRateAt(wc, 1, 60)).toBeCloseTo(0.5, 15);
  });

  it("reads an Optimizer node's params, missing ones at their defaults", () => {
    expect(scheduleOf({ learningRate: 1 })).toEqual(CONSTANT_SCHEDULE.kind === 'constant' ? scheduleOf({}) : null);
    expect(scheduleOf({ schedule: 'cosine', warmupSteps: 5, decayStart: 1, decaySteps: 7, minLrFactor: 0.5 })).toEqual({
      kind: 'cosine',
      warmupSteps: 5,
      decayStart: 1,
      decaySteps: 7,
      minFactor: 0.5,
    });
  });
});

describe('the rate applied to tfjs optimizers', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });
  const cases: Record<string, unknown>[] = [
    { algorithm: 'adam', beta1: 0.5, beta2: 0.999, epsilon: 1e-8, momentum: 0 },
    { algorithm: 'rmsprop', beta1: 0.5, beta2: 0.999, epsilon: 1e-8, momentum: 0.5 },
    { algorithm: 'sgd', beta1: 0.5, beta2: 0.999, epsilon: 1e-8, momentum: 0 },
    { algorithm: 'sgd', beta1: 0.5, beta2: 0.999, epsilon: 1e-8, momentum: 0.9 },
  ];
  for (const p of cases)
    it(`${p.algorithm}${p.momentum ? ' with momentum' : ''}: a rate set later updates as one given at the start`, async () => {
      // An optimizer made with 0.01 and one made with 7 and set to 0.01 take the same step.
      const v1 = tf.variable(tf.tensor1d([1]), true, `a_${p.algorithm}_${p.momentum}`);
      const v2 = tf.variable(tf.tensor1d([1]), true, `b_${p.algorithm}_${p.momentum}`);
      const o1 = makeOptimizer({ ...p, learningRate: 0.01 });
      const o2 = makeOptimizer({ ...p, learningRate: 7 });
      setLearningRate(o2, 0.01);
      o1.applyGradients({ [v1.name]: tf.tensor1d([0.4]) });
      o2.applyGradients({ [v2.name]: tf.tensor1d([0.4]) });
      expect((await v2.data())[0]).toBe((await v1.data())[0]);
      expect((await v1.data())[0]).not.toBe(1);
      tf.dispose([v1, v2]);
      o1.dispose();
      o2.dispose();
    });

  it('plain SGD with rates set step by step: w - sum(lr_k g)', async () => {
    const v = tf.variable(tf.tensor1d([1, -2]), true, 'sgd_steps');
    const opt = makeOptimizer({ algorithm: 'sgd', learningRate: 7, momentum: 0 });
    for (const lr of [0.1, 0.03, 0.2]) {
      setLearningRate(opt, lr);
      opt.applyGradients({ [v.name]: tf.tensor1d([0.5, -1]) });
    }
    const w = await v.data();
    expect(w[0]).toBeCloseTo(1 - 0.33 * 0.5, 6);
    expect(w[1]).toBeCloseTo(-2 + 0.33, 6);
    v.dispose();
    opt.dispose();
  });
});

/** The toy project with schedules on both optimizers. */
function scheduled(): ReturnType<typeof toyProject> {
  const p = toyProject();
  for (const n of p.training!.nodes) {
    if (n.id === 'opt_G')
      n.params = { ...n.params, schedule: 'cosine', warmupSteps: 2, decaySteps: 6, minLrFactor: 0.1 };
    if (n.id === 'opt_D') n.params = { ...n.params, schedule: 'linear', decayStart: 2, decaySteps: 4 };
  }
  return p;
}

describe('the trainer follows the schedule, across a resume', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('logs lr/<optimizer> of every step, from learningRateAt', async () => {
    const t = new Trainer(validateProjectValue(scheduled()), { seed: 3, batchSize: 8 });
    const g = scheduleOf({ schedule: 'cosine', warmupSteps: 2, decaySteps: 6, minLrFactor: 0.1 });
    const d = scheduleOf({ schedule: 'linear', decayStart: 2, decaySteps: 4 });
    for (let k = 0; k < 7; k++) {
      const m = await t.trainStep();
      expect(m.lr['lr/opt_G']).toBe(learningRateAt(g, 2e-4, k));
      expect(m.lr['lr/opt_D']).toBe(learningRateAt(d, 2e-4, k));
    }
    t.dispose();
    // Without a schedule, the constant rate.
    const c = new Trainer(validateProjectValue(toyProject()), { seed: 3, batchSize: 8 });
    expect((await c.trainStep()).lr).toEqual({ 'lr/opt_G': 2e-4, 'lr/opt_D': 2e-4 });
    c.dispose();
  });

  it('a run resumed from a checkpoint continues at the same rate, with the same losses and weights', async () => {
    const a = validateProjectValue(scheduled());
    const whole = new Trainer(a, { seed: 5, batchSize: 8 });
    const wholeSteps = [];
    for (let k = 0; k < 6; k++) wholeSteps.push(await whole.trainStep());
    const first = new Trainer(a, { seed: 5, batchSize: 8 });
    for (let k = 0; k < 3; k++) await first.trainStep();
    const state = await first.state();
    first.dispose();
    const second = new Trainer(a, { seed: 5, batchSize: 8 });
    await second.restore(state);
    tf.dispose(state.tensors.map((x) => x.tensor));
    for (let k = 3; k < 6; k++) {
      const m = await second.trainStep();
      const w = wholeSteps[k]!;
      expect(m.step).toBe(w.step);
      expect(m.lr).toEqual(w.lr);
      expect(m.losses).toEqual(w.losses);
    }
    const wa = await whole.state();
    const wb = await second.state();
    for (const [i, t] of wa.tensors.entries())
      expect(Array.from(await wb.tensors[i]!.tensor.data())).toEqual(Array.from(await t.tensor.data()));
    tf.dispose([...wa.tensors, ...wb.tensors].map((x) => x.tensor));
    whole.dispose();
    second.dispose();
  });
});

describe('the exported script follows the schedule', () => {
  const DIR = join(ROOT, 'test-results/schedule-export');
  beforeAll(async () => {
    await selectBackend('wasm');
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  });
  afterAll(() => rmSync(DIR, { recursive: true, force: true }));

  it('embeds schedule.ts only when a schedule is set, and logs the same rates and losses as the trainer', async () => {
    const ring = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));
    const plain = exportProject(validateProjectValue(ring));
    expect(plain).not.toMatch(/namespace schedule|learningRateAt|"schedule"/);
    for (const n of ring.training.nodes)
      if (n.type === 'Optimizer')
        n.params = { ...n.params, schedule: 'linear', warmupSteps: 2, decayStart: 1, decaySteps: 2 };
    const a = validateProjectValue(ring);
    const script = exportProject(a);
    expect(script).toMatch(/namespace schedule \{/);
    const file = join(DIR, 'ring.ts');
    writeFileSync(file, script);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', file, '--steps', '4', '--batch', '16', '--out', join(DIR, 'out')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, number>);
    const t = new Trainer(a, { batchSize: 16 });
    for (const line of lines) {
      const m = await t.trainStep();
      for (const [k, v] of Object.entries(m.lr)) expect(line[k], k).toBe(v);
      for (const [k, v] of Object.entries(m.losses))
        expect(Math.abs(line[k]! - v), k).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v)));
    }
    expect(lines.length).toBe(4);
    expect(lines[3]!['lr/opt_G']).toBe(0);
    t.dispose();
  }, 180_000);
});
