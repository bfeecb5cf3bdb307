/** The latent explorer: latent utilities (seeded z, interpolation, truncation) and the Explorer over a run's generator. The public surface of core/explore. */
export * from './explorer.js';
export * from './latent.js';
