/**
 * Stability figures of a training run, for comparing loss nodes: final
 * losses and their variance, gradient norms, the last quality figures, NaN.
 * Shared by `ganvas compare` and the editor's comparison.
 */
import type { StepMetrics } from './trainer.js';

export interface RunFigures {
  status: string;
  steps: number;
  seconds: number;
  history: StepMetrics[];
  quality: { modesCovered?: number; modesTotal?: number; highQuality?: number; diversity?: number; fid?: number }[];
}

export interface StabilityRow {
  loss: string;
  status: string;
  steps: number;
  finalD: number;
  finalG: number;
  varD: number;
  varG: number;
  gradNormD: number;
  gradNormG: number;
  modesCovered?: string;
  highQuality?: number;
  diversity?: number;
  fid?: number;
  nan: boolean;
  stepsPerSecond: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.length ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length : NaN;
};

/** Final = mean over the last 10% of steps; variance over the last half. */
export function stability(name: string, r: RunFigures): StabilityRow {
  const h = r.history;
  const tail = h.slice(Math.floor(h.length * 0.9));
  const half = h.slice(Math.floor(h.length / 2));
  const q = r.quality[r.quality.length - 1];
  return {
    loss: name,
    status: r.status,
    steps: r.steps,
    finalD: mean(tail.map((m) => m.losses.D ?? NaN)),
    finalG: mean(tail.map((m) => m.losses.G ?? NaN)),
    varD: variance(half.map((m) => m.losses.D ?? NaN)),
    varG: variance(half.map((m) => m.losses.G ?? NaN)),
    gradNormD: mean(half.map((m) => m.gradNorm.D)),
    gradNormG: mean(half.map((m) => m.gradNorm.G)),
    ...(q?.modesCovered !== undefined ? { modesCovered: `${q.modesCovered}/${q.modesTotal}` } : {}),
    ...(q?.highQuality !== undefined ? { highQuality: q.highQuality } : {}),
    ...(q?.diversity !== undefined ? { diversity: q.diversity } : {}),
    ...(q?.fid !== undefined ? { fid: q.fid } : {}),
    nan: r.status === 'diverged',
    stepsPerSecond: r.steps / Math.max(1e-9, r.seconds),
  };
}

export function stabilityTable(rows: StabilityRow[]): string {
  const f = (x: number | undefined) =>
    x === undefined || Number.isNaN(x)
      ? '-'
      : Math.abs(x) >= 1000 || (Math.abs(x) < 0.001 && x !== 0)
        ? x.toExponential(2)
        : x.toFixed(3);
  const head =
    '| loss | status | steps | final D | final G | var D | var G | mean grad D | mean grad G | modes covered | high quality | diversity | FID (digits) | NaN | steps/s |';
  const sep = `|${head
    .split('|')
    .slice(1, -1)
    .map(() => '---')
    .join('|')}|`;
  const body = rows.map(
    (r) =>
      `| ${r.loss} | ${r.status} | ${r.steps} | ${f(r.finalD)} | ${f(r.finalG)} | ${f(r.varD)} | ${f(r.varG)} | ${f(r.gradNormD)} | ${f(r.gradNormG)} | ${r.modesCovered ?? '-'} | ${f(r.highQuality)} | ${f(r.diversity)} | ${f(r.fid)} | ${r.nan ? 'yes' : 'no'} | ${f(r.stepsPerSecond)} |`,
  );
  return [head, sep, ...body].join('\n');
}
