/** Export targets: the standalone TypeScript and PyTorch training scripts. The public surface of core/codegen. */

export * from './layers.js';
export * from './pytorch.js';
export * from './typescript.js';
