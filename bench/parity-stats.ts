/**
 * Statistics of the quality-parity benchmark (bench/parity.ts): a curve's
 * mean and spread per logged step over seeds, and Welch's t-test between
 * two curves at each logged step (two-sided p from Student's t with the
 * Welch-Satterthwaite degrees of freedom).
 */

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
/** Sample standard deviation (n - 1). */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** ln Gamma (Lanczos, g = 7, n = 9): 15 significant digits for x > 0. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta I_x(a, b). */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaCf(a, b, x)) / a : 1 - (front * betaCf(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return betaInc(df / (df + t * t), df / 2, 0.5);
}

export interface Welch {
  t: number;
  df: number;
  /** Two-sided. */
  p: number;
}

/** Welch's unequal-variance t-test of mean(a) - mean(b). Undefined with fewer than 2 values a side or no spread at all. */
export function welch(a: readonly number[], b: readonly number[]): Welch | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const va = sd(a) ** 2 / a.length;
  const vb = sd(b) ** 2 / b.length;
  if (va + vb === 0) return mean(a) === mean(b) ? { t: 0, df: a.length + b.length - 2, p: 1 } : undefined;
  const t = (mean(a) - mean(b)) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { t, df, p: tTwoSidedP(t, df) };
}

/** One engine's metric over seeds: the values per seed at each logged step, and their mean and spread. */
export interface Curve {
  engine: string;
  variant: string;
  metric: string;
  steps: number[];
  runs: { seed: number; values: number[]; seconds: number }[];
  mean: number[];
  sd: number[];
  min: number[];
  max: number[];
}

export function summarize(
  engine: string,
  variant: string,
  metric: string,
  runs: { seed: number; steps: number[]; values: number[]; seconds: number }[],
): Curve {
  const steps = runs[0]?.steps ?? [];
  const at = (i: number) => runs.map((r) => r.values[i] as number);
  return {
    engine,
    variant,
    metric,
    steps,
    runs: runs.map(({ seed, values, seconds }) => ({ seed, values, seconds })),
    mean: steps.map((_, i) => mean(at(i))),
    sd: steps.map((_, i) => sd(at(i))),
    min: steps.map((_, i) => Math.min(...at(i))),
    max: steps.map((_, i) => Math.max(...at(i))),
  };
}

export interface StepVerdict {
  step: number;
  meanA: number;
  meanB: number;
  t?: number;
  df?: number;
  p?: number;
  /** 'same' when p >= alpha (no difference the seed spread can show), else which is lower. */
  verdict: 'same' | 'A lower' | 'B lower' | 'undecided';
}

/** Welch's t at each logged step both curves have; `alpha` is the stated threshold (default 0.05). */
export function verdict(a: Curve, b: Curve, alpha = 0.05): StepVerdict[] {
  const out: StepVerdict[] = [];
  for (const [i, step] of a.steps.entries()) {
    const j = b.steps.indexOf(step);
    if (j < 0) continue;
    const xa = a.runs.map((r) => r.values[i] as number);
    const xb = b.runs.map((r) => r.values[j] as number);
    const w = welch(xa, xb);
    const base = { step, meanA: mean(xa), meanB: mean(xb) };
    if (!w) out.push({ ...base, verdict: 'undecided' });
    else
      out.push({
        ...base,
        ...w,
        verdict: w.p >= alpha ? 'same' : base.meanA < base.meanB ? 'A lower' : 'B lower',
      });
  }
  return out;
}
