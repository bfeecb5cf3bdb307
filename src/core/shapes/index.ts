/** Structure checks, shape inference and the project analysis. The public surface of core/shapes. */
export * from './structure.js';
export * from './infer.js';
export * from './training.js';
export * from './project.js';
export * from './incremental.js';
