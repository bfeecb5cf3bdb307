/**
 * Differentiable augmentation (issue 17.2), on WASM in Node:
 * - its cost per step: dcgan-mnist against the same DCGAN with Augment nodes
 *   on D's real and fake inputs (each policy set below), batch 64, median step;
 * - where it matters: each variant trained on only the first `--digits` MNIST
 *   digits (same seeds, steps, batch), for every seed in `--seeds`. Every
 *   `--every` steps: FID of 500 EMA samples (seed 777) on the bundled
 *   classifier against the held-out reference digits 9,000-9,999, and D's
 *   overfitting figures: E[sign D(x)] and mean logit of D (in training mode,
 *   batches of `--batch`, no augmentation) on the training digits, on 1,000
 *   digits it never saw (1,000-1,999) and on the generated samples. ADA's
 *   r_t is the first of these measured on D's (augmented) training batches;
 *   the train/held-out gap is the overfitting ADA's paper plots (its Fig. 1).
 *
 * The variants:
 *   plain        templates/dcgan-mnist.json
 *   diffaugment  templates/dcgan-mnist-diffaugment.json (translation, cutout, p = 1)
 *   ada          templates/dcgan-mnist-ada.json (translation, cutout; p from 0, r_t target 0.6)
 *   color        the diffaugment template with DiffAugment's full policy (color, translation, cutout)
 *   translation  the diffaugment template with translation alone (p = 1)
 *   ada-translation  the ADA template with translation alone (p from 0, r_t target 0.6)
 *
 * With --base biggan-lite, the same three on templates/biggan-lite.json (spectral
 * norm, hinge loss, a projection D; the family DiffAugment's paper saw collapse
 * on 10% of CIFAR-10): plain, and Augment nodes (the diffaugment or ada
 * template's params) put between the data and D's real call and between G and
 * D's fake call. D's figures then take the class: the digits' labels for real
 * ones, the classifier's reading for generated ones.
 *
 *   npx tsx bench/augment.ts [--base dcgan-mnist|biggan-lite|FILE.json] [--steps 2000] [--every 250] [--digits 100] [--batch 32] [--seeds 0,1]
 *       [--only plain,ada] [--cost plain,color] [--no-cost] [--save FILE]     one process; --save writes its result as JSON
 *   npx tsx bench/augment.ts --merge [--note TEXT] [--section augment-NAME] FILE FILE ...   merges saved results into
 *       bench/results.json (section augment, or another augment-* section: a longer or larger study beside it)
 *
 * Runs are deterministic and independent, so variants can run in parallel
 * processes (--only, --save) and be merged; without --only the result is
 * written to bench/results.json directly.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, ROOT } from '../src/cli/assets.js';
import { loadClassifier } from '../src/cli/classifier.js';
import type { MnistData } from '../src/core/data/datasets.js';
import type { Project } from '../src/core/project/index.js';
import { selectBackend } from '../src/core/train/backend.js';
import { digitImages, digitQuality } from '../src/core/train/fid.js';
import { Trainer } from '../src/core/train/trainer.js';
import { validateProjectText, validateProjectValue } from '../src/core/validate.js';
import { classInputIndex, machine, withClass, writeSection } from './common.js';

interface Point {
  step: number;
  fid: number;
  /** E[sign D(x)] on the training digits, unseen digits, generated samples (no augmentation). */
  signTrain: number;
  signHeldOut: number;
  signFake: number;
  /** Mean D logit on the same three. */
  logitTrain: number;
  logitHeldOut: number;
  logitFake: number;
  /** ADA: p, and the last r_t (measured on D's augmented training batches). */
  adaP?: number;
  adaRt?: number;
}
interface Run {
  variant: string;
  seed: number;
  seconds: number;
  curve: Point[];
}
interface Result {
  machine: Record<string, unknown>;
  load: string;
  steps: number;
  every: number;
  digits: number;
  batch: number;
  adaSpeed: number;
  costBatch: number;
  stepMs: Record<string, number>;
  runs: Run[];
  /** How the merged runs were made, when they differ from one plain invocation (--merge --note). */
  note?: string;
}

const args = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string' },
    every: { type: 'string' },
    digits: { type: 'string' },
    batch: { type: 'string' },
    seeds: { type: 'string' },
    only: { type: 'string' },
    'no-cost': { type: 'boolean' },
    cost: { type: 'string' },
    save: { type: 'string' },
    merge: { type: 'boolean' },
    note: { type: 'string' },
    base: { type: 'string' },
    section: { type: 'string' },
  },
});
const opt = args.values;

if (opt.merge) {
  const parts = args.positionals.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Result);
  const first = parts[0];
  if (!first) throw new Error('--merge needs the files written by --save');
  for (const q of parts)
    if (q.steps !== first.steps || q.digits !== first.digits || q.batch !== first.batch || q.every !== first.every)
      throw new Error('--merge: the saved runs differ in steps, digits, batch or every');
  const merged: Result = {
    ...first,
    load: parts.map((q) => q.load).join(' | '),
    stepMs: Object.assign({}, ...parts.map((q) => q.stepMs)),
    runs: parts.flatMap((q) => q.runs),
    ...(opt.note ? { note: opt.note } : {}),
  };
  const section = opt.section ?? 'augment';
  if (section !== 'augment' && !section.startsWith('augment-'))
    throw new Error(`--section: augment or augment-<name>, not ${section}`);
  writeSection(section, merged);
  console.log(`bench/results.json: ${section}, ${merged.runs.length} runs`);
  process.exit(0);
}

tf.env().set('PROD', true);
const STEPS = Number(opt.steps ?? 2000);
const EVERY = Number(opt.every ?? 250);
const DIGITS = Number(opt.digits ?? 100);
const BATCH = Number(opt.batch ?? 32);
const SEEDS = (opt.seeds ?? '0,1').split(',').map(Number);
const COST_BATCH = 64;

const text = (f: string) => readFileSync(join(ROOT, 'templates', f), 'utf8');
const ada = JSON.parse(text('dcgan-mnist-ada.json')) as Project;
const adaNode = ada.training?.nodes.find((n) => n.type === 'Augment');
const ADA_SPEED = Number((adaNode?.params as { adaSpeed?: number } | undefined)?.adaSpeed ?? 500_000);
/** The diffaugment (or another) template with other Augment params. */
function augmentedWith(params: Record<string, unknown>, template = 'dcgan-mnist-diffaugment.json'): string {
  const p = JSON.parse(text(template)) as Project;
  for (const n of p.training?.nodes ?? []) if (n.type === 'Augment') n.params = { ...n.params, ...params };
  return JSON.stringify(p);
}
/** The Augment params of a template's first Augment node. */
function augmentParams(template: string): Record<string, unknown> {
  const p = JSON.parse(text(template)) as Project;
  return { ...(p.training?.nodes.find((n) => n.type === 'Augment')?.params as Record<string, unknown>) };
}
/**
 * A template with an Augment node put on each of D's image inputs: between what feeds D's real call and it, and
 * between G and D's fake call (the ModelCalls of the model that is not the sampled one).
 */
function withAugmentNodes(template: string, params: Record<string, unknown>, source = text(template)): string {
  const p = JSON.parse(source) as Project;
  const training = p.training;
  if (!training) throw new Error(`${template}: no training graph`);
  const calls = training.nodes.filter((n) => n.type === 'ModelCall' && n.params?.model === 'discriminator');
  for (const call of calls) {
    const edge = training.edges.find((e) => e.target === call.id && e.targetPort === 'x');
    if (!edge) throw new Error(`${template}: ${call.id} has no x input`);
    const id = `aug_${call.id}`;
    training.nodes.push({ id, type: 'Augment', params, position: { x: 0, y: 0 } });
    training.edges.push({ source: id, sourcePort: 'out', target: call.id, targetPort: 'x' });
    edge.target = id;
    edge.targetPort = 'in';
  }
  return JSON.stringify(p);
}
const BASE = opt.base ?? 'dcgan-mnist';
const baseFile = BASE.endsWith('.json') ? readFileSync(BASE, 'utf8') : undefined;
if (BASE !== 'dcgan-mnist' && BASE !== 'biggan-lite' && !baseFile)
  throw new Error(`--base: dcgan-mnist, biggan-lite or a project file (.json), not ${BASE}`);
const BIGGAN: Record<string, () => string> = {
  plain: () => text('biggan-lite.json'),
  diffaugment: () => withAugmentNodes('biggan-lite.json', augmentParams('dcgan-mnist-diffaugment.json')),
  ada: () => withAugmentNodes('biggan-lite.json', augmentParams('dcgan-mnist-ada.json')),
};
/** Any project given by its file: plain, and the Augment nodes put on its D inputs as for BigGAN-lite. */
const fromFile = (source: string): Record<string, () => string> => ({
  plain: () => source,
  diffaugment: () => withAugmentNodes(BASE, augmentParams('dcgan-mnist-diffaugment.json'), source),
  ada: () => withAugmentNodes(BASE, augmentParams('dcgan-mnist-ada.json'), source),
  translation: () =>
    withAugmentNodes(BASE, { ...augmentParams('dcgan-mnist-diffaugment.json'), policies: ['translation'] }, source),
  'ada-translation': () =>
    withAugmentNodes(BASE, { ...augmentParams('dcgan-mnist-ada.json'), policies: ['translation'] }, source),
});
const ALL: Record<string, () => string> = baseFile
  ? fromFile(baseFile)
  : BASE === 'biggan-lite'
    ? BIGGAN
    : {
        plain: () => text('dcgan-mnist.json'),
        diffaugment: () => text('dcgan-mnist-diffaugment.json'),
        ada: () => text('dcgan-mnist-ada.json'),
        color: () => augmentedWith({ policies: ['color', 'translation', 'cutout'], p: 1 }),
        translation: () => augmentedWith({ policies: ['translation'], p: 1 }),
        'ada-translation': () => augmentedWith({ policies: ['translation'] }, 'dcgan-mnist-ada.json'),
      };
const names = (opt.only ?? 'plain,diffaugment,ada').split(',');
for (const n of names) if (!ALL[n]) throw new Error(`--only: unknown variant ${n} (${Object.keys(ALL).join(', ')})`);
const project = (name: string) => {
  const a = validateProjectText((ALL[name] as () => string)());
  if (a.status !== 'ok') throw new Error(`${name}: ${JSON.stringify(validateProjectValue(a.project).diagnostics)}`);
  return a;
};

await selectBackend('wasm');
const mnist = loadMnist();
const side = 28 * 28;
const small: MnistData = {
  images: mnist.images.slice(0, DIGITS * side),
  labels: mnist.labels.slice(0, DIGITS),
  count: DIGITS,
};
const classifier = await loadClassifier();
if (!classifier) throw new Error('no classifier (public/models/mnist-classifier): run ganvas classifier');
const quality = await digitQuality(classifier, mnist);
const trainDigits = digitImages(mnist, 0, DIGITS);
const heldOut = digitImages(mnist, 1000, 2000);
const trainLabels = Int32Array.from(mnist.labels.subarray(0, DIGITS));
const heldOutLabels = Int32Array.from(mnist.labels.subarray(1000, 2000));
/** The classes the classifier reads in generated digits ([n,28,28,1] in [-1,1]). */
async function readClasses(samples: tf.Tensor4D): Promise<Int32Array> {
  const idx = tf.tidy(() => tf.argMax(classifier!.predict(samples) as tf.Tensor, -1));
  const out = (await idx.data()) as Int32Array;
  idx.dispose();
  return Int32Array.from(out);
}

/** E[sign D(x)] and mean D(x), D in training mode (as in its updates) on batches of BATCH; D's BN statistics put back. */
async function dFigures(
  trainer: Trainer,
  x: tf.Tensor4D,
  labels?: Int32Array,
): Promise<{ sign: number; logit: number }> {
  const d = trainer.models.get('discriminator');
  if (!d) throw new Error('no discriminator model');
  const labelAt = classInputIndex(d);
  if (labelAt >= 0 && !labels) throw new Error('a discriminator that takes the class needs the labels');
  const saved = d.nonTrainableWeights.map((w) => tf.keep(tf.clone(w.read())));
  const n = x.shape[0];
  let sign = 0;
  let logit = 0;
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    const out = tf.tidy(() => {
      const xs = tf.slice(x, [i, 0, 0, 0], [size, 28, 28, 1]);
      const ys =
        labelAt < 0 ? undefined : tf.tensor2d((labels as Int32Array).subarray(i, i + size), [size, 1], 'int32');
      const y = d.apply(withClass(labelAt, xs, ys), { training: true }) as tf.Tensor;
      return tf.stack([tf.sum(tf.sign(y)), tf.sum(y)]);
    });
    const [s, l] = (await out.data()) as Float32Array;
    out.dispose();
    sign += s as number;
    logit += l as number;
  }
  d.nonTrainableWeights.forEach((w, i) => {
    w.write(saved[i] as tf.Tensor);
  });
  tf.dispose(saved);
  return { sign: sign / n, logit: logit / n };
}

// Cost per step, batch 64 on the full set (the data does not change the step's cost): the variants' steps
// interleaved, round after round, so that a change in the machine's load reaches all of them alike.
const stepMs: Record<string, number> = {};
const costNames = opt['no-cost'] ? [] : opt.cost ? opt.cost.split(',') : names;
const costTrainers = costNames.map((name) => new Trainer(project(name), { assets: { mnist }, batchSize: COST_BATCH }));
const times: number[][] = costNames.map(() => []);
for (let round = 0; round < 20; round++)
  for (const [i, trainer] of costTrainers.entries()) {
    const t0 = performance.now();
    await trainer.trainStep();
    if (round >= 5) times[i]?.push(performance.now() - t0);
  }
for (const [i, name] of costNames.entries()) {
  const ms = (times[i] as number[]).sort((a, b) => a - b);
  stepMs[name] = ms[Math.floor(ms.length / 2)] as number;
  costTrainers[i]?.dispose();
  console.log(`${name}: median step ${stepMs[name]?.toFixed(1)} ms (batch ${COST_BATCH})`);
}

// FID and D's overfitting figures on a small training set.
const runs: Run[] = [];
for (const name of names)
  for (const seed of SEEDS) {
    const t0 = performance.now();
    const trainer = new Trainer(project(name), { assets: { mnist: small }, batchSize: BATCH, seed });
    const curve: Point[] = [];
    let rt: number | undefined;
    for (let s = 1; s <= STEPS; s++) {
      const m = await trainer.trainStep();
      if (m.ada?.['ada/rt'] !== undefined) rt = m.ada['ada/rt'];
      if (s % EVERY === 0) {
        const samples = trainer.generate(500, 777) as tf.Tensor4D;
        const q = await quality(samples);
        const tr = await dFigures(trainer, trainDigits, trainLabels);
        const ho = await dFigures(trainer, heldOut, heldOutLabels);
        const fk = await dFigures(trainer, samples, await readClasses(samples));
        samples.dispose();
        const point: Point = {
          step: s,
          fid: q.fid,
          signTrain: tr.sign,
          signHeldOut: ho.sign,
          signFake: fk.sign,
          logitTrain: tr.logit,
          logitHeldOut: ho.logit,
          logitFake: fk.logit,
          ...(m.ada?.['ada/p'] !== undefined ? { adaP: m.ada['ada/p'] } : {}),
          ...(rt !== undefined ? { adaRt: rt } : {}),
        };
        curve.push(point);
        console.log(
          `${name} seed ${seed} step ${s}: FID ${q.fid.toFixed(2)}  E[sign D] train ${tr.sign.toFixed(2)} held-out ${ho.sign.toFixed(2)} fake ${fk.sign.toFixed(2)}  logit train ${tr.logit.toFixed(2)} held-out ${ho.logit.toFixed(2)} fake ${fk.logit.toFixed(2)}${point.adaP !== undefined ? `  p ${point.adaP.toFixed(3)} r_t ${point.adaRt?.toFixed(2)}` : ''}`,
        );
      }
    }
    trainer.dispose();
    runs.push({ variant: name, seed, seconds: (performance.now() - t0) / 1000, curve });
  }

const result: Result = {
  machine: machine(),
  load: `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
  steps: STEPS,
  every: EVERY,
  digits: DIGITS,
  batch: BATCH,
  adaSpeed: ADA_SPEED,
  costBatch: COST_BATCH,
  stepMs,
  runs,
};
if (opt.save) writeFileSync(opt.save, `${JSON.stringify(result, null, 2)}\n`);
else if (!opt.only) writeSection('augment', result);
else console.log(JSON.stringify(result));
