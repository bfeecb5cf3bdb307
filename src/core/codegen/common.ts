/** What every export target shares: the refusal of projects the training walk cannot run, and the sample count. */
import { CompileError } from '../compile/model.js';
import { compileTrainingPlan, PlanError, type TrainingPlan } from '../compile/plan.js';
import type { Project, QualityMetric } from '../project/schema.js';
import type { ProjectAnalysis } from '../shapes/project.js';
import { METRIC_INFO } from '../train/early-stop.js';

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

const DIGIT_METRICS: readonly QualityMetric[] = ['fid', 'inceptionScore', 'precision', 'recall'];

/** The early-stopping rule an export runs: the project's settings with the metric resolved. */
export interface ExportEarlyStopping {
  metric: QualityMetric;
  every: number;
  patience: number;
  minDelta: number;
  stop: boolean;
}

/**
 * What an exported script can judge the generator on, as the trainer decides it (session.ts earlyStopRun): the size
 * of its single-channel square digits (16 to 64) when it trains on the bundled MNIST, whether it makes 2D points of
 * a mixture, and the early-stopping rule with `auto` resolved (FID for digits, modeScore for mixtures). A figure the
 * project cannot give is an ExportError saying why.
 */
export function exportQuality(
  a: ProjectAnalysis,
  plan: TrainingPlan,
  gModel: string,
): { digits?: number; mixture: boolean; early?: ExportEarlyStopping; digitMetric: boolean } {
  const out = a.models.get(gModel)?.outputs[0]?.inputs?.[0]?.shape;
  let digits: number | undefined;
  if (plan.nodes.some((n) => n.type === 'Dataset' && n.params.source === 'mnist') && out?.length === 4) {
    const [, h, w, c] = out as (number | null)[];
    if (c === 1 && h === w && typeof h === 'number' && h >= 16 && h <= 64) digits = h;
  }
  const mixture =
    plan.nodes.some((n) => n.type === 'Dataset' && (n.params.source === 'ring' || n.params.source === 'grid')) &&
    out?.length === 2 &&
    out[1] === 2;
  const es = plan.settings.earlyStopping;
  if (!es) return { ...(digits !== undefined ? { digits } : {}), mixture, digitMetric: false };
  const metric: QualityMetric | undefined =
    es.metric !== 'auto' ? es.metric : digits !== undefined ? 'fid' : mixture ? 'modeScore' : undefined;
  const digitMetric = metric !== undefined && DIGIT_METRICS.includes(metric);
  const why =
    metric === undefined
      ? 'the project has no quality figure to judge (FID needs single-channel digits, 16x16 to 64x64, from the bundled MNIST; mode figures a 2D mixture)'
      : digitMetric && digits === undefined
        ? `${METRIC_INFO[metric].label} needs a generator of single-channel digits (16x16 to 64x64) trained on the bundled MNIST`
        : !digitMetric && !mixture
          ? `${METRIC_INFO[metric].label} needs a 2D mixture dataset (ring, grid) and a generator of 2D points`
          : undefined;
  if (why || !metric) throw new ExportError(`Early stopping: ${why}.`);
  return {
    ...(digits !== undefined ? { digits } : {}),
    mixture,
    digitMetric,
    early: { metric, every: es.every, patience: es.patience, minDelta: es.minDelta, stop: es.stop },
  };
}
