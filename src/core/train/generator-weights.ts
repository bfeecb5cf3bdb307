/**
 * A generator's weights as one safetensors file, in TensorFlow.js' names and
 * layouts (`g_fc/kernel` [in, out], conv kernels [k, k, in, out]), with
 * metadata {project, model, step, layout: "tfjs"}: what the PyTorch export
 * writes as OUT/generator.safetensors, and what the editor loads back (and
 * saves). A file is checked whole against the project's generator model (its
 * weights' originalName and shape) before anything is written: a damaged
 * file, another project's or model's, or a missing, extra or mis-shaped
 * weight is refused with a message naming what is wrong.
 *
 * Pure core: no DOM, no Node-only API.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { decodeSafetensors, encodeSafetensors, type NamedArray, SafetensorsError } from './safetensors.js';

export class GeneratorWeightsError extends Error {}

/** One weight a model holds: its tfjs name (originalName) and shape. */
export interface WeightSpec {
  name: string;
  shape: number[];
}

/** Who the weights belong to: the project's name and the generator model's. */
export interface GeneratorIdentity {
  project: string;
  model: string;
}

/** The weights of a model (trainable and not, e.g. BatchNorm's moving statistics) in its order. */
export function modelWeightSpecs(model: tfl.LayersModel): WeightSpec[] {
  return model.weights.map((w) => ({ name: w.originalName, shape: [...(w.shape as number[])] }));
}

const MAX_LISTED = 4;

function listed(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join('; ');
  return items.length > MAX_LISTED ? `${shown}; and ${items.length - MAX_LISTED} more` : shown;
}

/**
 * The file's tensors in the order of `weights`, after checking every one; a
 * GeneratorWeightsError says what is wrong otherwise. A file without metadata
 * is judged by its tensors alone; metadata that names another project or
 * model, or a layout other than tfjs, is refused.
 */
export function readGeneratorWeights(
  bytes: Uint8Array,
  who: GeneratorIdentity,
  weights: readonly WeightSpec[],
): { tensors: NamedArray[]; step: number | undefined } {
  let file: ReturnType<typeof decodeSafetensors>;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError)
      throw new GeneratorWeightsError(`damaged or not a safetensors file: ${e.message}`);
    throw e;
  }
  const m = file.metadata;
  if (m.project !== undefined && m.project !== who.project)
    throw new GeneratorWeightsError(
      `it holds weights of the project ${JSON.stringify(m.project)}, not of ${JSON.stringify(who.project)}.`,
    );
  if (m.model !== undefined && m.model !== who.model)
    throw new GeneratorWeightsError(
      `it holds the model ${JSON.stringify(m.model)}; this project's generator is ${JSON.stringify(who.model)}.`,
    );
  if (m.layout !== undefined && m.layout !== 'tfjs')
    throw new GeneratorWeightsError(
      `its layout is ${JSON.stringify(m.layout)}; ganvas reads TensorFlow.js names and layouts ("tfjs").`,
    );
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const known = new Set(weights.map((w) => w.name));
  const missing = weights.filter((w) => !byName.has(w.name)).map((w) => `'${w.name}' [${w.shape}]`);
  const extra = file.tensors.filter((t) => !known.has(t.name)).map((t) => `'${t.name}' [${t.shape}]`);
  const misshaped: string[] = [];
  const mistyped: string[] = [];
  for (const w of weights) {
    const t = byName.get(w.name);
    if (!t) continue;
    if (t.shape.join() !== w.shape.join()) misshaped.push(`'${w.name}' is [${t.shape}] in the file, [${w.shape}] here`);
    else if (!(t.data instanceof Float32Array)) mistyped.push(`'${w.name}' holds integers, not floats`);
  }
  const problems = [
    ...(missing.length
      ? [`missing ${missing.length} weight${missing.length === 1 ? '' : 's'}: ${listed(missing)}`]
      : []),
    ...(extra.length
      ? [`${extra.length} weight${extra.length === 1 ? '' : 's'} this generator does not have: ${listed(extra)}`]
      : []),
    ...(misshaped.length ? [`wrong shape: ${listed(misshaped)}`] : []),
    ...(mistyped.length ? [`wrong type: ${listed(mistyped)}`] : []),
  ];
  if (problems.length > 0)
    throw new GeneratorWeightsError(`it does not fit the generator '${who.model}': ${problems.join('. ')}.`);
  const step = m.step !== undefined && /^\d+$/.test(m.step) ? Number(m.step) : undefined;
  return { tensors: weights.map((w) => byName.get(w.name) as NamedArray), step };
}

/** A model's weights as a safetensors file in tfjs names and layouts, with its identity and step as metadata. */
export async function encodeGeneratorWeights(
  model: tfl.LayersModel,
  who: GeneratorIdentity,
  step: number,
): Promise<Uint8Array> {
  const tensors: NamedArray[] = [];
  for (const w of model.weights) {
    const t = w.read();
    const data = await t.data();
    tensors.push({
      name: w.originalName,
      shape: [...t.shape],
      data: data instanceof Int32Array ? data : Float32Array.from(data as ArrayLike<number>),
    });
  }
  return encodeSafetensors(tensors, { project: who.project, model: who.model, step: String(step), layout: 'tfjs' });
}
