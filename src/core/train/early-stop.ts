/**
 * Early stopping on a quality figure (as Keras' EarlyStopping, on a GAN's
 * quality figure instead of a validation loss): the figure is evaluated every
 * N steps; an evaluation improves when it beats the best so far by more than
 * minDelta (lower for FID, higher for the others); after `patience`
 * evaluations in a row without an improvement, the run stops. The best
 * evaluation's step is where the shells keep the best checkpoint and
 * generator. Pure: no tfjs.
 */
import type { QualityMetric } from '../project/schema.js';

export interface MetricInfo {
  /** How people write it ("FID", "modes covered"). */
  label: string;
  higherIsBetter: boolean;
}

export const METRIC_INFO: Record<QualityMetric, MetricInfo> = {
  fid: { label: 'FID', higherIsBetter: false },
  inceptionScore: { label: 'Inception score', higherIsBetter: true },
  precision: { label: 'precision', higherIsBetter: true },
  recall: { label: 'recall', higherIsBetter: true },
  modesCovered: { label: 'modes covered', higherIsBetter: true },
  highQuality: { label: 'high-quality share', higherIsBetter: true },
  modeScore: { label: 'modes covered + high-quality share', higherIsBetter: true },
};

/** The rule's state: what a shell shows, and what a resumed run would carry on from. */
export interface EarlyStopState {
  metric: QualityMetric;
  best?: { step: number; value: number };
  /** Evaluations since the last improvement. */
  wait: number;
  evaluations: number;
}

/** One evaluation's outcome. */
export interface Evaluation {
  step: number;
  metric: QualityMetric;
  value: number;
  improved: boolean;
  best: { step: number; value: number };
  wait: number;
  /** Set when this evaluation ends the run: why, in a sentence. */
  stop?: string;
}

/** "3,000"; "23.1"; "0.975"; "0.5": figures as the messages print them (3 significant digits). */
export function fmtFigure(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return String(Number(Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3)));
}

export class EarlyStopper {
  private state: EarlyStopState;

  constructor(
    readonly metric: QualityMetric,
    readonly patience: number,
    readonly minDelta: number,
    /** false: evaluate and keep the best, never stop. */
    readonly stops = true,
  ) {
    this.state = { metric, wait: 0, evaluations: 0 };
  }

  get best(): { step: number; value: number } | undefined {
    return this.state.best;
  }

  snapshot(): EarlyStopState {
    return structuredClone(this.state);
  }

  /** Continues from a saved state (a resumed run). */
  restore(s: EarlyStopState): void {
    const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    const best = s.best === undefined || (count(s.best.step) && Number.isFinite(s.best.value));
    // A state of another metric, or not well formed, is ignored: the rule starts afresh.
    if (s.metric === this.metric && count(s.wait) && count(s.evaluations) && best)
      this.state = {
        metric: s.metric,
        wait: s.wait,
        evaluations: s.evaluations,
        ...(s.best ? { best: { ...s.best } } : {}),
      };
  }

  /** Whether `value` beats `best` by more than minDelta in the metric's direction. */
  improves(value: number, best: number | undefined): boolean {
    if (!Number.isFinite(value)) return false;
    if (best === undefined) return true;
    return METRIC_INFO[this.metric].higherIsBetter ? value > best + this.minDelta : value < best - this.minDelta;
  }

  /** Records the figure at `step`. */
  observe(step: number, value: number): Evaluation {
    const s = this.state;
    s.evaluations++;
    const improved = this.improves(value, s.best?.value);
    if (improved) {
      s.best = { step, value };
      s.wait = 0;
    } else s.wait++;
    const best = s.best ?? { step, value };
    const out: Evaluation = { step, metric: this.metric, value, improved, best, wait: s.wait };
    if (this.stops && s.wait >= this.patience) {
      const { label } = METRIC_INFO[this.metric];
      const by = this.minDelta > 0 ? ` by more than ${fmtFigure(this.minDelta)}` : '';
      const n = `${this.patience} evaluation${this.patience === 1 ? '' : 's'}`;
      out.stop =
        `stopped at step ${fmtFigure(step)}: ${label} did not improve${by} for ${n}; ` +
        `best ${fmtFigure(best.value)} at step ${fmtFigure(best.step)}`;
    }
    return out;
  }
}
