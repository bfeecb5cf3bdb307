/**
 * Checks one model graph and infers the tensor type of every port.
 *
 * Steps: names and ids, node types and params, edges and ports (on the graph
 * as written, so locations point at the JSON), block expansion, cycle check,
 * then shape inference in topological order. Problems become diagnostics;
 * a node whose inputs are unknown because of an earlier problem is skipped
 * silently, so one mistake gives one message, not a cascade.
 */
import { type Diagnostic, diag } from '../diagnostics.js';
import { expandGraph, type FlatGraph, type FlatNode, PASS_TYPE } from '../graph/expand.js';
import type { BlockParams } from '../nodes/defs/block.js';
import { fmtShape, perSample } from '../nodes/helpers.js';
import { entriesFor, entryFor, getNodeDef, type RegistryEntry } from '../nodes/registry.js';
import type { AnyNodeDef, ParamCount, PortSpec, TensorType } from '../nodes/types.js';
import type { Graph } from '../project/schema.js';
import { checkGraphStructure, type Locator, locAt, type StructureSpec } from './structure.js';

/** A dimension beyond this, or a tensor of more elements per sample, is absurd. */
export const MAX_DIM = 1 << 20;
export const MAX_ELEMENTS_PER_SAMPLE = 1 << 28;

export interface NodeInfo {
  id: string;
  type: string;
  def?: AnyNodeDef;
  params: Record<string, unknown>;
  /** Types on each input port (by port order), when known. */
  inputs?: TensorType[];
  /** Types on each output port, when inference succeeded. */
  outputs?: TensorType[];
  inputPorts: string[];
  outputPorts: string[];
  paramCount: ParamCount;
  flops: number;
  origin: FlatNode['origin'];
  /** True when some Output depends on this node (it is part of the compiled model). */
  live?: boolean;
  /** Position in the model's topological order. */
  index?: number;
}

export interface ModelAnalysis {
  name: string;
  /** Expanded nodes in topological order (empty when the graph has a cycle). */
  order: NodeInfo[];
  nodes: Map<string, NodeInfo>;
  /** Expanded edges (after block expansion). */
  edges: FlatGraph['edges'];
  inputs: NodeInfo[];
  outputs: NodeInfo[];
  totals: { trainable: number; nonTrainable: number; flops: number; activationElements: number };
  /** True when every node got a type: the model can compile. */
  complete: boolean;
  /** Kept for re-inference after an edit (shapes/incremental.ts): incoming edges by port, successors, ids that failed the structure check. */
  incoming: Incoming;
  succ: Map<string, string[]>;
  bad: ReadonlySet<string>;
  /** Nodes in `order` that got no type. */
  untyped: number;
}

export type { Locator } from './structure.js';

const loc = locAt;

type Ports = { inputs: PortSpec[]; outputs: PortSpec[] };

/** The ports of a model-graph node (a Block gets its block's ports), from parsed params. */
function portsOf(
  entry: RegistryEntry,
  params: Record<string, unknown>,
  blocks: Record<string, Graph>,
): Ports | undefined {
  if (entry.kind === 'block') return entry.ports(params as BlockParams, blocks);
  if (entry.kind === 'layer') return { inputs: entry.inputs(params), outputs: entry.outputs(params) };
  return undefined;
}

/** Ports of a node as written (Block nodes get their block's ports). */
export function nodePorts(
  type: string,
  params: Record<string, unknown>,
  blocks: Record<string, Graph>,
): Ports | undefined {
  if (type === PASS_TYPE) return { inputs: [{ name: 'in', doc: '' }], outputs: [{ name: 'out', doc: '' }] };
  const entry = entryFor('model', type);
  const parsed = entry?.params.safeParse(params);
  return entry && parsed?.success ? portsOf(entry, parsed.data as Record<string, unknown>, blocks) : undefined;
}

const MODEL_TYPES = entriesFor('model').map((d) => d.type);

/**
 * Checks a model graph or block as written (shapes/structure.ts with the
 * registry's model-graph view). Returns the ids of nodes that failed their own checks.
 */
export function checkModelStructure(
  graph: Graph,
  label: string,
  basePath: (string | number)[],
  blocks: Record<string, Graph>,
  locate: Locator,
  out: Diagnostic[],
): Set<string> {
  const spec: StructureSpec = {
    label,
    basePath,
    locate,
    lookup: (type) => entryFor('model', type),
    typeNames: MODEL_TYPES,
    ports: (entry, params) => {
      const p = portsOf(entry, params, blocks);
      return p && { inputs: p.inputs.map((x) => x.name), outputs: p.outputs.map((x) => x.name) };
    },
    aliasSinglePort: (entry) => entry.kind === 'block',
  };
  return checkGraphStructure(graph, spec, out).bad;
}

/** Analyses a model: structure, expansion, cycles, shapes, totals. */
export function analyzeModel(
  name: string,
  graph: Graph,
  blocks: Record<string, Graph>,
  locate: Locator,
  out: Diagnostic[],
  badBlocks: ReadonlySet<string> = new Set(),
): ModelAnalysis {
  const basePath = ['models', name];
  const label = name;
  const bad = checkModelStructure(graph, label, basePath, blocks, locate, out);
  const flat = expandGraph(graph, label, basePath, blocks, out);

  const nodes = new Map<string, NodeInfo>();
  for (const n of flat.nodes) {
    if (nodes.has(n.id)) {
      if (n.origin.via.length > 0)
        out.push(
          diag(
            'DUPLICATE_ID',
            `Expanding block instance '${n.origin.via[n.origin.via.length - 1]}' creates node id '${n.id}', which already exists in ${label}. Rename the node or the instance.`,
            loc(n.origin.graph, n.origin.nodeId, n.origin.path, locate),
          ),
        );
      continue;
    }
    const def = n.type === PASS_TYPE ? undefined : getNodeDef(n.type);
    const parsed = def?.params.safeParse(n.params);
    const params = parsed?.success ? (parsed.data as Record<string, unknown>) : {};
    const ports =
      n.type === PASS_TYPE
        ? nodePorts(PASS_TYPE, {}, blocks)
        : parsed?.success && def
          ? { inputs: def.inputs(params), outputs: def.outputs(params) }
          : undefined;
    nodes.set(n.id, {
      id: n.id,
      type: n.type,
      ...(def ? { def } : {}),
      params,
      inputPorts: ports?.inputs.map((p) => p.name) ?? [],
      outputPorts: ports?.outputs.map((p) => p.name) ?? [],
      paramCount: { trainable: 0, nonTrainable: 0 },
      flops: 0,
      origin: n.origin,
    });
  }
  const isBad = (info: NodeInfo): boolean =>
    (info.type !== PASS_TYPE && !(info.def && info.def.params.safeParse(info.params).success)) ||
    (info.origin.via.length === 0
      ? bad.has(info.origin.nodeId)
      : badBlocks.has(info.origin.graph.slice('block:'.length)));

  // Incoming edges per node and port; adjacency for the topological sort.
  const incoming: Incoming = new Map();
  const succ = new Map<string, string[]>();
  const consumers = new Map<string, number>();
  for (const e of flat.edges) {
    if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
    const m = incoming.get(e.target) ?? new Map();
    if (!m.has(e.targetPort)) m.set(e.targetPort, { source: e.source, sourcePort: e.sourcePort });
    incoming.set(e.target, m);
    const targets = succ.get(e.source);
    if (targets) targets.push(e.target);
    else succ.set(e.source, [e.target]);
    consumers.set(e.source, (consumers.get(e.source) ?? 0) + 1);
  }

  // Kahn's algorithm, in JSON order for stable results.
  const indeg = new Map<string, number>();
  for (const id of nodes.keys()) indeg.set(id, 0);
  for (const [, targets] of succ) for (const t of targets) indeg.set(t, (indeg.get(t) ?? 0) + 1);
  const queue = [...nodes.keys()].filter((id) => indeg.get(id) === 0);
  const order: NodeInfo[] = [];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] as string;
    const info = nodes.get(id) as NodeInfo;
    info.index = order.length;
    order.push(info);
    for (const t of succ.get(id) ?? []) {
      const d = (indeg.get(t) ?? 0) - 1;
      indeg.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  const analysis: ModelAnalysis = {
    name,
    order: [],
    nodes,
    edges: flat.edges,
    inputs: [],
    outputs: [],
    totals: { trainable: 0, nonTrainable: 0, flops: 0, activationElements: 0 },
    complete: false,
    incoming,
    succ,
    bad,
    untyped: 0,
  };
  if (order.length < nodes.size) {
    const inCycle = findCycle(
      [...nodes.keys()].filter((id) => (indeg.get(id) ?? 0) > 0),
      succ,
    );
    const first = nodes.get(inCycle[0] as string) as NodeInfo;
    out.push(
      diag(
        'CYCLE',
        `${label} has a cycle: ${[...inCycle, inCycle[0]].map((id) => `'${id}'`).join(' -> ')}. Remove one of these edges; a model must be a directed acyclic graph.`,
        loc(first.origin.graph, first.origin.nodeId, first.origin.path, locate),
      ),
    );
    return analysis;
  }
  analysis.order = order;

  let complete = true;
  for (const info of order)
    if (!inferNode(info, nodes, incoming, isBad, locate, out)) {
      complete = false;
      analysis.untyped++;
    }

  // Totals count the nodes an Output depends on: the compiled model holds
  // exactly those layers (a dangling branch gets an UNUSED_NODE warning).
  const pred = new Map<string, string[]>();
  for (const e of flat.edges)
    if (nodes.has(e.source) && nodes.has(e.target)) pred.set(e.target, [...(pred.get(e.target) ?? []), e.source]);
  const live = new Set<string>();
  const stack = order.filter((n) => n.def?.modelOutput).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...(pred.get(id) ?? []));
  }
  for (const info of order) {
    info.live = live.has(info.id);
    const c = nodeTotals(info);
    for (const k of Object.keys(c) as (keyof ModelAnalysis['totals'])[]) analysis.totals[k] += c[k];
  }

  analysis.inputs = order.filter((n) => n.def?.modelInput && n.origin.via.length === 0);
  analysis.outputs = order.filter((n) => n.def?.modelOutput && n.origin.via.length === 0);
  if (analysis.inputs.length === 0) {
    out.push(
      diag(
        'NO_INPUT',
        `Model '${name}' has no Input, Noise or Label node, so nothing can feed it. Add one.`,
        loc(name, undefined, basePath, locate),
      ),
    );
    complete = false;
  }
  if (analysis.outputs.length === 0) {
    out.push(
      diag(
        'NO_OUTPUT',
        `Model '${name}' has no Output node. Add one after the layer whose tensor the model returns.`,
        loc(name, undefined, basePath, locate),
      ),
    );
    complete = false;
  }
  for (const info of order) {
    if (info.type === PASS_TYPE || info.def?.modelOutput || isBad(info)) continue;
    if ((consumers.get(info.id) ?? 0) === 0 && info.outputPorts.length > 0) {
      out.push(
        diag(
          'UNUSED_NODE',
          `${info.def?.title ?? 'Node'} '${info.id}' feeds nothing, so it has no effect on the model. Wire its output onward or delete it.`,
          loc(info.origin.graph, info.origin.nodeId, info.origin.path, locate),
          'warning',
        ),
      );
    }
  }
  analysis.complete = complete;
  return analysis;
}

/** What one node adds to its model's totals: nothing unless it is live and typed. */
export function nodeTotals(info: NodeInfo): ModelAnalysis['totals'] {
  const counted = info.live === true && info.outputs !== undefined;
  return {
    trainable: counted ? info.paramCount.trainable : 0,
    nonTrainable: counted ? info.paramCount.nonTrainable : 0,
    flops: counted ? info.flops : 0,
    // A pass-through (a block's port) holds no tensor of its own.
    activationElements:
      counted && info.type !== PASS_TYPE ? (info.outputs as TensorType[]).reduce((s, t) => s + perSample(t), 0) : 0,
  };
}

/** Incoming edges of each node, by input port. */
export type Incoming = Map<string, Map<string, { source: string; sourcePort: string }>>;

/**
 * Infers one node's output types from its inputs' (already inferred) types,
 * setting info.inputs, outputs, paramCount and flops, and reporting its
 * problems. Returns false when the node gets no type.
 */
export function inferNode(
  info: NodeInfo,
  nodes: Map<string, NodeInfo>,
  incoming: Incoming,
  isBad: (info: NodeInfo) => boolean,
  locate: Locator,
  out: Diagnostic[],
): boolean {
  delete info.inputs;
  delete info.outputs;
  info.paramCount = { trainable: 0, nonTrainable: 0 };
  info.flops = 0;
  if (isBad(info)) return false;
  const ins = incoming.get(info.id) ?? new Map();
  const types: TensorType[] = [];
  const sources: string[] = [];
  let blocked = false;
  for (const port of info.inputPorts) {
    const src = ins.get(port);
    if (!src) {
      const o = info.origin;
      const where = o.via.length > 0 ? ` (inside block instance '${o.via.join("' > '")}')` : '';
      out.push(
        diag(
          'UNCONNECTED_INPUT',
          `${info.def?.title ?? 'Node'} '${info.id}' has nothing connected to its input '${port}'${where}. Wire a tensor into it or delete the node.`,
          loc(o.graph, o.nodeId, o.path, locate, port),
        ),
      );
      blocked = true;
      continue;
    }
    const srcInfo = nodes.get(src.source) as NodeInfo;
    const k = srcInfo.outputPorts.indexOf(src.sourcePort);
    const t = k >= 0 ? srcInfo.outputs?.[k] : undefined;
    if (!t) {
      blocked = true;
      continue;
    }
    types.push(t);
    sources.push(`'${displayId(srcInfo)}' gives ${fmtShape(t.shape)}`);
  }
  if (blocked) return false;
  info.inputs = types;
  if (info.type === PASS_TYPE) {
    info.outputs = [types[0] as TensorType];
    return true;
  }
  const def = info.def as AnyNodeDef;
  const r = def.infer({ params: info.params, id: info.id, inputs: types, sources });
  if ('problems' in r) {
    for (const p of r.problems)
      out.push(diag(p.code, p.message, loc(info.origin.graph, info.origin.nodeId, info.origin.path, locate, p.port)));
    return false;
  }
  const tooBig = r.outputs.find(
    (t) => t.shape.some((d) => d !== null && d > MAX_DIM) || perSample(t) > MAX_ELEMENTS_PER_SAMPLE,
  );
  if (tooBig) {
    out.push(
      diag(
        'SIZE_LIMIT',
        `${def.title} '${info.id}' would output ${fmtShape(tooBig.shape)} (${perSample(tooBig).toExponential(2)} values per sample), beyond what ganvas can hold (${MAX_ELEMENTS_PER_SAMPLE.toExponential(2)}, ${MAX_DIM} per dimension). Check its sizes.`,
        loc(info.origin.graph, info.origin.nodeId, info.origin.path, locate),
      ),
    );
    return false;
  }
  info.outputs = r.outputs;
  info.paramCount = def.paramCount(info.params, types, r.outputs);
  info.flops = def.flops(info.params, types, r.outputs);
  return true;
}

function displayId(n: NodeInfo): string {
  return n.type === PASS_TYPE && n.origin.via.length > 0
    ? `${n.origin.via[n.origin.via.length - 1]}.${n.origin.nodeId}`
    : n.id;
}

function findCycle(candidates: string[], succ: Map<string, string[]>): string[] {
  // Every node left after Kahn's algorithm has a predecessor that is also
  // left, so walking backwards from any of them must come round to a cycle.
  const inSet = new Set(candidates);
  const pred = new Map<string, string>();
  for (const [s, targets] of succ)
    for (const t of targets) if (inSet.has(s) && inSet.has(t) && !pred.has(t)) pred.set(t, s);
  const path: string[] = [];
  const pos = new Map<string, number>();
  let cur: string | undefined = candidates[0];
  while (cur !== undefined && !pos.has(cur)) {
    pos.set(cur, path.length);
    path.push(cur);
    cur = pred.get(cur);
  }
  const cycle = cur === undefined ? path : path.slice(pos.get(cur));
  return cycle.reverse();
}
