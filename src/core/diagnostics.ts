/**
 * Diagnostics: every problem ganvas finds in a project is reported as a
 * Diagnostic with a stable code, a severity, a location and a sentence a
 * person can act on. Validation collects them; it never throws.
 */

export type Severity = 'error' | 'warning';

/** Every diagnostic code ganvas emits, with what it means. Codes are stable. */
export const DIAGNOSTIC_CODES = {
  JSON_SYNTAX: 'The file is not well-formed JSON.',
  NOT_PROJECT: 'The JSON is not a ganvas project (no "format" field or not an object).',
  FORMAT_VERSION: 'The project declares a format version this ganvas does not read.',
  SCHEMA: 'A field of the project file has the wrong type or is missing.',
  BAD_NAME: 'A model, block or node name contains characters that are not allowed.',
  DUPLICATE_ID: 'Two nodes or edges in one graph share an id.',
  UNKNOWN_NODE_TYPE: 'A node has a type the node registry does not know.',
  PARAM: 'A node parameter is missing, of the wrong type or out of range.',
  EDGE_UNKNOWN_NODE: 'An edge refers to a node that does not exist.',
  EDGE_UNKNOWN_PORT: 'An edge refers to a port the node does not have.',
  PORT_MULTIPLE: 'Two edges drive the same input port.',
  UNCONNECTED_INPUT: 'A required input port has no edge.',
  CYCLE: 'The graph has a cycle; models must be directed acyclic graphs.',
  NO_INPUT: 'A model has no Input, Noise or Label node.',
  NO_OUTPUT: 'A model has no Output node.',
  RANK: 'A tensor has the wrong number of dimensions for the port it feeds.',
  SHAPE: 'A tensor has the wrong size in some dimension for the port it feeds.',
  DTYPE: 'A tensor has the wrong element type (float32 or int32) for the port it feeds.',
  SIZE_LIMIT: 'A size is absurdly large (a dimension or a tensor beyond what a browser can hold).',
  UNKNOWN_BLOCK: 'A Block node refers to a block that is not defined.',
  BLOCK_RECURSION: 'A block instantiates itself, directly or through other blocks.',
  BLOCK_INTERFACE: 'A block is malformed or repeated with outputs that do not match its inputs.',
  UNKNOWN_MODEL: 'A training-graph node refers to a model that is not defined.',
  MODEL_MISMATCH: "One model's output does not fit the input it is wired to (e.g. generator to discriminator).",
  DATASET_SHAPE: "The dataset's samples do not fit the model input they are wired to.",
  LABEL_COUNT: 'Two places disagree on the number of classes.',
  TRAINING_GRAPH: 'The training graph is incomplete (no loss or no optimizer for a player).',
  PARAM_BUDGET: 'A model has more parameters than the budget.',
  ACTIVATION_BUDGET: 'A model needs more activation memory per sample than the budget.',
  UNUSED_NODE: "A node's output goes nowhere.",
  LIMIT: 'The file exceeds a limit of src/core/project/limits.ts (size, nesting depth, nodes after block expansion).',
  ENCODING: 'The file is not valid UTF-8 text.',
  UNTRAINABLE: "A player's loss terms do not depend on its own models, so training could not update them.",
  MEMORY_BUDGET: "Training needs more memory than the chosen backend's budget (train and export refuse it).",
  FORBIDDEN_KEY: 'A key such as "__proto__" that JavaScript objects would silently drop or misread.',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface DiagnosticLocation {
  /** Model name, `block:<name>` for a block, or `training` for the training graph. */
  graph?: string;
  nodeId?: string;
  port?: string;
  /** JSON path into the project file, e.g. ["models","generator","nodes",3,"params","units"]. */
  path?: (string | number)[];
  /** 1-based line and column in the source text, when known. */
  line?: number;
  column?: number;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  location: DiagnosticLocation;
}

export function diag(
  code: DiagnosticCode,
  message: string,
  location: DiagnosticLocation = {},
  severity: Severity = 'error',
): Diagnostic {
  return { code, severity, message, location };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** "generator/d_conv3.in (models.generator.nodes[3]) line 12:5" */
export function formatLocation(loc: DiagnosticLocation): string {
  const parts: string[] = [];
  if (loc.graph !== undefined) {
    let s = loc.graph;
    if (loc.nodeId !== undefined) s += `/${loc.nodeId}`;
    if (loc.port !== undefined) s += `.${loc.port}`;
    parts.push(s);
  }
  if (loc.path && loc.path.length > 0) parts.push(formatJsonPath(loc.path));
  if (loc.line !== undefined) parts.push(`line ${loc.line}:${loc.column ?? 1}`);
  return parts.join(' ');
}

export function formatJsonPath(path: readonly (string | number)[]): string {
  let s = '$';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) s += `.${p}`;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d.location);
  return `${d.severity} ${d.code}${where ? ` at ${where}` : ''}: ${d.message}`;
}
