/**
 * The node registry: the single source of truth for every node type, of
 * every kind: layer nodes and Block instances (model graphs) and training
 * nodes (the training graph). The validator, shape inference, compiler,
 * summary, editor palette and inspector, and code generation all read node
 * types from here.
 */

import * as activation from './defs/activation.js';
import * as biggan from './defs/biggan.js';
import { Block, type BlockDef } from './defs/block.js';
import * as dense from './defs/dense.js';
import * as io from './defs/io.js';
import * as merge from './defs/merge.js';
import * as norm from './defs/norm.js';
import * as shape from './defs/shape.js';
import * as style from './defs/style.js';
import { type AnyTrainingNodeDef, TRAINING_NODES } from './training.js';
import type { AnyNodeDef } from './types.js';

/** One entry of the registry; `kind` tells which. */
export type RegistryEntry = AnyNodeDef | AnyTrainingNodeDef | BlockDef;
/** The two kinds of graph a project holds. */
export type GraphKind = 'model' | 'training';

const LAYERS: AnyNodeDef[] = [io, dense, norm, activation, merge, shape, style, biggan].flatMap(
  (m) => Object.values(m) as AnyNodeDef[],
);

/** Every node type, by type name (names are unique across kinds). */
export const REGISTRY: ReadonlyMap<string, RegistryEntry> = new Map<string, RegistryEntry>(
  [...LAYERS, Block, ...TRAINING_NODES].map((d) => [d.type, d]),
);

/** Which kinds of node a graph of this kind holds. */
export function kindsIn(graph: GraphKind): readonly RegistryEntry['kind'][] {
  return graph === 'training' ? ['training'] : ['layer', 'block'];
}

/** The entries a graph of this kind may hold, in registry order (the palette's list). */
export function entriesFor(graph: GraphKind): RegistryEntry[] {
  const kinds = kindsIn(graph);
  return [...REGISTRY.values()].filter((d) => kinds.includes(d.kind));
}

/** The entry of a type, when a graph of this kind may hold it. */
export function entryFor(graph: GraphKind, type: string): RegistryEntry | undefined {
  const d = REGISTRY.get(type);
  return d && kindsIn(graph).includes(d.kind) ? d : undefined;
}

/** A layer node's definition. */
export function getNodeDef(type: string): AnyNodeDef | undefined {
  const d = REGISTRY.get(type);
  return d?.kind === 'layer' ? d : undefined;
}

/** A training node's definition. */
export function getTrainingNodeDef(type: string): AnyTrainingNodeDef | undefined {
  const d = REGISTRY.get(type);
  return d?.kind === 'training' ? d : undefined;
}

/** The layer nodes, by type. */
export const NODE_TYPES: ReadonlyMap<string, AnyNodeDef> = new Map(LAYERS.map((d) => [d.type, d]));

/** The params of a node type with every default filled in. */
export function defaultParams(type: string): Record<string, unknown> {
  const def = REGISTRY.get(type);
  if (!def) throw new Error(`Unknown node type ${type}`);
  const r = def.params.safeParse({});
  return r.success ? (r.data as Record<string, unknown>) : { ...def.blank };
}
