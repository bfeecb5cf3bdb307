/**
 * Progressive growing in the exported train.py (issue 17.1), against ganvas' own train/progressive.ts:
 * - the reals D sees (progressive_reals: avg_pool2d down, nearest up) equal tfjs' progressiveReals at integer
 *   and fractional lods, and the two resampling ops equal tfjs' avgPool 'valid' and resizeNearestNeighbor;
 * - apply_progress gives progressivePhase's phase at every image count, and every FadeIn of the models the
 *   alpha fadeAlpha gives its resolution;
 * - a short run of a fast-schedule progan-mnist logs the resolution rising 4 -> 32 through fades, each step's
 *   phase that of (step - 1) x batch images, and draws its samples at the resolution in use;
 * - 2 steps straight equal 1 + 1 resumed across the start of a fade, bit for bit.
 * (One update of progan-mnist mid-fade is checked against tfjs in parity.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import {
  fadeAlpha,
  growthImages,
  type ProgressivePhase,
  type ProgressiveSchedule,
  progressivePhase,
  progressiveReals,
} from '../../src/core/train/progressive.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/core/train/safetensors.js';
import { validateProjectText } from '../../src/core/validate.js';
import { PYTHON, relativeError } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-progressive');
const env = { ...process.env, OMP_NUM_THREADS: '1' };
const TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'templates/progan-mnist.json'), 'utf8'));

/**
 * progan-mnist with another schedule (the Progressive node's images), and optionally another minibatch stddev group
 * and no drift penalty.
 */
function withSchedule(fadeImages: number, stableImages: number, groupSize?: number, drift = true): string {
  const p = structuredClone(TEMPLATE);
  for (const n of p.training.nodes) if (n.type === 'Progressive') n.params = { ...n.params, fadeImages, stableImages };
  if (groupSize !== undefined)
    for (const n of p.models.discriminator.nodes) if (n.type === 'MinibatchStdDev') n.params = { groupSize };
  if (!drift) for (const n of p.training.nodes) if (n.type === 'AdversarialLoss') n.params = { ...n.params, drift: 0 };
  return JSON.stringify(p);
}

function exportTo(text: string, name: string): string {
  const a = validateProjectText(text);
  if (a.status !== 'ok') throw new Error(`invalid project: ${a.diagnostics.map((d) => d.message).join('; ')}`);
  const dir = join(DIR, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
  return dir;
}

function py(args: string[], cwd: string) {
  const r = spawnSync(PYTHON, args, { cwd, env, encoding: 'utf8', timeout: 280_000, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** Runs Python code with the exported train.py of `dir` imported as `mod`; returns what the code prints as JSON. */
function withScript(dir: string, code: string): unknown {
  const prelude = [
    'import importlib.util, json, sys, torch',
    'spec = importlib.util.spec_from_file_location("exported", "train.py")',
    'mod = importlib.util.module_from_spec(spec)',
    'spec.loader.exec_module(mod)',
    'torch.set_num_threads(1)',
  ].join('\n');
  return JSON.parse(py(['-c', `${prelude}\n${code}`], dir).stdout);
}

interface StepLine {
  type: string;
  step: number;
  losses: Record<string, number>;
  progressive?: ProgressivePhase;
}
const stepLines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StepLine)
    .filter((m) => m.type === 'step');

describe('train.py with progressive growing', () => {
  beforeAll(async () => {
    rmSync(DIR, { recursive: true, force: true });
    await tf.setBackend('cpu');
  });

  it("progressive_reals equals tfjs' progressiveReals at integer and fractional lods; nearest up and average down equal tfjs'", () => {
    const dir = exportTo(JSON.stringify(TEMPLATE), 'reals');
    const x = tf.randomUniform([3, 32, 32, 2], -1, 1, 'float32', 7) as tf.Tensor4D;
    const lods = [0, 0.25, 1, 1.5, 2, 2.625, 3];
    const small = tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
    const factors = [2, 4, 8];
    writeFileSync(
      join(dir, 'x.safetensors'),
      encodeSafetensors([
        { name: 'x', shape: x.shape, data: x.dataSync() as Float32Array },
        { name: 'small', shape: small.shape, data: small.dataSync() as Float32Array },
      ]),
    );
    const torch = withScript(
      dir,
      [
        'd = mod.load_safetensors("x.safetensors")',
        'x, small = mod.to_nchw(d["x"]), mod.to_nchw(d["small"])',
        'out = lambda t: mod.to_nhwc(t).flatten().tolist()',
        `print(json.dumps({"reals": [out(mod.progressive_reals(x, lod)) for lod in ${JSON.stringify(lods)}],`,
        `  "up": [out(mod._upsample_nearest(small, f)) for f in ${JSON.stringify(factors)}],`,
        `  "down": [out(mod._downsample_avg(x, f)) for f in ${JSON.stringify(factors)}]}))`,
      ].join('\n'),
    ) as { reals: number[][]; up: number[][]; down: number[][] };
    lods.forEach((lod, i) => {
      const want = Array.from(progressiveReals(x, lod).dataSync());
      expect(relativeError(want, torch.reals[i] as number[]), `lod ${lod}`).toBeLessThan(1e-6);
    });
    // The reals at lod 2.625 differ from those at 2 and 3: the blend is really there.
    expect(relativeError(torch.reals[5] as number[], torch.reals[4] as number[])).toBeGreaterThan(1e-2);
    expect(relativeError(torch.reals[5] as number[], torch.reals[6] as number[])).toBeGreaterThan(1e-2);
    factors.forEach((f, i) => {
      // Nearest neighbour by an integer factor copies values: exactly tfjs' resizeNearestNeighbor.
      const up = tf.image.resizeNearestNeighbor(small, [4 * f, 4 * f]);
      expect(torch.up[i], `nearest x${f}`).toEqual(Array.from(up.dataSync()));
      const down = tf.avgPool(x, f, f, 'valid');
      expect(relativeError(Array.from(down.dataSync()), torch.down[i] as number[]), `avg /${f}`).toBeLessThan(1e-6);
    });
  });

  it("apply_progress gives progressivePhase's phase at every image count, and each FadeIn fadeAlpha of its resolution", () => {
    const s: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 48, stableImages: 32 };
    const dir = exportTo(withSchedule(s.fadeImages, s.stableImages), 'phases');
    const counts = [...Array.from({ length: growthImages(s) / 4 + 12 }, (_, i) => i * 4), 7.5, 1e9];
    const fades: Record<string, Record<string, number>> = {};
    for (const [model, g] of Object.entries(TEMPLATE.models) as [
      string,
      { nodes: { id: string; type: string; params: { resolution: number } }[] },
    ][])
      fades[model] = Object.fromEntries(
        g.nodes.filter((n) => n.type === 'FadeIn').map((n) => [n.id, n.params.resolution]),
      );
    const torch = withScript(
      dir,
      [
        'mod.MODELS.update(mod.build_models(0, torch.device("cpu")))',
        'res = []',
        `for images in ${JSON.stringify(counts)}:`,
        '    phase = mod.apply_progress(images)',
        '    alphas = {name: {k: l.alpha for k, l in m.named_modules() if isinstance(l, mod.FadeIn)} for name, m in mod.MODELS.items()}',
        '    res.append({"phase": phase, "alphas": alphas})',
        'print(json.dumps(res))',
      ].join('\n'),
    ) as { phase: ProgressivePhase; alphas: Record<string, Record<string, number>> }[];
    expect(Object.values(fades).flatMap((f) => Object.keys(f))).toHaveLength(6);
    const seen = new Set<string>();
    counts.forEach((images, i) => {
      const want = progressivePhase(s, images);
      const got = torch[i] as (typeof torch)[number];
      expect(got.phase, `${images} images`).toEqual(want);
      seen.add(`${want.resolution}:${want.fading}`);
      for (const [model, f] of Object.entries(fades))
        expect(got.alphas[model], `${model} at ${images} images`).toEqual(
          Object.fromEntries(Object.entries(f).map(([id, r]) => [id, fadeAlpha(s.final, r, want.lod)])),
        );
    });
    // Every stage, stable and fading, was visited.
    expect([...seen].sort()).toEqual(['16:false', '16:true', '32:false', '32:true', '4:false', '8:false', '8:true']);
  });

  it('a fast-schedule run logs the resolution rising 4 -> 32 through fades, and samples at the resolution in use', () => {
    const s: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 32, stableImages: 32 };
    const dir = exportTo(withSchedule(s.fadeImages, s.stableImages), 'run');
    py(
      ['train.py', '--steps', '14', '--batch', '16', '--every', '4', '--out', 'run', '--quiet', '--mnist', MNIST_BIN],
      dir,
    );
    const lines = stepLines(join(dir, 'run/metrics.jsonl'));
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    for (const l of lines) {
      // Each step ran at the phase of the images shown before it, as ganvas train's metrics say.
      expect(l.progressive, `step ${l.step}`).toEqual(progressivePhase(s, (l.step - 1) * 16));
      expect(Object.values(l.losses).every(Number.isFinite)).toBe(true);
    }
    const res = lines.map((l) => l.progressive?.resolution);
    expect(res[0]).toBe(4);
    expect(res.at(-1)).toBe(32);
    expect(res.every((r, i) => i === 0 || (r as number) >= (res[i - 1] as number))).toBe(true);
    const alphas = lines.filter((l) => l.progressive?.fading).map((l) => l.progressive?.alpha as number);
    expect(alphas.some((a) => a > 0 && a < 1)).toBe(true);
    // The sample grid's first 32x32 tile (at 1,1): at step 0 (4x4) every 8x8 block is one colour; at step 4
    // (8x8 stable, 64 images) every 4x4 block is, but not every 8x8 block.
    const tile = (step: number) => {
      const png = PNG.sync.read(readFileSync(join(dir, 'run/samples', `step-${String(step).padStart(6, '0')}.png`)));
      return (i: number, j: number) => png.data[((1 + i) * png.width + 1 + j) * 4] as number;
    };
    const blocky = (px: (i: number, j: number) => number, b: number) => {
      for (let i = 0; i < 32; i++)
        for (let j = 0; j < 32; j++) if (px(i, j) !== px(i - (i % b), j - (j % b))) return false;
      return true;
    };
    expect(blocky(tile(0), 8)).toBe(true);
    expect(blocky(tile(4), 4)).toBe(true);
    expect(blocky(tile(4), 8)).toBe(false);
    expect(blocky(tile(12), 2)).toBe(false); // 32x32, fading in: finer than 2x2 blocks
  });

  it('ganvas train --engine pytorch shows the resolution and the fade-in in its progress lines', () => {
    const s: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 32, stableImages: 16 };
    const dir = join(DIR, 'engine');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'progan.json'), withSchedule(s.fadeImages, s.stableImages));
    const r = spawnSync(
      'node',
      [
        ...['bin/ganvas.js', 'train', join(dir, 'progan.json'), '--engine', 'pytorch', '--python', PYTHON],
        ...['--steps', '3', '--batch', '16', '--out', join(dir, 'run')],
      ],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 280_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    // Steps 1-3 at 0, 16 and 32 images: 4x4, then 8x8 fading in at alpha 0 and 0.5 (stderr is not a TTY: lines).
    expect(r.stderr).toMatch(/pytorch step 1\/3 D \S+ G \S+ \| 4x4 [\d.]+ steps\/s/);
    expect(r.stderr).toContain('| 8x8 fading in, alpha 0.00 ');
    expect(r.stderr).toContain('| 8x8 fading in, alpha 0.50 ');
  });

  it('2 processes (gloo) end a fade with the weights of 1 process on the same global batch: every rank follows the global images', () => {
    // Minibatch stddev groups of 1 (a constant channel), so that nothing but the schedule depends on the split.
    // No drift penalty either: with WGAN's terms the last bias of D gets no gradient (+1 per fake, -1 per real),
    // so the drift term alone moves it, by 2 * 0.001 * E[D(real)], a mean of logits of both signs whose rounding
    // differs with the batch split and which Adam scales up to a full step (measured: 4.9e-5 relative between the
    // runs, everything else under 1e-5). The drift's own value is checked against tfjs in parity.test.ts.
    // Batch 16, 16 stable images: step 1 at 4x4, step 2 starts the fade to 8x8, step 3 is at alpha 0.5.
    const dir = exportTo(withSchedule(32, 16, 1, false), 'torchrun');
    const common = ['--steps', '3', '--batch', '16', '--quiet', '--mnist', MNIST_BIN];
    py(['train.py', ...common, '--out', 'one'], dir);
    const port = `--master_port=${30000 + Math.floor(Math.random() * 20000)}`;
    py(
      [
        ...['-m', 'torch.distributed.run', '--nproc_per_node=2', port],
        ...['--redirects', '1', '--tee', '1', '--log_dir', join(dir, 'logs')],
        ...['train.py', ...common, '--out', 'two'],
      ],
      dir,
    );
    const [one, two] = [stepLines(join(dir, 'one/metrics.jsonl')), stepLines(join(dir, 'two/metrics.jsonl'))];
    expect(two.map((l) => l.progressive?.alpha)).toEqual([1, 0, 0.5]);
    expect(two.map((l) => l.progressive)).toEqual(one.map((l) => l.progressive));
    const read = (f: string) =>
      new Map(decodeSafetensors(new Uint8Array(readFileSync(join(dir, f)))).tensors.map((t) => [t.name, t.data]));
    const [a, b] = [read('one/checkpoint.safetensors'), read('two/checkpoint.safetensors')];
    for (const [name, v] of a)
      if (name.startsWith('model/') && v instanceof Float32Array)
        expect(relativeError(Array.from(v), Array.from(b.get(name) ?? [])), name).toBeLessThan(1e-5);
  });

  it('2 steps straight equal 1 + 1 resumed across the start of a fade, bit for bit', () => {
    // Batch 16, 8 stable images: step 1 trains at 4x4, step 2 (16 images) 8x8 fading in at alpha 0.25.
    const s: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 32, stableImages: 8 };
    const dir = exportTo(withSchedule(s.fadeImages, s.stableImages), 'resume');
    const args = (out: string, n: number) => [
      'train.py',
      '--steps',
      String(n),
      '--batch',
      '16',
      '--out',
      out,
      '--quiet',
      '--mnist',
      MNIST_BIN,
    ];
    py(args('straight', 2), dir);
    py(args('resumed', 1), dir);
    py([...args('resumed', 2), '--resume', 'resumed/checkpoint.safetensors'], dir);
    const read = (f: string) =>
      new Map(decodeSafetensors(new Uint8Array(readFileSync(join(dir, f)))).tensors.map((t) => [t.name, t.data]));
    const [a, b] = [read('straight/checkpoint.safetensors'), read('resumed/checkpoint.safetensors')];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, v] of a) expect(Array.from(b.get(name) ?? []), name).toEqual(Array.from(v));
    const [x, y] = [stepLines(join(dir, 'straight/metrics.jsonl')), stepLines(join(dir, 'resumed/metrics.jsonl'))];
    expect(y.map((l) => l.progressive)).toEqual([progressivePhase(s, 0), progressivePhase(s, 16)]);
    expect(y[1]?.progressive?.alpha).toBe(0.25);
    expect(y.map((l) => l.losses)).toEqual(x.map((l) => l.losses));
  });
});
