/**
 * Training in the page: start, pause, resume, stop; the backend and why;
 * steps/s; live loss charts (uPlot); samples from a fixed noise batch (for 2D
 * data, real and generated points over D's decision surface); and a
 * side-by-side comparison run with another adversarial loss, same seed and data;
 * the dataset (bundled, or a folder of images chosen or dropped here), checked
 * against the models by the project's own validation; quality figures over
 * time (modes covered for 2D mixtures; FID, Inception score, precision and
 * recall for digits) and learning rates; with early stopping, the best step
 * so far and why the run stopped, and the best generator to download; with
 * progressive growing, the stage (resolution in use, the fade's alpha) and
 * the resolution the samples show (Stage.tsx).
 *
 * The run and everything it shows live in a TrainStore (store.ts, no React),
 * whose status is one state machine (machine.ts); the views here subscribe to
 * it. The training itself is a TrainingSession (core/train/session.ts), the
 * same one `ganvas train` drives. WASM and CPU training run in a Web Worker
 * (engine.ts, worker.ts); WebGPU and WebGL need the page's GPU device, so they
 * train on the page and yield to it after every step.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { useEffect, useState } from 'react';
import type { DatasetParams } from '../../core/data/index.js';
import { analyzeRun, chooseBackend } from '../../core/train/index.js';
import type { ProjectAnalysis } from '../../core/validate.js';
import { LossChart, MoreCharts } from './Charts.js';
import { ContentCredentials } from './ContentCredentials.js';
import { DataControls, loadFolder } from './DataControls.js';
import { Downloads } from './Downloads.js';
import { assetsFor, blockedReason } from './data.js';
import { ExplorePanel } from './Explore.js';
import { type EngineInit, LocalEngine, WorkerEngine } from './engine.js';
import { droppedFiles } from './folder.js';
import { GeneratorWeights } from './GeneratorWeights.js';
import { RunControls } from './RunControls.js';
import { SamplePictures, Scrubber } from './Samples.js';
import { StabilityTable } from './StabilityTable.js';
import { ProgressiveStage } from './Stage.js';
import { earlyStopSummary, type StartOptions, TrainStore } from './store.js';
import { useTrainStore } from './useTrainStore.js';
import { serveWasmFromBundle } from './wasm.js';

serveWasmFromBundle(window.location.origin);

/**
 * The page's store: engines in a worker for WASM and CPU (long steps never
 * block the page), on the page for WebGPU and WebGL.
 */
function pageStore(): TrainStore {
  return new TrainStore({
    createEngine: async (given) => {
      // Auto measures here, on the page, where every backend can start; WASM and CPU then train in the worker.
      const init = given.backend === 'auto' ? await measured(given) : given;
      return init.backend === 'wasm' || init.backend === 'cpu' ? WorkerEngine.create(init) : LocalEngine.create(init);
    },
    assets: assetsFor,
    classifierUrl: new URL('/models/mnist-classifier/model.json', window.location.href).href,
    yieldToPage: () => new Promise((r) => setTimeout(r, 0)),
  });
}

/** Auto's measurements outlive the page: localStorage, where the page may use it. */
const backendCache = {
  get: (key: string) => {
    try {
      return window.localStorage.getItem(key) ?? undefined;
    } catch {
      return undefined;
    }
  },
  set: (key: string, value: string) => {
    try {
      window.localStorage.setItem(key, value);
    } catch {
      // private mode, or storage full: the choice is measured again next time
    }
  },
};

/** Auto's choice, by timing one training step of the project on each candidate backend (cached). */
async function measured(init: EngineInit): Promise<EngineInit> {
  const choice = await chooseBackend('auto', analyzeRun(init.project, 'run'), { assets: init.assets, backendCache });
  return { ...init, backend: choice.name, backendChoice: choice };
}

export function TrainPanel({
  analysis,
  onDataset,
}: {
  analysis: ProjectAnalysis;
  onDataset?: (nodeId: string, params: DatasetParams) => void;
}) {
  const [store] = useState(pageStore);
  useEffect(() => () => store.dispose(), [store]);
  const snap = useTrainStore(store);
  const [options, setOptions] = useState<StartOptions>({ backend: 'auto', compareWith: '', change: '' });
  const [view, setView] = useState<'train' | 'explore'>('train');

  const s = snap.status;
  const busy = s === 'starting' || s === 'running' || s === 'paused' || s === 'stopping';
  const blocked = blockedReason(analysis, snap.folder, snap.loading !== '', options.backend);
  const canTrain = blocked === undefined;
  const onFolder = (files: File[], name: string) => void loadFolder(store, analysis, onDataset, files, name);
  const hasSteps = snap.runs.length > 0 && snap.runs[0]!.history.length > 0;
  const patience = analysis.project?.training?.settings.earlyStopping?.patience;
  const best = snap.runs
    .map((r) => {
      const line = earlyStopSummary(r, patience);
      return line && (snap.runs.length > 1 ? `${r.label}: ${line}` : line);
    })
    .filter(Boolean);
  return (
    <section
      className="gv-train"
      aria-label="Training"
      onDragOver={(e) => {
        if (!busy && e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        if (busy) return;
        e.preventDefault();
        e.stopPropagation();
        const items = e.dataTransfer.items;
        const name = items[0]?.webkitGetAsEntry()?.name ?? 'images';
        void droppedFiles(items).then((files) => onFolder(files, name));
      }}
    >
      <div className="gv-train-tabs" role="tablist" aria-label="Training panel views">
        {(
          [
            ['train', 'Training'],
            ['explore', 'Explore'],
          ] as const
        ).map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`gv-train-tab-${id}`}
            aria-selected={view === id}
            aria-controls={`gv-train-view-${id}`}
            className={view === id ? 'gv-tab gv-tab-active' : 'gv-tab'}
            onClick={() => setView(id)}
          >
            {label}
          </button>
        ))}
      </div>
      {view === 'explore' && (
        <div role="tabpanel" id="gv-train-view-explore" aria-labelledby="gv-train-tab-explore">
          <ExplorePanel analysis={analysis} store={store} backend={options.backend} version={snap.gallery.length} />
        </div>
      )}
      {view === 'train' && (
        <div role="tabpanel" id="gv-train-view-train" aria-labelledby="gv-train-tab-train">
          <RunControls
            snap={snap}
            store={store}
            canTrain={canTrain}
            options={options}
            onOptions={setOptions}
            onStart={() => void store.start(analysis, options)}
          />
          <Downloads
            snap={snap}
            store={store}
            canTrain={canTrain}
            onResumeFrom={async (f) => {
              await store.resumeFrom(analysis, options.backend, f.name, new Uint8Array(await f.arrayBuffer()));
            }}
          />
          <ContentCredentials onMessage={(m) => store.setMessage(m)} />
          <GeneratorWeights
            analysis={analysis}
            snap={snap}
            store={store}
            backend={options.backend}
            canTrain={canTrain}
          />
          <DataControls analysis={analysis} snap={snap} disabled={busy} onDataset={onDataset} onFolder={onFolder} />
          {blocked !== undefined && (
            <div className="gv-where" data-testid="train-blocked">
              {blocked}
            </div>
          )}
          {snap.message && (
            <p role="alert" className="gv-field-error">
              {snap.message}
            </p>
          )}
          {best.length > 0 && (
            <p className="gv-where" data-testid="train-best">
              {best.join(' · ')}
            </p>
          )}
          <ProgressiveStage analysis={analysis} snap={snap} />
          <div className="gv-train-body">
            {snap.runs.length > 0 && <LossChart runs={snap.runs} version={snap.version} />}
            <SamplePictures snap={snap} />
          </div>
          <Scrubber snap={snap} store={store} />
          <StabilityTable snap={snap} />
          {hasSteps && <MoreCharts runs={snap.runs} version={snap.version} />}
        </div>
      )}
    </section>
  );
}
