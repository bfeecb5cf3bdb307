/**
 * A generator's weights as safetensors in tfjs names and layouts
 * (core/train/generator-weights.ts): what the PyTorch export writes as
 * generator.safetensors and the editor loads back. A good file sets exactly
 * its values (and the samples follow, EMA on or not); a wrong shape, a missing
 * or extra weight, another project's file or damaged bytes are refused with a
 * message naming the problem, and nothing changes.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import {
  analyzeRun,
  decodeSafetensors,
  encodeSafetensors,
  GeneratorWeightsError,
  modelWeightSpecs,
  type NamedArray,
  readGeneratorWeights,
  TrainingSession,
  type WeightSpec,
} from '../../src/core/train/index.js';

const ROOT = resolve(__dirname, '../..');

// `any`: a project JSON edited in place; analyzeRun checks it, not the type system.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** dcgan-mnist (BatchNorm, so moving statistics too; EMA 0.99), batch 8, with a seed. */
function project(seed: number): Json {
  const p = JSON.parse(readFileSync(join(ROOT, 'templates', 'dcgan-mnist.json'), 'utf8')) as Json;
  p.training.settings = { ...p.training.settings, batchSize: 8, seed };
  return p;
}

const mnist = loadMnist();
const open = (seed: number) =>
  TrainingSession.create({ runs: [{ label: 'run', analysis: analyzeRun(project(seed), 'run') }], assets: { mnist } });

let a: TrainingSession;
let b: TrainingSession;
beforeAll(async () => {
  a = await open(1);
  b = await open(2);
});
afterAll(() => {
  a.dispose();
  b.dispose();
});

const generator = (s: TrainingSession) => s.trainer(0).models.get('generator')!;
const specs = (s: TrainingSession): WeightSpec[] => modelWeightSpecs(generator(s));
const who = { project: 'DCGAN 28x28 (MNIST)', model: 'generator' };

/** Values nobody would initialise a model with: weight k, element i is 0.01 * sin(i + k). */
function known(ws: readonly WeightSpec[]): NamedArray[] {
  return ws.map((w, k) => {
    const n = w.shape.reduce((x, d) => x * d, 1);
    return { name: w.name, shape: w.shape, data: Float32Array.from({ length: n }, (_, i) => 0.01 * Math.sin(i + k)) };
  });
}
const file = (ts: NamedArray[], meta: Record<string, string> = { ...who, step: '42', layout: 'tfjs' }) =>
  encodeSafetensors(ts, meta);

async function samples(s: TrainingSession): Promise<Float32Array> {
  const x = s.trainer(0).generate(4);
  const v = (await x.data()) as Float32Array;
  x.dispose();
  return v;
}

/** The refusal's message, checking that the generator's samples did not change. */
async function refused(bytes: Uint8Array): Promise<string> {
  const before = await samples(b);
  let message = '';
  try {
    b.loadGenerator(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(GeneratorWeightsError);
    message = (e as Error).message;
  }
  expect(message).not.toBe('');
  expect(await samples(b)).toEqual(before);
  return message;
}

describe('generator weights as safetensors', () => {
  it('names every weight of the generator by its tfjs name, BatchNorm statistics included', () => {
    expect(a.trainer(0).analysis.project?.name).toBe(who.project);
    const names = specs(a).map((w) => w.name);
    expect(names).toContain('g_fc/kernel');
    expect(names.some((n) => n.endsWith('/moving_mean'))).toBe(true);
    expect(specs(a).find((w) => w.name === 'g_fc/kernel')?.shape).toEqual(
      generator(a).getLayer('g_fc').getWeights()[0]!.shape,
    );
  });

  it('a good file sets exactly its values, and the samples (EMA on) come from them', async () => {
    const values = known(specs(b));
    const [pictureBefore] = await b.sample({ fid: false });
    expect(b.loadGenerator(file(values))).toEqual({ step: 42 });
    // Same step, other weights: the session's picture is drawn again, not served from its cache.
    const [pictureAfter] = await b.sample({ fid: false });
    expect(pictureAfter!.picture!.data).not.toEqual(pictureBefore!.picture!.data);
    generator(b).weights.forEach((w, k) => {
      expect(w.originalName).toBe(values[k]!.name);
      expect(w.read().dataSync()).toEqual(values[k]!.data);
    });
    // a's generator takes b's file as written by b: then both generate the same samples from the same noise.
    expect(await samples(a)).not.toEqual(await samples(b));
    const bytes = await b.generatorWeights();
    expect(decodeSafetensors(bytes).metadata).toEqual({ ...who, step: '0', layout: 'tfjs' });
    a.loadGenerator(bytes);
    expect(await samples(a)).toEqual(await samples(b));
  });

  it('a file without metadata is judged by its tensors', () => {
    const r = readGeneratorWeights(encodeSafetensors(known(specs(b))), who, specs(b));
    expect(r.step).toBeUndefined();
    expect(r.tensors.map((t) => t.name)).toEqual(specs(b).map((w) => w.name));
  });

  it('refuses a wrong shape, naming the weight and both shapes', async () => {
    const ts = known(specs(b)).map((t) => (t.name === 'g_fc/kernel' ? { ...t, shape: [t.shape[1]!, t.shape[0]!] } : t));
    const [i, o] = specs(b).find((w) => w.name === 'g_fc/kernel')!.shape;
    expect(await refused(file(ts))).toContain(
      `wrong shape: 'g_fc/kernel' is [${o},${i}] in the file, [${i},${o}] here`,
    );
  });

  it('refuses a missing weight, naming it', async () => {
    const ts = known(specs(b)).filter((t) => t.name !== 'g_deconv2/bias');
    expect(await refused(file(ts))).toContain("missing 1 weight: 'g_deconv2/bias' [1]");
  });

  it('refuses an extra weight, naming it', async () => {
    const ts = [...known(specs(b)), { name: 'g_extra/kernel', shape: [2], data: new Float32Array(2) }];
    expect(await refused(file(ts))).toContain("1 weight this generator does not have: 'g_extra/kernel' [2]");
  });

  it("refuses another project's file and another model's", async () => {
    const ts = known(specs(b));
    expect(await refused(file(ts, { ...who, project: 'Other' }))).toContain('"Other", not of "DCGAN 28x28 (MNIST)"');
    expect(await refused(file(ts, { ...who, model: 'discriminator' }))).toContain('the model "discriminator"');
    expect(await refused(file(ts, { ...who, layout: 'torch' }))).toContain('its layout is "torch"');
  });

  it('refuses damaged bytes: truncated, a broken header, or nothing', async () => {
    const good = file(known(specs(b)));
    expect(await refused(good.slice(0, good.length - 10))).toMatch(
      /^damaged or not a safetensors file: tensor '.*' has offsets/,
    );
    const broken = good.slice();
    broken[9] = 0x7d; // '}' where the first name's quote was: '{}g_fc...' is not JSON
    expect(await refused(broken)).toMatch(/^damaged or not a safetensors file: the header is not JSON/);
    expect(await refused(new Uint8Array(3))).toMatch(/shorter than its 8-byte header size/);
  });

  it('leaks no tensor when loading', () => {
    const bytes = file(known(specs(b)));
    b.loadGenerator(bytes);
    const n = tf.memory().numTensors;
    b.loadGenerator(bytes);
    expect(tf.memory().numTensors).toBe(n);
  });
});

describe('a progressive generator loaded from a file', () => {
  it("samples at the file's point of the growth (its step), or the full network when the file has no step", async () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates', 'progan-mnist.json'), 'utf8')) as Json;
    p.training.settings = { ...p.training.settings, batchSize: 4 };
    const s = await TrainingSession.create({
      runs: [{ label: 'run', analysis: analyzeRun(p, 'run') }],
      assets: { mnist },
    });
    const g = s.trainer(0).models.get('generator')!;
    const id = { project: p.name as string, model: 'generator' };
    const values = known(modelWeightSpecs(g));
    /** The largest block of the 32x32 samples over which they are constant: 8 at 4x4, 1 at full resolution. */
    const block = async () => {
      const x = (await s.trainer(0).generate(2).array()) as number[][][][];
      for (const b of [8, 4, 2])
        if (x.every((img) => img.every((row, i) => row.every((v, j) => v[0] === img[i - (i % b)]![j - (j % b)]![0]))))
          return b;
      return 1;
    };
    expect(await block()).toBe(8); // a fresh run is at 4x4
    // Saved at step 6,000 of batch 4 = 24,000 images: 16k at 4x4, then half-way through the 16k fade into 8x8
    // (alpha 0.5): 8x8 blended with 4x4, constant over blocks of 4.
    s.loadGenerator(file(values, { ...id, step: '6000', layout: 'tfjs' }));
    expect(await block()).toBe(4);
    s.loadGenerator(file(values, { ...id, layout: 'tfjs' }));
    expect(await block()).toBe(1);
    s.dispose();
  }, 120_000);
});
