/**
 * Compiles an analysed model graph into a tf.LayersModel. Every layer is
 * named by its node id, so weights, summaries and diagnostics line up.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CUSTOM_LAYERS, registerCustomLayers } from '../nodes/layers/custom.js';
import type { LayerSpec } from '../nodes/types.js';
import { PASS_TYPE } from '../graph/expand.js';
import type { ModelAnalysis } from '../shapes/infer.js';

export class CompileError extends Error {}

type Sym = tfl.SymbolicTensor;

/** Creates the tfjs layer a spec describes. */
export function makeLayer(spec: LayerSpec): tfl.layers.Layer {
  if (spec.kind === 'custom') {
    const Cls = CUSTOM_LAYERS[spec.name] as unknown as new (config: Record<string, unknown>) => tfl.layers.Layer;
    return new Cls(spec.config);
  }
  const factory = tfl.layers[spec.factory] as unknown as (config: Record<string, unknown>) => tfl.layers.Layer;
  return factory(spec.config);
}

/** Builds a tf.LayersModel from a complete model analysis (see analyzeModel). */
export function compileModel(m: ModelAnalysis): tfl.LayersModel {
  registerCustomLayers();
  if (!m.complete) throw new CompileError(`Model '${m.name}' has errors; validate it first.`);
  const produced = new Map<string, Sym>();
  // Which node/port feeds each input port.
  const feeds = new Map<string, Map<string, { source: string }>>();
  for (const e of m.edges) {
    const f = feeds.get(e.target) ?? new Map();
    if (!f.has(e.targetPort)) f.set(e.targetPort, { source: e.source });
    feeds.set(e.target, f);
  }
  const inputs: Sym[] = [];
  const outputs: Sym[] = [];
  for (const info of m.order) {
    const def = info.def;
    if (def?.modelInput && info.origin.via.length === 0) {
      const t = info.outputs?.[0];
      if (!t) throw new CompileError(`No type for input '${info.id}'.`);
      const x = tfl.input({ shape: t.shape.slice(1) as number[], dtype: t.dtype, name: info.id });
      produced.set(info.id, x);
      inputs.push(x);
      continue;
    }
    const args = info.inputPorts.map((port) => {
      const src = feeds.get(info.id)?.get(port)?.source;
      const x = src === undefined ? undefined : produced.get(src);
      if (!x) throw new CompileError(`Input '${port}' of '${info.id}' is not connected.`);
      return x;
    });
    if (info.type === PASS_TYPE || def?.modelOutput) {
      produced.set(info.id, args[0] as Sym);
      if (def?.modelOutput && info.origin.via.length === 0) outputs.push(args[0] as Sym);
      continue;
    }
    if (!def) throw new CompileError(`Unknown node '${info.id}'.`);
    // tfjs-layers 4.22 disposes a tensor too early when one layer receives the
    // same tensor on two ports (Add(x, x)); a linear pass-through gives the
    // repeat its own identity.
    const distinct = args.map((x, k) =>
      args.indexOf(x) === k ? x : (tfl.layers.activation({ activation: 'linear', name: `${info.id}_dup${k}` }).apply(x) as Sym),
    );
    let y: Sym | Sym[] = distinct.length === 1 ? (distinct[0] as Sym) : distinct;
    for (const spec of def.layers(info.params, info.id, info.inputs ?? [])) y = makeLayer(spec).apply(y) as Sym;
    produced.set(info.id, y as Sym);
  }
  return tfl.model({ inputs, outputs: outputs.length === 1 ? (outputs[0] as Sym) : outputs, name: m.name });
}
