/**
 * Progressive growing in the training panel (src/ui/train/progress.ts, the
 * stage chart in Charts.tsx, the schedule per run in store.ts): the schedule
 * read from the project's Progressive node, the next change found by
 * scanning the core's phase step by step, what the sample pictures show, and
 * the chart's log2 resolution against its definition.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../src/core/project/index.js';
import {
  type ProgressiveSchedule,
  progressivePhase,
  type StepMetrics,
  stageBoundaries,
} from '../../src/core/train/index.js';
import { validateProjectText } from '../../src/core/validate.js';
import { metricsOf, PROGRESSIVE_CHART } from '../../src/ui/train/Charts.js';
import {
  log2Resolution,
  nextStage,
  phaseAtStep,
  planLine,
  progressiveScheduleOf,
  resolutionsOf,
  samplesCaption,
  stageLine,
} from '../../src/ui/train/progress.js';
import type { RunView } from '../../src/ui/train/store.js';

const ROOT = resolve(__dirname, '../..');
const project = (file: string) =>
  validateProjectText(readFileSync(join(ROOT, 'templates', file), 'utf8')).project as Project;

const samePhase = (a: ReturnType<typeof progressivePhase>, b: ReturnType<typeof progressivePhase>) =>
  a.resolution === b.resolution && a.fading === b.fading && (!a.fading || a.alpha === b.alpha);

describe('progressive growing in the panel', () => {
  it("reads the schedule from the project's Progressive node (defaults filled in), and none without one", () => {
    const progan = project('progan-mnist.json');
    expect(progressiveScheduleOf(progan)).toEqual({ start: 4, final: 32, fadeImages: 16000, stableImages: 16000 });
    // Params left out take the registry's defaults.
    const bare = structuredClone(progan);
    const node = bare.training!.nodes.find((n) => n.type === 'Progressive')!;
    node.params = { startResolution: 8, finalResolution: 32 };
    expect(progressiveScheduleOf(bare)).toEqual({ start: 8, final: 32, fadeImages: 20000, stableImages: 20000 });
    expect(progressiveScheduleOf(project('dcgan-mnist.json'))).toBeUndefined();
    expect(progressiveScheduleOf(undefined)).toBeUndefined();
  });

  it('finds the next change of phase where a step-by-step scan of the core phase finds it', () => {
    const schedules: [ProgressiveSchedule, number][] = [
      [{ start: 4, final: 32, fadeImages: 32, stableImages: 32 }, 16],
      [{ start: 4, final: 16, fadeImages: 40, stableImages: 24 }, 16], // boundaries not multiples of the batch
      [{ start: 8, final: 64, fadeImages: 100, stableImages: 7 }, 3],
    ];
    for (const [s, batch] of schedules) {
      const last = Math.ceil((stageBoundaries(s).at(-1) ?? 0) / batch);
      for (let step = 0; step <= last + 2; step++) {
        const now = phaseAtStep(s, step, batch);
        expect(now).toEqual(progressivePhase(s, step * batch));
        // Scan: the first later step whose resolution or fading differs, or (during a fade) whose alpha does not
        // continue the fade: the scan looks for the next boundary of the schedule, not of alpha.
        let scan: number | undefined;
        for (let k = step + 1; k <= last + 2; k++) {
          const p = phaseAtStep(s, k, batch);
          if (p.resolution !== now.resolution || p.fading !== now.fading) {
            scan = k;
            break;
          }
        }
        const next = nextStage(s, step, batch);
        expect(next?.step, `${JSON.stringify(s)} step ${step}`).toBe(scan);
        if (next) expect(samePhase(next.phase, phaseAtStep(s, next.step, batch))).toBe(true);
      }
    }
  });

  it("says the ProGAN template's plan and stage in steps: 1,000 per fade and per stage at batch 16", () => {
    const s = progressiveScheduleOf(project('progan-mnist.json'))!;
    expect(planLine(s, 16)).toBe(
      '4x4 to 32x32: each new resolution fades in over 1,000 steps, then trains 1,000 steps (batch 16); 32x32 in full from step 6,000',
    );
    expect(resolutionsOf(s)).toEqual([4, 8, 16, 32]);
    expect(stageLine(s, phaseAtStep(s, 500, 16), 500, 16)).toBe(
      'training at 4x4 (stable) · 8x8 fades in from step 1,000',
    );
    // 4x4 to step 1,000, the fade to 8x8 to 2,000, 8x8 to 3,000, the fade to 16x16 to 4,000: step 3,420 is 420
    // steps of its 1,000 into that fade.
    expect(stageLine(s, phaseAtStep(s, 2500, 16), 2500, 16)).toBe(
      'training at 8x8 (stable) · 16x16 fades in from step 3,000',
    );
    expect(stageLine(s, phaseAtStep(s, 3420, 16), 3420, 16)).toBe(
      'fading in 16x16, alpha 0.42 · stable from step 4,000',
    );
    expect(stageLine(s, phaseAtStep(s, 7000, 16), 7000, 16)).toBe('training at 32x32 (final)');
  });

  it('labels the sample pictures with the resolution they show, enlarged to the final size', () => {
    const s: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 32, stableImages: 32 };
    expect(samplesCaption(s, phaseAtStep(s, 1, 16))).toBe('samples at 4x4 (shown enlarged to 32x32)');
    expect(samplesCaption(s, phaseAtStep(s, 3, 16))).toBe(
      'samples at 8x8 fading in (alpha 0.50: a blend with 4x4), shown enlarged to 32x32',
    );
    expect(samplesCaption(s, phaseAtStep(s, 5, 16))).toBe('samples at 8x8 (shown enlarged to 32x32)');
    expect(samplesCaption(s, phaseAtStep(s, 100, 16))).toBe('samples at 32x32');
  });

  it('charts the resolution each step trained at on a log2 scale continuous through the fades, and alpha', () => {
    const s: ProgressiveSchedule = { start: 4, final: 32, fadeImages: 64, stableImages: 32 };
    // log2 resolution = log2(final) - lod, the paper's level of detail read the other way.
    for (let images = 0; images < 400; images += 8) {
      const p = progressivePhase(s, images);
      expect(log2Resolution(p)).toBeCloseTo(Math.log2(s.final) - p.lod, 12);
    }
    expect(log2Resolution(progressivePhase(s, 0))).toBe(2);
    expect(log2Resolution(progressivePhase(s, 32 + 32))).toBe(2.5);
    expect(log2Resolution(progressivePhase(s, 32 + 64))).toBe(3);
    const history: StepMetrics[] = [0, 1, 2, 3, 4, 5].map((k) => ({
      step: k + 1,
      losses: { D: 0, G: 0 },
      gradNorm: { D: 0, G: 0 },
      lr: {},
      progressive: progressivePhase(s, k * 16),
      seconds: 0,
    }));
    const run = { label: 'run', history, quality: [], evaluations: [], started: 0, diverged: false } as RunView;
    const chart = metricsOf([run])[PROGRESSIVE_CHART]!;
    expect(chart.map((m) => m.name)).toEqual(['log2 resolution', 'alpha']);
    expect(history.map((m) => chart[0]!.get(m))).toEqual([2, 2, 2, 2.25, 2.5, 2.75]);
    expect(history.map((m) => chart[1]!.get(m))).toEqual([1, 1, 0, 0.25, 0.5, 0.75]);
    // A project without progressive growing has no such chart.
    const plain = { ...run, history: history.map(({ progressive: _, ...m }) => m) };
    expect(metricsOf([plain])[PROGRESSIVE_CHART]).toBeUndefined();
  });
});
