/**
 * The structural check of any graph, model or training: node ids, duplicate
 * ids, node types, params, extra per-node checks, edges and their ports. It
 * takes the registry's view of the graph's kind as a parameter, so model
 * graphs, blocks and the training graph share one checker; shape inference
 * (infer.ts for models, training.ts for the training graph) builds on what it
 * resolves.
 */
import { type Diagnostic, type DiagnosticLocation, diag } from '../diagnostics.js';
import type { RegistryEntry } from '../nodes/registry.js';
import { type Graph, NAME_PATTERN, NAME_RULE } from '../project/schema.js';

export type Locator = (path: readonly (string | number)[]) => { line: number; column: number } | undefined;

export function locAt(
  graph: string,
  nodeId: string | undefined,
  path: (string | number)[],
  locate: Locator,
  port?: string,
): DiagnosticLocation {
  const l: DiagnosticLocation = { graph, path };
  if (nodeId !== undefined) l.nodeId = nodeId;
  if (port !== undefined) l.port = port;
  const lc = locate(path);
  if (lc) Object.assign(l, lc);
  return l;
}

/** What the checker needs to know of the graph's kind. */
export interface StructureSpec {
  /** The graph's name in messages ('generator', 'block:res', 'training'). */
  label: string;
  /** Its JSON path. */
  basePath: (string | number)[];
  locate: Locator;
  /** The node types this graph may hold: the registry's view for its kind (nodes/registry.ts entryFor). */
  lookup: (type: string) => RegistryEntry | undefined;
  /** All type names this graph may hold, for suggestions. */
  typeNames: readonly string[];
  /** The port names of a node whose params parsed; undefined when they cannot be known (a missing block). */
  ports: (entry: RegistryEntry, params: Record<string, unknown>) => { inputs: string[]; outputs: string[] } | undefined;
  /** Whether a node's single input (output) port may be named 'in' ('out') on an edge. */
  aliasSinglePort: (entry: RegistryEntry) => boolean;
  /** Further checks of a node whose params parsed (e.g. the models it refers to); false marks it bad. */
  checkNode?: (entry: RegistryEntry, params: Record<string, unknown>, id: string, path: (string | number)[]) => boolean;
}

export interface CheckedNode {
  id: string;
  type: string;
  entry: RegistryEntry;
  params: Record<string, unknown>;
  /** Index in the graph's JSON. */
  index: number;
  inputs: string[];
  outputs: string[];
}

/** An edge whose nodes and ports exist, with the port names resolved (aliases replaced). */
export interface CheckedEdge {
  index: number;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export interface GraphStructure {
  /** Ids of nodes that failed their own checks. */
  bad: Set<string>;
  /** Nodes that passed them (first of a duplicated id), in JSON order. */
  nodes: Map<string, CheckedNode>;
  /** Edges between such nodes on existing ports, each input driven once, in JSON order. */
  edges: CheckedEdge[];
}

function resolvePort(names: string[], name: string, alias: 'in' | 'out', aliasing: boolean): string | undefined {
  if (names.includes(name)) return name;
  if (aliasing && name === alias && names.length === 1) return names[0];
  return undefined;
}

function suggest(type: string, names: readonly string[]): string {
  const lower = type.toLowerCase();
  const near = names.filter(
    (k) => k.toLowerCase() === lower || k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()),
  );
  if (near.length > 0 && near.length < 6) return ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
  if (names.length <= 12) return ` Node types here: ${names.join(', ')}.`;
  return ' See `ganvas nodes` or the palette for the node types.';
}

/** Checks a graph as written and resolves what it can; every problem becomes a located diagnostic. */
export function checkGraphStructure(graph: Graph, spec: StructureSpec, out: Diagnostic[]): GraphStructure {
  const { label, basePath, locate } = spec;
  const bad = new Set<string>();
  const nodes = new Map<string, CheckedNode>();
  const seen = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    const path = [...basePath, 'nodes', i];
    if (!NAME_PATTERN.test(n.id)) {
      out.push(
        diag(
          'BAD_NAME',
          `Node id ${JSON.stringify(n.id).slice(0, 80)} is not allowed: use ${NAME_RULE}. Put free text in "label".`,
          locAt(label, undefined, [...path, 'id'], locate),
        ),
      );
      bad.add(n.id);
    }
    const prev = seen.get(n.id);
    if (prev !== undefined) {
      out.push(
        diag(
          'DUPLICATE_ID',
          `Node id '${n.id}' is used twice in ${label} (nodes[${prev}] and nodes[${i}]). Rename one.`,
          locAt(label, n.id, [...path, 'id'], locate),
        ),
      );
      bad.add(n.id);
    } else seen.set(n.id, i);
    const entry = spec.lookup(n.type);
    if (!entry) {
      out.push(
        diag(
          'UNKNOWN_NODE_TYPE',
          `Node '${n.id}' has type ${JSON.stringify(n.type).slice(0, 80)}, which ganvas does not know here.${suggest(n.type, spec.typeNames)}`,
          locAt(label, n.id, [...path, 'type'], locate),
        ),
      );
      bad.add(n.id);
      return;
    }
    const p = entry.params.safeParse(n.params ?? {});
    if (!p.success) {
      for (const issue of p.error.issues) {
        const key = issue.path.map(String).join('.');
        const at = [...path, 'params', ...issue.path.filter((x): x is string | number => typeof x !== 'symbol')];
        out.push(
          diag(
            'PARAM',
            `${entry.title} '${n.id}': ${key ? `param '${key}'` : 'params'}: ${issue.message}.`,
            locAt(label, n.id, at, locate),
          ),
        );
      }
      bad.add(n.id);
      return;
    }
    const params = p.data as Record<string, unknown>;
    if (spec.checkNode && !spec.checkNode(entry, params, n.id, path)) {
      bad.add(n.id);
      return;
    }
    const ports = spec.ports(entry, params);
    if (prev === undefined && !bad.has(n.id) && ports)
      nodes.set(n.id, { id: n.id, type: n.type, entry, params, index: i, ...ports });
  });

  const written = new Map(graph.nodes.map((n) => [n.id, n]));
  const driven = new Map<string, number>();
  const edges: CheckedEdge[] = [];
  graph.edges.forEach((e, i) => {
    const path = [...basePath, 'edges', i];
    if (!written.has(e.source) || !written.has(e.target)) {
      const missing = !written.has(e.source) ? e.source : e.target;
      const msg = `Edge ${i} goes ${JSON.stringify(e.source).slice(0, 60)} -> ${JSON.stringify(e.target).slice(0, 60)}, but ${label} has no node ${JSON.stringify(missing).slice(0, 60)}.`;
      out.push(
        diag(
          'EDGE_UNKNOWN_NODE',
          msg,
          locAt(label, undefined, [...path, !written.has(e.source) ? 'source' : 'target'], locate),
        ),
      );
      return;
    }
    const s = nodes.get(e.source);
    const t = nodes.get(e.target);
    let sourcePort: string | undefined;
    let targetPort: string | undefined;
    if (s) {
      sourcePort = resolvePort(s.outputs, e.sourcePort, 'out', spec.aliasSinglePort(s.entry));
      if (sourcePort === undefined)
        out.push(
          diag(
            'EDGE_UNKNOWN_PORT',
            `Edge ${i}: node '${s.id}' (${s.type}) has no output port '${e.sourcePort}'. Its outputs: ${s.outputs.join(', ') || 'none'}.`,
            locAt(label, s.id, [...path, 'sourcePort'], locate, e.sourcePort),
          ),
        );
    }
    if (t) {
      targetPort = resolvePort(t.inputs, e.targetPort, 'in', spec.aliasSinglePort(t.entry));
      if (targetPort === undefined)
        out.push(
          diag(
            'EDGE_UNKNOWN_PORT',
            `Edge ${i}: node '${t.id}' (${t.type}) has no input port '${e.targetPort}'. Its inputs: ${t.inputs.join(', ') || 'none'}.`,
            locAt(label, t.id, [...path, 'targetPort'], locate, e.targetPort),
          ),
        );
      else {
        const key = `${t.id}\u0000${targetPort}`;
        const prev = driven.get(key);
        if (prev !== undefined) {
          out.push(
            diag(
              'PORT_MULTIPLE',
              `Input '${targetPort}' of '${t.id}' is driven by two edges (edges[${prev}] and edges[${i}]). An input takes one tensor: merge them with Concat or Add, or remove one.`,
              locAt(label, t.id, path, locate, targetPort),
            ),
          );
          return;
        }
        driven.set(key, i);
      }
    }
    if (s && t && sourcePort !== undefined && targetPort !== undefined)
      edges.push({ index: i, source: s.id, sourcePort, target: t.id, targetPort });
  });
  return { bad, nodes, edges };
}
