/**
 * ADA in the exported train.py (issue 17.2): its p follows ADA's rule from the r_t it logs, and a run resumed
 * mid-interval from a checkpoint ends with the weights and p of a straight run. (One update's augmentation is
 * checked against tfjs in parity.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { decodeSafetensors } from '../../src/core/train/safetensors.js';
import { validateProjectText } from '../../src/core/validate.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-augment');
const env = { ...process.env, OMP_NUM_THREADS: '1' };

function py(args: string[], cwd: string): void {
  const r = spawnSync(PYTHON, args, { cwd, env, encoding: 'utf8', timeout: 280_000 });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
}

const steps = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step: number; ada?: Record<string, number> })
    .filter((m) => m.type === 'step');

describe('train.py with ADA', () => {
  it("moves p by ADA's rule every interval and resumes mid-interval exactly", () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/dcgan-mnist-diffaugment.json'), 'utf8'));
    // Batch 8, interval 2, speed 64: p moves by 0.25 at every second step.
    for (const n of p.training.nodes)
      if (n.type === 'Augment') n.params = { ...n.params, p: 0.5, ada: true, adaInterval: 2, adaSpeed: 64 };
    writeFileSync(join(DIR, 'train.py'), exportProjectPyTorch(validateProjectText(JSON.stringify(p))));
    const args = (out: string, n: number) => [
      'train.py',
      '--steps',
      String(n),
      '--batch',
      '8',
      '--out',
      out,
      '--quiet',
      '--mnist',
      MNIST_BIN,
    ];
    py(args('straight', 6), DIR);
    const ms = steps(join(DIR, 'straight/metrics.jsonl'));
    expect(ms.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    let want = 0.5;
    for (const m of ms) {
      const ada = m.ada as Record<string, number>;
      if (m.step % 2 === 0) want = Math.min(1, Math.max(0, want + Math.sign((ada['ada/rt'] as number) - 0.6) * 0.25));
      else expect(ada['ada/rt']).toBeUndefined();
      expect(ada['ada/p'], `step ${m.step}`).toBeCloseTo(want, 6);
    }
    py(args('resumed', 3), DIR);
    py([...args('resumed', 6), '--resume', 'resumed/checkpoint.safetensors'], DIR);
    const read = (f: string) =>
      new Map(
        decodeSafetensors(new Uint8Array(readFileSync(join(DIR, f)))).tensors.map((t) => [t.name, Array.from(t.data)]),
      );
    const [a, b] = [read('straight/checkpoint.safetensors'), read('resumed/checkpoint.safetensors')];
    for (const [name, v] of a)
      if (name.startsWith('model/') || name === 'ada/state') expect(b.get(name), name).toEqual(v);
    expect(a.has('ada/state')).toBe(true);
    expect(steps(join(DIR, 'resumed/metrics.jsonl')).at(-1)?.ada).toEqual(ms.at(-1)?.ada);
  }, 300_000);
});
