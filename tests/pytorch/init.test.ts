/**
 * Initialization in the PyTorch export: every weight of at least 1,000 values
 * starts with the mean and standard deviation of ganvas' tfjs weights (the
 * same distributions; the draws differ by design). Compared over the whole
 * tensor: |mean difference| within 4 standard errors plus 1% of the std, and
 * the std within 5%. Constant initializations (zeros, ones) must be equal.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { compileModel } from '../../src/core/compile/model.js';
import { compileTrainingPlan } from '../../src/core/compile/plan.js';
import { withSeededMathRandom } from '../../src/core/data/random.js';
import { validateProjectText } from '../../src/core/validate.js';
import { forTraining } from '../fixtures/templates.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-init');
const STATS = `
import importlib.util, json, sys, torch
spec = importlib.util.spec_from_file_location("exported", sys.argv[1]); mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
out = {}
for name, m in mod.build_models(1, torch.device("cpu")).items():
    for k, t in mod.tfjs_state(m, mod.TFJS_NAMES[name]).items():
        t = t.double()
        out[name + "/" + k] = [float(t.mean()), float(t.std(unbiased=False)), t.numel()]
json.dump(out, sys.stdout)
`;

function stats(v: Float32Array | Int32Array): [number, number] {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return [m, Math.sqrt(s / v.length)];
}

describe('initial weights of the PyTorch export', () => {
  for (const file of [
    'dcgan-mnist.json',
    'stylegan-lite.json',
    'conditional-mnist.json',
    'wgan-gp.json',
    'cyclegan.json',
  ])
    it(`${file}: each weight has tfjs' mean and std`, async () => {
      await tf.setBackend('cpu');
      const { text } = forTraining(file, readFileSync(join(ROOT, 'templates', file), 'utf8'));
      const a = validateProjectText(text);
      const plan = compileTrainingPlan(a);
      const dir = join(DIR, file.replace('.json', ''));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
      const r = spawnSync(PYTHON, ['-c', STATS, join(dir, 'train.py')], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      expect(r.status, r.stderr).toBe(0);
      const torch = JSON.parse(r.stdout) as Record<string, [number, number, number]>;
      let checked = 0;
      for (const name of plan.models) {
        const m = withSeededMathRandom('init-test', () => compileModel(a.models.get(name) as never));
        for (const w of m.weights) {
          const key = `${name}/${w.originalName}`;
          const values = w.read().dataSync() as Float32Array;
          const theirs = torch[key];
          expect(theirs, `${key} is missing from the export`).toBeDefined();
          const [mean, std] = stats(values);
          const [tm, ts, n] = theirs as [number, number, number];
          expect(n).toBe(values.length);
          if (
            w.originalName.endsWith('sn_u') ||
            w.originalName.endsWith('moving_mean') ||
            w.originalName.endsWith('moving_variance')
          )
            continue;
          if (std === 0) {
            expect(ts, `${key}: constant in tfjs`).toBeLessThan(1e-7);
            expect(Math.abs(tm - mean), `${key}: constant ${mean}`).toBeLessThan(1e-6);
            checked++;
            continue;
          }
          if (values.length < 1000) continue;
          expect(Math.abs(tm - mean), `${key}: mean ${tm} vs tfjs ${mean} (std ${std})`).toBeLessThan(
            4 * (std / Math.sqrt(n)) + 0.01 * std,
          );
          expect(Math.abs(ts / std - 1), `${key}: std ${ts} vs tfjs ${std}`).toBeLessThan(0.05);
          checked++;
        }
        m.dispose();
      }
      expect(checked).toBeGreaterThan(4);
    });
});
