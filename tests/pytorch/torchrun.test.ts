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
import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { decodeSafetensors } from '../../src/core/train/safetensors.js';
import { validateProjectText } from '../../src/core/validate.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-run');
const env = { ...process.env, OMP_NUM_THREADS: '1' };

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
        '-m',
        'torch.distributed.run',
        '--nproc_per_node=2',
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
        '-m',
        'torch.distributed.run',
        '--nproc_per_node=2',
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
    const kernel = tensors.find((t) => t.name === 'g_fc/kernel');
    expect(kernel?.shape).toEqual([64, 7 * 7 * 64]); // tfjs' Dense kernel layout [in, out] (torch's is [out, in])
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
