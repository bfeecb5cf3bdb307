/** Export targets: the standalone TypeScript training script. The public surface of core/codegen. */
export * from './typescript.js';
export * from './layers.js';
