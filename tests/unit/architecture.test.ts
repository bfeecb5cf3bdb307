/**
 * The architecture lint (npm run lint) really catches what it claims to: the
 * project's own biome.jsonc rules and tsconfig.core.json, run on small fixture
 * trees in a temporary folder. A broken tree must fail with exactly the
 * expected rule at each bad file; a clean one must pass.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'jsonc-parser';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A throwaway project: the repo's lint configs plus the given source files. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ganvas-arch-'));
  made.push(dir);
  const biome = parse(readFileSync(join(ROOT, 'biome.jsonc'), 'utf8')) as Record<string, unknown>;
  delete biome.$schema;
  biome.vcs = { enabled: false }; // the fixture is no git checkout
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(biome));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: join(ROOT, 'tsconfig.core.json'), include: ['src/core'], exclude: [] }),
  );
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'src/core'), { recursive: true });
  cpSync(join(ROOT, 'src/core/platform.d.ts'), join(dir, 'src/core/platform.d.ts'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Every finding of both halves of npm run lint, as 'file:line rule', sorted. */
function lint(dir: string): { findings: string[]; biomeCode: number; tscCode: number } {
  const b = spawnSync(join(BIN, 'biome'), ['lint', '--reporter=json', '--max-diagnostics=none'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const report = JSON.parse(b.stdout) as {
    diagnostics: { category: string; location: { path: string; start: { line: number } } }[];
  };
  const findings = report.diagnostics.map((d) => `${d.location.path}:${d.location.start.line} ${d.category}`);
  const t = spawnSync(join(BIN, 'tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  for (const m of t.stdout.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+)/gm))
    findings.push(`${m[1]}:${m[2]} tsc/${m[3]}`);
  return { findings: findings.sort(), biomeCode: b.status ?? -1, tscCode: t.status ?? -1 };
}

/** The shared project layout: a core, a ui and a cli that only import core. */
const CLEAN: Record<string, string> = {
  'src/core/model.ts': [
    "import * as tf from '@tensorflow/tfjs-core';",
    "import type { Step } from './train/step.js';",
    'export const zeros = (n: number): tf.Tensor => tf.zeros([n]);',
    'export type Model = { steps: Step[] };',
  ].join('\n'),
  'src/core/train/step.ts': [
    '// The platform globals core declares (src/core/platform.d.ts) type-check.',
    'export type Step = { seconds: number };',
    'export const now = (): number => performance.now();',
    'export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);',
    'export const text = (b: Uint8Array): string => new TextDecoder().decode(b);',
    'export const copy = <T>(x: T): T => structuredClone(x);',
  ].join('\n'),
  'src/ui/App.tsx': [
    "import { useState } from 'react';",
    "import { zeros } from '../core/model.js';",
    'export const use = (): unknown => [useState, zeros, document.title];',
  ].join('\n'),
  'src/cli/main.ts': [
    "import { readFileSync } from 'node:fs';",
    "import { zeros } from '../core/model.js';",
    'export const run = (): unknown => [readFileSync, zeros, process.argv];',
  ].join('\n'),
};

describe('architecture lint', () => {
  it('passes a tree that keeps the rules', () => {
    const r = lint(tree(CLEAN));
    expect(r.findings).toEqual([]);
    expect(r.biomeCode).toBe(0);
    expect(r.tscCode).toBe(0);
  });

  it('reports each forbidden import, cycle, late or unused import at its file, and fails', () => {
    const r = lint(
      tree({
        ...CLEAN,
        'src/core/react.ts': "import { useState } from 'react';\nexport const s = useState;",
        'src/core/flow.ts': "import { ReactFlow } from '@xyflow/react';\nexport const f = ReactFlow;",
        'src/core/deep/shell.ts': [
          "import type { Doc } from '../../ui/doc.js';",
          "import { args } from '../../cli/args.js';",
          'export type D = Doc;',
          'export const a = args;',
        ].join('\n'),
        'src/core/fs.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;",
        'src/core/path.ts': "import path from 'path';\nexport const p = path;",
        'src/core/stats.ts': "import type { Stats } from 'node:fs';\nexport type S = Stats;",
        'src/core/reference.ts': '/// <reference types="node" />\nexport const env = (): unknown => process.env;',
        'src/core/png.ts': "import { PNG } from 'pngjs';\nexport const png = PNG;",
        'src/ui/doc.ts': 'export type Doc = { id: string };',
        'src/cli/args.ts': 'export const args: string[] = [];',
        'src/ui/to-cli.ts': "import { args } from '../cli/args.js';\nexport const a = args;",
        'src/cli/to-ui.ts': "import type { Doc } from '../ui/doc.js';\nexport type D = Doc;",
        'src/ui/late.ts':
          "import { zeros } from '../core/model.js';\nexport const z = zeros;\nimport type { Doc } from './doc.js';\nexport type D = Doc;",
        'src/cli/unused.ts': "import { zeros } from '../core/model.js';\nexport const u = 1;",
        // A shell reaching past an area's public surface (core/<area>/index.js) into its internals.
        'src/core/train/trainer.ts': 'export const trainer = 1;',
        'src/core/train/index.ts': "export * from './trainer.js';",
        'src/cli/deep.ts': "import { trainer } from '../core/train/trainer.js';\nexport const t = trainer;",
        'src/ui/surface.ts': "import { trainer } from '../core/train/index.js';\nexport const t = trainer;",
        // A three-module cycle, one edge type-only, one a dynamic import.
        'src/core/cycle/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;",
        'src/core/cycle/b.ts': "import type { C } from './c.js';\nexport const b = (c?: C): number => (c ? 1 : 0);",
        'src/core/cycle/c.ts':
          "export type C = number;\nexport const c = async (): Promise<unknown> => import('./a.js');",
      }),
    );
    const restricted = 'lint/style/noRestrictedImports';
    const cycle = 'lint/suspicious/noImportCycles';
    // tsc's half is blind here: the Node imports load @types/node. The import
    // rules above are what keep those out of core, so tsc's finding of
    // `process` in reference.ts is not asserted.
    expect(r.findings.filter((f) => !f.includes(' tsc/'))).toEqual(
      [
        `src/core/react.ts:1 ${restricted}`,
        `src/core/flow.ts:1 ${restricted}`,
        `src/core/deep/shell.ts:1 ${restricted}`,
        `src/core/deep/shell.ts:2 ${restricted}`,
        'src/core/fs.ts:1 lint/correctness/noNodejsModules',
        `src/core/fs.ts:1 ${restricted}`,
        'src/core/path.ts:1 lint/correctness/noNodejsModules',
        'src/core/path.ts:1 lint/style/useNodejsImportProtocol',
        `src/core/stats.ts:1 ${restricted}`,
        'src/core/reference.ts:1 lint/nursery/noTripleSlashReference',
        `src/core/png.ts:1 ${restricted}`,
        `src/ui/to-cli.ts:1 ${restricted}`,
        `src/cli/to-ui.ts:1 ${restricted}`,
        `src/core/cycle/a.ts:1 ${cycle}`,
        `src/core/cycle/b.ts:1 ${cycle}`,
        `src/core/cycle/c.ts:2 ${cycle}`,
        'src/ui/late.ts:3 lint/style/useImportsFirst',
        'src/cli/unused.ts:1 lint/correctness/noUnusedImports',
        `src/cli/deep.ts:1 ${restricted}`,
      ].sort(),
    );
    expect(r.biomeCode).not.toBe(0);
  });

  it('reports DOM and Node globals used in core, and fails', () => {
    const r = lint(
      tree({
        ...CLEAN,
        'src/core/dom.ts': 'export const title = (): string => document.title;',
        'src/core/window.ts': 'export const w = (): number => window.innerWidth;',
        'src/core/node-global.ts': 'export const env = (): unknown => process.env;',
        'src/core/buffer.ts': "export const b = (): unknown => Buffer.from('x');",
        'src/core/timer.ts': 'export const t = (): unknown => setTimeout(() => {}, 1);',
      }),
    );
    expect(r.findings).toEqual(
      [
        'src/core/dom.ts:1 tsc/TS2584',
        'src/core/window.ts:1 tsc/TS2304',
        'src/core/node-global.ts:1 tsc/TS2591',
        'src/core/buffer.ts:1 tsc/TS2591',
        'src/core/timer.ts:1 tsc/TS2304',
      ].sort(),
    );
    expect(r.biomeCode).toBe(0);
    expect(r.tscCode).not.toBe(0);
  });

  it('is what npm run lint runs, and npm test runs it', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['lint:imports']).toBe('biome lint');
    expect(scripts['lint:core']).toBe('tsc -p tsconfig.core.json');
    expect(scripts.lint).toMatch(/lint:imports.*lint:core/);
    expect(scripts.test).toMatch(/npm run lint && npm run test:unit/);
  });
});
