/**
 * Progressive growing's stage, beside the sample pictures: before a run the
 * schedule in a sentence; during one, each run's resolution in use, the fade's
 * alpha while a new resolution fades in, and when the next change comes, with
 * the resolutions as a strip (done, current, to come). Nothing for a project
 * without a Progressive node.
 */
import type { ProjectAnalysis } from '../../core/validate.js';
import { phaseAtStep, planLine, progressiveScheduleOf, resolutionsOf, stageLine } from './progress.js';
import type { RunView, TrainSnapshot } from './store.js';

/** A run with a Progressive node. */
type GrownRun = RunView & { progressive: NonNullable<RunView['progressive']> };

function Strip({ run, step, batch }: { run: GrownRun; step: number; batch: number }) {
  const s = run.progressive;
  const phase = phaseAtStep(s, step, batch);
  return (
    <ol className="gv-stage-strip" aria-label={`${run.label} resolutions`}>
      {resolutionsOf(s).map((r) => {
        // In use in full (below the current resolution, or the current one once its fade is over), or not yet.
        const done = r < phase.resolution || (r === phase.resolution && !phase.fading);
        const current = r === phase.resolution;
        return (
          <li
            key={r}
            className={`gv-stage-res${current ? ' gv-stage-current' : ''}${done ? ' gv-stage-in' : ''}`}
            aria-current={current ? 'step' : undefined}
          >
            {r}x{r}
            {current && phase.fading && (
              <progress max={1} value={phase.alpha} aria-label={`fade-in of ${r}x${r}, alpha`} />
            )}
          </li>
        );
      })}
    </ol>
  );
}

export function ProgressiveStage({ analysis, snap }: { analysis: ProjectAnalysis; snap: TrainSnapshot }) {
  const grown = snap.runs.filter((r): r is GrownRun => Boolean(r.progressive));
  if (snap.runs.length === 0) {
    const s = progressiveScheduleOf(analysis.project);
    const batch = analysis.project?.training?.settings.batchSize;
    if (!s || batch === undefined) return null;
    return (
      <p className="gv-stage" data-testid="train-stage">
        <strong>Progressive growing</strong> {planLine(s, batch)}
      </p>
    );
  }
  const batch = snap.batchSize;
  if (grown.length === 0 || batch === undefined) return null;
  return (
    <div className="gv-stage" data-testid="train-stage">
      {grown.map((r, i) => (
        <div key={r.label} className="gv-stage-run">
          <strong>Progressive growing</strong>
          {snap.runs.length > 1 ? ` (${r.label})` : ''}:{' '}
          <span data-testid={`train-stage-line-${i}`}>
            {stageLine(r.progressive, phaseAtStep(r.progressive, snap.step, batch), snap.step, batch)}
          </span>
          <Strip run={r} step={snap.step} batch={batch} />
        </div>
      ))}
    </div>
  );
}
