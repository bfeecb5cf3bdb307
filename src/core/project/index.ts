/** The project file: schema, parsing with located errors, variants. The public surface of core/project. */

export * from './limits.js';
export * from './parse.js';
export * from './schema.js';
export * from './variant.js';
