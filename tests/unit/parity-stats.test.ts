/** The parity benchmark's statistics against published values (R's pt / t.test). */
import { describe, expect, it } from 'vitest';
import { betaInc, summarize, tTwoSidedP, verdict, welch } from '../../bench/parity-stats.js';

describe('parity statistics', () => {
  it("Student's t two-sided p-values match the tables", () => {
    expect(tTwoSidedP(2, 10)).toBeCloseTo(0.07338803, 6); // 2 * pt(-2, 10)
    expect(tTwoSidedP(2.228138842, 10)).toBeCloseTo(0.05, 6); // qt(0.975, 10)
    expect(tTwoSidedP(1.959963985, 1e7)).toBeCloseTo(0.05, 5); // the normal limit
    expect(tTwoSidedP(0, 3)).toBeCloseTo(1, 12);
    expect(betaInc(0.5, 2, 3)).toBeCloseTo(0.6875, 12); // I_0.5(2,3) = 11/16
  });
  it("Welch's t and its degrees of freedom", () => {
    // a = 1..5 (var 2.5), b = 2,4,6,8,10 (var 10): t = -3/sqrt(2.5) = -1.897, df = 6.897 (Welch-Satterthwaite).
    const w = welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])!;
    expect(w.t).toBeCloseTo(-3 / Math.sqrt(0.5 + 2), 10);
    expect(w.df).toBeCloseTo(2.5 ** 2 / (0.5 ** 2 / 4 + 2 ** 2 / 4), 10);
    expect(w.p).toBeCloseTo(tTwoSidedP(w.t, w.df), 12);
    expect(w.p).toBeGreaterThan(0.09);
    expect(w.p).toBeLessThan(0.11);
  });
  it('a verdict per logged step', () => {
    const a = summarize('x', 'a', 'fid', [
      { seed: 0, steps: [100, 200], values: [10, 5], seconds: 1 },
      { seed: 1, steps: [100, 200], values: [11, 5.1], seconds: 1 },
      { seed: 2, steps: [100, 200], values: [12, 4.9], seconds: 1 },
    ]);
    const b = summarize('y', 'b', 'fid', [
      { seed: 0, steps: [100, 200], values: [30, 5.2], seconds: 1 },
      { seed: 1, steps: [100, 200], values: [31, 4.8], seconds: 1 },
      { seed: 2, steps: [100, 200], values: [29, 5], seconds: 1 },
    ]);
    expect(a.mean).toEqual([11, 5]);
    const v = verdict(a, b);
    expect(v.map((x) => x.verdict)).toEqual(['A lower', 'same']);
  });
});
