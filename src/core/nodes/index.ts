/** The node registry (every node type, of every kind) and node types' shared vocabulary. The public surface of core/nodes. */

export * from './helpers.js';
export * from './registry.js';
export * from './training.js';
export * from './types.js';
