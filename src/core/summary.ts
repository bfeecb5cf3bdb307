/**
 * Per-model summaries (Keras-style): every layer node with its output shape
 * and parameter counts, and totals. Derived from the analysis alone, so the
 * editor and the CLI show the same numbers the compiled model has.
 */
import { PASS_TYPE } from './graph/expand.js';
import { fmtShape } from './nodes/helpers.js';
import type { ModelAnalysis } from './shapes/infer.js';
import type { ProjectAnalysis } from './validate.js';

export interface LayerRow {
  name: string;
  type: string;
  outputShape: (number | null)[][];
  trainable: number;
  nonTrainable: number;
  flops: number;
}
export interface ModelSummary {
  name: string;
  layers: LayerRow[];
  inputs: { name: string; shape: (number | null)[]; dtype: string }[];
  outputs: { name: string; shape: (number | null)[] }[];
  totals: { trainable: number; nonTrainable: number; total: number; flops: number; activationBytesPerSample: number };
}

export function summarizeModel(m: ModelAnalysis): ModelSummary {
  const layers: LayerRow[] = [];
  for (const n of m.order) {
    if (n.type === PASS_TYPE || n.def?.modelOutput || !n.live) continue;
    const out = n.outputs ?? [];
    layers.push({
      name: n.id,
      type: n.type,
      outputShape: out.map((t) => t.shape),
      trainable: n.paramCount.trainable,
      nonTrainable: n.paramCount.nonTrainable,
      flops: n.flops,
    });
  }
  return {
    name: m.name,
    layers,
    inputs: m.inputs.map((n) => ({
      name: n.id,
      shape: n.outputs?.[0]?.shape ?? [],
      dtype: n.outputs?.[0]?.dtype ?? 'float32',
    })),
    outputs: m.outputs.map((n) => ({ name: n.id, shape: n.inputs?.[0]?.shape ?? [] })),
    totals: {
      trainable: m.totals.trainable,
      nonTrainable: m.totals.nonTrainable,
      total: m.totals.trainable + m.totals.nonTrainable,
      flops: m.totals.flops,
      activationBytesPerSample: m.totals.activationElements * 4,
    },
  };
}

export function summarizeProject(a: ProjectAnalysis): ModelSummary[] {
  return [...a.models.values()].map(summarizeModel);
}

export { fmtShape };
