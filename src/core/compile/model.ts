/**
 * Compiles an analysed model graph into a tf.LayersModel. Every layer is
 * named by its node id, so weights, summaries and diagnostics line up.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PASS_TYPE } from '../graph/expand.js';
import { CUSTOM_LAYERS, registerCustomLayers } from '../nodes/layers/custom.js';
import type { LayerSpec, TensorType } from '../nodes/types.js';
import type { ModelAnalysis, NodeInfo } from '../shapes/infer.js';

export class CompileError extends Error {}

/**
 * tfjs-layers' Orthogonal initializer calls chained tensor methods (t.flatten(), ...) that only the
 * @tensorflow/tfjs umbrella registers (its deep import of tfjs-core's chained ops does not load in
 * Node); ganvas loads tfjs-core alone, so it adds the ones Orthogonal and linalg.qr use, each the
 * tfjs-core op of the same name, where missing.
 */
function ensureChainedOps(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops: Record<string, (t: tf.Tensor, ...a: never[]) => tf.Tensor> = {
    flatten: (t) => tf.reshape(t, [t.size]),
    reshape: tf.reshape,
    sign: tf.sign,
    transpose: tf.transpose,
    stridedSlice: tf.stridedSlice,
  };
  for (const [name, op] of Object.entries(ops))
    if (typeof proto[name] !== 'function')
      proto[name] = function (this: tf.Tensor, ...args: never[]) {
        return op(this, ...args);
      };
}
ensureChainedOps();

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

/**
 * One target of a model graph: builds (tfjs) or prints (code) it. The walk
 * (walkModel) decides the order, wiring, pass-throughs and outputs; an
 * emitter only makes inputs and applies a node's layer specs.
 */
export interface ModelEmitter<V> {
  /** A model input (Input, Noise, Label) of the given type. */
  input(info: NodeInfo, type: TensorType): V;
  /**
   * A distinct identity of a tensor that a layer receives on a second port:
   * tfjs-layers 4.22 disposes a tensor too early when one layer gets the same
   * tensor twice (Add(x, x)), so the repeat gets a linear pass-through named `name`.
   */
  duplicate(x: V, name: string): V;
  /** The node's layers (the registry's LayerSpecs), applied in sequence to its arguments. */
  node(info: NodeInfo, specs: LayerSpec[], args: V[]): V;
}

/**
 * Walks a complete model analysis in topological order through an emitter.
 * Nodes no Output depends on are left out (they are not part of the model).
 */
export function walkModel<V>(m: ModelAnalysis, emitter: ModelEmitter<V>): { inputs: V[]; outputs: V[] } {
  if (!m.complete) throw new CompileError(`Model '${m.name}' has errors; validate it first.`);
  // Which node feeds each input port.
  const feeds = new Map<string, Map<string, string>>();
  for (const e of m.edges) {
    const f = feeds.get(e.target) ?? new Map<string, string>();
    if (!f.has(e.targetPort)) f.set(e.targetPort, e.source);
    feeds.set(e.target, f);
  }
  const produced = new Map<string, V>();
  const inputs: V[] = [];
  const outputs: V[] = [];
  for (const info of m.order) {
    const def = info.def;
    if (def?.modelInput && info.origin.via.length === 0) {
      const t = info.outputs?.[0];
      if (!t) throw new CompileError(`Model '${m.name}': no type for input '${info.id}'.`);
      const x = emitter.input(info, t);
      produced.set(info.id, x);
      inputs.push(x);
      continue;
    }
    if (!info.live) continue; // no Output depends on it: not part of the model
    const args = info.inputPorts.map((port) => {
      const src = feeds.get(info.id)?.get(port);
      const x = src === undefined ? undefined : produced.get(src);
      if (x === undefined)
        throw new CompileError(`Model '${m.name}': input '${port}' of '${info.id}' is not connected.`);
      return x;
    });
    if (info.type === PASS_TYPE || def?.modelOutput) {
      produced.set(info.id, args[0] as V);
      if (def?.modelOutput && info.origin.via.length === 0) outputs.push(args[0] as V);
      continue;
    }
    if (!def) throw new CompileError(`Model '${m.name}': unknown node '${info.id}'.`);
    const distinct = args.map((x, k) => (args.indexOf(x) === k ? x : emitter.duplicate(x, `${info.id}_dup${k}`)));
    produced.set(info.id, emitter.node(info, def.layers(info.params, info.id, info.inputs ?? []), distinct));
  }
  return { inputs, outputs };
}

/** The tfjs target: builds layers on symbolic tensors. */
const tfjsModelEmitter: ModelEmitter<Sym> = {
  input: (info, t) => tfl.input({ shape: t.shape.slice(1) as number[], dtype: t.dtype, name: info.id }),
  duplicate: (x, name) => tfl.layers.activation({ activation: 'linear', name }).apply(x) as Sym,
  node: (_info, specs, args) => {
    let y: Sym | Sym[] = args.length === 1 ? (args[0] as Sym) : args;
    for (const spec of specs) y = makeLayer(spec).apply(y) as Sym;
    return y as Sym;
  },
};

/** Builds a tf.LayersModel from a complete model analysis (see analyzeModel). */
export function compileModel(m: ModelAnalysis): tfl.LayersModel {
  registerCustomLayers();
  const { inputs, outputs } = walkModel(m, tfjsModelEmitter);
  return tfl.model({ inputs, outputs: outputs.length === 1 ? (outputs[0] as Sym) : outputs, name: m.name });
}
