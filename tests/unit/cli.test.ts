/**
 * The `ganvas` command as a user runs it: a real process, real files, real
 * exit codes. Bad input ends in located diagnostics, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/core/compile/model.js';
import { validateProjectText } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/ganvas.js');
const dir = mkdtempSync(join(tmpdir(), 'ganvas-cli-'));

function ganvas(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('ganvas validate', () => {
  it('exits 0 on a valid project', () => {
    const r = ganvas('validate', 'templates/dcgan.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
  });

  it('exits 1 with located diagnostics on an invalid project, as text and as JSON', () => {
    const p = toyProject();
    p.models.generator!.nodes[3] = { id: 'g2', type: 'Conv2D', params: { filters: 2 } };
    const f = file('invalid.json', JSON.stringify(p, null, 2));
    const text = ganvas('validate', f);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('error RANK at generator/g2.in $.models.generator.nodes[3] line');
    noStack(text.stderr);
    const json = ganvas('validate', f, '--json');
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as {
      valid: boolean;
      diagnostics: { code: string; location: { nodeId: string } }[];
    };
    expect(out.valid).toBe(false);
    expect(out.diagnostics.map((d) => [d.code, d.location.nodeId])).toContainEqual(['RANK', 'g2']);
  });

  it('exits 2 on malformed JSON, with line and column', () => {
    const r = ganvas('validate', file('broken.json', '{\n  "format": "ganvas/1",\n  "name": "x"\n  "models": {}\n}'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JSON_SYNTAX at line 4:3: Malformed JSON: expected ',' at line 4, column 3/);
    noStack(r.stderr);
  });

  it('exits 2 on a missing file, a directory, a non-project and an unknown format version', () => {
    for (const [arg, words] of [
      [join(dir, 'nope.json'), 'no such file'],
      [dir, 'directory'],
      [file('other.json', '{"name": "package", "version": "1.0.0"}'), 'not a ganvas project'],
      [file('future.json', '{"format": "ganvas/7", "name": "x", "models": {}}'), 'not supported'],
    ] as const) {
      const r = ganvas('validate', arg);
      expect(r.code, arg).toBe(2);
      expect(r.stderr).toContain(words);
      noStack(r.stderr);
    }
  });

  it('treats names carrying quotes and code as bad names, and runs nothing', () => {
    const p = toyProject();
    const marker = join(dir, 'pwned');
    p.models.generator!.nodes[1]!.id = `g1"; require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); "`;
    p.name = `</script><script>alert(1)</script>`;
    const r = ganvas('validate', file('hostile.json', JSON.stringify(p)));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BAD_NAME');
    expect(readdirSync(dir)).not.toContain('pwned');
  });

  it('exits 2 on unknown commands and options, with usage', () => {
    const r = ganvas('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command');
  });
});

describe('ganvas summary', () => {
  it('prints a Keras-style table with totals', () => {
    const r = ganvas('summary', 'templates/dcgan.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Model: "generator"');
    expect(r.stdout).toMatch(/g_deconv1 \(ConvTranspose2D\)\s+│ \[B,4,4,512\]\s+│\s+819,200/);
    expect(r.stdout).toContain('Trainable params: 3,576,704');
  });

  it('--json gives the parameter counts the compiled tfjs models have', () => {
    const r = ganvas('summary', 'templates/dcgan.json', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { models: { name: string; totals: { trainable: number; total: number } }[] };
    const analysis = validateProjectText(readFileSync(join(ROOT, 'templates/dcgan.json'), 'utf8'));
    for (const m of out.models) {
      const model = compileModel(analysis.models.get(m.name)!);
      expect(model.countParams(), m.name).toBe(m.totals.total);
      const trainable = model.trainableWeights.reduce(
        (a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1),
        0,
      );
      expect(trainable, m.name).toBe(m.totals.trainable);
    }
  });

  it('exits 1 on an invalid project and prints no table', () => {
    const p = toyProject();
    p.models.generator!.edges.pop();
    const r = ganvas('summary', file('unwired.json', JSON.stringify(p)));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('UNCONNECTED_INPUT at generator/sample.in');
  });
});

describe('ganvas export', () => {
  it('writes the script to --out whole, or to stdout', () => {
    const out = join(dir, 'ring.train.ts');
    const r = ganvas('export', 'templates/toy-ring.json', '--target', 'ts', '--out', out, '--steps', '50');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}`);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('"steps":50');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(ganvas('export', 'templates/toy-ring.json').stdout).toBe(text.replace('"steps":50', '"steps":1000'));
  });

  it('exits 1 with diagnostics on an invalid project, 2 on an unknown target or unreadable file, writing nothing', () => {
    const p = toyProject();
    p.models.generator!.edges.pop();
    const out = join(dir, 'never.ts');
    const bad = ganvas('export', file('unwired-export.json', JSON.stringify(p)), '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('UNCONNECTED_INPUT');
    const target = ganvas('export', 'templates/toy-ring.json', '--target', 'py', '--out', out);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('the targets are ts and pytorch');
    const missing = ganvas('export', join(dir, 'nope.json'), '--out', out);
    expect(missing.code).toBe(2);
    expect(readdirSync(dir)).not.toContain('never.ts');
    noStack(bad.stderr + target.stderr + missing.stderr);
  });
});
