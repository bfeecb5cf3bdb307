/**
 * Renaming, as pure edits on an immer draft of the project: a node id (with
 * every edge that names it, and the ports named after it where the node is a
 * model's or a block's interface), and a model (with every training node that
 * refers to it). Lives in the UI for now; it belongs in core (project/) next
 * to the schema whose references it follows.
 */
import type { Draft } from 'immer';
import { NAME_PATTERN, NAME_RULE } from '../../core/project/index.js';
import { type DocEdge, type DocNode, type GraphRef, graphOf } from '../store/edits.js';
import type { ProjectDoc } from '../store/history.js';

interface DocGraph {
  nodes: DocNode[];
  edges?: DocEdge[];
}

/** Why a new name cannot be used, or undefined when it can. */
export function badName(name: string, taken: Iterable<string>, what: string): string | undefined {
  if (!NAME_PATTERN.test(name)) return `A ${what} is ${NAME_RULE}.`;
  for (const t of taken) if (t === name) return `This graph already has a ${what} '${name}'.`;
  return undefined;
}

/** Every graph of the project with what it is: its models, its blocks and the training graph. */
function allGraphs(d: ProjectDoc): { ref: GraphRef; g: DocGraph }[] {
  const out: { ref: GraphRef; g: DocGraph }[] = [];
  for (const name of Object.keys(d.models ?? {})) {
    const g = graphOf(d, { kind: 'model', name });
    if (g) out.push({ ref: { kind: 'model', name }, g });
  }
  for (const name of Object.keys((d.blocks as Record<string, unknown> | undefined) ?? {})) {
    const g = graphOf(d, { kind: 'block', name });
    if (g) out.push({ ref: { kind: 'block', name }, g });
  }
  const t = graphOf(d, { kind: 'training' });
  if (t) out.push({ ref: { kind: 'training' }, g: t });
  return out;
}

/** Renames a port on every edge touching one of `callers` (model calls or block instances). */
function renamePort(g: DocGraph, callers: Set<string>, from: string, to: string): void {
  for (const e of g.edges ?? []) {
    if (callers.has(e.target) && e.targetPort === from) e.targetPort = to;
    if (callers.has(e.source) && e.sourcePort === from) e.sourcePort = to;
  }
}

/**
 * Renames node `from` of a graph to `to`: the node, the edges of its graph,
 * and, when it is an interface node of a model (ports of its ModelCalls) or
 * of a block (ports of its Block instances), those ports everywhere.
 */
export function renameNode(ref: GraphRef, from: string, to: string) {
  return (draft: Draft<ProjectDoc>): void => {
    const d = draft as ProjectDoc;
    const g = graphOf(d, ref);
    const node = g?.nodes.find((n) => n.id === from);
    if (
      !g ||
      !node ||
      from === to ||
      badName(
        to,
        g.nodes.map((n) => n.id),
        'node id',
      )
    )
      return;
    node.id = to;
    for (const e of g.edges ?? []) {
      if (e.source === from) e.source = to;
      if (e.target === from) e.target = to;
    }
    if (ref.kind === 'training') return;
    // A model's or block's interface node names a port of its callers.
    for (const other of allGraphs(d)) {
      const calls = other.g.nodes.filter((n) =>
        ref.kind === 'model'
          ? other.ref.kind === 'training' && n.type === 'ModelCall' && n.params?.model === ref.name
          : n.type === 'Block' && n.params?.block === ref.name,
      );
      if (calls.length > 0) renamePort(other.g, new Set(calls.map((n) => n.id)), from, to);
    }
  };
}

/** Renames model `from` to `to`, keeping its place among the models, and every training node's reference to it. */
export function renameModel(from: string, to: string) {
  return (draft: Draft<ProjectDoc>): void => {
    const d = draft as ProjectDoc;
    const models = d.models as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(models, from) || badName(to, Object.keys(models), 'model')) return;
    const entries = Object.entries(models);
    for (const k of Object.keys(models)) delete models[k];
    for (const [k, v] of entries) models[k === from ? to : k] = v;
    const t = graphOf(d, { kind: 'training' });
    for (const n of t?.nodes ?? []) {
      const p = n.params;
      if (!p) continue;
      // ModelCall.model, GradientPenalty.critic, Optimizer.models: every param naming a model.
      for (const [k, v] of Object.entries(p)) {
        if (v === from && (k === 'model' || k === 'critic')) p[k] = to;
        else if (k === 'models' && Array.isArray(v)) p[k] = v.map((x) => (x === from ? to : x));
      }
    }
  };
}
