/**
 * Every template in templates/ validates without warnings, compiles, and runs
 * a forward pass; where a paper's reference implementation fixes the
 * architecture, the trainable parameter counts equal the reference's.
 */
import { forTraining } from '../fixtures/templates.js';
import '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { compileModel } from '../../src/core/compile/model.js';
import { compileTrainingPlan } from '../../src/core/compile/plan.js';
import { projectSchema } from '../../src/core/project/schema.js';
import { summarizeProject } from '../../src/core/summary.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const DIR = resolve(__dirname, '../../templates');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/**
 * Trainable parameters of the reference implementations.
 * - DCGAN: pytorch/examples dcgan/main.py with nz=100, ngf=ndf=64, nc=3, all
 *   convolutions bias=False, BatchNorm affine: G = 3,576,704 and D = 2,765,568
 *   (sum(p.numel() for p in netG.parameters())).
 * - pix2pix and CycleGAN: junyanz/pytorch-CycleGAN-and-pix2pix, which prints
 *   "[Network G] Total number of parameters : 54.414 M" and "[Network D] ... 2.769 M"
 *   for pix2pix (unet_256, basic D on 6 channels, batch norm), and 11.378 M /
 *   2.765 M for CycleGAN (resnet_9blocks, basic D, instance norm without
 *   affine). The exact counts, derived from those networks layer by layer:
 *   U-Net 54,413,955; PatchGAN (batch norm, 6-channel input) 2,768,705;
 *   ResNet-9 11,378,179; PatchGAN (instance norm, conv biases) 2,764,737.
 */
const REFERENCE: Record<string, Record<string, number>> = {
  'dcgan.json': { generator: 3_576_704, discriminator: 2_765_568 },
  'pix2pix.json': { generator: 54_413_955, discriminator: 2_768_705 },
  'cyclegan.json': { G_AB: 11_378_179, G_BA: 11_378_179, D_A: 2_764_737, D_B: 2_764_737 },
};
/** The printed figures (M, three decimals) the exact counts must round to. */
const PRINTED: Record<string, Record<string, string>> = {
  'pix2pix.json': { generator: '54.414', discriminator: '2.769' },
  'cyclegan.json': { G_AB: '11.378', D_A: '2.765' },
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
            const shape = [1, ...(t.shape.slice(1) as number[])];
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
          for (const [model, count] of Object.entries(REFERENCE[f]!))
            expect(summaries.find((s) => s.name === model)?.totals.trainable, model).toBe(count);
          for (const [model, printed] of Object.entries(PRINTED[f] ?? {}))
            expect((summaries.find((s) => s.name === model)!.totals.trainable / 1e6).toFixed(3), model).toBe(printed);
        });
      }
      it('trains a few steps without NaN, with losses that move', async () => {
        const { text: t, batch } = forTraining(f, text);
        const a = validateProjectText(t);
        expect(a.status, JSON.stringify(a.diagnostics)).toBe('ok');
        const needsMnist = a.project!.training!.nodes.some(
          (n) => n.type === 'Dataset' && String((n.params as { source: string }).source).startsWith('mnist'),
        );
        const folder = {
          pixels: new Float32Array(8 * 64 * 64 * 3).map((_, i) => (Math.sin(i * 0.013) + 1) / 2),
          count: 8,
          height: 64,
          width: 64,
          channels: 3,
        };
        const trainer = new Trainer(a, {
          seed: 0,
          batchSize: batch,
          assets: { ...(needsMnist ? { mnist: loadMnist() } : {}), folder },
        });
        const steps = [];
        for (let i = 0; i < 3; i++) steps.push(await trainer.trainStep());
        for (const m of steps)
          for (const [k, v] of Object.entries(m.losses)) expect(Number.isFinite(v), `${k} = ${v}`).toBe(true);
        expect(steps[2]!.losses.D).not.toBe(steps[0]!.losses.D);
        expect(steps[2]!.losses.G).not.toBe(steps[0]!.losses.G);
        // The sample is what D judges, shaped like the data (StyleGAN's synthesis output, not its mapping's w).
        const sample = trainer.generate(1);
        const real = trainer.realSamples(1);
        expect(sample.shape).toEqual(real.shape);
        expect(Array.from(await sample.data()).every(Number.isFinite)).toBe(true);
        tf.dispose([sample, real]);
        trainer.dispose();
      }, 300_000);
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
