/**
 * How a node prints as TypeScript: each LayerSpec of the registry becomes a
 * tf.layers call or a custom layer construction. Configs are printed as JSON
 * literals, so no string from a project can become code.
 */
import type { LayerSpec } from '../nodes/types.js';

/** A JS expression constructing the layer, e.g. `tf.layers.dense({"name":"fc","units":128})`. */
export function printLayer(spec: LayerSpec, tfName = 'tf', customNamespace?: string): string {
  const config = JSON.stringify(spec.config);
  if (spec.kind === 'tfjs') return `${tfName}.layers.${spec.factory}(${config})`;
  return `new ${customNamespace ? `${customNamespace}.` : ''}${spec.name}(${config})`;
}
