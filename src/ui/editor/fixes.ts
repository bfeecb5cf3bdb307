/**
 * The fixes a diagnostic offers, found from its code and location. No React, no DOM.
 */
import type { Diagnostic } from '../../core/diagnostics.js';

export interface EdgeFix {
  /** The graph's tab: a model's name, `block:<name>` or `training`. */
  readonly tab: string;
  /** The edge's index in its graph's edge list. */
  readonly index: number;
}

/** An edge that names a missing node or port can be deleted: which one, from the diagnostic's JSON path. */
export function danglingEdgeOf(d: Diagnostic): EdgeFix | undefined {
  if (d.code !== 'EDGE_UNKNOWN_NODE' && d.code !== 'EDGE_UNKNOWN_PORT') return undefined;
  const path = d.location.path ?? [];
  const k = path.indexOf('edges');
  const index = path[k + 1];
  if (k < 0 || typeof index !== 'number') return undefined;
  // ["models", name, "edges", i], ["blocks", name, "edges", i] or ["training", "edges", i].
  const tab = path[0] === 'training' ? 'training' : path[0] === 'blocks' ? `block:${String(path[1])}` : String(path[1]);
  return { tab: d.location.graph ?? tab, index };
}
