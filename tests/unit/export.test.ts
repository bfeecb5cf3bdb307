/**
 * `ganvas export --target ts`: for every template, the script type-checks
 * under strict settings, runs on its own with node, and its losses follow the
 * in-app trainer's on the same seed, batch and backend (WASM). Hostile names
 * and strings in a project come out inert.
 */
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, MNIST_BIN, ROOT } from '../../src/cli/assets.js';
import { exportProject } from '../../src/cli/export.js';
import { comment, ExportError, Identifiers } from '../../src/core/codegen/typescript.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { DIGITAL_SOURCE_TYPE, readPngProvenance } from '../../src/core/train/provenance.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText, validateProjectValue } from '../../src/core/validate.js';
import { forTraining } from '../fixtures/templates.js';

/** Inside the repository, so that the scripts resolve @tensorflow/tfjs from its node_modules. */
const DIR = join(ROOT, 'test-results/export');
const STEPS = 2;
/** Stated tolerance: relative 1e-4 (on one backend the runs are in fact bit-identical). */
const TOLERANCE = 1e-4;

/**
 * The script cannot read image folders (it has no image decoder without
 * dependencies), so DCGAN 64x64's folder dataset is swapped for 64x64 RGB
 * digits (same shape) in this check; the architecture and losses are the template's.
 */
function exportable(file: string, text: string): { text: string; batch: number } {
  const t = forTraining(file, text);
  const p = JSON.parse(t.text);
  for (const n of p.training.nodes)
    if (n.type === 'Dataset' && n.params.source === 'folder') {
      n.params = { source: 'mnist-two-domains', size: n.params.width, channels: n.params.channels };
      for (const e of p.training.edges) if (e.source === n.id) e.sourcePort = 'a';
    }
  return { text: JSON.stringify(p), batch: t.batch };
}

function run(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 26,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr
      .split('\n')
      .filter((l) => l.length < 400)
      .slice(-20)
      .join('\n'),
  };
}

/** The JSON lines a script printed (one per step; evaluations too where early stopping is on). */
function jsonLines(stdout: string): Record<string, number>[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, number>);
}

/** Runs an exported script on WASM with the bundled digits; asserts it ran cleanly and returns its JSON lines. */
function trainScript(script: string, steps: number, batch: number, out: string): Record<string, number>[] {
  const r = run(script, [
    '--steps',
    String(steps),
    '--batch',
    String(batch),
    '--backend',
    'wasm',
    '--out',
    out,
    '--mnist',
    MNIST_BIN,
  ]);
  expect(r.stderr.includes('Error') ? r.stderr : '').toBe('');
  expect(r.status).toBe(0);
  return jsonLines(r.stdout);
}

function typecheck(dir: string): { status: number | null; output: string } {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        noUnusedLocals: false,
        types: ['node'],
        lib: ['ES2022', 'DOM'],
      },
      include: ['*.ts'],
    }),
  );
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function inApp(text: string, batch: number, steps: number): Promise<Record<string, number>[]> {
  const t = new Trainer(validateProjectText(text), { assets: { mnist: loadMnist() }, batchSize: batch });
  const out: Record<string, number>[] = [];
  for (let i = 0; i < steps; i++) {
    const m = await t.trainStep();
    // ADA's p and r_t (an Augment node with ada on) are compared as the losses are.
    out.push({ ...m.losses, ...(m.ada ?? {}) });
  }
  t.dispose();
  return out;
}

function expectClose(script: Record<string, number>[], app: Record<string, number>[]): void {
  expect(script.length).toBe(app.length);
  app.forEach((losses, i) => {
    for (const [k, v] of Object.entries(losses)) {
      const s = script[i]![k];
      expect(s, `step ${i + 1} ${k}`).toBeTypeOf('number');
      expect(Math.abs(s! - v), `step ${i + 1} ${k}: script ${s} vs app ${v}`).toBeLessThanOrEqual(
        TOLERANCE * Math.max(1, Math.abs(v)),
      );
    }
  });
}

const templates = readdirSync(join(ROOT, 'templates'))
  .filter((f) => f.endsWith('.json'))
  .sort();

beforeAll(async () => {
  await selectBackend('wasm');
  loadMnist(); // writes public/generated/mnist.bin on a fresh clone, where the scripts read the digits
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const f of templates) {
    const { text } = exportable(f, readFileSync(join(ROOT, 'templates', f), 'utf8'));
    writeFileSync(join(DIR, f.replace(/\.json$/, '.ts')), exportProject(validateProjectText(text)));
  }
});
afterAll(async () => {
  const { setBackend } = await import('@tensorflow/tfjs-core');
  await setBackend('cpu');
});

describe('export to TypeScript', () => {
  it('every template type-checks under strict settings (tsc)', () => {
    const r = typecheck(DIR);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('imports tfjs, its WASM backend and node built-ins only, never ganvas', () => {
    for (const f of templates) {
      const text = readFileSync(join(DIR, f.replace(/\.json$/, '.ts')), 'utf8');
      const froms = [...text.matchAll(/^import .*?from '([^']+)';|^import '([^']+)';/gm)].map((m) => m[1] ?? m[2]);
      for (const from of froms)
        expect(from).toMatch(
          /^(@tensorflow\/tfjs|@tensorflow\/tfjs-backend-wasm|@tensorflow\/tfjs-layers\/dist\/[\w/]+|seedrandom|node:[a-z]+)$/,
        );
      expect(text).not.toMatch(/from '(\.\.?\/|[^']*ganvas|[^']*src\/)/);
    }
  });

  it("reads a step's figures in one asynchronous read, computed on the last D update only (every one with ADA)", () => {
    for (const f of templates) {
      const text = readFileSync(join(DIR, f.replace(/\.json$/, '.ts')), 'utf8');
      const loop = text.slice(
        text.indexOf('for (let step = 0; step < STEPS; step++)'),
        text.indexOf('const generator ='),
      );
      expect(loop.match(/\.data\(\)/g), f).toEqual(['.data()']);
      expect(loop, f).not.toMatch(/dataSync|arraySync/);
      const ada = text.includes('const ADA = ');
      expect(loop, f).toContain(ada ? 'trainD(step, k, true)' : 'trainD(step, k, k === SETTINGS.dStepsPerGStep - 1)');
      expect(loop, f).toContain('trainG(step, 0, true)');
    }
  });

  for (const f of templates) {
    it(`${f}: the script trains ${STEPS} steps and its losses match the in-app run`, async () => {
      const { text, batch } = exportable(f, readFileSync(join(ROOT, 'templates', f), 'utf8'));
      const out = join(DIR, `run-${f.replace(/\.json$/, '')}`);
      const lines = trainScript(join(DIR, f.replace(/\.json$/, '.ts')), STEPS, batch, out);
      expectClose(lines, await inApp(text, batch, STEPS));
      // Samples and the generator in tfjs' format.
      const sample = join(out, 'samples', `step-${String(STEPS).padStart(6, '0')}.png`);
      expect(existsSync(sample)).toBe(true);
      // Marked as AI-generated, as ganvas' own pictures (docs/provenance.md).
      const mark = readPngProvenance(new Uint8Array(readFileSync(sample)));
      expect(mark.digitalSourceType).toBe(DIGITAL_SOURCE_TYPE);
      expect(mark.provenance?.step).toBe(STEPS);
      const model = JSON.parse(readFileSync(join(out, 'generator', 'model.json'), 'utf8'));
      expect(model.format).toBe('layers-model');
      expect(existsSync(join(out, 'generator', 'weights.bin'))).toBe(true);
    }, 300_000);
  }
});

describe('export with ADA (issue 17.2)', () => {
  it("the DiffAugment template with ADA's adaptive p: the script's p, r_t and losses follow the in-app run", async () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/dcgan-mnist-diffaugment.json'), 'utf8'));
    // p starts at 0.5 and moves by 4 * 1 / 16 = 0.25 every step: its path shows within 4 steps.
    for (const n of p.training.nodes)
      if (n.type === 'Augment')
        n.params = {
          ...n.params,
          policies: ['color', 'translation', 'cutout', 'flip'],
          p: 0.5,
          ada: true,
          adaInterval: 1,
          adaSpeed: 16,
        };
    const text = JSON.stringify(p);
    const steps = 4;
    const script = join(DIR, 'ada.ts');
    writeFileSync(script, exportProject(validateProjectText(text)));
    const lines = trainScript(script, steps, 4, join(DIR, 'run-ada'));
    const app = await inApp(text, 4, steps);
    expectClose(lines, app);
    // p moved by +-0.25 at each step, by the sign of r_t - 0.6, from 0.5, within [0,1].
    let want = 0.5;
    for (const m of app) {
      want = Math.min(1, Math.max(0, want + Math.sign((m['ada/rt'] as number) - 0.6) * 0.25));
      expect(m['ada/p']).toBeCloseTo(want, 6);
    }
  }, 300_000);
});

describe('export with progressive growing (issue 17.1)', () => {
  it("the ProGAN template through a fade: the script's resolution, alpha and losses follow the in-app run", async () => {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/progan-mnist.json'), 'utf8'));
    // At batch 4: 4x4 for step 1, the fade to 8x8 over steps 2-3 (alpha 0, 0.5), 8x8 at step 4, fading to 16x16 at 5.
    const grow = p.training.nodes.find((n: { type: string }) => n.type === 'Progressive');
    grow.params = { ...grow.params, fadeImages: 8, stableImages: 4 };
    const text = JSON.stringify(p);
    const steps = 5;
    const script = join(DIR, 'progressive.ts');
    writeFileSync(script, exportProject(validateProjectText(text)));
    const out = join(DIR, 'run-progressive');
    const lines = trainScript(script, steps, 4, out);
    const t = new Trainer(validateProjectText(text), { assets: { mnist: loadMnist() }, batchSize: 4 });
    const app: Record<string, number>[] = [];
    for (let i = 0; i < steps; i++) {
      const m = await t.trainStep();
      app.push({
        ...m.losses,
        'progressive/resolution': m.progressive!.resolution,
        'progressive/alpha': m.progressive!.alpha,
      });
    }
    t.dispose();
    expect(app.map((m) => [m['progressive/resolution'], m['progressive/alpha']])).toEqual([
      [4, 1],
      [8, 0],
      [8, 0.5],
      [8, 1],
      [16, 0],
    ]);
    expectClose(lines, app);
    expect(existsSync(join(out, 'samples', `step-${String(steps).padStart(6, '0')}.png`))).toBe(true);
  }, 300_000);
});

describe('export with early stopping (issue 17.4)', () => {
  it("the script's evaluations, best generator and stop follow ganvas train's: FID on digits, modeScore on the ring", async () => {
    const cases = [
      // dcgan-mnist: FID every 2 steps; a minDelta no run beats, so it stops after 2 evaluations without improvement.
      { file: 'dcgan-mnist.json', early: { metric: 'fid', every: 2, patience: 2, minDelta: 1e6 }, steps: 10, batch: 4 },
      { file: 'toy-ring.json', early: { metric: 'auto', every: 10, patience: 3 }, steps: 40, batch: 32 },
    ];
    for (const c of cases) {
      const p = JSON.parse(readFileSync(join(ROOT, 'templates', c.file), 'utf8'));
      p.training.settings = { ...p.training.settings, batchSize: c.batch, earlyStopping: c.early };
      const name = c.file.replace(/\.json$/, '-es');
      const project = join(DIR, `${name}.json`);
      writeFileSync(project, JSON.stringify(p));
      const script = join(DIR, `${name}.ts`);
      writeFileSync(script, exportProject(validateProjectText(JSON.stringify(p))));
      const out = join(DIR, `run-${name}`);
      const r = run(script, ['--steps', String(c.steps), '--out', out, '--mnist', MNIST_BIN]);
      expect(r.status, r.stderr).toBe(0);
      const evals = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{"type":"evaluation"'))
        .map((l) => JSON.parse(l));
      const app = spawnSync(
        process.execPath,
        [
          join(ROOT, 'bin/ganvas.js'),
          'train',
          project,
          '--steps',
          String(c.steps),
          '--backend',
          'wasm',
          '--out',
          join(DIR, `app-${name}`),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
      );
      expect(app.status, app.stderr).toBe(0);
      const appEvals = readFileSync(join(DIR, `app-${name}`, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === 'evaluation');
      expect(evals.length, name).toBeGreaterThan(1);
      expect(evals.map((e) => [e.step, e.metric, e.improved, e.wait, e.best.step, Boolean(e.stop)])).toEqual(
        appEvals.map((e) => [e.step, e.metric, e.improved, e.wait, e.best.step, Boolean(e.stop)]),
      );
      evals.forEach((e, i) =>
        expect(Math.abs(e.value - appEvals[i].value), `${name} step ${e.step}`).toBeLessThanOrEqual(
          1e-4 * Math.max(1, Math.abs(appEvals[i].value)),
        ),
      );
      expect(existsSync(join(out, 'best', 'generator', 'model.json'))).toBe(true);
      if (appEvals.at(-1).stop) expect(r.stderr).toContain(appEvals.at(-1).stop);
    }
  }, 600_000);
});

describe('export is injection-safe', () => {
  const PWNED = join(DIR, 'PWNED');
  const evil = `"; require('child_process').execSync('touch ${PWNED}'); //`;
  /** The ring template with hostile text everywhere text may go, and node/model names that are JS keywords or clash with the script's own names. */
  function hostile(): string {
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));
    p.name = `${evil}\n*/ import evil from 'x'; \u2028 \`\${process.exit(3)}\``;
    p.description = `*/ ${evil} \r\n /* `;
    const rename = (
      graph: { nodes: { id: string }[]; edges: { source: string; target: string }[] },
      from: string,
      to: string,
    ) => {
      for (const n of graph.nodes) if (n.id === from) n.id = to;
      for (const e of graph.edges) {
        if (e.source === from) e.source = to;
        if (e.target === from) e.target = to;
      }
    };
    const g = p.models.generator;
    const names = ['delete', 'tf', 'models', 'process', 'constructor', 'SEED', 'require'];
    // Inner nodes only: the Input and Output ids are the model's port names in the training graph.
    g.nodes
      .filter((n: { type: string }) => !['Input', 'Noise', 'Output'].includes(n.type))
      .forEach((n: { id: string }, i: number) =>
        rename(g, n.id, names[i % names.length]!.concat(i >= names.length ? String(i) : '')),
      );
    // Model names that are keywords and globals.
    p.models.eval = p.models.generator;
    delete p.models.generator;
    const text = JSON.stringify(p)
      .replaceAll('"model":"generator"', '"model":"eval"')
      .replaceAll('"generator"', '"eval"');
    return text;
  }

  it('hostile project text stays in strings and one-line comments; the script type-checks, runs and matches', async () => {
    const text = hostile();
    const a = validateProjectText(text);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const script = exportProject(a);
    // Every line mentioning the payload is a // comment or holds it inside a JSON string literal.
    for (const line of script.split('\n').filter((l) => l.includes('child_process')))
      expect(line.trimStart().startsWith('//') || line.includes(JSON.stringify(evil).slice(1, -1))).toBe(true);
    // Node names that are keywords or the script's own names become other identifiers.
    expect(script).toMatch(/const delete_ = /);
    expect(script).toMatch(/const tf_ = /);
    expect(script).toMatch(/function build_eval\(/);
    expect(script.match(/^(let|const) models\b/gm)).toHaveLength(1);
    const dir = join(DIR, 'hostile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hostile.ts'), script);
    const tc = typecheck(dir);
    expect(tc.output).toBe('');
    const r = run(join(dir, 'hostile.ts'), ['--steps', '1', '--batch', '8', '--out', join(dir, 'run')]);
    expect(r.status).toBe(0);
    expect(existsSync(PWNED)).toBe(false);
    const lines = jsonLines(r.stdout);
    expectClose(lines, await inApp(text, 8, 1));
  }, 120_000);

  it('identifiers are [A-Za-z0-9_], never reserved, never repeated; comments cannot end early', () => {
    const ids = new Identifiers(['taken']);
    expect(ids.get('a', 'class')).toBe('class_');
    expect(ids.get('b', 'taken')).toBe('taken_2');
    expect(ids.get('c', '9 lives; drop()')).toBe('n_9_lives__drop');
    expect(ids.get('a', 'anything')).toBe('class_');
    expect(comment('x\n y\u2028z */ w')).toBe('// x  y z */ w');
  });

  it('a project with errors is refused with the reason, nothing written', () => {
    const a = validateProjectValue({ format: 'ganvas/1', name: 'bad', models: {} });
    expect(() => exportProject(a)).toThrow(ExportError);
  });
});
