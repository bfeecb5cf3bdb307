/**
 * Re-inference after one param edit, in time that grows with the edit's
 * reach, not with the graph: the edited node is inferred again, then only
 * the nodes downstream whose input types changed, in topological order,
 * stopping where a node's outputs come out the same. Diagnostics of the
 * nodes inferred again are replaced; totals change by the difference.
 *
 * It handles the common edit (a layer's params, ports unchanged, in a
 * model's own graph) and returns undefined for anything else, where the
 * caller runs the full validation. A property test checks that its result
 * equals a full validation's.
 */
import { type Diagnostic, hasErrors } from '../diagnostics.js';
import type { TensorType } from '../nodes/types.js';
import type { Project } from '../project/schema.js';
import { inferNode, type NodeInfo, nodeTotals } from './infer.js';
import { budgetDiagnostics, type ProjectAnalysis } from './project.js';
import { analyzeTraining } from './training.js';

/** How many nodes a call inferred again (for benchmarks and tests). */
export interface Reach {
  nodes: number;
}

/** Codes decided by the graph's structure and params, not by shape inference: a re-inference keeps them. */
const STRUCTURAL = new Set([
  'PARAM',
  'BAD_NAME',
  'DUPLICATE_ID',
  'UNKNOWN_NODE_TYPE',
  'EDGE_UNKNOWN_NODE',
  'EDGE_UNKNOWN_PORT',
  'PORT_MULTIPLE',
  'CYCLE',
  'NO_INPUT',
  'NO_OUTPUT',
  'UNUSED_NODE',
  'UNCONNECTED_INPUT',
  'BLOCK_INTERFACE',
  'BLOCK_RECURSION',
  'UNKNOWN_BLOCK',
]);

const sameTypes = (a: TensorType[] | undefined, b: TensorType[] | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.length === b.length &&
    a.every(
      (t, i) =>
        t.dtype === b[i]?.dtype &&
        t.shape.length === b[i]?.shape.length &&
        t.shape.every((d, k) => d === b[i]?.shape[k]),
    ));

/** A binary min-heap of order positions. */
class Heap {
  private readonly a: number[] = [];
  private readonly seen = new Set<number>();
  push(x: number): void {
    if (this.seen.has(x)) return;
    this.seen.add(x);
    const a = this.a;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= x) break;
      a[i] = a[p] as number;
      a[p] = x;
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as number) < (a[m] as number)) m = l;
        if (r < a.length && (a[r] as number) < (a[m] as number)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as number, a[i] as number];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The analysis after node `nodeId` of model `model` gets params `raw`, or
 * undefined when this edit needs a full validation. `prev` is left as it was
 * only in the undefined case: on success its model analysis is updated in place.
 */
export function reanalyzeParamEdit(
  prev: ProjectAnalysis,
  model: string,
  nodeId: string,
  raw: Record<string, unknown>,
  reach?: Reach,
): ProjectAnalysis | undefined {
  const project = prev.project;
  const m = prev.models.get(model);
  const info = m?.nodes.get(nodeId);
  if (
    !project ||
    !m ||
    !info ||
    !info.def ||
    info.index === undefined ||
    info.origin.via.length > 0 ||
    m.bad.has(nodeId) ||
    m.order.length !== m.nodes.size
  )
    return undefined;
  const graph = project.models[model];
  const index = info.origin.path[info.origin.path.length - 1];
  if (!graph || typeof index !== 'number' || graph.nodes[index]?.id !== nodeId) return undefined;
  const parsed = info.def.params.safeParse(raw);
  if (!parsed.success) return undefined; // a PARAM error: the full path reports it
  const params = parsed.data as Record<string, unknown>;
  const inputs = info.def.inputs(params).map((p) => p.name);
  const outputs = info.def.outputs(params).map((p) => p.name);
  if (
    inputs.join('\u0000') !== info.inputPorts.join('\u0000') ||
    outputs.join('\u0000') !== info.outputPorts.join('\u0000')
  )
    return undefined; // ports changed: wiring must be checked again

  const heap = new Heap();
  heap.push(info.index as number);
  const redone = new Set<string>();
  const fresh: Diagnostic[] = [];
  const delta = { trainable: 0, nonTrainable: 0, flops: 0, activationElements: 0 };
  let interfaceChanged = false;
  let untypedDelta = 0;
  info.params = params;
  const isBad = (n: NodeInfo) => m.bad.has(n.id);
  const locate = prev.locate ?? (() => undefined);
  for (let at = heap.pop(); at !== undefined; at = heap.pop()) {
    const n = m.order[at] as NodeInfo;
    redone.add(n.id);
    const before = nodeTotals(n);
    const oldOutputs = n.outputs;
    const oldInputs = n.inputs;
    inferNode(n, m.nodes, m.incoming, isBad, locate, fresh);
    const after = nodeTotals(n);
    untypedDelta += (n.outputs ? 0 : 1) - (oldOutputs ? 0 : 1);
    for (const k of Object.keys(delta) as (keyof typeof delta)[]) delta[k] += after[k] - before[k];
    if (n.def?.modelOutput || n.def?.modelInput)
      interfaceChanged ||= !sameTypes(oldInputs, n.inputs) || !sameTypes(oldOutputs, n.outputs);
    if (!sameTypes(oldOutputs, n.outputs))
      for (const t of m.succ.get(n.id) ?? []) heap.push(m.nodes.get(t)?.index as number);
  }
  if (reach) reach.nodes = redone.size;
  for (const k of Object.keys(delta) as (keyof typeof delta)[]) m.totals[k] += delta[k];
  m.untyped += untypedDelta;
  m.complete = m.inputs.length > 0 && m.outputs.length > 0 && m.untyped === 0;

  // The project as a full validation would hold it: the node's params as written (updated in place, like the model analysis).
  graph.nodes[index] = { ...(graph.nodes[index] as (typeof graph.nodes)[number]), params: { ...raw } };
  const next: Project = { ...project };

  // Replace the diagnostics of what was inferred again, the model's budget warnings and, when the model's interface changed, the training graph's.
  const inferred = (d: Diagnostic) =>
    d.location.graph === model &&
    d.location.nodeId !== undefined &&
    redone.has(d.location.nodeId) &&
    !STRUCTURAL.has(d.code);
  const budget = (d: Diagnostic) =>
    (d.code === 'PARAM_BUDGET' || d.code === 'ACTIVATION_BUDGET') &&
    d.location.path?.[1] === model &&
    d.location.path.length === 2;
  // Class counts of Label and Embedding nodes are checked across the training graph (LABEL_COUNT).
  const retrain = interfaceChanged || info.type === 'Label' || info.type === 'Embedding';
  const trainingDiag = (d: Diagnostic) => retrain && (d.location.graph === 'training' || d.code === 'LABEL_COUNT');
  // UNCONNECTED_INPUT does not depend on params; inferNode reports it again for nodes it re-infers.
  const repeated = (d: Diagnostic) =>
    d.code === 'UNCONNECTED_INPUT' &&
    d.location.graph === model &&
    d.location.nodeId !== undefined &&
    redone.has(d.location.nodeId);
  const diagnostics = prev.diagnostics.filter((d) => !inferred(d) && !budget(d) && !trainingDiag(d));
  for (const d of fresh) {
    if (
      repeated(d) &&
      diagnostics.some(
        (x) => x.code === d.code && x.location.nodeId === d.location.nodeId && x.location.port === d.location.port,
      )
    )
      continue;
    diagnostics.push(d);
  }
  diagnostics.push(...budgetDiagnostics(next, model, m, locate));
  let training = prev.training;
  if (retrain && next.training) training = analyzeTraining(next.training, prev.models, locate, diagnostics);
  return {
    ...prev,
    project: next,
    diagnostics,
    status: hasErrors(diagnostics) ? 'invalid' : 'ok',
    ...(training ? { training } : {}),
  };
}
