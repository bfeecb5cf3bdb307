/**
 * Fuzzing (issue 15): random mutations of every template, and random damage
 * to their bytes, give a located diagnostic (or a valid project that every
 * later stage accepts), never an exception, in bounded time. The same for
 * checkpoints through decodeCheckpoint and Trainer.restore.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportProject } from '../../src/cli/export.js';
import { ExportError } from '../../src/core/codegen/typescript.js';
import { compileTrainingPlan } from '../../src/core/compile/plan.js';
import type { Diagnostic } from '../../src/core/diagnostics.js';
import { summarizeProject } from '../../src/core/summary.js';
import {
  CheckpointError,
  type CheckpointHeader,
  decodeCheckpoint,
  encodeCheckpoint,
  tensorFingerprint,
} from '../../src/core/train/checkpoint.js';
import { memoryBudgetDiagnostic } from '../../src/core/train/memory.js';
import { Trainer } from '../../src/core/train/trainer.js';
import { type ProjectAnalysis, validateProjectBytes, validateProjectValue } from '../../src/core/validate.js';
import { toyProject } from './fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TEMPLATES = readdirSync(join(ROOT, 'templates'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(ROOT, 'templates', f), 'utf8') }));

/** FUZZ_RUNS=2000 FUZZ_SEED=7 npx vitest run tests/unit/fuzz.test.ts digs deeper than the suite's quick pass. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 15;

type Json = Record<string, unknown>;
type Graph = { nodes: Json[]; edges: Json[] };

/** Every located-ness requirement at once: a path, a line or a graph to point at, and a readable sentence. */
function expectLocated(ds: readonly Diagnostic[]): void {
  for (const d of ds) {
    const l = d.location;
    expect(l.path !== undefined || l.line !== undefined || l.graph !== undefined, JSON.stringify(d)).toBe(true);
    expect(d.message).not.toMatch(/\[object Object\]/);
  }
}

/** A validation result must be a verdict, and a valid project must go through every later stage. */
function expectVerdict(a: ProjectAnalysis): void {
  expect(['ok', 'invalid', 'unreadable']).toContain(a.status);
  if (a.status !== 'ok') {
    expect(a.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expectLocated(a.diagnostics);
    return;
  }
  expectLocated(a.diagnostics);
  summarizeProject(a);
  memoryBudgetDiagnostic(a, 'wasm');
  if (a.project?.training && a.training?.complete) compileTrainingPlan(a);
  try {
    exportProject(a);
  } catch (e) {
    // What `ganvas export` reports as "cannot export" (exit 1); anything else would be an internal error.
    expect(e).toBeInstanceOf(ExportError);
  }
}

const WEIRD: unknown[] = [
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  1e-320,
  0.5,
  '',
  'x'.repeat(300),
  '__proto__',
  null,
  true,
  [],
  [[[[]]]],
  {},
  { __proto__x: 1 },
  [1e9, 1e9, 1e9],
  -0,
];
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** One random edit of a project value (in place), drawn from the numbers given. */
function mutate(p: Json, op: number, a: number, b: number, weird: unknown): void {
  const graphs: Graph[] = [];
  for (const g of Object.values((p.models as Record<string, Graph>) ?? {})) graphs.push(g);
  for (const g of Object.values((p.blocks as Record<string, Graph>) ?? {})) graphs.push(g);
  if (p.training) graphs.push(p.training as Graph);
  const g = graphs[a % graphs.length];
  if (!g || !Array.isArray(g.nodes)) return;
  const nodes = g.nodes;
  const edges = Array.isArray(g.edges) ? g.edges : (g.edges = []);
  const obj = (x: unknown): Json | undefined =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Json) : undefined;
  const node = obj(nodes[b % Math.max(1, nodes.length)]);
  const edge = obj(edges[b % Math.max(1, edges.length)]);
  const ids = nodes.map((n) => obj(n)?.id);
  switch (op % 11) {
    case 0: // delete a node
      nodes.splice(b % Math.max(1, nodes.length), 1);
      break;
    case 1: // duplicate a node
      if (node) nodes.push(structuredClone(node));
      break;
    case 2: // delete an edge
      edges.splice(b % Math.max(1, edges.length), 1);
      break;
    case 3: // duplicate an edge
      if (edge) edges.push(structuredClone(edge));
      break;
    case 4: // retarget an edge to another node (or a missing one)
      if (edge) edge[a % 2 ? 'source' : 'target'] = ids[(a + b) % Math.max(1, ids.length)] ?? 'nowhere';
      break;
    case 5: // retarget an edge's port
      if (edge) edge[a % 2 ? 'sourcePort' : 'targetPort'] = ['in', 'out', 'x', 'z', 'real', 'label', 'zz'][b % 7];
      break;
    case 6: {
      // a param replaced by an extreme or wrong-typed value
      if (!node) break;
      const params = obj(node.params) ?? (node.params = {});
      const keys = Object.keys(params);
      params[keys[a % Math.max(1, keys.length)] ?? 'units'] = weird;
      break;
    }
    case 7: {
      // a prototype-named key in params (defined as an own key, as JSON.parse would)
      if (!node) break;
      const params = obj(node.params) ?? (node.params = {});
      const name = PROTO_NAMES[a % PROTO_NAMES.length] as string;
      Object.defineProperty(params, name, { value: weird, enumerable: true, configurable: true, writable: true });
      break;
    }
    case 8: // a node's type changed
      if (node) node.type = ['Dense', 'Block', 'ModelCall', 'Nope', '__proto__', 'Output', 'Input'][b % 7];
      break;
    case 9: // a node id changed (edges now dangle) or made the same as another
      if (node) node.id = ids[a % Math.max(1, ids.length)] ?? 'x';
      break;
    default: // a whole field replaced
      if (a % 3 === 0) (g as unknown as Json).nodes = weird;
      else if (a % 3 === 1) (g as unknown as Json).edges = weird;
      else if (p.training) (p.training as Json).settings = { batchSize: weird, steps: weird };
  }
}

const edit = fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.constantFrom(...WEIRD));

describe('fuzzing the templates', () => {
  for (const t of TEMPLATES) {
    it(`${t.name}: random edits give a verdict with located diagnostics, never an exception`, () => {
      const base = JSON.parse(t.text) as Json;
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
          const p = structuredClone(base);
          for (const [op, a, b, w] of edits) mutate(p, op, a, b, w);
          const text = JSON.stringify(p, null, 2);
          expectVerdict(validateProjectBytes(new TextEncoder().encode(text)));
          expectVerdict(validateProjectValue(JSON.parse(text)));
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });

    it(`${t.name}: truncation and byte flips give a verdict, never an exception`, () => {
      const bytes = new TextEncoder().encode(t.text);
      fc.assert(
        fc.property(
          fc.nat({ max: bytes.length }),
          fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
          (cut, flips) => {
            expectVerdict(validateProjectBytes(bytes.subarray(0, cut)));
            const flipped = bytes.slice();
            for (const [i, x] of flips) flipped[i] = (flipped[i] as number) ^ x;
            expectVerdict(validateProjectBytes(flipped));
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

describe('fuzzing checkpoints through decodeCheckpoint and Trainer.restore', () => {
  it('damaged checkpoints give a CheckpointError or a clean restore, leaking nothing', async () => {
    const analysis = validateProjectValue(toyProject());
    const trainer = new Trainer(analysis, { seed: 1, batchSize: 8 });
    await trainer.trainStep();
    const state = await trainer.state();
    const good = await encodeCheckpoint(state, 'toy');
    tf.dispose(state.tensors.map((x) => x.tensor));
    const len = new DataView(good.buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + len))) as CheckpointHeader;
    const payload = good.subarray(8 + len);
    const rebuild = (h: unknown, p: Uint8Array = payload): Uint8Array => {
      const j = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + j.length + p.length);
      out.set(good.subarray(0, 4));
      new DataView(out.buffer).setUint32(4, j.length, true);
      out.set(j, 8);
      out.set(p, 8 + j.length);
      return out;
    };
    const FIELDS = ['step', 'seed', 'project', 'format', 'payloadBytes', 'checksum', 'fingerprint'];
    const TENSOR_FIELDS = ['name', 'shape', 'dtype', 'offset', 'length'];
    const VALUES: unknown[] = [...WEIRD, 'ten', 'float64', -4, 4, 1e6, [2, 2], [-1], 'model/x/0/k', 'opt/opt_D/99/m'];
    const damaged = fc.oneof(
      fc.nat({ max: good.length }).map((cut) => good.subarray(0, cut)),
      fc
        .array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        })
        .map((flips) => {
          const b = good.slice();
          for (const [i, x] of flips) b[i] = (b[i] as number) ^ x;
          return b;
        }),
      fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...VALUES), fc.boolean()).map(([f, k, v, refit]) => {
        const h = structuredClone(header) as unknown as Json & { tensors: Json[] };
        if (f % 2 === 0) h[FIELDS[f % FIELDS.length] as string] = v;
        else {
          const t = h.tensors[k % h.tensors.length] as Json;
          t[TENSOR_FIELDS[f % TENSOR_FIELDS.length] as string] = v;
        }
        // Recompute the fingerprint sometimes, as a careful forger would, to reach the later checks.
        if (refit && Array.isArray(h.tensors)) {
          try {
            h.fingerprint = tensorFingerprint(h.tensors as CheckpointHeader['tensors']);
          } catch {
            // a field too broken to fingerprint: the schema refuses it
          }
        }
        return rebuild(h);
      }),
    );
    const before = tf.memory().numTensors;
    let restored = 0;
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        let decoded: ReturnType<typeof decodeCheckpoint> | undefined;
        try {
          decoded = decodeCheckpoint(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
          expect((e as Error).message).not.toMatch(/\[object Object\]|Cannot read properties/);
          return;
        }
        try {
          await trainer.restore({ step: decoded.header.step, tensors: decoded.tensors });
          restored++;
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
        } finally {
          tf.dispose(decoded.tensors.map((x) => x.tensor));
        }
      }),
      { numRuns: RUNS * 6, seed: SEED },
    );
    expect(tf.memory().numTensors).toBe(before);
    // The undamaged checkpoint still restores, and training goes on.
    const { header: h, tensors } = decodeCheckpoint(good);
    await trainer.restore({ step: h.step, tensors });
    tf.dispose(tensors.map((x) => x.tensor));
    expect(Number.isFinite((await trainer.trainStep()).losses.D)).toBe(true);
    trainer.dispose();
    expect(restored).toBeGreaterThanOrEqual(0);
  });
});
