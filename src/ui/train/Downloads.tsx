/**
 * What a run gives back: the generator (tfjs' LayersModel format), the best
 * one by the early-stopping figure (with its checkpoint), the
 * sample picture shown (taken from the store, encoded as PNG, C2PA-signed when
 * a certificate was given in ContentCredentials), a checkpoint,
 * and a run resumed from a checkpoint file.
 */

import { generatorModelJson } from '../../core/train/index.js';
import { pressInnerInput } from '../keys.js';
import { signing } from './c2pa.js';
import { download, pngBlob } from './download.js';
import { shownPictures, type TrainSnapshot, type TrainStore } from './store.js';

export function Downloads(props: {
  snap: TrainSnapshot;
  store: TrainStore;
  canTrain: boolean;
  onResumeFrom: (f: File) => void;
}) {
  const { snap, store, canTrain, onResumeFrom } = props;
  const s = snap.status;
  // Read out a run that exists and is not stepping.
  const readable = snap.runs.length > 0 && (s === 'paused' || s === 'stopped' || s === 'failed');
  const canResume = canTrain && (s === 'idle' || s === 'paused' || s === 'stopped' || s === 'failed');
  const fail = (e: unknown) => store.setMessage((e as Error).message);
  return (
    <div className="gv-train-controls">
      <button
        className="gv-button"
        disabled={!readable}
        onClick={async () => {
          // tfjs' LayersModel format: model.json plus its weights file, loadable with tf.loadLayersModel.
          const g = await store.generator().catch(fail);
          if (!g) return;
          const json = generatorModelJson(g, 'generator.weights.bin');
          download('generator.json', new Blob([json], { type: 'application/json' }));
          download('generator.weights.bin', new Blob([g.weightData]));
        }}
      >
        Download generator
      </button>
      {snap.runs[0]?.evaluations.some((e) => e.improved) && (
        <button
          className="gv-button"
          disabled={!readable}
          data-testid="download-best"
          onClick={async () => {
            // The best generator by the early-stopping figure, and its checkpoint.
            const b = await store.best().catch(fail);
            if (!b?.generator) return;
            const json = generatorModelJson(b.generator, 'generator-best.weights.bin');
            download('generator-best.json', new Blob([json], { type: 'application/json' }));
            download('generator-best.weights.bin', new Blob([b.generator.weightData]));
            download('checkpoint-best.gnvs', new Blob([b.checkpoint.slice().buffer as ArrayBuffer]));
          }}
        >
          Download best generator (step {snap.runs[0].evaluations[snap.runs[0].evaluations.length - 1]?.best.step})
        </button>
      )}
      <button
        className="gv-button"
        disabled={!readable}
        onClick={() => {
          const shown = shownPictures(snap);
          const pic = shown.pictures[0];
          if (pic)
            void pngBlob(pic, store.provenance(shown.step ?? snap.step), signing.get()).then(
              (b) => download('samples.png', b),
              fail,
            );
        }}
      >
        Download samples
      </button>
      <button
        className="gv-button"
        disabled={!readable}
        onClick={async () => {
          const bytes = await store.checkpoint().catch(fail);
          if (bytes) download('checkpoint.gnvs', new Blob([bytes.slice().buffer as ArrayBuffer]));
        }}
      >
        Save checkpoint
      </button>
      <label
        className="gv-button"
        role="button"
        tabIndex={canResume ? 0 : -1}
        aria-disabled={!canResume}
        onKeyDown={pressInnerInput}
      >
        Resume from checkpoint…
        <input
          type="file"
          accept=".gnvs"
          hidden
          disabled={!canResume}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) onResumeFrom(f);
          }}
          aria-label="Resume from checkpoint"
        />
      </label>
    </div>
  );
}
