/**
 * The panel's charts (uPlot): every run's losses, loss terms, D(real) and
 * D(fake), gradient norms, learning rates, ADA's p and progressive growing's
 * resolution and fade alpha step by step, and the quality
 * figures at each sample picture (modes covered for 2D mixtures; FID,
 * Inception score, precision and recall for digits).
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { QualityFigures, StepMetrics } from '../../core/train/index.js';
import { log2Resolution } from './progress.js';
import type { RunView } from './store.js';

type Metric<R> = { name: string; get: (row: R) => number | undefined };

/** The figures charted live, per run, step by step. */
export function metricsOf(runs: readonly RunView[]): Record<string, Metric<StepMetrics>[]> {
  const terms = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.history[0]?.losses ?? {})) if (k.includes('/')) terms.add(k);
  const rates = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.history[0]?.lr ?? {})) rates.add(k);
  return {
    losses: [
      { name: 'D', get: (m) => m.losses.D },
      { name: 'G', get: (m) => m.losses.G },
    ],
    'loss terms': [...terms].sort().map((k) => ({ name: k, get: (m: StepMetrics) => m.losses[k] })),
    'D(real) / D(fake) (mean logit)': [
      { name: 'D(real)', get: (m) => m.dReal },
      { name: 'D(fake)', get: (m) => m.dFake },
    ],
    'gradient norms': [
      { name: '|grad D|', get: (m) => m.gradNorm.D },
      { name: '|grad G|', get: (m) => m.gradNorm.G },
    ],
    // Each optimizer's rate, step by step (its schedule: core/train/schedule.ts).
    'learning rate': [...rates].sort().map((k) => ({ name: k, get: (m: StepMetrics) => m.lr?.[k] })),
    // ADA's augmentation probability and r_t (an Augment node with ada on: core/train/augment.ts).
    ...(runs.some((r) => r.history[0]?.ada)
      ? {
          'ADA p, r_t = E[sign D(real)]': [
            { name: 'ada/p', get: (m: StepMetrics) => m.ada?.['ada/p'] },
            { name: 'ada/rt', get: (m: StepMetrics) => m.ada?.['ada/rt'] },
          ],
        }
      : {}),
    // Progressive growing (a Progressive node: core/train/progressive.ts): the resolution each step trained at,
    // on a log2 scale continuous through fades (2 = 4x4, 2.5 halfway into 8x8, 3 = 8x8), and the fade's alpha.
    ...(runs.some((r) => r.history[0]?.progressive)
      ? {
          [PROGRESSIVE_CHART]: [
            { name: 'log2 resolution', get: (m: StepMetrics) => m.progressive && log2Resolution(m.progressive) },
            { name: 'alpha', get: (m: StepMetrics) => m.progressive?.alpha },
          ],
        }
      : {}),
  };
}

/** The title (and test id, chart-<title>) of progressive growing's chart. */
export const PROGRESSIVE_CHART = 'progressive growing: log2 resolution, fade alpha';

/** The quality figures charted at each sample picture, when the runs have them. */
export function qualityMetricsOf(runs: readonly RunView[]): Record<string, Metric<QualityFigures>[]> {
  const has = (k: keyof QualityFigures) => runs.some((r) => r.quality.some((q) => q[k] !== undefined));
  const out: Record<string, Metric<QualityFigures>[]> = {};
  const hqTimesModes = (q: QualityFigures) =>
    q.highQuality !== undefined && q.modesTotal !== undefined ? q.highQuality * q.modesTotal : undefined;
  if (has('modesCovered'))
    out['modes covered'] = [
      { name: 'modes covered', get: (q) => q.modesCovered },
      { name: 'high-quality share x modes', get: hqTimesModes },
    ];
  if (has('fid')) out['FID (digits, lower is better)'] = [{ name: 'FID', get: (q) => q.fid }];
  if (has('inceptionScore'))
    out['Inception score (digit classifier, 1 to 10)'] = [{ name: 'IS', get: (q) => q.inceptionScore }];
  if (has('precision'))
    out['precision / recall (k = 3)'] = [
      { name: 'precision', get: (q) => q.precision },
      { name: 'recall', get: (q) => q.recall },
    ];
  return out;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export function MetricChart<R extends { step: number }>(props: {
  title: string;
  runs: readonly RunView[];
  rows: (r: RunView) => R[];
  metrics: Metric<R>[];
  version: number;
  testId?: string;
}) {
  const { title, runs, rows, metrics, version, testId } = props;
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const key = `${runs.map((r) => r.label).join('|')}/${metrics.map((m) => m.name).join('|')}`;
  useEffect(() => {
    if (!el.current) return;
    const series: uPlot.Series[] = [{ label: 'step' }];
    runs.forEach((r, i) =>
      metrics.forEach((m, j) =>
        series.push({
          label: runs.length > 1 ? `${r.label} ${m.name}` : m.name,
          stroke: COLORS[(j * runs.length + i) % COLORS.length],
          width: 1,
          ...(i > 0 ? { dash: [4, 3] } : {}),
        }),
      ),
    );
    plot.current?.destroy();
    const opts = { title, width: 360, height: 180, series, scales: { x: { time: false } }, legend: { live: false } };
    plot.current = new uPlot(opts, [[], ...series.slice(1).map(() => [])], el.current);
    return () => plot.current?.destroy();
  }, [key]); // rebuilt only when the series change
  useEffect(() => {
    // x: every step any run has a row for; y: each run's value there, or a gap.
    const byStep = runs.map((r) => new Map(rows(r).map((row) => [row.step, row] as const)));
    const steps = [...new Set(byStep.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const data: (number | null)[][] = [steps];
    for (const m of byStep)
      for (const metric of metrics)
        data.push(
          steps.map((s) => {
            const row = m.get(s);
            return row ? (metric.get(row) ?? null) : null;
          }),
        );
    plot.current?.setData(data as uPlot.AlignedData);
    if (el.current) {
      el.current.dataset.points = String(steps.length);
      // Each series' latest value, for tests and tools (the canvas itself cannot be read).
      const last: Record<string, number> = {};
      runs.forEach((r, i) =>
        metrics.forEach((metric, j) => {
          const ys = data[1 + i * metrics.length + j] as (number | null)[];
          for (let k = ys.length - 1; k >= 0; k--)
            if (ys[k] !== null && ys[k] !== undefined) {
              last[runs.length > 1 ? `${r.label} ${metric.name}` : metric.name] = ys[k] as number;
              break;
            }
        }),
      );
      el.current.dataset.last = JSON.stringify(last);
    }
  }, [version, runs, metrics, rows]);
  return <div ref={el} data-testid={testId ?? `chart-${title}`} />;
}

const historyRows = (r: RunView) => r.history;

/** The loss chart, first beside the pictures. */
export function LossChart({ runs, version }: { runs: readonly RunView[]; version: number }) {
  return (
    <MetricChart
      title="losses"
      testId="loss-chart"
      runs={runs}
      rows={historyRows}
      metrics={metricsOf(runs).losses!}
      version={version}
    />
  );
}

/** Every other chart: step figures, then quality figures (charted only where a picture had them). */
export function MoreCharts({ runs, version }: { runs: readonly RunView[]; version: number }) {
  return (
    <div className="gv-train-body">
      {Object.entries(metricsOf(runs))
        .filter(([title]) => title !== 'losses')
        .map(([title, metrics]) => (
          <MetricChart key={title} title={title} runs={runs} rows={historyRows} metrics={metrics} version={version} />
        ))}
      {Object.entries(qualityMetricsOf(runs)).map(([title, metrics]) => (
        <MetricChart
          key={title}
          title={title}
          runs={runs}
          rows={(r) => r.quality.filter((q) => metrics.some((m) => m.get(q) !== undefined))}
          metrics={metrics}
          version={version}
        />
      ))}
    </div>
  );
}
