/**
 * Issue 17.4 in the exported train.py: the digit classifier read from its
 * tfjs files and run in torch gives tfjs' features and probabilities; the
 * digit figures (FID, Inception score, precision/recall) of the same sample
 * tensors equal ganvas' (fid.ts) at 28x28 and 32x32; and a short run with
 * settings.earlyStopping evaluates, keeps best/, stops early with ganvas'
 * reason, and resumes with the rule's state.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { CLASSIFIER_DIR, loadClassifier } from '../../src/cli/classifier.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { ExportError } from '../../src/core/codegen/common.js';
import { type MnistData, resizeDigit } from '../../src/core/data/datasets.js';
import { EarlyStopper, fmtFigure } from '../../src/core/train/early-stop.js';
import { type DigitQuality, digitImages, digitQuality, FEATURE_LAYER } from '../../src/core/train/fid.js';
import { encodeSafetensors, type NamedArray } from '../../src/core/train/safetensors.js';
import { validateProjectText } from '../../src/core/validate.js';
import { PYTHON, relativeError } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-quality');
const env = { ...process.env, OMP_NUM_THREADS: '1' };

function py(args: string[], cwd: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(PYTHON, args, { cwd, env, encoding: 'utf8', timeout: 280_000, maxBuffer: 256 * 2 ** 20 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function exportWith(template: string, earlyStopping: object | undefined, file: string): void {
  const p = JSON.parse(readFileSync(join(ROOT, 'templates', template), 'utf8'));
  if (earlyStopping) p.training.settings.earlyStopping = earlyStopping;
  else delete p.training.settings.earlyStopping;
  writeFileSync(file, exportProjectPyTorch(validateProjectText(JSON.stringify(p))));
}

/** Digits [from, to) at `size` (the MNIST node's area resize), in [-1,1], plus N(0, noise) clipped: [n,size,size,1]. */
function digitsAt(m: MnistData, from: number, to: number, size: number, noise: number, seed: number): tf.Tensor4D {
  const n = to - from;
  const x = new Float32Array(n * size * size);
  for (let k = 0; k < n; k++) resizeDigit(m.images, (from + k) * 784, size, x, k * size * size);
  return tf.tidy(() => {
    const t = tf.sub(tf.mul(tf.tensor4d(x, [n, size, size, 1]), 2), 1);
    return tf.clipByValue(tf.add(t, tf.randomNormal(t.shape, 0, noise, 'float32', seed)), -1, 1) as tf.Tensor4D;
  });
}

describe('quality figures in train.py', () => {
  let classifier: tfl.LayersModel;
  let mnist: MnistData;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    classifier = (await loadClassifier()) as tfl.LayersModel;
    expect(classifier, 'public/models/mnist-classifier').toBeDefined();
    mnist = loadMnist();
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  });

  it("the torch classifier gives tfjs' features and probabilities; the figures of the same samples equal fid.ts' at 28x28 and 32x32 (and 16, 64)", async () => {
    const arrays: NamedArray[] = [];
    const put = (name: string, t: tf.Tensor) =>
      arrays.push({ name, shape: t.shape, data: t.dataSync() as Float32Array });
    // 200 held-out real digits and 100 noisy ones, through both classifiers.
    const x = tf.concat([digitImages(mnist, 9000, 9200), digitsAt(mnist, 9200, 9300, 28, 0.3, 1)]);
    put('x/digits', x);
    const both = tf.model({
      inputs: classifier.inputs,
      outputs: [classifier.getLayer(FEATURE_LAYER).output as tf.SymbolicTensor, classifier.outputs[0]!],
    });
    const [f, p] = both.predict(x) as tf.Tensor[];
    const tfjsFeatures = Array.from(f!.dataSync());
    const tfjsProbs = Array.from(p!.dataSync());
    // Sample sets: real digits (8,000-8,499, not the reference) with a little noise and with much more, at 28 and 32.
    const want: Record<string, DigitQuality> = {};
    // (16 and 64: the resize to 28 upsamples and downsamples.)
    for (const size of [28, 32, 16, 64]) {
      const quality = await digitQuality(classifier, mnist, size);
      const sets: [string, number][] = [
        ['mild', 0.05],
        ...(size === 28 || size === 32 ? [['noisy', 0.4] as [string, number]] : []),
      ];
      for (const [label, noise] of sets) {
        const s = digitsAt(mnist, 8000, 8500, size, noise, size + noise * 10);
        put(`samples/${size}-${label}`, s);
        want[`samples/${size}-${label}`] = await quality(s);
      }
    }
    writeFileSync(join(DIR, 'tensors.safetensors'), encodeSafetensors(arrays));
    exportWith('dcgan-mnist.json', undefined, join(DIR, 'train.py'));
    const r = py(
      [
        join(import.meta.dirname, 'quality.py'),
        join(DIR, 'train.py'),
        join(DIR, 'tensors.safetensors'),
        CLASSIFIER_DIR,
        MNIST_BIN,
      ],
      DIR,
    );
    expect(r.status, r.stderr).toBe(0);
    const torch = JSON.parse(r.stdout) as {
      classify: { features: number[]; probs: number[] };
      figures: Record<string, DigitQuality>;
    };
    expect(relativeError(torch.classify.features, tfjsFeatures)).toBeLessThan(1e-4);
    expect(relativeError(torch.classify.probs, tfjsProbs)).toBeLessThan(1e-4);
    expect(tfjsFeatures.length).toBe(300 * 64);
    const report: string[] = [
      `classifier: features ${relativeError(torch.classify.features, tfjsFeatures).toExponential(1)}, probabilities ${relativeError(torch.classify.probs, tfjsProbs).toExponential(1)} (largest difference / largest value)`,
    ];
    for (const [name, w] of Object.entries(want)) {
      const got = torch.figures[name] as DigitQuality;
      const rel = (k: keyof DigitQuality) => Math.abs(got[k] - w[k]) / Math.max(Math.abs(w[k]), 1e-3);
      report.push(
        `${name}: ganvas FID ${w.fid.toFixed(3)} IS ${w.inceptionScore.toFixed(3)} P ${w.precision} R ${w.recall}; ` +
          `torch relative differences ${(['fid', 'inceptionScore', 'precision', 'recall'] as const).map((k) => rel(k).toExponential(1)).join(' ')}`,
      );
      for (const k of ['fid', 'inceptionScore', 'precision', 'recall'] as const)
        expect(Math.abs(got[k] - w[k]), `${name} ${k}: torch ${got[k]}, ganvas ${w[k]}`).toBeLessThanOrEqual(
          1e-3 * Math.max(Math.abs(w[k]), 1e-3),
        );
    }
    console.log(report.join('\n'));
    // The sets are told apart (the comparison is not of trivial figures).
    const [mild, noisy] = [want['samples/28-mild']!, want['samples/28-noisy']!];
    expect(mild.fid).toBeLessThan(noisy.fid / 5);
    expect(mild.precision).toBeGreaterThan(0.5);
    expect(mild.inceptionScore).toBeGreaterThan(7);
    expect(want['samples/32-mild']!.precision).toBeGreaterThan(0.5);
    tf.dispose([x, f!, p!]);
  });

  it("train.py's rule and figures' wording are ganvas' (early-stop.ts) on scripted sequences", () => {
    exportWith('toy-ring.json', undefined, join(DIR, 'rule.py'));
    const fmt = [
      3000, 23.14, 0.975123, 0.5, 1234.56, 1234.96, 99.95, 0.000123456, 1.2345e-7, 0.0000012, -2.5, 123456.789, 1e-3, 7,
    ];
    const rules = [
      { metric: 'fid', patience: 2, minDelta: 0.5, stop: true, values: [50, 40, 39.8, 39.7, 30, null, 31, 29.6, 29.4] },
      {
        metric: 'inceptionScore',
        patience: 3,
        minDelta: 0,
        stop: true,
        values: [1.5, 2.25, 2.25, 8.123456, 8.1, 8, 7.9],
      },
      { metric: 'modeScore', patience: 1, minDelta: 0, stop: false, values: [3.5, 3.5, 8.975, 8, 8.975] },
      { metric: 'precision', patience: 1, minDelta: 0.01234, stop: true, values: [null, 0.5, 0.51] },
      { metric: 'recall', patience: 2, minDelta: 0, stop: true, values: [0.2, 0.1, 0.3, 0.3, 0.25] },
    ] as const;
    const code = [
      'import importlib.util, json, math, sys',
      'spec = importlib.util.spec_from_file_location("exported", "rule.py")',
      'mod = importlib.util.module_from_spec(spec)',
      'spec.loader.exec_module(mod)',
      'cases = json.loads(sys.argv[1])',
      'clean = lambda o: {k: clean(v) for k, v in o.items()} if isinstance(o, dict) else (None if isinstance(o, float) and math.isnan(o) else o)',
      'out = {"fmt": [mod.fmt_figure(v) for v in cases["fmt"]], "rules": []}',
      'for c in cases["rules"]:',
      '    r = mod.EarlyStopper(c["metric"], c["patience"], c["minDelta"], c["stop"])',
      '    out["rules"].append([clean(r.observe((i + 1) * 500, float("nan") if v is None else v)) for i, v in enumerate(c["values"])])',
      'print(json.dumps(out))',
    ].join('\n');
    const r = py(['-c', code, JSON.stringify({ fmt, rules })], DIR);
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { fmt: string[]; rules: unknown[][] };
    expect(got.fmt).toEqual(fmt.map(fmtFigure));
    rules.forEach((c, k) => {
      const rule = new EarlyStopper(c.metric, c.patience, c.minDelta, c.stop);
      const want = c.values.map((v, i) => JSON.parse(JSON.stringify(rule.observe((i + 1) * 500, v ?? Number.NaN))));
      expect(got.rules[k], c.metric).toEqual(want);
    });
    expect(got.rules.flat().filter((e) => (e as { stop?: string }).stop).length).toBeGreaterThanOrEqual(4);
  });

  it('stops a digit run early: evaluation lines as the rule gives them, best/ kept, the reason, resume carries the rule on', () => {
    // FID falls a few points per step at first; by more than 1,000 it never improves: the run stops at the
    // second evaluation after the first (patience 2), at step 6 of 20.
    const es = { metric: 'fid', every: 2, patience: 2, minDelta: 1000, stop: true };
    exportWith('dcgan-mnist.json', es, join(DIR, 'train.py'));
    const args = (out: string, steps: number) => [
      'train.py',
      '--steps',
      String(steps),
      '--batch',
      '8',
      '--out',
      out,
      '--quiet',
      '--mnist',
      MNIST_BIN,
      '--every',
      '100',
    ];
    const r = py([...args('run', 20), '--classifier', CLASSIFIER_DIR], DIR);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(join(DIR, 'run/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'step').map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const evs = lines.filter((l) => l.type === 'evaluation');
    expect(evs.map((e) => e.step)).toEqual([2, 4, 6]);
    // ganvas' rule on the same figures: the same decisions and the same sentence.
    const rule = new EarlyStopper('fid', 2, 1000);
    for (const e of evs) {
      const want = rule.observe(e.step, e.value);
      const { quality, type: _type, ...got } = e;
      expect(got).toEqual(want);
      expect(quality.fid).toBe(e.value);
      for (const k of ['inceptionScore', 'precision', 'recall']) expect(Number.isFinite(quality[k])).toBe(true);
      expect(e.value).toBeGreaterThan(100); // an untrained generator's digits are far from real ones
    }
    const reason = evs.at(-1).stop as string;
    expect(reason).toMatch(
      /^stopped at step 6: FID did not improve by more than 1,000 for 2 evaluations; best \d+(\.\d)? at step 2$/,
    );
    expect(r.stderr).toContain(`done: 6 steps (${reason})`);
    const result = JSON.parse(readFileSync(join(DIR, 'run/result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'done', steps: 6, reason, best: { step: 2, metric: 'fid', dir: 'best' } });
    expect(result.earlyStopping).toMatchObject({ metric: 'fid', wait: 2, evaluations: 3, stopped: reason });
    const best = JSON.parse(readFileSync(join(DIR, 'run/best/best.json'), 'utf8'));
    expect(best).toEqual({ step: 2, metric: 'fid', value: evs[0].value, quality: evs[0].quality });
    for (const f of ['checkpoint.safetensors', 'generator.safetensors', 'generator.pt'])
      expect(existsSync(join(DIR, 'run/best', f)), f).toBe(true);
    // The last checkpoint is at the step it stopped, with the rule's state beside it; best/'s is at step 2.
    const meta = (file: string) => {
      const b = readFileSync(file);
      const n = Number(b.readBigUInt64LE(0));
      return JSON.parse(b.subarray(8, 8 + n).toString('utf8')).__metadata__;
    };
    expect(meta(join(DIR, 'run/checkpoint.safetensors')).step).toBe('6');
    expect(meta(join(DIR, 'run/best/checkpoint.safetensors')).step).toBe('2');
    expect(meta(join(DIR, 'run/best/generator.safetensors')).step).toBe('2');

    // Resumed from step 4 (wait 1 there), the run stops at step 6 as the straight one did.
    const part = py([...args('resumed', 4), '--classifier', CLASSIFIER_DIR], DIR);
    expect(part.status, part.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(DIR, 'resumed/checkpoint.safetensors.early-stop.json'), 'utf8')).state).toEqual(
      { metric: 'fid', wait: 1, evaluations: 2, best: { step: 2, value: evs[0].value } },
    );
    const rest = py(
      [...args('resumed', 20), '--classifier', CLASSIFIER_DIR, '--resume', 'resumed/checkpoint.safetensors'],
      DIR,
    );
    expect(rest.status, rest.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(DIR, 'resumed/result.json'), 'utf8'))).toMatchObject({ steps: 6, reason });

    // `ganvas train --engine pytorch` (from another folder: it passes the classifier's path) says why it stopped.
    const project = JSON.parse(readFileSync(join(ROOT, 'templates/dcgan-mnist.json'), 'utf8'));
    project.training.settings.earlyStopping = es;
    writeFileSync(join(DIR, 'dcgan-es.json'), JSON.stringify(project));
    const cli = spawnSync(
      'node',
      [join(ROOT, 'bin/ganvas.js'), 'train', 'dcgan-es.json', '--engine', 'pytorch', '--python', PYTHON].concat([
        '--steps',
        '20',
        '--batch',
        '8',
        '--out',
        'cli',
      ]),
      { cwd: DIR, env, encoding: 'utf8', timeout: 280_000 },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`done: 6 steps in `);
    expect(cli.stdout).toContain(` s on pytorch (${reason}); results in cli`);

    // Without the classifier: one line, a non-zero exit, before training.
    const missing = py([...args('missing', 4), '--classifier', 'no/such/dir'], DIR);
    expect(missing.status).not.toBe(0);
    expect(existsSync(join(DIR, 'missing')), 'no run folder').toBe(false);
    expect(missing.stderr.trim().split('\n')).toEqual([
      'early stopping on FID needs the digit classifier: no no/such/dir/model.json; run from the ganvas repository (public/models/mnist-classifier) or pass --classifier DIR',
    ]);
  });

  it('stops a 2D mixture run on modeScore; a figure the project cannot give is refused at export', () => {
    exportWith(
      'toy-ring-early-stop.json',
      { metric: 'auto', every: 5, patience: 1, minDelta: 100, stop: true },
      join(DIR, 'ring.py'),
    );
    const r = py(['ring.py', '--steps', '50', '--out', 'ring', '--quiet'], DIR);
    expect(r.status, r.stderr).toBe(0);
    const evs = readFileSync(join(DIR, 'ring/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'evaluation');
    expect(evs.map((e) => e.step)).toEqual([5, 10]);
    for (const e of evs) expect(e.value).toBeCloseTo(e.quality.modesCovered + e.quality.highQuality, 12);
    expect(evs[1].stop).toMatch(
      /^stopped at step 10: modes covered \+ high-quality share did not improve by more than 100 for 1 evaluation; best/,
    );
    expect(existsSync(join(DIR, 'ring/best/generator.safetensors'))).toBe(true);
    expect(() =>
      exportWith('toy-ring.json', { metric: 'fid', every: 5, patience: 1, minDelta: 0, stop: true }, join(DIR, 'x.py')),
    ).toThrow(ExportError);
  });
  it('under torchrun (2 processes, gloo) every process stops at the step rank 0 decides, evaluated as in 1 process', () => {
    exportWith(
      'toy-ring-early-stop.json',
      { metric: 'auto', every: 20, patience: 1, minDelta: 100, stop: true },
      join(DIR, 'ring.py'),
    );
    const port = 30000 + Math.floor(Math.random() * 20000);
    const r = py(
      [
        ...['-m', 'torch.distributed.run', '--nproc_per_node=2', `--master_port=${port}`],
        ...['--redirects', '1', '--tee', '1', '--log_dir', join(DIR, 'logs')],
        ...['ring.py', '--steps', '100', '--batch', '64', '--out', 'ring2', '--quiet'],
      ],
      DIR,
    );
    expect(r.status, r.stderr).toBe(0);
    const one = py(['ring.py', '--steps', '100', '--batch', '64', '--out', 'ring1', '--quiet'], DIR);
    expect(one.status, one.stderr).toBe(0);
    const read = (d: string) =>
      readFileSync(join(DIR, d, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const [two, single] = [read('ring2'), read('ring1')];
    expect(two.filter((l) => l.type === 'step').map((l) => l.step)).toEqual(
      Array.from({ length: 40 }, (_, k) => k + 1),
    );
    const evals = (ls: { type: string; value: number; step: number }[]) =>
      ls.filter((l) => l.type === 'evaluation').map((l) => [l.step, l.value]);
    expect(evals(two)).toEqual(evals(single));
    expect(evals(two).map(([step]) => step)).toEqual([20, 40]);
    expect(JSON.parse(readFileSync(join(DIR, 'ring2/result.json'), 'utf8'))).toMatchObject({ steps: 40, processes: 2 });
  });
});
