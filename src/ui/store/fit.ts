/**
 * Which node types fit a given output: used when a wire is dropped on empty
 * canvas, to offer only the nodes that accept the tensor it carries.
 */

import type { TensorType } from '../../core/nodes/index.js';
import { NODE_TYPES } from '../../core/nodes/index.js';

export function fittingTypes(t: TensorType): string[] {
  const out: string[] = [];
  for (const def of NODE_TYPES.values()) {
    if (def.modelInput) continue;
    const params = def.params.parse({});
    const ports = def.inputs(params);
    if (ports.length === 0) continue;
    // Every input gets the same tensor (Add(x, x) fits where Add(x, y) would); a style input takes a vector.
    const inputs = ports.map((p) => (p.name === 'style' ? { shape: [null, 8], dtype: 'float32' as const } : t));
    const r = def.infer({ params, id: 'candidate', inputs, sources: inputs.map(() => 'the wire') });
    if ('outputs' in r) out.push(def.type);
  }
  return out;
}
