/**
 * Generator weights as one safetensors file in TensorFlow.js names and
 * layouts (core/train/generator-weights.ts): load one (a PyTorch run's
 * generator.safetensors, or one saved here) and see samples from it, or save
 * the generator shown. Loading checks the file whole against the project's
 * generator; a refused file's message says what is wrong.
 */
import type { BackendPreference } from '../../core/train/index.js';
import type { ProjectAnalysis } from '../../core/validate.js';
import { pressInnerInput } from '../keys.js';
import { download } from './download.js';
import type { TrainSnapshot, TrainStore } from './store.js';

const LOAD = 'Load generator weights (.safetensors)';

export function GeneratorWeights(props: {
  analysis: ProjectAnalysis;
  snap: TrainSnapshot;
  store: TrainStore;
  backend: BackendPreference;
  canTrain: boolean;
}) {
  const { analysis, snap, store, backend, canTrain } = props;
  const s = snap.status;
  const settled = snap.runs.length > 0 && (s === 'paused' || s === 'stopped' || s === 'failed');
  const canLoad = settled || (s === 'idle' && canTrain);
  const canSave = settled || snap.loaded !== '';
  return (
    <div className="gv-train-controls" role="group" aria-label="Generator weights">
      <label
        className="gv-button"
        role="button"
        tabIndex={canLoad ? 0 : -1}
        aria-disabled={!canLoad}
        onKeyDown={pressInnerInput}
        title="Weights of this project's generator in TensorFlow.js names and layouts, e.g. generator.safetensors from the PyTorch export's run"
      >
        {LOAD}
        <input
          type="file"
          accept=".safetensors"
          hidden
          disabled={!canLoad}
          aria-label={LOAD}
          onChange={async (e) => {
            const input = e.currentTarget;
            const f = input.files?.[0];
            if (!f) return;
            const bytes = new Uint8Array(await f.arrayBuffer());
            input.value = ''; // the same file can be chosen again
            await store.loadGenerator(analysis, backend, f.name, bytes);
          }}
        />
      </label>
      <button
        className="gv-button"
        disabled={!canSave}
        onClick={async () => {
          const bytes = await store.generatorWeights().catch((e: unknown) => store.setMessage((e as Error).message));
          if (bytes) download('generator.safetensors', new Blob([bytes.slice().buffer as ArrayBuffer]));
        }}
      >
        Save generator weights (.safetensors)
      </button>
    </div>
  );
}
