/**
 * Project validation: parse (project/parse.ts), then analyse (shapes/project.ts:
 * every model, block and the training graph, all shapes, budgets). Collects
 * every problem; never throws.
 */
import { type ParseResult, parseProjectBytes, parseProjectText, parseProjectValue } from './project/parse.js';
import { analyzeProject, type ProjectAnalysis } from './shapes/project.js';

export { analyzeProject, budgetDiagnostics, type ProjectAnalysis } from './shapes/project.js';

function fromParse(r: ParseResult): ProjectAnalysis {
  if (!r.project) return { diagnostics: r.diagnostics, status: r.status, models: new Map() };
  return { ...analyzeProject(r.project, r.locate), locate: r.locate };
}

/** Validates project text (a file's contents). */
export function validateProjectText(text: string): ProjectAnalysis {
  return fromParse(parseProjectText(text));
}

/** Validates a file's bytes: size limit and strict UTF-8 first (a file read by a shell). */
export function validateProjectBytes(bytes: Uint8Array): ProjectAnalysis {
  return fromParse(parseProjectBytes(bytes));
}

/** Validates a decoded JSON value. */
export function validateProjectValue(value: unknown): ProjectAnalysis {
  return fromParse(parseProjectValue(value));
}
