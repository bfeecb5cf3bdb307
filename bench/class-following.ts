/**
 * Do class-conditional generators follow the class they are asked for?
 * (issue 17.5). Trains each conditional digit template on WASM in Node
 * (its own batch size, seed 0), and every `--every` steps asks its generator
 * (EMA weights when on) for 100 digits of each class 0-9 (fixed noise, seed
 * 4242): the bundled classifier's accuracy on them against the asked class
 * (chance: 10%; real held-out digits: 93%+), and their FID (1,000 samples),
 * with the EMA weights and, when EMA is on, the training weights too,
 * against the held-out reference digits. Where D takes the class (a
 * projection discriminator), also D's own class accuracy: on the 1,000
 * held-out digits, how often argmax over y of D(x, y) is the digit's label
 * (chance 0.10) -- G can only learn the class from a D that tells classes
 * apart. Writes bench/results.json (key classFollowing).
 *
 *   npx tsx bench/class-following.ts [--steps 1500] [--every 500] [--only biggan-lite|conditional-mnist]
 *       [--project FILE]   a variant project instead of the templates (its row is keyed by the file name)
 */
import '@tensorflow/tfjs-backend-wasm';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { loadClassifier } from '../src/cli/classifier.js';
import { seededLatent } from '../src/core/explore/latent.js';
import { selectBackend } from '../src/core/train/backend.js';
import { digitImages, digitQuality, REAL_FROM, REAL_TO, toClassifier } from '../src/core/train/fid.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText } from '../src/core/validate.js';
import { classInputIndex, machine, readResults, withClass, writeSection } from './common.js';

tf.env().set('PROD', true);
const args = parseArgs({
  options: {
    steps: { type: 'string' },
    every: { type: 'string' },
    only: { type: 'string' },
    project: { type: 'string' },
  },
}).values;
const STEPS = Number(args.steps ?? 1500);
const EVERY = Number(args.every ?? 500);
const PER_CLASS = 100;
const TEMPLATES = args.project
  ? [args.project]
  : ['biggan-lite.json', 'conditional-mnist.json'].filter((f) => !args.only || f === `${args.only}.json`);
const projectPath = (f: string) => (args.project ? f : join(ROOT, 'templates', f));
const rowKey = (f: string) => (args.project ? `${basename(f)} (variant)` : f);

await selectBackend('wasm');
const mnist = loadMnist();
const classifier = await loadClassifier();
if (!classifier) throw new Error('no classifier (public/models/mnist-classifier): run ganvas classifier');

/** The generator model (the training graph's first G call) and its noise and label inputs, in its port order. */
function generatorOf(t: Trainer): { model: tfl.LayersModel; inputs: { dtype: string; dim: number }[] } {
  const node = t.sampleNode();
  if (!node) throw new Error('no generator call');
  const model = t.models.get(node.params.model as string) as tfl.LayersModel;
  return {
    model,
    inputs: model.inputs.map((i) => ({ dtype: i.dtype, dim: (i.shape[1] as number | null) ?? 1 })),
  };
}

interface Figures {
  step: number;
  accuracy: number;
  perClass: number[];
  fid: number;
  /** The same with the training weights, when EMA is on (samples use the EMA's). */
  raw?: { accuracy: number; fid: number };
  /** D's class accuracy on held-out digits: argmax over y of D(x, y) against the label (projection D only). */
  dClass?: number;
}

async function evaluate(t: Trainer): Promise<Figures> {
  const ema = await figures(t, true);
  const dClass = await discriminatorClassAccuracy(t);
  return {
    ...ema,
    ...(t.emaDecay > 0 && { raw: await figures(t, false).then(({ accuracy, fid }) => ({ accuracy, fid })) }),
    ...(dClass !== undefined && { dClass }),
  };
}

/** argmax over y of D(x, y) on the held-out digits 9,000-9,999 against their labels, when D takes a class input. */
async function discriminatorClassAccuracy(t: Trainer): Promise<number | undefined> {
  const call = t.plan.nodes.find((n) => n.type === 'ModelCall' && n.params.model !== t.sampleNode()?.params.model);
  const model = call && (t.models.get(call.params.model as string) as tfl.LayersModel | undefined);
  const labelAt = model ? classInputIndex(model) : -1;
  if (!model || labelAt < 0) return undefined;
  const [h, w] = model.inputs[1 - labelAt]!.shape.slice(1) as number[];
  const n = REAL_TO - REAL_FROM;
  const truth = mnist.labels.subarray(REAL_FROM, REAL_TO);
  const scores = tf.tidy(() => {
    let x: tf.Tensor4D = digitImages(mnist, REAL_FROM, REAL_TO);
    if (h !== 28 || w !== 28) x = tf.image.resizeBilinear(x, [h!, w!]);
    const perClass = Array.from({ length: 10 }, (_, c) => {
      const y = tf.fill([n, 1], c, 'int32');
      const out = model.predict(withClass(labelAt, x, y)) as tf.Tensor;
      return out.reshape([n]);
    });
    return tf.argMax(tf.stack(perClass, 1), 1);
  });
  const predicted = (await scores.data()) as Int32Array;
  scores.dispose();
  let ok = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === truth[i]) ok++;
  return ok / n;
}

async function figures(t: Trainer, sampleWeights: boolean): Promise<Figures> {
  const { model, inputs } = generatorOf(t);
  const noise = t.plan.nodes.find((x) => x.op?.op === 'noise')?.op;
  const distribution = noise?.op === 'noise' ? noise.distribution : 'normal';
  const n = PER_CLASS * 10;
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / PER_CLASS));
  const feeds = inputs.map((inp, k) =>
    inp.dtype === 'int32'
      ? tf.tensor2d(labels, [n, 1], 'int32')
      : tf.tensor2d(seededLatent(4242 + k, n * inp.dim, distribution), [n, inp.dim]),
  );
  const run = () => model.predict(feeds.length === 1 ? feeds[0]! : feeds) as tf.Tensor;
  const images = sampleWeights ? t.withSampleWeights(run) : run();
  const x = toClassifier(images);
  const probs = classifier!.predict(x) as tf.Tensor;
  const predicted = (await tf.argMax(probs, -1).data()) as Int32Array;
  const quality = await (await digitQuality(classifier!, mnist, images.shape[1] as number))(images);
  tf.dispose([...feeds, images, x, probs]);
  const perClass = Array.from({ length: 10 }, (_, c) => {
    let ok = 0;
    for (let i = c * PER_CLASS; i < (c + 1) * PER_CLASS; i++) if (predicted[i] === c) ok++;
    return ok / PER_CLASS;
  });
  return { step: t.step, accuracy: perClass.reduce((a, b) => a + b, 0) / 10, perClass, fid: quality.fid };
}

const result: Record<string, unknown> = {
  machine: machine(),
  what: `classifier accuracy of ${PER_CLASS} generated digits per asked class (chance 0.10), and FID of those ${PER_CLASS * 10}; where D takes the class, D's own class accuracy (argmax over y of D(x, y) on 1,000 held-out digits); WASM, one thread, seed 0, each template's own batch`,
  loadStart: execSync('uptime').toString().trim(),
};
for (const f of TEMPLATES) {
  const t = new Trainer(validateProjectText(readFileSync(projectPath(f), 'utf8')), { assets: { mnist } });
  const curve = [await evaluate(t)];
  console.log(f, JSON.stringify(curve[0]));
  const t0 = performance.now();
  while (t.step < STEPS) {
    await t.trainStep();
    if (t.step % EVERY === 0 || t.step === STEPS) {
      curve.push(await evaluate(t));
      console.log(f, JSON.stringify(curve.at(-1)));
    }
  }
  result[rowKey(f)] = { batch: t.batchSize, steps: STEPS, seconds: (performance.now() - t0) / 1000, curve };
  t.dispose();
}
result.loadEnd = execSync('uptime').toString().trim();
// --only or --project: the other rows of an earlier run are kept (each row says its own steps and time).
const earlier = args.only || args.project ? ((readResults().classFollowing ?? {}) as Record<string, unknown>) : {};
const kept = Object.fromEntries(
  Object.entries(earlier).filter(([k]) => (k.endsWith('.json') || k.endsWith('(variant)')) && !(k in result)),
);
writeSection('classFollowing', { ...kept, ...result });
