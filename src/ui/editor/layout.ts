/**
 * Graph layout with dagre (@dagrejs/dagre): layers along one flow direction,
 * skips routed around nodes, disconnected parts side by side. A graph flows
 * top to bottom or left to right; its ports sit on the matching sides (inputs
 * where the flow enters, outputs where it leaves). Pure: no React, no DOM.
 */
import dagre from '@dagrejs/dagre';

/** Top to bottom, or left to right. */
export type Flow = 'TB' | 'LR';

interface Item {
  id: string;
  position?: { x: number; y: number };
}
interface Link {
  source: string;
  target: string;
}

/** A node's box for layout (the canvas draws nodes 140 to 260 px wide). */
export const NODE_SIZE = { width: 200, height: 90 };

/**
 * The direction a laid-out graph flows in: the one most of its edges run along
 * (source to target), or `fallback` when it has no positioned edge or a tie.
 */
export function flowOf(nodes: readonly Item[], edges: readonly Link[], fallback: Flow): Flow {
  const at = new Map(nodes.map((n) => [n.id, n.position]));
  let across = 0;
  let down = 0;
  for (const e of edges) {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (!a || !b || (a.x === b.x && a.y === b.y)) continue;
    if (Math.abs(b.y - a.y) > Math.abs(b.x - a.x)) down++;
    else across++;
  }
  if (across === 0 && down === 0) return fallback;
  return down > across ? 'TB' : down < across ? 'LR' : fallback;
}

/** The default flow of a graph: models top to bottom (as the papers draw them), the training graph left to right. */
export function defaultFlow(training: boolean): Flow {
  return training ? 'LR' : 'TB';
}

/** Top-left positions for every node, laid out by dagre along `flow`; edges to unknown nodes are ignored. */
export function layoutPositions(
  nodes: readonly Item[],
  edges: readonly Link[],
  flow: Flow,
): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const tb = flow === 'TB';
  g.setGraph({ rankdir: flow, nodesep: tb ? 40 : 30, ranksep: tb ? 50 : 80, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) g.setNode(n.id, { ...NODE_SIZE });
  edges.forEach((e, i) => {
    if (ids.has(e.source) && ids.has(e.target) && e.source !== e.target) g.setEdge(e.source, e.target, {}, `e${i}`);
  });
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number } | undefined;
    // dagre gives centres; the canvas wants top-left corners.
    const corner = p && { x: Math.round(p.x - NODE_SIZE.width / 2), y: Math.round(p.y - NODE_SIZE.height / 2) };
    out.set(n.id, corner ?? { x: 0, y: 0 });
  }
  return out;
}

/** The smallest zoom at which node text (12 px) still reads at 10 px or more on screen. */
export const READABLE_ZOOM = 0.85;

/**
 * How the canvas opens a graph: the whole of it when it fits at a readable zoom, else the nodes where
 * it starts (those no edge enters), at a readable zoom.
 */
export function openingFit(
  nodes: readonly Item[],
  edges: readonly Link[],
  view: { width: number; height: number },
): { nodes?: { id: string }[]; minZoom: number; maxZoom: number } {
  const ps = nodes.map((n) => n.position ?? { x: 0, y: 0 });
  if (ps.length === 0) return { minZoom: READABLE_ZOOM, maxZoom: 1 };
  const w = Math.max(...ps.map((p) => p.x)) - Math.min(...ps.map((p) => p.x)) + NODE_SIZE.width;
  const h = Math.max(...ps.map((p) => p.y)) - Math.min(...ps.map((p) => p.y)) + NODE_SIZE.height;
  if (Math.min(view.width / w, view.height / h) >= READABLE_ZOOM) return { minZoom: READABLE_ZOOM, maxZoom: 1 };
  // The corner where the graph starts, and every node that fits on screen from there at a readable zoom.
  const entered = new Set(edges.map((e) => e.target));
  const starts = nodes.filter((n) => !entered.has(n.id) && n.position);
  const from = starts.length ? starts.map((n) => n.position!) : ps;
  const x0 = Math.min(...from.map((p) => p.x));
  const y0 = Math.min(...from.map((p) => p.y));
  const room = { w: view.width / READABLE_ZOOM - NODE_SIZE.width, h: view.height / READABLE_ZOOM - NODE_SIZE.height };
  const shown = nodes.filter((n) => {
    const p = n.position ?? { x: 0, y: 0 };
    return p.x >= x0 && p.y >= y0 && p.x - x0 <= room.w && p.y - y0 <= room.h;
  });
  const chosen = shown.length ? shown : starts.length ? starts : nodes.slice(0, 1);
  return { nodes: chosen.map((n) => ({ id: n.id })), minZoom: READABLE_ZOOM, maxZoom: 1 };
}
