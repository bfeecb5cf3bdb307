/**
 * A project variant with one param changed, for side-by-side comparison
 * runs: "opt_G.learningRate = 0.001" changes a training-graph node,
 * "generator/g_fc.units = 64" a node of a model. The value is JSON.
 */
import type { Project } from './schema.js';

export interface ParamChange {
  /** A model's name, or undefined for the training graph. */
  model?: string;
  node: string;
  param: string;
  value: unknown;
  /** The change as written, for labels. */
  text: string;
}

export class VariantError extends Error {}

const PATTERN = /^\s*(?:([A-Za-z][A-Za-z0-9_]*)\/)?([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/s;

export function parseParamChange(text: string): ParamChange {
  const m = PATTERN.exec(text);
  if (!m)
    throw new VariantError(
      `Write a change as node.param = value (training graph) or model/node.param = value, e.g. opt_G.learningRate = 0.001; got ${JSON.stringify(text.slice(0, 80))}.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(m[4] as string);
  } catch {
    throw new VariantError(
      `The value ${JSON.stringify((m[4] as string).slice(0, 80))} is not JSON (numbers as 0.001, text in double quotes, lists as [1, 2]).`,
    );
  }
  return {
    ...(m[1] ? { model: m[1] } : {}),
    node: m[2] as string,
    param: m[3] as string,
    value,
    text: `${m[1] ? `${m[1]}/` : ''}${m[2]}.${m[3]} = ${JSON.stringify(value)}`,
  };
}

/** The project with the change applied (a copy; the original is untouched). */
export function applyParamChange(project: Project, c: ParamChange): Project {
  const copy = structuredClone(project);
  const graph = c.model === undefined ? copy.training : copy.models[c.model];
  if (!graph)
    throw new VariantError(
      c.model === undefined ? 'The project has no training graph.' : `The project has no model '${c.model}'.`,
    );
  const node = graph.nodes.find((n) => n.id === c.node);
  if (!node)
    throw new VariantError(
      `${c.model === undefined ? 'The training graph' : `Model '${c.model}'`} has no node '${c.node}'.`,
    );
  node.params = { ...(node.params ?? {}), [c.param]: c.value };
  return copy;
}
