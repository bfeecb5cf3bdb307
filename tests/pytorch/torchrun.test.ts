/**
 * The exported train.py under torchrun (2 processes, gloo on the CPU): a
 * BatchNorm-free template with a gradient penalty ends 5 steps with the
 * weights of a 1-process run of the same global batch, and a BatchNorm
 * template runs (per-process statistics on the CPU). Also: exact resume, the
 * generator's tfjs-layout weights, and the script's own errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { decodeSafetensors } from '../../src/core/train/safetensors.js';
import { validateProjectText } from '../../src/core/validate.js';
import { chain, node, tinyGenerator } from '../fixtures/tiny-gan.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-run');
const env = { ...process.env, OMP_NUM_THREADS: '1' };

/** torchrun's arguments: 2 processes, a port of their own (a bench or another run may hold 29500). */
const torchrun = () => [
  '-m',
  'torch.distributed.run',
  '--nproc_per_node=2',
  `--master_port=${30000 + Math.floor(Math.random() * 20000)}`,
];

function exportTo(template: string, name: string): string {
  const a = validateProjectText(readFileSync(join(ROOT, 'templates', template), 'utf8'));
  const dir = join(DIR, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
  return dir;
}

function py(args: string[], cwd: string) {
  const r = spawnSync(PYTHON, args, { cwd, env, encoding: 'utf8', timeout: 280_000 });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** The largest difference between two checkpoints' model weights, relative to each weight's largest magnitude. */
function weightDiff(a: string, b: string): number {
  const read = (f: string) =>
    new Map(decodeSafetensors(new Uint8Array(readFileSync(f))).tensors.map((t) => [t.name, t.data] as const));
  const [x, y] = [read(a), read(b)];
  let worst = 0;
  for (const [name, u] of x) {
    if (!name.startsWith('model/') || !(u instanceof Float32Array)) continue;
    const v = y.get(name) as Float32Array;
    let d = 0;
    let m = 1e-12;
    u.forEach((p, i) => {
      d = Math.max(d, Math.abs(p - (v[i] as number)));
      m = Math.max(m, Math.abs(p));
    });
    worst = Math.max(worst, d / m);
  }
  return worst;
}

describe('train.py under torchrun', () => {
  beforeAll(() => rmSync(DIR, { recursive: true, force: true }));

  it('2 processes (gloo) end with the weights of 1 process on the same global batch, gradient penalty included', () => {
    const dir = exportTo('toy-ring.json', 'ring');
    py(['train.py', '--steps', '5', '--batch', '64', '--out', 'one', '--quiet', '--every', '1000'], dir);
    py(
      [
        ...torchrun(),
        '--redirects',
        '1',
        '--tee',
        '1',
        '--log_dir',
        join(dir, 'logs'),
        'train.py',
        '--steps',
        '5',
        '--batch',
        '64',
        '--out',
        'two',
        '--quiet',
        '--every',
        '1000',
      ],
      dir,
    );
    const one = readFileSync(join(dir, 'one/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const two = readFileSync(join(dir, 'two/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(JSON.parse(readFileSync(join(dir, 'two/run.json'), 'utf8')).processes).toBe(2);
    const last = (xs: { type: string; losses?: Record<string, number> }[]) =>
      xs.filter((x) => x.type === 'step').at(-1)?.losses;
    for (const [k, v] of Object.entries(last(one) ?? {}))
      expect(Math.abs((last(two)?.[k] ?? Number.NaN) - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v)));
    expect(weightDiff(join(dir, 'one/checkpoint.safetensors'), join(dir, 'two/checkpoint.safetensors'))).toBeLessThan(
      1e-5,
    );
  });

  it('a BatchNorm template trains under 2 processes, and a checkpoint resumes exactly', () => {
    const dir = exportTo('dcgan-mnist.json', 'dcgan');
    const mnist = ['--mnist', MNIST_BIN];
    py(
      [
        ...torchrun(),
        '--redirects',
        '1',
        '--tee',
        '1',
        '--log_dir',
        join(dir, 'logs'),
        'train.py',
        '--steps',
        '2',
        '--batch',
        '8',
        '--out',
        'two',
        '--quiet',
        ...mnist,
      ],
      dir,
    );
    expect(readFileSync(join(dir, 'two/metrics.jsonl'), 'utf8')).toContain('"step": 2');
    // 4 steps straight, against 2 steps then a resume to 4: the same weights, bit for bit.
    py(['train.py', '--steps', '4', '--batch', '8', '--out', 'straight', '--quiet', ...mnist], dir);
    py(['train.py', '--steps', '2', '--batch', '8', '--out', 'resumed', '--quiet', ...mnist], dir);
    py(
      [
        'train.py',
        '--steps',
        '4',
        '--batch',
        '8',
        '--out',
        'resumed',
        '--quiet',
        '--resume',
        'resumed/checkpoint.safetensors',
        ...mnist,
      ],
      dir,
    );
    expect(weightDiff(join(dir, 'straight/checkpoint.safetensors'), join(dir, 'resumed/checkpoint.safetensors'))).toBe(
      0,
    );
    // The generator in TensorFlow.js' names and layout, for the editor.
    const { tensors, metadata } = decodeSafetensors(
      new Uint8Array(readFileSync(join(dir, 'straight/generator.safetensors'))),
    );
    expect(metadata.model).toBe('generator');
    // ... and back: a new run starts from that generator (D starts fresh).
    const init = py(
      [
        'train.py',
        '--steps',
        '1',
        '--batch',
        '8',
        '--out',
        'from',
        '--quiet',
        '--init-from',
        'straight/generator.safetensors',
        ...mnist,
      ],
      dir,
    );
    expect(init.stderr).toMatch(/loaded \d+ weights from straight\/generator.safetensors/);
    const kernel = tensors.find((t) => t.name === 'g_fc/kernel');
    expect(kernel?.shape).toEqual([64, 7 * 7 * 64]); // tfjs' Dense kernel layout [in, out] (torch's is [out, in])
  });

  it('an image folder streams through a DataLoader and a DistributedSampler, in 1 and 2 processes; --onnx and --amp bf16 run', () => {
    const dir = join(DIR, 'folder');
    mkdirSync(join(dir, 'images/sub'), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const png = new PNG({ width: 10, height: 10 });
      for (let k = 0; k < 100; k++) png.data.set([(k * 7 + i * 20) % 256, 0, 0, 255], k * 4);
      writeFileSync(join(dir, i % 2 ? 'images/sub' : 'images', `d${i}.png`), PNG.sync.write(png));
    }
    const project = {
      format: 'ganvas/1',
      name: 'folder',
      models: {
        generator: tinyGenerator(4),
        discriminator: {
          nodes: [
            node('x', 'Input', { shape: [8, 8, 1] }),
            node('f', 'Flatten'),
            node('d', 'Dense', { units: 1 }),
            node('logit', 'Output'),
          ],
          edges: chain(['x', 'f', 'd', 'logit']),
        },
      },
      training: {
        nodes: [
          node('data', 'Dataset', { source: 'folder', path: 'images', width: 8, height: 8, channels: 1 }),
          node('noise', 'NoiseSource', { dim: 4 }),
          node('G', 'ModelCall', { model: 'generator' }),
          node('D_real', 'ModelCall', { model: 'discriminator' }),
          node('D_fake', 'ModelCall', { model: 'discriminator' }),
          node('loss', 'AdversarialLoss', {}),
          node('opt_G', 'Optimizer', { player: 'G', models: ['generator'] }),
          node('opt_D', 'Optimizer', { player: 'D', models: ['discriminator'] }),
        ],
        edges: [
          { source: 'noise', target: 'G', targetPort: 'z' },
          { source: 'G', sourcePort: 'img', target: 'D_fake', targetPort: 'x' },
          { source: 'data', sourcePort: 'x', target: 'D_real', targetPort: 'x' },
          { source: 'D_real', sourcePort: 'logit', target: 'loss', targetPort: 'real' },
          { source: 'D_fake', sourcePort: 'logit', target: 'loss', targetPort: 'fake' },
        ],
        settings: { batchSize: 4, seed: 0 },
      },
    };
    const a = validateProjectText(JSON.stringify(project));
    expect(a.status).toBe('ok');
    writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
    const one = py(['train.py', '--steps', '4', '--out', 'one', '--onnx', '--amp', 'bf16'], dir);
    expect(one.stderr).toContain('wrote generator.onnx');
    py(
      [
        ...torchrun(),
        '--redirects',
        '1',
        '--tee',
        '1',
        '--log_dir',
        join(dir, 'logs'),
        'train.py',
        '--steps',
        '4',
        '--out',
        'two',
        '--quiet',
      ],
      dir,
    );
    for (const run of ['one', 'two']) {
      const steps = readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === 'step');
      expect(steps.map((l) => l.step)).toEqual([1, 2, 3, 4]);
      expect(steps.every((l) => Number.isFinite(l.losses.D))).toBe(true);
    }
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = spawnSync(PYTHON, ['train.py', '--steps', '1', '--data', empty, '--out', 'none'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`no images under '${empty}'`);
  });

  it('says what is wrong with a damaged checkpoint, and exits non-zero', () => {
    const dir = exportTo('toy-ring.json', 'bad');
    writeFileSync(join(dir, 'bad.pt'), 'not a checkpoint');
    const r = spawnSync(PYTHON, ['train.py', '--steps', '1', '--resume', 'bad.pt', '--quiet'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('checkpoint bad.pt: cannot read it');
  });
});
