/** Importers: Keras models as ganvas graphs. The public surface of core/import. */
export * from './keras.js';
