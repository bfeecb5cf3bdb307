/** Datasets and seeded randomness: the public surface of core/data for the shells. */
export * from './catalog.js';
export * from './datasets.js';
export * from './mnist-format.js';
export * from './random.js';
