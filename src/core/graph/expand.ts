/**
 * Block expansion: a Block node instantiates a reusable subgraph `repeat`
 * times in series. Expansion turns a model graph with Block nodes into a flat
 * graph of registry nodes plus pass-through nodes standing for the block's
 * Input and Output ports. Pass-through nodes build into nothing.
 */
import { type Diagnostic, diag } from '../diagnostics.js';
import { BLOCK_TYPE, blockParamsSchema, blockPorts, resolveBlockPort } from '../nodes/defs/block.js';
import { LIMITS } from '../project/limits.js';
import type { Graph, GraphEdge, GraphNode } from '../project/schema.js';

export const PASS_TYPE = '$Pass';
export { BLOCK_TYPE, type BlockParams, blockParamsSchema, blockPorts, resolveBlockPort } from '../nodes/defs/block.js';

/** Where an expanded node came from, for diagnostics. */
export interface Origin {
  graph: string;
  nodeId: string;
  path: (string | number)[];
  /** The Block node instance(s) it was expanded from, outermost first. */
  via: string[];
}

export interface FlatNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
  origin: Origin;
}
export interface FlatEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  /** Index of the edge in its graph's JSON, for diagnostics. */
  origin: { graph: string; path: (string | number)[] };
}
export interface FlatGraph {
  nodes: FlatNode[];
  edges: FlatEdge[];
}

interface Ctx {
  blocks: Record<string, Graph>;
  diagnostics: Diagnostic[];
  /** Node ids whose params already failed to parse, per graph label: skipped. */
  badNodes: Set<string>;
  /** Nodes emitted so far, against LIMITS.maxExpandedNodes. */
  count: number;
  /** Expanded node count of one instance of each block (memo), Infinity past the limit. */
  sizes: Map<string, number>;
}

/** Nodes one instance of `name` expands to (counting nested repeats), capped: Infinity once past the limit. */
function blockSize(name: string, ctx: Ctx, depth: number): number {
  const memo = ctx.sizes.get(name);
  if (memo !== undefined) return memo;
  const block = Object.prototype.hasOwnProperty.call(ctx.blocks, name) ? ctx.blocks[name] : undefined;
  if (!block || depth > LIMITS.maxBlockNesting) return 0; // reported where it is expanded
  ctx.sizes.set(name, 0); // a recursive block counts as nothing here; BLOCK_RECURSION reports it
  let size = 0;
  for (const node of block.nodes) {
    if (node.type !== BLOCK_TYPE) size++;
    else {
      const p = blockParamsSchema.safeParse(node.params ?? {});
      if (p.success) size += p.data.repeat * blockSize(p.data.block, ctx, depth + 1);
    }
    if (size > LIMITS.maxExpandedNodes) {
      size = Number.POSITIVE_INFINITY;
      break;
    }
  }
  ctx.sizes.set(name, size);
  return size;
}

/**
 * Expands a graph. `label` is the graph's name for diagnostics ('generator' or
 * 'block:res'), `basePath` its JSON path. Nodes whose own checks failed
 * (unknown type, bad params) are still included so that edges resolve; the
 * caller skips their inference.
 */
export function expandGraph(
  graph: Graph,
  label: string,
  basePath: (string | number)[],
  blocks: Record<string, Graph>,
  diagnostics: Diagnostic[],
): FlatGraph {
  const ctx: Ctx = { blocks, diagnostics, badNodes: new Set(), count: 0, sizes: new Map() };
  return expandInner(graph, label, basePath, '', [], ctx, []);
}

function expandInner(
  graph: Graph,
  label: string,
  basePath: (string | number)[],
  prefix: string,
  via: string[],
  ctx: Ctx,
  stack: string[],
): FlatGraph {
  const out: FlatGraph = { nodes: [], edges: [] };
  // For each Block instance: how to map its ports to expanded node ids.
  const portMap = new Map<string, { inputs: Map<string, string>; outputs: Map<string, string> }>();

  graph.nodes.forEach((node: GraphNode, i) => {
    const path = [...basePath, 'nodes', i];
    const origin: Origin = { graph: label, nodeId: node.id, path, via };
    if (node.type !== BLOCK_TYPE) {
      ctx.count++;
      out.nodes.push({ id: prefix + node.id, type: node.type, params: node.params ?? {}, origin });
      return;
    }
    const parsed = blockParamsSchema.safeParse(node.params ?? {});
    if (!parsed.success) return; // reported by the node checks
    const { block: blockName, repeat } = parsed.data;
    const block = Object.prototype.hasOwnProperty.call(ctx.blocks, blockName) ? ctx.blocks[blockName] : undefined;
    if (!block) {
      ctx.diagnostics.push(
        diag(
          'UNKNOWN_BLOCK',
          `Block node '${node.id}' refers to block ${JSON.stringify(blockName)}, which is not defined. Defined blocks: ${Object.keys(ctx.blocks).join(', ') || 'none'}.`,
          {
            graph: label,
            nodeId: node.id,
            path: [...path, 'params', 'block'],
          },
        ),
      );
      return;
    }
    if (stack.includes(blockName)) {
      ctx.diagnostics.push(
        diag(
          'BLOCK_RECURSION',
          `Block ${JSON.stringify(blockName)} instantiates itself (${[...stack, blockName].join(' -> ')}). A block cannot contain itself.`,
          {
            graph: label,
            nodeId: node.id,
            path: [...path, 'params', 'block'],
          },
        ),
      );
      return;
    }
    if (stack.length >= LIMITS.maxBlockNesting) {
      const msg =
        `Block node '${node.id}' nests blocks ${stack.length + 1} levels deep ` +
        `(${[...stack, blockName].slice(0, 6).join(' -> ')} ...), ` +
        `over the limit of ${LIMITS.maxBlockNesting} (LIMITS.maxBlockNesting).`;
      ctx.diagnostics.push(diag('LIMIT', msg, { graph: label, nodeId: node.id, path: [...path, 'params', 'block'] }));
      return;
    }
    // Count before building: nested repeats multiply (256^k), so nothing may be built past the limit.
    const size = repeat * blockSize(blockName, ctx, stack.length + 1);
    if (ctx.count + size > LIMITS.maxExpandedNodes) {
      const max = LIMITS.maxExpandedNodes.toLocaleString('en-US');
      const n = Number.isFinite(size) ? size.toLocaleString('en-US') : `more than ${max}`;
      const msg =
        `Block node '${node.id}' expands ${JSON.stringify(blockName)} x${repeat} into ${n} nodes, ` +
        `which takes the model past the limit of ${max} nodes after expansion (LIMITS.maxExpandedNodes). ` +
        'Lower repeat or the nesting of blocks.';
      ctx.diagnostics.push(diag('LIMIT', msg, { graph: label, nodeId: node.id, path: [...path, 'params', 'repeat'] }));
      return;
    }
    const ports = blockPorts(block);
    if (ports.inputs.length === 0 || ports.outputs.length === 0) {
      ctx.diagnostics.push(
        diag(
          'BLOCK_INTERFACE',
          `Block ${JSON.stringify(blockName)} needs at least one Input and one Output node to be used; it has ${ports.inputs.length} and ${ports.outputs.length}.`,
          {
            graph: label,
            nodeId: node.id,
            path: [...path, 'params', 'block'],
          },
        ),
      );
      return;
    }
    if (repeat > 1 && ports.inputs.length !== ports.outputs.length) {
      ctx.diagnostics.push(
        diag(
          'BLOCK_INTERFACE',
          `Block node '${node.id}' repeats ${JSON.stringify(blockName)} ${repeat} times, so its outputs must feed its inputs, but it has ${ports.inputs.length} input(s) and ${ports.outputs.length} output(s). Set repeat to 1 or match the ports.`,
          { graph: label, nodeId: node.id, path: [...path, 'params', 'repeat'] },
        ),
      );
      return;
    }
    const inner = { inputs: new Map<string, string>(), outputs: new Map<string, string>() };
    let prevOutputs: string[] | undefined;
    for (let r = 0; r < repeat; r++) {
      const p = `${prefix}${node.id}_${repeat > 1 ? `${r}_` : ''}`;
      const sub = expandInner(block, `block:${blockName}`, ['blocks', blockName], p, [...via, prefix + node.id], ctx, [
        ...stack,
        blockName,
      ]);
      for (const n of sub.nodes) {
        // The block's Input and Output nodes become pass-throughs.
        const isPort =
          n.origin.graph === `block:${blockName}` &&
          n.origin.via.length === via.length + 1 &&
          (n.type === 'Input' || n.type === 'Output');
        out.nodes.push(isPort ? { ...n, type: PASS_TYPE, params: {} } : n);
      }
      for (const e of sub.edges) out.edges.push(e); // not push(...): a spread of 100,000 arguments overflows the stack
      if (prevOutputs) {
        ports.inputs.forEach((inp, k) => {
          out.edges.push({
            source: prevOutputs![k] as string,
            sourcePort: 'out',
            target: p + inp,
            targetPort: 'in',
            origin: { graph: label, path: [...path, 'params', 'repeat'] },
          });
        });
      }
      if (r === 0) ports.inputs.forEach((inp) => inner.inputs.set(inp, p + inp));
      prevOutputs = ports.outputs.map((o) => p + o);
      if (r === repeat - 1) ports.outputs.forEach((o) => inner.outputs.set(o, p + o));
    }
    portMap.set(node.id, inner);
  });

  graph.edges.forEach((e: GraphEdge, i) => {
    const origin = { graph: label, path: [...basePath, 'edges', i] };
    let source = prefix + e.source;
    let sourcePort = e.sourcePort;
    let target = prefix + e.target;
    let targetPort = e.targetPort;
    const sm = portMap.get(e.source);
    if (sm) {
      const port = resolveBlockPort([...sm.outputs.keys()], e.sourcePort, 'out');
      if (port === undefined) return; // reported by the edge checks
      source = sm.outputs.get(port) as string;
      sourcePort = 'out';
    }
    const tm = portMap.get(e.target);
    if (tm) {
      const port = resolveBlockPort([...tm.inputs.keys()], e.targetPort, 'in');
      if (port === undefined) return;
      target = tm.inputs.get(port) as string;
      targetPort = 'in';
    }
    out.edges.push({ source, sourcePort, target, targetPort, origin });
  });
  return out;
}
