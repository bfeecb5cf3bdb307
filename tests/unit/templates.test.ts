/**
 * Every template in templates/ validates without warnings, compiles, and runs
 * a forward pass; where a paper's reference implementation fixes the
 * architecture, the trainable parameter counts equal the reference's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/core/compile/model.js';
import { compileTrainingPlan } from '../../src/core/compile/plan.js';
import { projectSchema } from '../../src/core/project/schema.js';
import { summarizeProject } from '../../src/core/summary.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';

const DIR = resolve(__dirname, '../../templates');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/**
 * Trainable parameters of the reference implementations.
 * DCGAN: pytorch/examples dcgan/main.py with nz=100, ngf=ndf=64, nc=3, all
 * convolutions bias=False, BatchNorm affine: G = 3,576,704 and D = 2,765,568
 * (sum(p.numel() for p in netG.parameters())).
 */
const REFERENCE: Record<string, Record<string, number>> = {
  'dcgan.json': { generator: 3_576_704, discriminator: 2_765_568 },
};

describe('templates', () => {
  it('exist', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    describe(f, () => {
      const text = readFileSync(join(DIR, f), 'utf8');
      it('validates with no errors or warnings and has a complete training graph', () => {
        const a = validateProjectText(text);
        expect(a.diagnostics).toEqual([]);
        expect(a.training?.complete).toBe(true);
        const plan = compileTrainingPlan(a);
        expect(plan.players.D.terms.length).toBeGreaterThan(0);
        expect(plan.players.G.terms.length).toBeGreaterThan(0);
      });
      it('compiles every model, which runs a batch to the inferred output shapes', async () => {
        const a = validateProjectText(text);
        for (const m of a.models.values()) {
          const model = compileModel(m);
          const xs = m.inputs.map((n) => {
            const t = n.outputs![0]!;
            const shape = [2, ...(t.shape.slice(1) as number[])];
            return t.dtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomNormal(shape);
          });
          const ys = model.predict(xs.length === 1 ? xs[0]! : xs);
          const outs = Array.isArray(ys) ? ys : [ys];
          outs.forEach((y, k) => expect(y.shape.slice(1)).toEqual(m.outputs[k]!.inputs![0]!.shape.slice(1)));
          for (const y of outs) expect(Array.from(await y.data()).every(Number.isFinite)).toBe(true);
          tf.dispose([...xs, ...outs]);
        }
      });
      if (REFERENCE[f]) {
        it('has the trainable parameter counts of the reference implementation', () => {
          const summaries = summarizeProject(validateProjectText(text));
          for (const [model, count] of Object.entries(REFERENCE[f]!)) expect(summaries.find((s) => s.name === model)?.totals.trainable, model).toBe(count);
        });
      }
      it('round-trips through the schema unchanged', () => {
        const once = projectSchema.parse(JSON.parse(text));
        const twice = projectSchema.parse(JSON.parse(JSON.stringify(once)));
        expect(twice).toEqual(once);
        const a = validateProjectValue(once);
        expect(summarizeProject(a)).toEqual(summarizeProject(validateProjectText(text)));
      });
    });
  }
});
