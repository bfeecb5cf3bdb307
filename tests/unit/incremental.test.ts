/**
 * Re-inference after a param edit gives what a full validation gives:
 * random sequences of param edits on every template and on a generated
 * 1,000-node graph, each step compared with validating the edited project
 * from scratch (diagnostics, status, every node's types, counts and FLOPs,
 * the totals, the training graph, the project). And its work is the edit's
 * reach, not the graph's size.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Reach, reanalyzeParamEdit } from '../../src/core/shapes/incremental.js';
import { type ProjectAnalysis, validateProjectValue } from '../../src/core/validate.js';
import { chainProject } from '../fixtures/big-graph.js';

const ROOT = resolve(__dirname, '../..');
const templates = readdirSync(join(ROOT, 'templates')).filter((f) => f.endsWith('.json'));

type Raw = { models: Record<string, { nodes: { id: string; type: string; params?: Record<string, unknown> }[] }> };

/** Everything a full validation decides, in a comparable form. */
function facts(a: ProjectAnalysis): unknown {
  const models = [...a.models.values()].map((m) => ({
    name: m.name,
    totals: m.totals,
    complete: m.complete,
    nodes: m.order.map((n) => ({
      id: n.id,
      params: n.params,
      inputs: n.inputs,
      outputs: n.outputs,
      paramCount: n.paramCount,
      flops: n.flops,
      live: n.live,
    })),
  }));
  const diagnostics = a.diagnostics.map((d) => JSON.stringify(d)).sort();
  return { status: a.status, diagnostics, models, training: a.training?.complete, project: a.project };
}

/** A new value for one param: numbers scaled or nudged (sometimes out of range), booleans flipped. */
const newValue = (v: unknown, r: number): unknown => {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? Math.max(0, Math.round(v * [0.5, 2, 1][r % 3]!) + (r % 5) - 2)
      : v * (0.5 + (r % 4) * 0.5);
  return undefined;
};

function check(project: Raw, picks: [number, number, number][]): void {
  let raw = structuredClone(project);
  let incremental = validateProjectValue(raw);
  for (const [m, n, r] of picks) {
    const names = Object.keys(raw.models);
    const model = names[m % names.length]!;
    const nodes = raw.models[model]!.nodes;
    const node = nodes[n % nodes.length]!;
    const analysed = incremental.models.get(model)?.nodes.get(node.id);
    const keys = Object.keys(analysed?.params ?? {}).filter((k) => newValue(analysed!.params[k], r) !== undefined);
    if (keys.length === 0) continue;
    const key = keys[r % keys.length]!;
    const next = structuredClone(raw);
    const target = next.models[model]!.nodes.find((x) => x.id === node.id)!;
    target.params = { ...(target.params ?? {}), [key]: newValue(analysed!.params[key], r) };
    const full = validateProjectValue(next);
    const fast = reanalyzeParamEdit(incremental, model, node.id, target.params);
    raw = next;
    if (!fast) {
      incremental = full; // an edit the fast path declines: the editor validates in full
      continue;
    }
    expect(facts(fast), `${model}/${node.id}.${key}`).toEqual(facts(full));
    incremental = fast;
  }
}

describe('re-inference after a param edit', () => {
  for (const f of templates) {
    it(`equals a full validation on ${f}, over random edit sequences`, () => {
      const project = JSON.parse(readFileSync(join(ROOT, 'templates', f), 'utf8')) as Raw;
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }), (picks) =>
          check(project, picks),
        ),
        { numRuns: 25, seed: 7 },
      );
    });
  }

  it('equals a full validation on a 1,000-node graph', () => {
    const project = chainProject(1000) as unknown as Raw;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }), (picks) =>
        check(project, picks),
      ),
      { numRuns: 15, seed: 11 },
    );
  });

  it('infers again only what the edit reaches, whatever the size of the graph', () => {
    for (const size of [100, 1000, 10_000]) {
      const raw = chainProject(size) as unknown as Raw;
      const a = validateProjectValue(raw);
      const nodes = raw.models.net!.nodes;
      // A LeakyReLU's slope: its output shape does not change, so the reach is the node itself.
      const slope: Reach = { nodes: 0 };
      const act = nodes.find((n) => n.type === 'LeakyReLU')!;
      expect(reanalyzeParamEdit(a, 'net', act.id, { alpha: 0.1 }, slope)).toBeDefined();
      expect(slope.nodes).toBe(1);
      // The first Dense's width: its output, the activation after it and the next Dense's input change; the next Dense's output does not.
      const width: Reach = { nodes: 0 };
      const next = reanalyzeParamEdit(validateProjectValue(raw), 'net', 'd1', { units: 48 }, width);
      expect(width.nodes).toBeLessThanOrEqual(5);
      expect(facts(next!)).toEqual(
        facts(
          validateProjectValue({
            ...raw,
            models: {
              net: {
                ...raw.models.net!,
                nodes: nodes.map((n) => (n.id === 'd1' ? { ...n, params: { units: 48 } } : n)),
              },
            },
          }),
        ),
      );
    }
  });

  it('declines edits that change ports or break params, which need the full path', () => {
    const raw = JSON.parse(readFileSync(join(ROOT, 'templates/cyclegan.json'), 'utf8')) as Raw;
    const a = validateProjectValue(raw);
    const concat = Object.entries(raw.models).flatMap(([m, g]) =>
      g.nodes.filter((n) => n.type === 'Conv2D').map((n) => [m, n.id] as const),
    )[0]!;
    expect(reanalyzeParamEdit(a, concat[0], concat[1], { filters: -3 })).toBeUndefined();
    expect(reanalyzeParamEdit(a, 'nope', 'x', {})).toBeUndefined();
  });
});
