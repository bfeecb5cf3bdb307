/**
 * Hostile input (issue 15): the limits of src/core/project/limits.ts hold
 * before any work, validation stays linear in the size of the file, and the
 * CLI refuses every hostile file with a message and exit 1 or 2, writing
 * nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalidUtf8Offset, jsonDepth, LIMITS } from '../../src/core/project/limits.js';
import { lineColumn, parseProjectBytes } from '../../src/core/project/parse.js';
import { encodeCheckpoint } from '../../src/core/train/checkpoint.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { validateProjectText } from '../../src/core/validate.js';
import { chainProject } from '../fixtures/big-graph.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'ganvas.js');
const dir = mkdtempSync(join(tmpdir(), 'ganvas-hostile-'));
const template = (name: string) => JSON.parse(readFileSync(join(ROOT, 'templates', name), 'utf8'));

function ganvas(...args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}
function file(name: string, content: string | Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}

describe('limits', () => {
  it('jsonDepth counts nesting without recursion, ignoring brackets in strings', () => {
    expect(jsonDepth('{"a": [1, {"b": "[[[["}]}', 64)).toEqual({ depth: 3 });
    expect(jsonDepth('{"a": "\\"[[["}', 64)).toEqual({ depth: 1 });
    expect(jsonDepth('['.repeat(1_000_000), 64)).toEqual({ depth: 65, offset: 64 });
  });

  it('invalidUtf8Offset agrees with a fatal TextDecoder on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let ok = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          ok = false;
        }
        expect(invalidUtf8Offset(bytes) === -1).toBe(ok);
      }),
      { numRuns: 2000, seed: 15 },
    );
    expect(invalidUtf8Offset(new TextEncoder().encode('ok é 😀'))).toBe(-1);
    expect(invalidUtf8Offset(new Uint8Array([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // a UTF-16 surrogate
  });

  it('lineColumn (line-start table and binary search) agrees with a plain scan', () => {
    const plain = (text: string, offset: number) => {
      const before = text.slice(0, Math.min(offset, text.length));
      const nl = before.lastIndexOf('\n');
      return { line: before.split('\n').length, column: before.length - nl };
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\n', 'b', '\r') }), fc.nat(60), (text, offset) => {
        expect(lineColumn(text, offset)).toEqual(plain(text, offset));
      }),
      { numRuns: 500, seed: 15 },
    );
  });

  it('refuses a file over the size limit before decoding it', () => {
    const r = parseProjectBytes(new Uint8Array(LIMITS.maxFileBytes + 1).fill(32));
    expect(r.status).toBe('unreadable');
    expect(r.diagnostics[0]).toMatchObject({ code: 'LIMIT' });
    expect(r.diagnostics[0]?.message).toContain('over the limit of 64 MiB');
  });
});

describe('validation is linear in the size of the file', () => {
  /** Best of three, in ms. */
  const time = (text: string): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      validateProjectText(text);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  // Linear work grows 8x from n to 8n, quadratic 64x: a bound of 24 tells them apart with room for noise
  // (a shared machine, the garbage collector).
  it('a chain model: 8x the nodes costs well under 64x the time', () => {
    const small = JSON.stringify(chainProject(1_000), null, 2);
    const large = JSON.stringify(chainProject(8_000), null, 2);
    expect(validateProjectText(large).status).toBe('ok');
    time(small); // warm up
    expect(time(large) / time(small)).toBeLessThan(24);
  });

  it('a training graph whose edges all point at missing nodes (one located diagnostic each)', () => {
    const make = (n: number) => {
      const p = template('toy-ring.json');
      for (let k = 0; k < n; k++) {
        p.training.nodes.push({ id: `n${k}`, type: 'NoiseSource', params: { dim: 2 } });
        p.training.edges.push({ source: `missing${k}`, target: `n${k}` });
      }
      return JSON.stringify(p, null, 2);
    };
    const small = make(1_000);
    const large = make(8_000);
    const a = validateProjectText(large);
    expect(a.diagnostics.filter((d) => d.code === 'EDGE_UNKNOWN_NODE').length).toBe(8_000);
    expect(a.diagnostics.every((d) => d.location.line !== undefined)).toBe(true);
    time(small);
    expect(time(large) / time(small)).toBeLessThan(24);
  });
});

describe('the CLI refuses hostile files with a message, exit 1 or 2, writing nothing', () => {
  it('deep nesting, block explosion, bad UTF-8, __proto__, untrainable, over the memory budget', () => {
    const ring = template('toy-ring.json');
    const deep = file(
      'deep.json',
      JSON.stringify(ring).replace('"format"', `"x": ${'['.repeat(5000)}${']'.repeat(5000)}, "format"`),
    );
    const r1 = ganvas('export', deep, '--out', join(dir, 'deep.ts'));
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('error LIMIT');
    expect(r1.stderr).toContain('nested more than 64 levels');

    const blocks = structuredClone(ring);
    const port = { id: 'i', type: 'Input', params: { shape: [64] } };
    const wire = [
      { source: 'i', target: 'x' },
      { source: 'x', target: 'o' },
    ];
    blocks.blocks = { b0: { nodes: [port, { id: 'x', type: 'ReLU' }, { id: 'o', type: 'Output' }], edges: wire } };
    for (let k = 1; k <= 3; k++) {
      const x = { id: 'x', type: 'Block', params: { block: `b${k - 1}`, repeat: 256 } };
      blocks.blocks[`b${k}`] = { nodes: [port, x, { id: 'o', type: 'Output' }], edges: wire };
    }
    blocks.models.generator.nodes.push({ id: 'boom', type: 'Block', params: { block: 'b3', repeat: 256 } });
    const r2 = ganvas('train', file('blocks.json', JSON.stringify(blocks)), '--out', join(dir, 'blocks-run'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/error LIMIT at generator\/boom .*nodes after expansion/);
    expect(existsSync(join(dir, 'blocks-run'))).toBe(false);

    const bytes = new TextEncoder().encode(JSON.stringify(ring, null, 2).replace('"name": "', '"name": "\u00e9'));
    bytes[bytes.indexOf(0xc3)] = 0xff;
    const r3 = ganvas('validate', file('latin1.json', bytes));
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/error ENCODING at line \d+:\d+: The file is not valid UTF-8/);

    const proto = JSON.stringify(ring, null, 2).replace('"params": {', '"params": {"__proto__": {"units": 3},');
    const r4 = ganvas('validate', file('proto.json', proto));
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/error FORBIDDEN_KEY at \$\.models\.generator\.nodes\[0\]\.params\.__proto__ line/);

    // The case: the loss fed mnist.x and G.digit directly, no D call in between.
    const untrainable = template('dcgan-mnist.json');
    for (const e of untrainable.training.edges) {
      if (e.target === 'loss' && e.targetPort === 'real') Object.assign(e, { source: 'mnist', sourcePort: 'x' });
      if (e.target === 'loss' && e.targetPort === 'fake') Object.assign(e, { source: 'G', sourcePort: 'digit' });
    }
    const r5 = ganvas(
      'train',
      file('untrainable.json', JSON.stringify(untrainable)),
      '--out',
      join(dir, 'untrainable-run'),
    );
    expect(r5.stderr).toContain('Player D has no loss term that depends on');
    expect(r5.code).toBe(1);
    expect(existsSync(join(dir, 'untrainable-run'))).toBe(false);

    const huge = structuredClone(ring);
    for (const n of huge.models.generator.nodes)
      if (n.type === 'Dense' && n.params.units > 2) n.params.units = 1_000_000;
    const hugeFile = file('huge.json', JSON.stringify(huge));
    const r6 = ganvas('export', hugeFile, '--out', join(dir, 'huge.ts'));
    expect(r6.code).toBe(1);
    expect(r6.stderr).toMatch(
      /error MEMORY_BUDGET .*Training needs about \d+ GiB, over the 2\.0 GiB budget of the wasm/,
    );
    expect(existsSync(join(dir, 'huge.ts'))).toBe(false);
    for (const r of [r1, r2, r3, r4, r5, r6]) expect(r.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  });

  it('train --resume of a damaged checkpoint or a directory: "checkpoint FILE: ...", exit 2, no files', async () => {
    const ringFile = join(ROOT, 'templates', 'toy-ring.json');
    const t = new Trainer(validateProjectText(readFileSync(ringFile, 'utf8')), { batchSize: 8 });
    await t.trainStep();
    const state = await t.state();
    const bytes = await encodeCheckpoint(state, 'toy-ring');
    tf.dispose(state.tensors.map((x) => x.tensor));
    t.dispose();
    bytes[bytes.length - 9]! ^= 0x10;
    const damaged = file('damaged.gnvs', bytes);
    const r1 = ganvas('train', ringFile, '--steps', '2', '--resume', damaged, '--out', join(dir, 'damaged-run'));
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`checkpoint ${damaged}: its tensor data is damaged: checksum`);
    expect(existsSync(join(dir, 'damaged-run'))).toBe(false);
    const r2 = ganvas('train', ringFile, '--steps', '2', '--resume', dir, '--out', join(dir, 'dir-run'));
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`checkpoint ${dir}: it is a directory.`);
    expect(existsSync(join(dir, 'dir-run'))).toBe(false);
  });
});
