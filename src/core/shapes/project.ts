/**
 * Project analysis: every model, block and the training graph of a parsed
 * project checked and typed, and its budgets. Collects every problem; never
 * throws. (validate.ts adds parsing in front of it.)
 */

import { type Diagnostic, diag, hasErrors } from '../diagnostics.js';
import { NAME_PATTERN, NAME_RULE, type Project } from '../project/schema.js';
import { analyzeModel, checkModelStructure, type ModelAnalysis } from './infer.js';
import type { Locator } from './structure.js';
import { trainabilityDiagnostics } from './trainability.js';
import { analyzeTraining, type TrainingAnalysis } from './training.js';

export interface ProjectAnalysis {
  project?: Project;
  diagnostics: Diagnostic[];
  /** 'unreadable': not JSON or not a ganvas project. */
  status: 'ok' | 'invalid' | 'unreadable';
  models: Map<string, ModelAnalysis>;
  training?: TrainingAnalysis;
  /** Where a JSON path is in the text (line:column), for diagnostics made later (shapes/incremental.ts). */
  locate?: Locator;
}

const BYTES_PER_FLOAT = 4;

export function analyzeProject(project: Project, locate: Locator = () => undefined): ProjectAnalysis {
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[]) => ({ path, ...(locate(path) ?? {}) });
  for (const name of Object.keys(project.models))
    if (!NAME_PATTERN.test(name))
      out.push(
        diag(
          'BAD_NAME',
          `Model name ${JSON.stringify(name).slice(0, 80)} is not allowed: use ${NAME_RULE}.`,
          at(['models', name]),
        ),
      );
  const badBlocks = new Set<string>();
  for (const [name, block] of Object.entries(project.blocks)) {
    if (!NAME_PATTERN.test(name))
      out.push(
        diag(
          'BAD_NAME',
          `Block name ${JSON.stringify(name).slice(0, 80)} is not allowed: use ${NAME_RULE}.`,
          at(['blocks', name]),
        ),
      );
    const before = out.length;
    const bad = checkModelStructure(block, `block:${name}`, ['blocks', name], project.blocks, locate, out);
    if (bad.size > 0 || out.slice(before).some((d) => d.severity === 'error')) badBlocks.add(name);
  }
  const models = new Map<string, ModelAnalysis>();
  for (const [name, graph] of Object.entries(project.models)) {
    if (!NAME_PATTERN.test(name)) continue;
    const m = analyzeModel(name, graph, project.blocks, locate, out, badBlocks);
    models.set(name, m);
    out.push(...budgetDiagnostics(project, name, m, locate));
  }
  const training = project.training ? analyzeTraining(project.training, models, locate, out) : undefined;
  if (training) out.push(...trainabilityDiagnostics(training, locate));
  return {
    project,
    diagnostics: out,
    status: hasErrors(out) ? 'invalid' : 'ok',
    models,
    ...(training ? { training } : {}),
  };
}

/** Budget warnings of one model: parameters, and activations per sample. */
export function budgetDiagnostics(project: Project, name: string, m: ModelAnalysis, locate: Locator): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[]) => ({ path, ...(locate(path) ?? {}) });
  const total = m.totals.trainable + m.totals.nonTrainable;
  if (total > project.budgets.maxParams)
    out.push(
      diag(
        'PARAM_BUDGET',
        `Model '${name}' has ${total.toLocaleString('en-US')} parameters, over the budget of ${project.budgets.maxParams.toLocaleString('en-US')} (budgets.maxParams). It may not fit in a browser; shrink widths or raise the budget.`,
        at(['models', name]),
        'warning',
      ),
    );
  const bytes = m.totals.activationElements * BYTES_PER_FLOAT;
  if (bytes > project.budgets.maxActivationBytesPerSample)
    out.push(
      diag(
        'ACTIVATION_BUDGET',
        `Model '${name}' keeps ${(bytes / 2 ** 20).toFixed(1)} MiB of activations per sample, over the budget of ${(project.budgets.maxActivationBytesPerSample / 2 ** 20).toFixed(1)} MiB (budgets.maxActivationBytesPerSample); a batch of 64 needs ${((64 * bytes) / 2 ** 30).toFixed(2)} GiB. Lower the resolution or widths.`,
        at(['models', name]),
        'warning',
      ),
    );
  return out;
}
