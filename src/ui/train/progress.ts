/**
 * Progressive growing in the training panel (no React): the schedule of a
 * project's Progressive node, the stage a run is in and when it changes, and
 * what a sample picture taken at a step shows. The phase itself is the core's
 * (core/train/progressive.ts): a function of the images shown, steps x batch.
 *
 * G is built at the final resolution; at lod > 0 its output is the
 * low-resolution image upsampled by nearest neighbour, so a sample picture
 * IS the resolution in use, enlarged.
 */
import { Progressive } from '../../core/nodes/index.js';
import type { Project } from '../../core/project/index.js';
import {
  growthImages,
  type ProgressivePhase,
  type ProgressiveSchedule,
  progressivePhase,
  stageBoundaries,
} from '../../core/train/index.js';

/** The schedule of the project's Progressive node (params as the registry parses them), or undefined without one. */
export function progressiveScheduleOf(project: Project | undefined): ProgressiveSchedule | undefined {
  const node = project?.training?.nodes.find((n) => n.type === Progressive.type);
  if (!node) return undefined;
  const params = Progressive.params.safeParse(node.params ?? {});
  if (!params.success) return undefined;
  const op = Progressive.op?.(params.data);
  return op?.op === 'progressive' ? op.schedule : undefined;
}

/** The phase the trainer samples in after `step` steps of `batch` images (Trainer.generate applies it). */
export function phaseAtStep(s: ProgressiveSchedule, step: number, batch: number): ProgressivePhase {
  return progressivePhase(s, step * batch);
}

/**
 * What comes next after `step` steps: the first step that trains in another phase (the next fade beginning, or a
 * fade ending), and that phase; undefined once the final resolution is stable.
 */
export function nextStage(
  s: ProgressiveSchedule,
  step: number,
  batch: number,
): { step: number; phase: ProgressivePhase } | undefined {
  const images = step * batch;
  const next = stageBoundaries(s).find((b) => b > images);
  if (next === undefined) return undefined;
  // A step trains in the phase of the images shown before it: the first step at or past the boundary.
  const at = Math.ceil(next / batch);
  return { step: at, phase: progressivePhase(s, at * batch) };
}

const res = (r: number) => `${r}x${r}`;

/**
 * The stage line of a run: "training at 8x8 (stable) · 16x16 fades in from step 3,000", "fading in 16x16,
 * alpha 0.42 · stable from step 4,000", or "training at 32x32 (final)".
 */
export function stageLine(s: ProgressiveSchedule, phase: ProgressivePhase, step: number, batch: number): string {
  const now = phase.fading
    ? `fading in ${res(phase.resolution)}, alpha ${phase.alpha.toFixed(2)}`
    : `training at ${res(phase.resolution)}${phase.resolution === s.final ? ' (final)' : ' (stable)'}`;
  const next = nextStage(s, step, batch);
  if (!next) return now;
  const when = `step ${next.step.toLocaleString('en-US')}`;
  return next.phase.fading
    ? `${now} · ${res(next.phase.resolution)} fades in from ${when}`
    : `${now} · stable from ${when}`;
}

/**
 * What a sample picture at the final resolution shows: "samples at 8x8 (shown enlarged to 32x32)", during a fade
 * "samples at 16x16 fading in (alpha 0.50: a blend with 8x8), shown enlarged to 32x32", at the end "samples at
 * 32x32".
 */
export function samplesCaption(s: ProgressiveSchedule, phase: ProgressivePhase): string {
  const enlarged = phase.resolution < s.final ? `, shown enlarged to ${res(s.final)}` : '';
  if (phase.fading)
    return `samples at ${res(phase.resolution)} fading in (alpha ${phase.alpha.toFixed(2)}: a blend with ${res(phase.resolution / 2)})${enlarged}`;
  return `samples at ${res(phase.resolution)}${enlarged ? ` (${enlarged.slice(2)})` : ''}`;
}

/** The resolution in use on a log2 scale, continuous through fades: 2 at 4x4, 2.5 halfway into 8x8, 3 at 8x8. */
export function log2Resolution(phase: ProgressivePhase): number {
  return Math.log2(phase.resolution) - 1 + phase.alpha;
}

/** The resolutions the schedule trains at, start to final. */
export function resolutionsOf(s: ProgressiveSchedule): number[] {
  const out: number[] = [];
  for (let r = s.start; r <= s.final; r *= 2) out.push(r);
  return out;
}

/**
 * The schedule in a sentence, before a run: "4x4 to 32x32: each new resolution fades in over 1,000 steps, then
 * trains 1,000 steps (batch 16); 32x32 in full from step 6,000".
 */
export function planLine(s: ProgressiveSchedule, batch: number): string {
  const steps = (images: number) => Math.ceil(images / batch).toLocaleString('en-US');
  const last = growthImages(s);
  return `${res(s.start)} to ${res(s.final)}: each new resolution fades in over ${steps(s.fadeImages)} steps, then trains ${steps(s.stableImages)} steps (batch ${batch}); ${res(s.final)} in full from step ${steps(last)}`;
}
