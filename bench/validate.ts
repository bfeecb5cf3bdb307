/**
 * Validation and shape inference on generated graphs of 100, 1,000 and
 * 10,000 nodes (Dense / LeakyReLU blocks with Add skips), and re-inference
 * after one param edit: a full validation (what every other edit costs) and
 * the incremental path the inspector uses, with the edit's reach. Writes
 * bench/results.json (key validate). Never fails on a number.
 *
 *   npx tsx bench/validate.ts
 */
import { type Reach, reanalyzeParamEdit } from '../src/core/shapes/incremental.js';
import { validateProjectValue } from '../src/core/validate.js';
import { chainProject } from '../tests/fixtures/big-graph.js';
import { machine, writeSection } from './common.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

type Raw = { models: { net: { nodes: { id: string; type: string; params?: Record<string, unknown> }[] } } };

const rows = [];
for (const size of [100, 1000, 10_000]) {
  const raw = chainProject(size) as unknown as Raw;
  const runs = size >= 10_000 ? 5 : 15;
  const full: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    validateProjectValue(raw);
    full.push(performance.now() - t0);
  }
  // One edit each: a LeakyReLU's slope (its shape does not change: reach 1) and the first Dense's width (reach: it, its activation, the next Dense).
  const edits: Record<string, { ms: number; reach: number }> = {};
  for (const [label, id, params] of [
    ['slope', raw.models.net.nodes.find((n) => n.type === 'LeakyReLU')!.id, { alpha: 0.1 }],
    ['width', 'd1', { units: 48 }],
  ] as const) {
    const times: number[] = [];
    const reach: Reach = { nodes: 0 };
    for (let i = 0; i < runs; i++) {
      const a = validateProjectValue(raw);
      const t0 = performance.now();
      const next = reanalyzeParamEdit(a, 'net', id, { ...params }, reach);
      times.push(performance.now() - t0);
      if (!next) throw new Error(`the ${label} edit was declined`);
    }
    edits[label] = { ms: median(times), reach: reach.nodes };
  }
  const row = {
    nodes: size,
    edges: size,
    fullValidationMs: median(full),
    editSlope: edits.slope,
    editWidth: edits.width,
  };
  rows.push(row);
  console.log(
    `${size} nodes: full validation ${row.fullValidationMs.toFixed(2)} ms; slope edit ${edits.slope!.ms.toFixed(3)} ms (reach ${edits.slope!.reach}); width edit ${edits.width!.ms.toFixed(3)} ms (reach ${edits.width!.reach})`,
  );
}
writeSection('validate', { machine: machine(), rows });
