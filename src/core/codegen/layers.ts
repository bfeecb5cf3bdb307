/**
 * How a node prints as TypeScript: each LayerSpec of the registry becomes a
 * tf.layers call or a custom layer construction. Configs are printed as JSON
 * literals, so no string from a project can become code; the one exception is
 * an initializer of a tf.layers call, printed as the tf.initializers call its
 * serialized form names (from a fixed table), with a JSON config (ganvas' own
 * Orthogonal from the custom layers module for 'Orthogonal').
 */
import { INITIALIZER_KEYS } from '../nodes/init.js';
import { INITIALIZER_FACTORIES, type SerializedInitializer } from '../nodes/layers/custom.js';
import type { LayerSpec } from '../nodes/types.js';

const INIT_KEYS: ReadonlySet<string> = new Set(INITIALIZER_KEYS);

/** `tf.initializers.randomNormal({"mean":0,"stddev":0.02})` for { className: 'RandomNormal', config: {...} }. */
export function printInitializer(s: SerializedInitializer, tfName = 'tf', customNamespace?: string): string {
  const fn = INITIALIZER_FACTORIES[s.className];
  if (fn === undefined) throw new Error(`Unknown initializer '${String(s.className)}'.`);
  // ganvas' own orthogonal initializer (custom.ts' Orthogonal: the same bits on every backend, as in the app).
  if (s.className === 'Orthogonal')
    return `new ${customNamespace ? `${customNamespace}.` : ''}Orthogonal(${JSON.stringify(s.config ?? {})})`;
  if (fn === 'zeros' || fn === 'ones') return `${tfName}.initializers.${fn}()`;
  return `${tfName}.initializers.${fn}(${JSON.stringify(s.config ?? {})})`;
}

/** Whether a layer spec needs the custom layers module: a custom layer, or ganvas' orthogonal initializer. */
export function needsCustom(spec: LayerSpec): boolean {
  if (spec.kind === 'custom') return true;
  return Object.entries(spec.config).some(
    ([k, v]) => INIT_KEYS.has(k) && (v as SerializedInitializer | undefined)?.className === 'Orthogonal',
  );
}

/** A JS expression constructing the layer, e.g. `tf.layers.dense({"name":"fc","units":128})`. */
export function printLayer(spec: LayerSpec, tfName = 'tf', customNamespace?: string): string {
  if (spec.kind === 'tfjs') {
    const entries = Object.entries(spec.config).filter(([, v]) => v !== undefined);
    if (!entries.some(([k]) => INIT_KEYS.has(k)))
      return `${tfName}.layers.${spec.factory}(${JSON.stringify(spec.config)})`;
    const body = entries
      .map(
        ([k, v]) =>
          `${JSON.stringify(k)}:${INIT_KEYS.has(k) ? printInitializer(v as SerializedInitializer, tfName, customNamespace) : JSON.stringify(v)}`,
      )
      .join(',');
    return `${tfName}.layers.${spec.factory}({${body}})`;
  }
  // Custom layers take the serialized form itself and deserialize it (custom.ts' makeInitializer).
  return `new ${customNamespace ? `${customNamespace}.` : ''}${spec.name}(${JSON.stringify(spec.config)})`;
}
