/** The node registry (every node type, of every kind) and node types' shared vocabulary. The public surface of core/nodes. */
export * from './registry.js';
export * from './types.js';
export * from './training.js';
export * from './helpers.js';
