/**
 * What a node definition is. One definition per node type carries
 * everything: docs, params (zod, with defaults, ranges and help text), ports,
 * shape rule, parameter count, FLOPs, how it builds into tfjs layers, and
 * (through the same layer specs) how it prints as TypeScript.
 */
import type { z } from 'zod';
import type { CustomLayerName } from './layers/custom.js';

export type Dim = number | null;
export type DType = 'float32' | 'int32';
/** A tensor type; shape[0] is the (symbolic) batch dimension, null. */
export interface TensorType {
  shape: Dim[];
  dtype: DType;
}

export type Category =
  | 'io'
  | 'dense'
  | 'convolution'
  | 'resample'
  | 'normalization'
  | 'activation'
  | 'merge'
  | 'shape'
  | 'style'
  | 'attention'
  | 'regularization'
  | 'block';

export interface PortSpec {
  name: string;
  doc: string;
}

export type ShapeProblemCode = 'RANK' | 'SHAPE' | 'DTYPE' | 'PARAM' | 'SIZE_LIMIT';
export interface ShapeProblem {
  code: ShapeProblemCode;
  /** The input port the problem is about, if any. */
  port?: string;
  message: string;
}
export type InferResult = { outputs: TensorType[] } | { problems: ShapeProblem[] };

export interface InferContext<P> {
  params: P;
  /** Node id (also its layer name). */
  id: string;
  /** Types arriving on each input port, in port order. */
  inputs: TensorType[];
  /** For messages: a description of what feeds each input ("'g_fc' gives [B,512]"). */
  sources: string[];
}

/** One tfjs layer a node builds into; the compiler applies a node's layers in sequence. */
export type LayerSpec =
  | { kind: 'tfjs'; factory: TfjsLayerFactory; config: Record<string, unknown> }
  | { kind: 'custom'; name: CustomLayerName; config: Record<string, unknown> };

/** tf.layers factories the registry uses (kept explicit so codegen can print them). */
export type TfjsLayerFactory =
  | 'dense'
  | 'reshape'
  | 'flatten'
  | 'conv2d'
  | 'conv2dTranspose'
  | 'upSampling2d'
  | 'averagePooling2d'
  | 'batchNormalization'
  | 'layerNormalization'
  | 'activation'
  | 'leakyReLU'
  | 'elu'
  | 'reLU'
  | 'dropout'
  | 'concatenate'
  | 'add'
  | 'multiply'
  | 'embedding'
  | 'zeroPadding2d';

export interface ParamCount {
  trainable: number;
  nonTrainable: number;
}

/** Which graphs a node type belongs to: layers and blocks make models, training nodes the training graph. */
export type NodeKind = 'layer' | 'training' | 'block';

/**
 * What every registry entry has, whatever its kind: the palette, the
 * inspector, `ganvas nodes` and the docs read only this.
 */
export interface EntryBase<P> {
  kind: NodeKind;
  type: string;
  title: string;
  category: string;
  /** One paragraph: what it does and when to use it. */
  doc: string;
  /** The paper or reference that defines it, when there is one. */
  reference?: string;
  params: z.ZodType<P>;
  /** The params a new node starts with when the schema has required fields (no defaults to parse). */
  blank?: Record<string, unknown>;
}

/** A layer node of a model graph. */
export interface NodeDef<P> extends EntryBase<P> {
  kind: 'layer';
  category: Category;
  /** Input/Noise/Label: becomes a tf.input of the model. */
  modelInput?: { dtype: DType; shape: (p: P) => number[]; kind: 'data' | 'noise' | 'label' };
  /** Output: marks a model output. */
  modelOutput?: boolean;
  inputs: (p: P) => PortSpec[];
  outputs: (p: P) => PortSpec[];
  infer: (ctx: InferContext<P>) => InferResult;
  paramCount: (p: P, inputs: TensorType[], outputs: TensorType[]) => ParamCount;
  /** Floating-point operations of the forward pass per sample (a multiply-add is 2). */
  flops: (p: P, inputs: TensorType[], outputs: TensorType[]) => number;
  /** The tfjs layers this node builds into, applied in sequence; `name` is the node id, `inputs` the inferred input types. */
  layers: (p: P, name: string, inputs: TensorType[]) => LayerSpec[];
}

/** A node definition with its param type erased, as the registry stores it. */
export interface AnyNodeDef extends Omit<NodeDef<unknown>, 'params'> {
  params: z.ZodType<unknown>;
}

/**
 * What the training graph's node types need to know of a model: its input
 * nodes (Input, Noise, Label) and output nodes, with their types. Shape
 * analysis provides it (shapes/infer.ts' ModelAnalysis is one); the registry
 * depends on this interface only, never on the analysis.
 */
export interface ModelSignature {
  inputs: readonly {
    id: string;
    outputs?: TensorType[];
    def?: { modelInput?: { kind: 'data' | 'noise' | 'label' } };
  }[];
  outputs: readonly { id: string; outputs?: TensorType[]; inputs?: TensorType[] }[];
}
