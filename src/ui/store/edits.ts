/**
 * The edits a person makes on a graph, as functions on an immer draft of the
 * project. A graph is a model, a block or the training graph.
 */
import type { Draft } from 'immer';
import { defaultParams, entryFor } from '../../core/nodes/index.js';
import { NAME_PATTERN } from '../../core/project/index.js';
import { defaultFlow, flowOf, layoutPositions } from '../editor/layout.js';
import type { ProjectDoc } from './history.js';

export type GraphRef = { kind: 'model'; name: string } | { kind: 'block'; name: string } | { kind: 'training' };

export interface DocNode {
  id: string;
  type: string;
  label?: string;
  params?: Record<string, unknown>;
  position?: { x: number; y: number };
}
export interface DocEdge {
  id?: string;
  source: string;
  sourcePort?: string;
  target: string;
  targetPort?: string;
}
interface DocGraph {
  nodes: DocNode[];
  edges?: DocEdge[];
}

export function graphOf(doc: Draft<ProjectDoc> | ProjectDoc, ref: GraphRef): DocGraph | undefined {
  const d = doc as ProjectDoc;
  if (ref.kind === 'training') return d.training as DocGraph | undefined;
  const table = (ref.kind === 'model' ? d.models : d.blocks) as Record<string, DocGraph> | undefined;
  return table && Object.prototype.hasOwnProperty.call(table, ref.name) ? table[ref.name] : undefined;
}

function edgesOf(g: DocGraph): DocEdge[] {
  g.edges ??= [];
  return g.edges;
}

/** A fresh id from a type name: "conv2d_3". */
export function freshId(g: DocGraph, type: string): string {
  const base = type.replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'node';
  const taken = new Set(g.nodes.map((n) => n.id));
  for (let k = 1; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

export function addNode(ref: GraphRef, type: string, position: { x: number; y: number }, id?: string) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    const params = entryFor(ref.kind === 'training' ? 'training' : 'model', type) ? defaultParams(type) : {};
    g.nodes.push({
      id: id && NAME_PATTERN.test(id) && !g.nodes.some((n) => n.id === id) ? id : freshId(g, type),
      type,
      params,
      position,
    });
  };
}

/** Removes nodes and every edge touching them, as one step. */
export function removeNodes(ref: GraphRef, ids: string[]) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    const gone = new Set(ids);
    g.nodes = g.nodes.filter((n) => !gone.has(n.id));
    g.edges = edgesOf(g).filter((e) => !gone.has(e.source) && !gone.has(e.target));
  };
}

export function removeEdges(ref: GraphRef, indices: number[]) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    const gone = new Set(indices);
    g.edges = edgesOf(g).filter((_, i) => !gone.has(i));
  };
}

/** Connects source.port -> target.port; an input takes one edge, so an existing one into it is replaced. */
export function connect(ref: GraphRef, source: string, sourcePort: string, target: string, targetPort: string) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    const edges = edgesOf(g).filter((e) => !(e.target === target && (e.targetPort ?? 'in') === targetPort));
    edges.push({
      source,
      ...(sourcePort !== 'out' ? { sourcePort } : {}),
      target,
      ...(targetPort !== 'in' ? { targetPort } : {}),
    });
    g.edges = edges;
  };
}

export function setParam(ref: GraphRef, id: string, key: string, value: unknown) {
  return (draft: Draft<ProjectDoc>): void => {
    const n = graphOf(draft, ref)?.nodes.find((x) => x.id === id);
    if (!n) return;
    n.params ??= {};
    n.params[key] = value;
  };
}

/** Replaces all params of a node at once (one undo step), e.g. switching a Dataset's source. */
export function replaceParams(ref: GraphRef, id: string, params: Record<string, unknown>) {
  return (draft: Draft<ProjectDoc>): void => {
    const n = graphOf(draft, ref)?.nodes.find((x) => x.id === id);
    if (n) n.params = { ...params };
  };
}

export function moveNodes(ref: GraphRef, positions: Record<string, { x: number; y: number }>) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    for (const n of g.nodes) {
      const p = positions[n.id];
      if (p) n.position = { x: Math.round(p.x), y: Math.round(p.y) };
    }
  };
}

/** Pastes copied nodes and the edges among them, with fresh ids, offset on the canvas. */
export function paste(ref: GraphRef, nodes: DocNode[], edges: DocEdge[], offset = { x: 40, y: 40 }) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    const rename = new Map<string, string>();
    for (const n of nodes) {
      const id =
        g.nodes.some((x) => x.id === n.id) || [...rename.values()].includes(n.id)
          ? freshId({ nodes: [...g.nodes, ...[...rename.values()].map((v) => ({ id: v, type: '' }))] }, n.type)
          : n.id;
      rename.set(n.id, id);
      const p = n.position ?? { x: 0, y: 0 };
      g.nodes.push({ ...clone(n), id, position: { x: p.x + offset.x, y: p.y + offset.y } });
    }
    for (const e of edges) {
      const s = rename.get(e.source);
      const t = rename.get(e.target);
      if (s && t) edgesOf(g).push({ ...clone(e), source: s, target: t });
    }
  };
}

/** Lays the graph out with dagre along the direction it already flows in (a new graph: its default): one step. */
export function autoLayout(ref: GraphRef) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g) return;
    const edges = edgesOf(g);
    const at = layoutPositions(g.nodes, edges, flowOf(g.nodes, edges, defaultFlow(ref.kind === 'training')));
    for (const n of g.nodes) n.position = at.get(n.id) ?? { x: 0, y: 0 };
  };
}

/**
 * Turns the selected nodes into a reusable block and puts one Block node in
 * their place, as one step. Edges entering the selection become the block's
 * Input nodes (one per distinct source), edges leaving it its Output nodes
 * (one per distinct source inside), and the outside is rewired to the
 * instance's ports.
 */
export function groupIntoBlock(ref: GraphRef, ids: string[], blockName: string) {
  return (draft: Draft<ProjectDoc>): void => {
    const g = graphOf(draft, ref);
    if (!g || ref.kind === 'training' || !NAME_PATTERN.test(blockName)) return;
    const d = draft as ProjectDoc;
    d.blocks ??= {};
    if (Object.prototype.hasOwnProperty.call(d.blocks, blockName)) return;
    const inside = new Set(ids.filter((id) => g.nodes.some((n) => n.id === id)));
    if (inside.size === 0) return;
    const edges = edgesOf(g);
    const incoming = edges.filter((e) => !inside.has(e.source) && inside.has(e.target));
    const outgoing = edges.filter((e) => inside.has(e.source) && !inside.has(e.target));
    const internal = edges.filter((e) => inside.has(e.source) && inside.has(e.target));
    const key = (e: DocEdge) => `${e.source}.${e.sourcePort ?? 'out'}`;
    const inPorts = new Map<string, string>();
    for (const e of incoming) if (!inPorts.has(key(e))) inPorts.set(key(e), `in_${inPorts.size + 1}`);
    const outPorts = new Map<string, string>();
    for (const e of outgoing) if (!outPorts.has(key(e))) outPorts.set(key(e), `out_${outPorts.size + 1}`);
    const selected = g.nodes.filter((n) => inside.has(n.id));
    const xs = selected.map((n) => n.position?.x ?? 0);
    const ys = selected.map((n) => n.position?.y ?? 0);
    const blockNodes: DocNode[] = [
      ...[...inPorts.values()].map((id, i) => ({
        id,
        type: 'Input',
        params: { shape: [1] },
        position: { x: Math.min(...xs) - 240, y: Math.min(...ys) + i * 100 },
      })),
      ...selected.map((n) => clone(n)),
      ...[...outPorts.values()].map((id, i) => ({
        id,
        type: 'Output',
        position: { x: Math.max(...xs) + 240, y: Math.min(...ys) + i * 100 },
      })),
    ];
    const blockEdges: DocEdge[] = [
      ...incoming.map((e) => ({
        source: inPorts.get(key(e)) as string,
        target: e.target,
        ...(e.targetPort && e.targetPort !== 'in' ? { targetPort: e.targetPort } : {}),
      })),
      ...internal.map((e) => clone(e)),
      ...[...outPorts.entries()].map(([k, id]) => {
        const [source, port] = k.split('.') as [string, string];
        return { source, ...(port !== 'out' ? { sourcePort: port } : {}), target: id };
      }),
    ];
    d.blocks[blockName] = { nodes: blockNodes as never, edges: blockEdges as never };
    let instance = blockName;
    for (let k = 2; g.nodes.some((n) => n.id === instance && !inside.has(n.id)); k++) instance = `${blockName}_${k}`;
    g.nodes = g.nodes.filter((n) => !inside.has(n.id));
    g.nodes.push({
      id: instance,
      type: 'Block',
      params: { block: blockName, repeat: 1 },
      position: {
        x: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length),
        y: Math.round(ys.reduce((a, b) => a + b, 0) / ys.length),
      },
    });
    g.edges = [
      ...edges.filter((e) => !inside.has(e.source) && !inside.has(e.target)),
      ...[...inPorts.entries()].map(([k, port]) => {
        const [source, sp] = k.split('.') as [string, string];
        return { source, ...(sp !== 'out' ? { sourcePort: sp } : {}), target: instance, targetPort: port };
      }),
      ...outgoing.map((e) => ({
        source: instance,
        sourcePort: outPorts.get(key(e)) as string,
        target: e.target,
        ...(e.targetPort && e.targetPort !== 'in' ? { targetPort: e.targetPort } : {}),
      })),
    ];
  };
}

/** A deep copy that works on immer drafts too (structuredClone refuses proxies). */
function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Adds a model graph (an imported one) under a free name; returns the edit and the name used. */
export function addModel(wanted: string, graph: { nodes: DocNode[]; edges: DocEdge[]; description?: string }) {
  return (draft: Draft<ProjectDoc>): void => {
    const d = draft as ProjectDoc;
    let name = wanted.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z]/.test(name)) name = `m_${name}`;
    name = name.slice(0, 56);
    const base = name;
    for (let k = 2; Object.prototype.hasOwnProperty.call(d.models, name); k++) name = `${base}_${k}`;
    (d.models as Record<string, unknown>)[name] = clone(graph);
  };
}
