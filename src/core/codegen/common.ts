/** What every export target shares: the refusal of projects the training walk cannot run, and the sample count. */
import { CompileError } from '../compile/model.js';
import { compileTrainingPlan, PlanError, type TrainingPlan } from '../compile/plan.js';
import type { Project } from '../project/schema.js';
import type { ProjectAnalysis } from '../shapes/project.js';

export class ExportError extends Error {}

/** Runs an exporter, turning the walks' own errors into ExportErrors (said to the person as they are). */
export function withExportErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PlanError || e instanceof CompileError) throw new ExportError(e.message);
    throw e;
  }
}

/** The project and its training plan, or an ExportError saying why there is no training loop to export. */
export function exportablePlan(a: ProjectAnalysis): { project: Project; plan: TrainingPlan } {
  const project = a.project;
  if (!project || a.status !== 'ok')
    throw new ExportError('The project has errors; fix them before exporting (ganvas validate lists them).');
  if (!project.training || !a.training?.complete)
    throw new ExportError(
      'The project has no complete training graph (data, models, losses and optimizers for D and G): there is no training loop to export.',
    );
  return { project, plan: compileTrainingPlan(a) };
}

/** Samples per picture: 64 small images (or 2D points: 1,000), 16 large ones (each is a full forward pass). */
export function sampleCount(a: ProjectAnalysis, model: string): number {
  const out = a.models.get(model)?.outputs[0]?.inputs?.[0]?.shape;
  if (!out || out.length !== 4) return 1000;
  return (out[1] ?? 0) * (out[2] ?? 0) > 64 * 64 ? 16 : 64;
}
