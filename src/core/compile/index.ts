/** The walks: models (walkModel, compileModel) and the training plan (player programs, emitters). The public surface of core/compile. */
export * from './model.js';
export * from './plan.js';
