/**
 * The node registry: the single source of truth for every node type. The
 * validator, shape inference, compiler, summary, editor palette and inspector,
 * and code generation all read node types from here.
 */
import * as io from './defs/io.js';
import * as dense from './defs/dense.js';
import * as norm from './defs/norm.js';
import * as activation from './defs/activation.js';
import * as merge from './defs/merge.js';
import * as shape from './defs/shape.js';
import * as style from './defs/style.js';
import type { AnyNodeDef, Category } from './types.js';

const ALL: AnyNodeDef[] = [io, dense, norm, activation, merge, shape, style].flatMap((m) => Object.values(m) as AnyNodeDef[]);

export const NODE_TYPES: ReadonlyMap<string, AnyNodeDef> = new Map(ALL.map((d) => [d.type, d]));

export function getNodeDef(type: string): AnyNodeDef | undefined {
  return NODE_TYPES.get(type);
}

export function nodeTypesByCategory(): Map<Category, AnyNodeDef[]> {
  const m = new Map<Category, AnyNodeDef[]>();
  for (const d of NODE_TYPES.values()) {
    const list = m.get(d.category) ?? [];
    list.push(d);
    m.set(d.category, list);
  }
  return m;
}

/** The params of a node type with every default filled in. */
export function defaultParams(type: string): Record<string, unknown> {
  const def = getNodeDef(type);
  if (!def) throw new Error(`Unknown node type ${type}`);
  return def.params.parse({}) as Record<string, unknown>;
}
