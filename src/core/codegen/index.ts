/** Export targets: the standalone TypeScript training script. The public surface of core/codegen. */

export * from './layers.js';
export * from './typescript.js';
