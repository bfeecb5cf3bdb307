/**
 * Hostile project text in the PyTorch export: names and strings with quotes,
 * newlines, Python keywords, nn.Module attributes, `import os` and a canary payload
 * stay inert (literals, sanitized identifiers, one-line comments); the script
 * still compiles, runs and writes nothing but its run folder. And the
 * `--engine pytorch` CLI's errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/cli/assets.js';
import { exportProjectPyTorch } from '../../src/cli/export.js';
import { pyComment, pyLit, pyStr } from '../../src/core/codegen/python.js';
import { validateProjectText } from '../../src/core/validate.js';
import { PYTHON } from './harness.js';

const DIR = join(ROOT, 'test-results/pytorch-hostile');
const CANARY = join(DIR, 'canary');
const evil = `"; import os; open(${JSON.stringify(CANARY)}, "w"); x = "\\' ''' """ \n__import__("os").system("touch ${CANARY}") #`;

function rename(
  graph: { nodes: { id: string }[]; edges: { source: string; target: string }[] },
  from: string,
  to: string,
) {
  for (const n of graph.nodes) if (n.id === from) n.id = to;
  for (const e of graph.edges) {
    if (e.source === from) e.source = to;
    if (e.target === from) e.target = to;
  }
}

/** The ring with the payload in its name and description, node ids that are keywords, dunders or the script's names, and a model named like a builtin. */
function hostile(): string {
  const p = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));
  p.name = evil;
  p.description = `${evil}\r\n\u2028 """`;
  const g = p.models.generator;
  // Ids follow the project's name rule (a letter, then letters, digits, underscores): dunders cannot be ids.
  const names = ['import', 'class', 'forward', 'lambda', 'os', 'self', 'MODELS', 'None'];
  g.nodes
    .filter((n: { type: string }) => !['Input', 'Noise', 'Output'].includes(n.type))
    .forEach((n: { id: string }, i: number) => rename(g, n.id, names[i % names.length] as string));
  p.models.print = p.models.generator;
  delete p.models.generator;
  return JSON.stringify(p).replaceAll('"generator"', '"print"');
}

describe('the PyTorch export with hostile names', () => {
  it('literals and comments cannot end early', () => {
    expect(pyStr('a"b\\c\n\u2028\u{1F600}')).toBe('"a\\"b\\\\c\\x0a\\u2028\\U0001f600"');
    expect(pyLit({ 'k"': [true, null, 1.5] })).toBe('{"k\\"": [True, None, 1.5]}');
    expect(pyComment('a\nimport os\r\u0000b')).toBe('# a import os b');
    expect(() => pyLit(Number.NaN)).toThrow();
  });

  it('hostile text stays inert: the script compiles, trains 2 steps and creates no canary', () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const a = validateProjectText(hostile());
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const script = exportProjectPyTorch(a);
    // Every line carrying the payload is a comment or holds it inside a string literal.
    for (const line of script.split('\n').filter((l) => l.includes('system(')))
      expect(line.trimStart().startsWith('#') || line.includes(pyStr(evil).slice(1, -1))).toBe(true);
    // Ids that are keywords, dunders, module attributes or the script's names become other identifiers.
    expect(script).toMatch(/self\.import_ = /);
    expect(script).toMatch(/self\.class_ = /);
    expect(script).toMatch(/self\.forward_ = /);
    expect(script).toMatch(/^class Print\(nn\.Module\):/m);
    const file = join(DIR, 'train.py');
    writeFileSync(file, script);
    const r = spawnSync(PYTHON, [file, '--steps', '2', '--out', join(DIR, 'run'), '--quiet'], {
      encoding: 'utf8',
      cwd: DIR,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(CANARY)).toBe(false);
    expect(JSON.parse(readFileSync(join(DIR, 'run/run.json'), 'utf8')).project).toBe(evil);
  });

  it('ganvas train --engine pytorch trains through python3 and writes the run folder (marked pictures); a missing torch is one clear line, exit 2', async () => {
    const out = join(DIR, 'engine');
    const ok = spawnSync(
      'node',
      [
        'bin/ganvas.js',
        'train',
        'templates/toy-ring.json',
        '--engine',
        'pytorch',
        '--python',
        PYTHON,
        '--steps',
        '3',
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/done: 3 steps in [\d.]+ s on pytorch/);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'step').map((l) => l.step)).toEqual([1, 2, 3]);
    expect(Object.keys(lines.find((l) => l.type === 'step').losses).sort()).toEqual([
      'D',
      'D/gp',
      'D/loss',
      'G',
      'G/loss',
    ]);
    // Its pictures carry the marks of AI-generated media, as ganvas' own (docs/provenance.md).
    const { readPngProvenance, projectHash, DIGITAL_SOURCE_TYPE } = await import('../../src/core/train/provenance.js');
    const mark = readPngProvenance(new Uint8Array(readFileSync(join(out, 'samples/step-000003.png'))));
    expect(mark.intact).toBe(true);
    expect(mark.digitalSourceType).toBe(DIGITAL_SOURCE_TYPE);
    const ring = validateProjectText(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8')).project;
    expect(mark.provenance).toMatchObject({ project: ring?.name, projectHash: projectHash(ring), step: 3, seed: 0 });
    const missing = spawnSync(
      'node',
      [
        'bin/ganvas.js',
        'train',
        'templates/toy-ring.json',
        '--engine',
        'pytorch',
        '--python',
        '/nonexistent/python3',
        '--out',
        join(DIR, 'none'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      "the pytorch engine needs Python 3 with torch: '/nonexistent/python3' was not found",
    );
    expect(existsSync(join(DIR, 'none'))).toBe(false);
    const noTorch = spawnSync(
      'node',
      [
        'bin/ganvas.js',
        'train',
        'templates/toy-ring.json',
        '--engine',
        'pytorch',
        '--python',
        process.execPath,
        '--out',
        join(DIR, 'none'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(noTorch.status).toBe(2);
    expect(noTorch.stderr).toContain('needs torch');
  });
});

describe('learning-rate schedules in the PyTorch export', () => {
  it("train.py's rates equal ganvas' learningRateAt at every step (warm-up, linear, cosine)", async () => {
    const { learningRateAt, scheduleOf } = await import('../../src/core/train/schedule.js');
    const p = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));
    const opts = p.training.nodes.filter((n: { type: string }) => n.type === 'Optimizer');
    opts[0].params = {
      ...opts[0].params,
      schedule: 'linear',
      warmupSteps: 3,
      decayStart: 5,
      decaySteps: 10,
      minLrFactor: 0.1,
    };
    opts[1].params = { ...opts[1].params, schedule: 'cosine', decayStart: 2, decaySteps: 7 };
    const a = validateProjectText(JSON.stringify(p));
    const dir = join(DIR, 'schedule');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'train.py'), exportProjectPyTorch(a));
    const r = spawnSync(PYTHON, ['train.py', '--steps', '20', '--out', 'run', '--quiet', '--every', '100'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const steps = readFileSync(join(dir, 'run/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'step');
    expect(steps).toHaveLength(20);
    for (const line of steps)
      for (const o of opts) {
        const want = learningRateAt(scheduleOf(o.params), o.params.learningRate, line.step - 1);
        expect(Math.abs(line.lr[`lr/${o.id}`] - want)).toBeLessThan(1e-12 + 1e-9 * want);
      }
  });
});

describe('the shape of the exported code', () => {
  it('a Block with repeats is one nn.Module class reused in a loop; nodes keep their ids and state their shapes', () => {
    const a = validateProjectText(readFileSync(join(ROOT, 'templates/cyclegan.json'), 'utf8'));
    const script = exportProjectPyTorch(a);
    expect(script).toMatch(/^class ResnetBlock\(nn\.Module\):/m);
    expect(script).toContain('self.res = nn.ModuleList(ResnetBlock() for _ in range(9))');
    expect(script).toContain('        for block in self.res:\n            res = block(res)');
    // Weight transfer names each repeat's weights as tfjs does.
    expect(script).toContain('("res.8.conv2.weight", "res_8_conv2/kernel", "conv")');
    expect(script).toContain('# c7: Conv2D -> [B, 256, 256, 64] (NCHW here: [B, 64, 256, 256])');
  });
});
