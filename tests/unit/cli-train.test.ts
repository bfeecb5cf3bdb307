/**
 * `ganvas train` and `ganvas compare` as a user runs them: real processes,
 * files on disk, Ctrl-C, resume, divergence.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/core/train/checkpoint.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/ganvas.js');
const dir = mkdtempSync(join(tmpdir(), 'ganvas-train-'));

function ganvas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// `any`: a project JSON edited in place by each test; the validator checks it, not the type system.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** The toy ring template, shortened. */
function toy(changes: (p: Json) => void = () => {}): string {
  const p = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8')) as Json;
  p.training.settings = {
    ...p.training.settings,
    sampleEvery: 10,
    checkpointEvery: 10,
    dStepsPerGStep: 1,
    batchSize: 32,
  };
  changes(p);
  const f = join(dir, `toy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(p));
  return f;
}

const lines = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ganvas train', () => {
  it('trains and writes metrics (JSON lines), sample pictures (PNG), a checkpoint and the generator', () => {
    const out = join(dir, 'run1');
    const r = ganvas('train', toy(), '--steps', '25', '--backend', 'wasm', '--seed', '3', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('done: 25 steps');
    expect(r.stderr).toContain('backend wasm');
    const metrics = lines(join(out, 'metrics.jsonl'));
    const steps = metrics.filter((m) => m.type === 'step');
    expect(steps.map((m) => m.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(Object.keys(steps[0]!.losses as object)).toEqual(
      expect.arrayContaining(['D', 'G', 'D/loss', 'D/gp', 'G/loss']),
    );
    const quality = metrics.filter((m) => m.type === 'quality');
    expect(quality.map((m) => m.step)).toEqual([0, 10, 20, 25]);
    expect(quality[0]).toHaveProperty('modesCovered');
    const pngs = readdirSync(join(out, 'samples'));
    expect(pngs).toEqual(['step-000000.png', 'step-000010.png', 'step-000020.png', 'step-000025.png']);
    const img = PNG.sync.read(readFileSync(join(out, 'samples', pngs[3]!)));
    expect([img.width, img.height]).toEqual([400, 400]);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.gnvs')))).header.step).toBe(25);
    const model = JSON.parse(readFileSync(join(out, 'generator/model.json'), 'utf8'));
    expect(model.format).toBe('layers-model');
    expect(existsSync(join(out, 'generator/weights.bin'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).status).toBe('done');
  }, 240_000);

  it("logs ADA's p (the DiffAugment template with ada on) and resumes it from a checkpoint", () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/dcgan-mnist-diffaugment.json'), 'utf8')) as Json;
    for (const n of p.training.nodes)
      if (n.type === 'Augment') n.params = { ...n.params, p: 0.5, ada: true, adaInterval: 3, adaSpeed: 48 };
    p.training.settings = { ...p.training.settings, sampleEvery: 100, checkpointEvery: 2, batchSize: 8 };
    const f = join(dir, 'ada.json');
    writeFileSync(f, JSON.stringify(p));
    const straight = join(dir, 'ada-straight');
    const resumed = join(dir, 'ada-resumed');
    const train = (out: string, steps: number, ...more: string[]) =>
      ganvas('train', f, '--steps', String(steps), '--backend', 'wasm', '--out', out, ...more);
    expect(train(straight, 4).code).toBe(0);
    expect(train(resumed, 2).code).toBe(0);
    const r = train(resumed, 4, '--resume', join(resumed, 'checkpoint.gnvs'));
    expect(r.code, r.stderr).toBe(0);
    const steps = (out: string) => lines(join(out, 'metrics.jsonl')).filter((m) => m.type === 'step');
    const a = steps(straight);
    // p starts at 0.5 and moves at step 3 (interval 3) by 8 * 3 / 48 = 0.5; the run resumed at step 2 follows it.
    expect(a.map((m) => (m.ada as Record<string, number>)['ada/p'])).toEqual(expect.arrayContaining([0.5]));
    expect((a[2]!.ada as Record<string, number>)['ada/rt']).toBeTypeOf('number');
    // ADA's state is exact; the losses as close as the other resume check's (4 digits).
    const last = steps(resumed).at(-1)!;
    expect(last).toMatchObject({ step: 4, ada: a[3]!.ada });
    const x = a[3]!.losses as Record<string, number>;
    for (const [k, v] of Object.entries(last.losses as Record<string, number>)) expect(v).toBeCloseTo(x[k]!, 4);
  }, 240_000);

  it('stops early on the ring, writes best/ beside the last checkpoint, says why and which step was best; logs lr', () => {
    const out = join(dir, 'early');
    const f = toy((p) => {
      // minDelta beyond the figure's range (0 to 9): only the first evaluation improves.
      p.training.settings.earlyStopping = { every: 5, patience: 2, minDelta: 100 };
      for (const n of p.training.nodes)
        if (n.id === 'opt_G') n.params = { ...n.params, schedule: 'cosine', decaySteps: 20, warmupSteps: 3 };
    });
    const r = ganvas('train', f, '--steps', '100', '--backend', 'wasm', '--seed', '3', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^done: 15 steps .*\(stopped at step 15: modes covered \+ high-quality share did not improve by more than 100 for 2 evaluations; best [\d.]+ at step 5\)/,
    );
    const metrics = lines(join(out, 'metrics.jsonl'));
    const evs = metrics.filter((m) => m.type === 'evaluation');
    expect(evs.map((m) => [m.step, m.improved, m.wait])).toEqual([
      [5, true, 0],
      [10, false, 1],
      [15, false, 2],
    ]);
    const best = JSON.parse(readFileSync(join(out, 'best/best.json'), 'utf8'));
    expect(best).toMatchObject({ step: 5, metric: 'modeScore', value: evs[0]!.value });
    expect(decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'best/checkpoint.gnvs')))).header.step).toBe(5);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.gnvs')))).header.step).toBe(15);
    expect(JSON.parse(readFileSync(join(out, 'best/generator/model.json'), 'utf8')).format).toBe('layers-model');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'done', steps: 15, best: { step: 5, dir: 'best' } });
    // The learning rates of each step: G's warm-up then cosine (schedule.ts), D's constant.
    const steps = metrics.filter((m) => m.type === 'step');
    const lrG = steps.map((m) => (m.lr as Record<string, number>)['lr/opt_G']!);
    const base = 1e-3;
    steps.forEach((m, k) => {
      const expected = (base * Math.min(1, (k + 1) / 3) * (1 + Math.cos((Math.PI * k) / 20))) / 2;
      expect(lrG[k]!).toBeCloseTo(expected, 12);
      expect((m.lr as Record<string, number>)['lr/opt_D']).toBe(base);
    });
  }, 240_000);

  it('a resumed run carries on with the early-stopping state saved beside its checkpoint', () => {
    const out = join(dir, 'early-resume');
    const f = toy((p) => {
      p.training.settings.earlyStopping = { every: 5, patience: 3, minDelta: 100 };
    });
    expect(ganvas('train', f, '--steps', '10', '--backend', 'wasm', '--out', out).code).toBe(0);
    const saved = JSON.parse(readFileSync(join(out, 'checkpoint.gnvs.early-stop.json'), 'utf8'));
    expect(saved).toMatchObject({ step: 10, state: { wait: 1, evaluations: 2, best: { step: 5 } } });
    const r = ganvas(
      'train',
      f,
      '--steps',
      '100',
      '--backend',
      'wasm',
      '--out',
      out,
      '--resume',
      join(out, 'checkpoint.gnvs'),
    );
    expect(r.code, r.stderr).toBe(0);
    // Evaluations at 15 and 20 are the 2nd and 3rd without improvement since step 5: it stops at 20, not 25.
    expect(r.stdout).toMatch(/^done: 20 steps .*for 3 evaluations; best [\d.]+ at step 5\)/);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).best).toMatchObject({ step: 5, dir: 'best' });
    expect(JSON.parse(readFileSync(join(out, 'best/best.json'), 'utf8')).step).toBe(5);
  }, 240_000);

  it('resumes from a checkpoint to the same losses as an uninterrupted run', () => {
    const f = toy();
    const a = join(dir, 'straight');
    const b = join(dir, 'part');
    expect(ganvas('train', f, '--steps', '20', '--backend', 'wasm', '--out', a).code).toBe(0);
    expect(ganvas('train', f, '--steps', '10', '--backend', 'wasm', '--out', b).code).toBe(0);
    const r = ganvas(
      'train',
      f,
      '--steps',
      '20',
      '--backend',
      'wasm',
      '--out',
      b,
      '--resume',
      join(b, 'checkpoint.gnvs'),
    );
    expect(r.code, r.stderr).toBe(0);
    const straight = lines(join(a, 'metrics.jsonl')).filter((m) => m.type === 'step');
    const resumed = lines(join(b, 'metrics.jsonl')).filter((m) => m.type === 'step');
    expect(resumed.map((m) => m.step)).toEqual(straight.map((m) => m.step));
    for (let i = 10; i < 20; i++) {
      const x = straight[i]!.losses as Record<string, number>;
      const y = resumed[i]!.losses as Record<string, number>;
      for (const k of Object.keys(x)) expect(y[k]).toBeCloseTo(x[k]!, 4);
    }
  }, 240_000);

  it('Ctrl-C saves a checkpoint and exits cleanly', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [BIN, 'train', toy(), '--steps', '100000', '--backend', 'wasm', '--out', out],
      { cwd: ROOT },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number>((resolveCode) => {
      const timer = setInterval(() => {
        if (/step \d+\/100000/.test(stderr)) {
          clearInterval(timer);
          child.kill('SIGINT');
        }
      }, 100);
      child.on('exit', (c) => resolveCode(c ?? -1));
    });
    expect(code).toBe(130);
    expect(stderr).toContain('stopping after this step and saving a checkpoint');
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const ckpt = decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.gnvs'))));
    expect(ckpt.header.step).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).status).toBe('interrupted');
  }, 240_000);

  it('stops a diverging run with the reason, keeps the last good checkpoint, exits 4', () => {
    const out = join(dir, 'diverged');
    // An absurd learning rate with plain SGD on a Wasserstein loss with no penalty blows up.
    const f = toy((p) => {
      p.training.nodes = p.training.nodes.filter((n: { type: string }) => n.type !== 'GradientPenalty');
      p.training.edges = p.training.edges.filter((e: { target: string }) => e.target !== 'gp');
      for (const n of p.training.nodes)
        if (n.type === 'Optimizer') n.params = { ...n.params, algorithm: 'sgd', learningRate: 10 };
    });
    const r = ganvas('train', f, '--steps', '200', '--backend', 'wasm', '--out', out);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/training stopped: .*(NaN|Infinity|exploded)/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.status).toBe('diverged');
    const ckpt = decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.gnvs'))));
    expect(ckpt.header.step).toBeLessThan(result.steps);
  }, 240_000);

  it('refuses bad options and invalid projects without a stack trace', () => {
    const bad = ganvas('train', toy(), '--steps', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--steps must be an integer');
    const backend = ganvas('train', toy(), '--backend', 'cuda');
    expect(backend.code).toBe(2);
    const invalid = ganvas(
      'train',
      toy((p) => (p.models.generator.nodes[1].params.units = -1)),
      '--steps',
      '1',
    );
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('PARAM');
    const noData = ganvas(
      'train',
      join(ROOT, 'templates/dcgan.json'),
      '--steps',
      '1',
      '--data',
      join(dir, 'no-such-folder'),
      '--out',
      join(dir, 'nodata'),
    );
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain('does not exist');
    expect(noData.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const foreign = ganvas(
      'train',
      toy(),
      '--steps',
      '2',
      '--backend',
      'wasm',
      '--resume',
      join(ROOT, 'package.json'),
      '--out',
      join(dir, 'foreign'),
    );
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(`checkpoint ${join(ROOT, 'package.json')}: it is not a ganvas checkpoint`);
    expect(existsSync(join(dir, 'foreign'))).toBe(false); // refused before writing anything
  });

  it('progressive growing: the progress lines and metrics say the resolution and the fade-in alpha (ProGAN template)', () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/progan-mnist.json'), 'utf8')) as Json;
    // At batch 4: 4x4 at step 1, the fade to 8x8 at steps 2-3 (alpha 0, 0.5), 8x8 at step 4, 16x16 fading at 5.
    const grow = p.training.nodes.find((n: Json) => n.type === 'Progressive');
    grow.params = { ...grow.params, fadeImages: 8, stableImages: 4 };
    p.training.settings = { ...p.training.settings, batchSize: 4, sampleEvery: 5, checkpointEvery: 5 };
    const f = join(dir, 'progan.json');
    writeFileSync(f, JSON.stringify(p));
    const out = join(dir, 'progan');
    const r = ganvas('train', f, '--steps', '5', '--backend', 'wasm', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    // Non-TTY: one progress line per step here (steps / 20 < 1).
    expect(r.stderr).toMatch(/step 1\/5 D \S+ G \S+ \| 4x4 /);
    expect(r.stderr).toMatch(/step 3\/5 D \S+ G \S+ \| 8x8 fading in, alpha 0\.50 /);
    expect(r.stderr).toMatch(/step 4\/5 D \S+ G \S+ \| 8x8 /);
    const steps = lines(join(out, 'metrics.jsonl')).filter((m) => m.type === 'step');
    expect(steps.map((m) => m.progressive)).toEqual([
      { lod: 3, resolution: 4, alpha: 1, fading: false },
      { lod: 3, resolution: 8, alpha: 0, fading: true },
      { lod: 2.5, resolution: 8, alpha: 0.5, fading: true },
      { lod: 2, resolution: 8, alpha: 1, fading: false },
      { lod: 2, resolution: 16, alpha: 0, fading: true },
    ]);
    expect(existsSync(join(out, 'samples', 'step-000005.png'))).toBe(true);
  }, 240_000);
});

describe('ganvas compare', () => {
  it('runs each loss with the same seed and writes a stability table and loss curves', () => {
    const out = join(dir, 'compare');
    const r = ganvas(
      'compare',
      toy(),
      '--loss',
      'minimax',
      '--loss',
      'wgan-gp',
      '--loss',
      'hinge+r1',
      '--steps',
      '15',
      '--backend',
      'wasm',
      '--seed',
      '5',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| minimax \| done \| 15 \|/);
    expect(r.stdout).toMatch(/\| wgan-gp \| done \| 15 \|/);
    expect(r.stdout).toMatch(/\| hinge\+r1 \| done \| 15 \|/);
    const cmp = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(cmp.rows.map((x: { loss: string }) => x.loss)).toEqual(['minimax', 'wgan-gp', 'hinge+r1']);
    expect(cmp.rows.every((x: { modesCovered: string }) => /\d\/8/.test(x.modesCovered))).toBe(true);
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toMatch(/^<svg/);
    // Each run really used its loss: the wgan-gp run has a penalty term, minimax has none.
    const losses = (name: string) =>
      Object.keys(lines(join(out, name, 'metrics.jsonl')).find((m) => m.type === 'step')!.losses as object);
    expect(losses('wgan-gp')).toContain('D/gp');
    expect(losses('minimax')).not.toContain('D/gp');
    expect(losses('hinge+r1')).toContain('D/gp');
    const run = (name: string) => JSON.parse(readFileSync(join(out, name, 'run.json'), 'utf8'));
    expect(run('minimax').seed).toBe(5);
    expect(run('wgan-gp').seed).toBe(5);
  }, 240_000);

  it('rejects an unknown loss name', () => {
    const r = ganvas('compare', toy(), '--loss', 'minmax');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown loss "minmax"');
  });

  it('--augment on --augment off: the project with and without its Augment nodes, same seed, FID of each', () => {
    const out = join(dir, 'compare-augment');
    const f = join(ROOT, 'templates/dcgan-mnist-diffaugment.json');
    const args = ['--steps', '2', '--batch', '8', '--backend', 'wasm', '--seed', '4'];
    const r = ganvas('compare', f, '--augment', 'on', '--augment', 'off', ...args, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| augment-on \| done \| 2 \|/);
    expect(r.stdout).toMatch(/\| augment-off \| done \| 2 \|/);
    const cmp = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(cmp.rows.map((x: { loss: string }) => x.loss)).toEqual(['augment-on', 'augment-off']);
    for (const row of cmp.rows) expect(Number.isFinite(row.fid)).toBe(true);
    const run = (name: string) => JSON.parse(readFileSync(join(out, name, 'run.json'), 'utf8'));
    expect(run('augment-on').seed).toBe(4);
    expect(run('augment-off').seed).toBe(4);
    // The "off" run is dcgan-mnist itself: its losses are those of `ganvas train` on that template, same seed.
    const plain = join(dir, 'compare-augment-plain');
    const t = ganvas('train', join(ROOT, 'templates/dcgan-mnist.json'), ...args, '--out', plain);
    expect(t.code, t.stderr).toBe(0);
    const losses = (d: string) =>
      lines(join(d, 'metrics.jsonl'))
        .filter((m) => m.type === 'step')
        .map((m) => m.losses);
    expect(losses(join(out, 'augment-off'))).toEqual(losses(plain));
    expect(losses(join(out, 'augment-on'))).not.toEqual(losses(plain));
  }, 240_000);

  it('--augment on a project without Augment nodes says so; a value other than on/off is refused', () => {
    const none = ganvas('compare', toy(), '--augment', 'off', '--steps', '2', '--out', join(dir, 'compare-none'));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('augment-off: The training graph has no Augment node to switch off.');
    const bad = ganvas('compare', toy(), '--augment', 'maybe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--augment takes on or off.');
    const neither = ganvas('compare', toy());
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('Give the runs to compare');
  });
});
