/**
 * The Block node: an instance of one of the project's reusable subgraphs
 * ("blocks"), applied `repeat` times in series. Its ports are the block's
 * Input and Output node ids; graph/expand.ts flattens it before inference.
 */
import { z } from 'zod';
import type { Graph } from '../../project/schema.js';
import type { EntryBase, PortSpec } from '../types.js';

export const BLOCK_TYPE = 'Block';

export const blockParamsSchema = z
  .object({
    block: z.string().min(1).describe('Name of the block (in the project\'s "blocks").'),
    repeat: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe('Times the block is applied in series; its outputs feed its inputs.'),
  })
  .strict();
export type BlockParams = z.infer<typeof blockParamsSchema>;

/** The ports of a block: its Input node ids, then its Output node ids. */
export function blockPorts(block: Graph): { inputs: string[]; outputs: string[] } {
  return {
    inputs: block.nodes.filter((n) => n.type === 'Input').map((n) => n.id),
    outputs: block.nodes.filter((n) => n.type === 'Output').map((n) => n.id),
  };
}

/** Resolves an edge port name on a block instance ('in'/'out' alias a single port). */
export function resolveBlockPort(ports: string[], name: string, alias: 'in' | 'out'): string | undefined {
  if (ports.includes(name)) return name;
  if (name === alias && ports.length === 1) return ports[0];
  return undefined;
}

/** The registry entry of the Block node. */
export interface BlockDef extends EntryBase<BlockParams> {
  kind: 'block';
  category: 'block';
  /** Its ports, from the project's blocks; undefined when the block does not exist. */
  ports: (p: BlockParams, blocks: Record<string, Graph>) => { inputs: PortSpec[]; outputs: PortSpec[] } | undefined;
}

export const Block: BlockDef = {
  kind: 'block',
  type: BLOCK_TYPE,
  title: 'Block',
  category: 'block',
  doc: "An instance of one of the project's blocks (a reusable subgraph, e.g. a ResNet block), applied `repeat` times in series: its outputs feed its inputs. Select nodes and Group to make one.",
  params: blockParamsSchema,
  blank: { block: '', repeat: 1 },
  ports: (p, blocks) => {
    const b = Object.prototype.hasOwnProperty.call(blocks, p.block) ? blocks[p.block] : undefined;
    if (!b) return undefined;
    const ports = blockPorts(b);
    return {
      inputs: ports.inputs.map((name) => ({ name, doc: `Block input ${name}.` })),
      outputs: ports.outputs.map((name) => ({ name, doc: `Block output ${name}.` })),
    };
  },
};
