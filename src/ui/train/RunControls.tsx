/** Start, pause, resume, stop; the comparison run's choice; the backend; the run's status, step, batch and speed. */
import { ADVERSARIAL_KINDS, type AdversarialKind } from '../../core/nodes/index.js';
import { BACKENDS, type BackendPreference } from '../../core/train/index.js';
import type { StartOptions, TrainSnapshot, TrainStore } from './store.js';

const CHANGE_HELP =
  'A second run with one param changed: node.param = value in the training graph, or model/node.param = value';

export function RunControls(props: {
  snap: TrainSnapshot;
  store: TrainStore;
  canTrain: boolean;
  options: StartOptions;
  onOptions: (o: StartOptions) => void;
  onStart: () => void;
}) {
  const { snap, store, canTrain, options, onOptions, onStart } = props;
  const s = snap.status;
  // While a run holds the engine (or one is starting or stopping), its choices are fixed.
  const busy = s === 'starting' || s === 'running' || s === 'paused' || s === 'stopping';
  const rate = snap.rate;
  return (
    <div className="gv-train-controls">
      <strong>Train</strong>
      <button className="gv-button" disabled={!canTrain || busy} onClick={onStart}>
        Start
      </button>
      <button className="gv-button" disabled={s !== 'running'} onClick={() => store.pause()}>
        Pause
      </button>
      <button className="gv-button" disabled={s !== 'paused'} onClick={() => store.resume()}>
        Resume
      </button>
      <button className="gv-button" disabled={s !== 'running' && s !== 'paused'} onClick={() => store.stop()}>
        Stop
      </button>
      <label>
        compare with{' '}
        <select
          aria-label="Compare with loss"
          value={options.compareWith}
          onChange={(e) => onOptions({ ...options, compareWith: e.target.value as AdversarialKind | '' })}
          disabled={busy || options.change.trim() !== ''}
        >
          <option value="">no comparison</option>
          {ADVERSARIAL_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label title={CHANGE_HELP}>
        or change{' '}
        <input
          aria-label="Compare with a param change"
          placeholder="opt_G.learningRate = 0.001"
          size={24}
          value={options.change}
          onChange={(e) => onOptions({ ...options, change: e.target.value })}
          disabled={busy}
        />
      </label>
      <label>
        backend{' '}
        <select
          aria-label="Backend"
          value={options.backend}
          onChange={(e) => onOptions({ ...options, backend: e.target.value as BackendPreference })}
          disabled={busy}
        >
          <option value="auto">auto (measures a step on each)</option>
          {BACKENDS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </label>
      <span data-testid="train-status">{s}</span>
      <span data-testid="train-step">step {snap.step}</span>
      {snap.runs.length > 0 && snap.batchSize !== undefined && (
        <span>
          batch <span data-testid="batch-size">{snap.batchSize}</span>
        </span>
      )}
      <span data-testid="train-rate">
        {rate.toFixed(rate < 1 ? 2 : 1)} steps/s{rate > 0 ? `, ${(1000 / rate).toFixed(0)} ms/step` : ''}
      </span>
      <span data-testid="train-backend" className="gv-where">
        {snap.backend}
      </span>
    </div>
  );
}
