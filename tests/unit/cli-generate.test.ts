/**
 * `ganvas generate` as a user runs it: real processes, PNGs on disk. The same
 * seed gives the same bytes; an interpolation's ends are the seeds' own
 * samples; weights from a file and a checkpoint are what get used; bad input
 * ends in one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/assets.js';
import { analyzeRun, TrainingSession } from '../../src/core/train/index.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/ganvas.js');
const dir = mkdtempSync(join(tmpdir(), 'ganvas-generate-'));
const DCGAN = join(ROOT, 'templates/dcgan-mnist.json');

function ganvas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const pixels = (f: string) => PNG.sync.read(readFileSync(f)).data;

describe('ganvas generate', () => {
  it('writes a grid and one PNG per seed; the same seed gives the same picture; says when untrained', () => {
    const a = join(dir, 'a');
    const r = ganvas('generate', DCGAN, '--n', '4', '--seed', '3', '--out', a);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/seeded initial weights \(seed 0, untrained\)/);
    expect(readdirSync(a).sort()).toEqual([
      'generate.json',
      'grid.png',
      'sample-000.png',
      'sample-001.png',
      'sample-002.png',
      'sample-003.png',
    ]);
    const grid = PNG.sync.read(readFileSync(join(a, 'grid.png')));
    expect([grid.width, grid.height]).toEqual([2 * 30 + 2, 2 * 30 + 2]);
    const one = PNG.sync.read(readFileSync(join(a, 'sample-000.png')));
    expect([one.width, one.height]).toEqual([28, 28]);
    // Seed 5 alone is the third sample of seeds 3..6.
    const b = join(dir, 'b');
    expect(ganvas('generate', DCGAN, '--n', '1', '--seed', '5', '--out', b).code).toBe(0);
    expect(Buffer.compare(pixels(join(b, 'sample-000.png')), pixels(join(a, 'sample-002.png')))).toBe(0);
    const info = JSON.parse(readFileSync(join(a, 'generate.json'), 'utf8'));
    expect(info.seeds).toEqual([3, 4, 5, 6]);
    // Truncation changes the samples.
    const c = join(dir, 'c');
    expect(ganvas('generate', DCGAN, '--n', '1', '--seed', '5', '--truncation', '0.3', '--out', c).code).toBe(0);
    expect(Buffer.compare(pixels(join(c, 'sample-000.png')), pixels(join(b, 'sample-000.png')))).not.toBe(0);
    expect(JSON.parse(readFileSync(join(c, 'generate.json'), 'utf8')).truncation).toEqual({
      psi: 0.3,
      kind: 'BigGAN z',
    });
  }, 120_000);

  it("interpolates between two seeds: the ends are the seeds' own samples", () => {
    const out = join(dir, 'interp');
    const r = ganvas('generate', DCGAN, '--interpolate', '5,9', '--steps', '5', '--spherical', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).filter((f) => f.startsWith('sample-'))).toHaveLength(5);
    const nine = join(dir, 'nine');
    expect(ganvas('generate', DCGAN, '--n', '1', '--seed', '9', '--out', nine).code).toBe(0);
    expect(Buffer.compare(pixels(join(out, 'sample-004.png')), pixels(join(nine, 'sample-000.png')))).toBe(0);
    expect(Buffer.compare(pixels(join(out, 'sample-002.png')), pixels(join(nine, 'sample-000.png')))).not.toBe(0);
  }, 120_000);

  it('uses the weights given: a safetensors file of seed-7 weights gives what the seed-7 project gives untrained', async () => {
    const p = JSON.parse(readFileSync(DCGAN, 'utf8'));
    p.training.settings.seed = 7;
    const seven = join(dir, 'seven.json');
    writeFileSync(seven, JSON.stringify(p));
    const s = await TrainingSession.create({
      runs: [{ label: 'run', analysis: analyzeRun(p, 'run') }],
      assets: { mnist: loadMnist() },
      backend: 'cpu',
    });
    const file = join(dir, 'generator.safetensors');
    writeFileSync(file, await s.generatorWeights());
    s.dispose();
    const w = join(dir, 'w');
    const r = ganvas('generate', DCGAN, '--weights', file, '--n', '2', '--out', w);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('generator.safetensors');
    const u = join(dir, 'u');
    expect(ganvas('generate', seven, '--n', '2', '--out', u).code).toBe(0);
    const grid = (d: string) => pixels(join(d, 'grid.png'));
    // Same weights, other numerics paths (wasm both): equal to the byte, or at worst off by one level.
    const diff = grid(w).reduce((m, v, i) => Math.max(m, Math.abs(v - (grid(u)[i] as number))), 0);
    expect(diff).toBeLessThanOrEqual(1);
    const seed0 = join(dir, 'seed0');
    expect(ganvas('generate', DCGAN, '--n', '2', '--out', seed0).code).toBe(0);
    expect(Buffer.compare(grid(seed0), grid(w))).not.toBe(0);
  }, 180_000);

  it('uses a checkpoint (toy ring after 5 steps: points, a grid picture only)', () => {
    const run = join(dir, 'ring-run');
    const toy = join(ROOT, 'templates/toy-ring.json');
    expect(ganvas('train', toy, '--steps', '5', '--backend', 'cpu', '--out', run).code).toBe(0);
    const out = join(dir, 'ring');
    const r = ganvas('generate', toy, '--checkpoint', join(run, 'checkpoint.gnvs'), '--n', '64', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/checkpoint\.gnvs \(step 5\)/);
    expect(readdirSync(out).sort()).toEqual(['generate.json', 'grid.png']);
  }, 120_000);

  it('bad input: one line, exit 2', () => {
    const cond = join(ROOT, 'templates/conditional-mnist.json');
    const cases: [string[], RegExp][] = [
      [[DCGAN, '--class', '3'], /takes no class label/],
      [[cond, '--class', '12'], /classes are 0 to 9/],
      [[DCGAN, '--weights', join(dir, 'none.safetensors')], /Cannot read weights .*no such file/],
      [[DCGAN, '--weights', 'x', '--checkpoint', 'y'], /--weights or --checkpoint, not both/],
      [[DCGAN, '--interpolate', '1'], /two whole numbers/],
      [[DCGAN, '--mix', '1,2'], /mapping network/],
      [[DCGAN, '--weights', DCGAN], /weights .*dcgan-mnist\.json: /],
      [[join(ROOT, 'templates/pix2pix.json')], /not only by noise and labels/],
    ];
    for (const [args, message] of cases) {
      const r = ganvas('generate', ...args, '--out', join(dir, 'bad'));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 180_000);
});
