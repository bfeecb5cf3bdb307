/** Structure checks, shape inference and the project analysis. The public surface of core/shapes. */

export * from './incremental.js';
export * from './infer.js';
export * from './project.js';
export * from './structure.js';
export * from './trainability.js';
export * from './training.js';
