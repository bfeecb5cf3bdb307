/** The comparison's stability figures, a row per run (the same figures as `ganvas compare`). */
import { stability } from '../../core/train/index.js';
import type { TrainSnapshot } from './store.js';

const HEADS = ['run', 'steps', 'final D', 'final G', 'var D', 'var G'];
HEADS.push('mean |grad D|', 'mean |grad G|', 'modes covered', 'NaN');

export function StabilityTable({ snap }: { snap: TrainSnapshot }) {
  const now = performance.now();
  if (snap.runs.length < 2 || snap.runs[0]!.history.length === 0) return null;
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  return (
    <table className="gv-stability" data-testid="stability">
      <thead>
        <tr>
          {HEADS.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {snap.runs.map((r) => {
          const last = r.history[r.history.length - 1];
          const seconds = (now - r.started) / 1000;
          const steps = last?.step ?? 0;
          const figures = { status: snap.status, steps, seconds, history: r.history, quality: r.quality };
          const row = stability(r.label, figures);
          return (
            <tr key={r.label}>
              <td>{row.loss}</td>
              <td>{row.steps}</td>
              <td>{f(row.finalD)}</td>
              <td>{f(row.finalG)}</td>
              <td>{f(row.varD)}</td>
              <td>{f(row.varG)}</td>
              <td>{f(row.gradNormD)}</td>
              <td>{f(row.gradNormG)}</td>
              <td>{row.modesCovered ?? '-'}</td>
              <td>{r.diverged ? 'yes' : 'no'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
