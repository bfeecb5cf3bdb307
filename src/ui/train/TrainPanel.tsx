/**
 * Training in the page: start, pause, resume, stop; the backend and why;
 * steps/s; live loss charts (uPlot); samples from a fixed noise batch (for 2D
 * data, real and generated points over D's decision surface); and a
 * side-by-side comparison run with another adversarial loss, same seed and data;
 * the dataset (bundled, or a folder of images chosen or dropped here), checked
 * against the models by the project's own validation; quality figures over
 * time (modes covered for 2D mixtures, FID for digits).
 * WASM and CPU training run in a Web Worker (engine.ts, worker.ts); WebGPU
 * and WebGL need the page's GPU device, so they train on the page and yield
 * to it after every step.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { serveWasmFromBundle } from './wasm.js';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { DATASET_SOURCES, datasetDoc, datasetParamsSchema, datasetPorts, switchDataset, type DatasetParams, type DatasetSource } from '../../core/data/catalog.js';
import type { DataAssets, MnistData } from '../../core/data/datasets.js';
import { decodeImages, droppedFiles, type FolderResult } from './folder.js';
import { decodeMnistBin } from '../../core/data/mnist-format.js';
import { ADVERSARIAL_KINDS, type AdversarialKind } from '../../core/nodes/training.js';
import { BACKENDS, type BackendPreference } from '../../core/train/backend.js';
import type { Rgba } from '../../core/train/images.js';
import type { StepMetrics } from '../../core/train/trainer.js';
import { stability } from '../../core/train/stability.js';
import { applyParamChange, parseParamChange } from '../../core/project/variant.js';
import { LocalEngine, WorkerEngine, type Engine, type EngineInit, type Quality } from './engine.js';
import type { ProjectAnalysis } from '../../core/validate.js';

serveWasmFromBundle(window.location.origin);

type Status = 'idle' | 'running' | 'paused' | 'stopped' | 'failed';

interface Run {
  label: string;
  history: StepMetrics[];
  quality: Quality[];
  started: number;
  diverged: boolean;
}

interface Folder extends FolderResult {
  name: string;
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function datasetsOf(a: ProjectAnalysis): { id: string; params: DatasetParams }[] {
  return (a.project?.training?.nodes ?? []).flatMap((n) => {
    if (n.type !== 'Dataset') return [];
    const p = datasetParamsSchema.safeParse(n.params ?? {});
    return p.success ? [{ id: n.id, params: p.data }] : [];
  });
}

async function assetsFor(a: ProjectAnalysis, folder: Folder | undefined): Promise<DataAssets> {
  const sources = datasetsOf(a).map((d) => d.params.source);
  const assets: DataAssets = {};
  if (sources.includes('folder')) {
    if (!folder) throw new Error('The dataset is a folder of images: choose a folder or drop one on the training panel first.');
    assets.folder = folder.images;
  }
  if (sources.some((s) => s.startsWith('mnist'))) assets.mnist = await loadDigits();
  return assets;
}

let digits: Promise<MnistData> | undefined;
/** The bundled digits, fetched and decoded once per page (every Start and resume reuses them). */
function loadDigits(): Promise<MnistData> {
  digits ??= fetch('/generated/mnist.bin').then(async (r) => {
    if (!r.ok) throw new Error('The MNIST data is missing: run `npm run data` (npm start does it).');
    return decodeMnistBin(new Uint8Array(await r.arrayBuffer()));
  });
  digits.catch(() => (digits = undefined)); // a failed fetch is tried again next time
  return digits;
}

function Picture({ pic, testId }: { pic: Rgba | undefined; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c || !pic) return;
    c.width = pic.width;
    c.height = pic.height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(pic.data), pic.width, pic.height), 0, 0);
    c.dataset.version = String(Number(c.dataset.version ?? 0) + 1);
  }, [pic]);
  return <canvas ref={ref} className="gv-samples" data-testid={testId} width={300} height={300} />;
}

type Metric<R> = { name: string; get: (row: R) => number | undefined };

/** The figures charted live, per run, step by step. */
function metricsOf(runs: Run[]): Record<string, Metric<StepMetrics>[]> {
  const terms = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.history[0]?.losses ?? {})) if (k.includes('/')) terms.add(k);
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
  };
}

/** The quality figures charted at each sample picture, when the runs have them. */
function qualityMetricsOf(runs: Run[]): Record<string, Metric<Quality>[]> {
  const has = (k: keyof Quality) => runs.some((r) => r.quality.some((q) => q[k] !== undefined));
  const out: Record<string, Metric<Quality>[]> = {};
  if (has('modesCovered'))
    out['modes covered'] = [
      { name: 'modes covered', get: (q) => q.modesCovered },
      { name: 'high-quality share x modes', get: (q) => (q.highQuality !== undefined && q.modesTotal !== undefined ? q.highQuality * q.modesTotal : undefined) },
    ];
  if (has('fid')) out['FID (digits, lower is better)'] = [{ name: 'FID', get: (q) => q.fid }];
  return out;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function MetricChart<R extends { step: number }>({ title, runs, rows, metrics, version, testId }: { title: string; runs: Run[]; rows: (r: Run) => R[]; metrics: Metric<R>[]; version: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const key = `${runs.map((r) => r.label).join('|')}/${metrics.map((m) => m.name).join('|')}`;
  useEffect(() => {
    if (!el.current) return;
    const series: uPlot.Series[] = [{ label: 'step' }];
    runs.forEach((r, i) =>
      metrics.forEach((m, j) => series.push({ label: runs.length > 1 ? `${r.label} ${m.name}` : m.name, stroke: COLORS[(j * runs.length + i) % COLORS.length], width: 1, ...(i > 0 ? { dash: [4, 3] } : {}) })),
    );
    plot.current?.destroy();
    plot.current = new uPlot({ title, width: 360, height: 180, series, scales: { x: { time: false } }, legend: { live: false } }, [[], ...series.slice(1).map(() => [])], el.current);
    return () => plot.current?.destroy();
  }, [key]); // rebuilt only when the series change
  useEffect(() => {
    // x: every step any run has a row for; y: each run's value there, or a gap.
    const byStep = runs.map((r) => new Map(rows(r).map((row) => [row.step, row] as const)));
    const steps = [...new Set(byStep.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const data: (number | null)[][] = [steps];
    byStep.forEach((m) => metrics.forEach((metric) => data.push(steps.map((s) => { const row = m.get(s); return row ? (metric.get(row) ?? null) : null; }))));
    plot.current?.setData(data as uPlot.AlignedData);
    if (el.current) el.current.dataset.points = String(steps.length);
  }, [version, runs, metrics, rows]);
  return <div ref={el} data-testid={testId ?? `chart-${title}`} />;
}

const historyRows = (r: Run) => r.history;
const qualityRows = (r: Run) => r.quality;

/** The dataset part of the panel: the source of each Dataset node, and a folder of images chosen or dropped. */
function DataControls({ analysis, folder, loading, disabled, onDataset, onFolder }: { analysis: ProjectAnalysis; folder: Folder | undefined; loading: string; disabled: boolean; onDataset: ((id: string, params: DatasetParams) => void) | undefined; onFolder: (files: File[], name: string) => void }) {
  const datasets = datasetsOf(analysis);
  if (datasets.length === 0) return null;
  return (
    <div className="gv-train-controls" data-testid="data-controls">
      {datasets.map((d) => (
        <span key={d.id}>
          <label>
            data <code>{d.id}</code>{' '}
            <select
              aria-label={`Dataset ${d.id}`}
              value={d.params.source}
              disabled={disabled || !onDataset}
              onChange={(e) => onDataset?.(d.id, switchDataset(d.params, e.target.value as DatasetSource, e.target.value === 'folder' && folder ? { path: folder.name } : {}))}
            >
              {DATASET_SOURCES.map((src) => (
                <option key={src} value={src} title={datasetDoc(src)}>
                  {src}
                </option>
              ))}
            </select>
          </label>{' '}
          <span className="gv-where" data-testid={`data-shape-${d.id}`}>
            {datasetPorts(d.params).map((p) => `${p.name} [${p.shape.join(',')}]`).join(', ')}
          </span>
        </span>
      ))}
      <label className="gv-button">
        Choose image folder…
        <input
          type="file"
          hidden
          multiple
          // @ts-expect-error webkitdirectory is not in React's input attributes; every Chromium, Firefox and Safari supports it
          webkitdirectory=""
          disabled={disabled}
          aria-label="Choose image folder"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            const first = files[0] as (File & { webkitRelativePath?: string }) | undefined;
            onFolder(files, first?.webkitRelativePath?.split('/')[0] || 'images');
          }}
        />
      </label>
      <span className="gv-where" data-testid="folder-status">
        {loading || (folder ? `${folder.name}: ${folder.images.count} images at ${folder.images.width}x${folder.images.height}x${folder.images.channels}${folder.skipped.length ? `, ${folder.skipped.length} skipped` : ''}` : 'or drop a folder of images here')}
      </span>
    </div>
  );
}

export function TrainPanel({ analysis, onDataset }: { analysis: ProjectAnalysis; onDataset?: (nodeId: string, params: DatasetParams) => void }) {
  const [status, setStatus] = useState<Status>('idle');
  const [pref, setPref] = useState<BackendPreference>('auto');
  const [folder, setFolder] = useState<Folder | undefined>();
  const [loading, setLoading] = useState('');
  const [backend, setBackend] = useState<string>('');
  const [message, setMessage] = useState<string>('');
  const [step, setStep] = useState(0);
  const [rate, setRate] = useState(0);
  const [version, setVersion] = useState(0);
  const [pictures, setPictures] = useState<(Rgba | undefined)[]>([]);
  /** Every sample picture taken, with its step, for the scrubber. */
  const gallery = useRef<{ step: number; pictures: (Rgba | undefined)[] }[]>([]);
  const [scrub, setScrub] = useState<number | undefined>();
  const [compareWith, setCompareWith] = useState<AdversarialKind | ''>('');
  /** A comparison run with one param changed, e.g. "opt_G.learningRate = 0.001". */
  const [change, setChange] = useState('');
  const runs = useRef<Run[]>([]);
  const control = useRef<{ state: Status }>({ state: 'idle' });

  const engine = useRef<Engine | undefined>(undefined);

  const loop = async () => {
    const e = engine.current;
    if (!e) return;
    const t0 = performance.now();
    const start = e.steps[0] ?? 0;
    let lastPicture = 0;
    let lastPictureAt = 0;
    try {
      while (control.current.state === 'running' && engine.current === e) {
        const results = await e.step();
        results.forEach((r, i) => {
          const run = runs.current[i];
          if (!run) return;
          run.history.push(r.metrics);
          if (r.divergence) {
            run.diverged = true;
            control.current.state = 'stopped';
            setStatus('stopped');
            setMessage(`${run.label}: ${r.divergence}`);
          }
        });
        const now = e.steps[0] ?? 0;
        setStep(now);
        setRate((now - start) / ((performance.now() - t0) / 1000));
        setVersion((v) => v + 1);
        // Samples every 10 steps, or every 1.5 s on a slow backend.
        if (now - lastPicture >= 10 || now === 1 || performance.now() - lastPictureAt > 1500) {
          lastPicture = now;
          lastPictureAt = performance.now();
          const res = await e.pictures();
          res.forEach((r, i) => runs.current[i]?.quality.push(...r.quality));
          const pics = res.map((r) => r.picture);
          gallery.current.push({ step: now, pictures: pics });
          if (gallery.current.length > 200) gallery.current.splice(0, gallery.current.length - 200);
          setPictures(pics);
        }
        if (!e.inWorker) await new Promise((r) => setTimeout(r, 0)); // on the page's thread: let it paint between steps
      }
    } catch (err) {
      if (engine.current !== e) return; // replaced or stopped meanwhile
      control.current.state = 'failed';
      setStatus('failed');
      setMessage((err as Error).message);
    }
  };

  /** A fresh engine: in a worker for WASM and CPU (long steps never block the page), on the page for WebGPU and WebGL. */
  const newEngine = async (labels: EngineInit['runs'], checkpoint?: Uint8Array): Promise<Engine> => {
    const init: EngineInit = {
      backend: pref,
      project: analysis.project,
      runs: labels,
      assets: await assetsFor(analysis, folder),
      classifierUrl: new URL('/models/mnist-classifier/model.json', window.location.href).href,
      ...(checkpoint ? { checkpoint } : {}),
    };
    engine.current?.dispose();
    engine.current = undefined;
    const e = pref === 'wasm' || pref === 'cpu' ? await WorkerEngine.create(init) : await LocalEngine.create(init);
    engine.current = e;
    setBackend(e.backend);
    gallery.current = [];
    setScrub(undefined);
    setPictures([]);
    return e;
  };

  const start = async () => {
    setMessage('');
    try {
      const firstLoss = analysis.project?.training?.nodes.find((n) => n.type === 'AdversarialLoss');
      let labels: EngineInit['runs'] = compareWith ? [{ label: String((firstLoss?.params as { kind?: string } | undefined)?.kind ?? 'run') }, { label: compareWith, overrideLoss: compareWith }] : [{ label: 'run' }];
      if (change.trim() && analysis.project) {
        const c = parseParamChange(change);
        labels = [{ label: 'as is' }, { label: c.text, project: applyParamChange(analysis.project, c) }];
      }
      await newEngine(labels);
      runs.current = labels.map((l) => ({ label: l.label, history: [], quality: [], started: performance.now(), diverged: false }));
      control.current.state = 'running';
      setStatus('running');
      setStep(0);
      void loop();
    } catch (e) {
      setStatus('failed');
      setMessage((e as Error).message);
    }
  };

  useEffect(
    () => () => {
      control.current.state = 'stopped';
      engine.current?.dispose();
      engine.current = undefined;
    },
    [],
  );

  const resumeFrom = async (f: File | undefined) => {
    if (!f) return;
    try {
      const e = await newEngine([{ label: 'run' }], new Uint8Array(await f.arrayBuffer()));
      runs.current = [{ label: 'run', history: [], quality: [], started: performance.now(), diverged: false }];
      setStep(e.steps[0] ?? 0);
      control.current.state = 'paused';
      setStatus('paused');
      setMessage(`Resumed from ${f.name} at step ${e.steps[0] ?? 0}: press Resume.`);
    } catch (e) {
      setMessage(`${f.name}: ${(e as Error).message}`);
    }
  };
  const loadFolder = async (files: File[], name: string) => {
    // Images are decoded at the size the (first) folder dataset asks for, or the size of the current image dataset.
    const d = datasetsOf(analysis)[0];
    const target = d ? switchDataset(d.params, 'folder', { path: name }) : undefined;
    if (!target || target.source !== 'folder') return;
    try {
      setLoading(`decoding ${files.length} files…`);
      const result = await decodeImages(files, target.width, target.height, target.channels, (done, total) => setLoading(`decoding ${done}/${total}…`));
      setFolder({ ...result, name });
      setLoading('');
      if (d && (d.params.source !== 'folder' || d.params.path !== name)) onDataset?.(d.id, target);
    } catch (e) {
      setLoading('');
      setMessage(`${name}: ${(e as Error).message}`);
    }
  };
  // A folder dataset whose size changes (in the inspector) needs its images decoded again.
  const folderParams = datasetsOf(analysis).find((d) => d.params.source === 'folder')?.params;
  const folderFits = !folderParams || folderParams.source !== 'folder' || !folder || (folder.images.width === folderParams.width && folder.images.height === folderParams.height && folder.images.channels === folderParams.channels);

  const first = runs.current[0];
  const idle = status !== 'running';
  const busy = status === 'running' || status === 'paused';
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  const canTrain = analysis.status === 'ok' && analysis.training?.complete === true && folderFits && !loading;
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
        void droppedFiles(items).then((files) => loadFolder(files, name));
      }}
    >
      <div className="gv-train-controls">
        <strong>Train</strong>
        <button className="gv-button" disabled={!canTrain || status === 'running' || status === 'paused'} onClick={() => void start()}>
          Start
        </button>
        <button
          className="gv-button"
          disabled={status !== 'running'}
          onClick={() => {
            control.current.state = 'paused';
            setStatus('paused');
          }}
        >
          Pause
        </button>
        <button
          className="gv-button"
          disabled={status !== 'paused'}
          onClick={() => {
            control.current.state = 'running';
            setStatus('running');
            void loop();
          }}
        >
          Resume
        </button>
        <button
          className="gv-button"
          disabled={status !== 'running' && status !== 'paused'}
          onClick={() => {
            control.current.state = 'stopped';
            setStatus('stopped');
          }}
        >
          Stop
        </button>
        <label>
          compare with{' '}
          <select aria-label="Compare with loss" value={compareWith} onChange={(e) => setCompareWith(e.target.value as AdversarialKind | '')} disabled={status === 'running' || status === 'paused' || change.trim() !== ''}>
            <option value="">no comparison</option>
            {ADVERSARIAL_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label title="A second run with one param changed: node.param = value in the training graph, or model/node.param = value">
          or change{' '}
          <input aria-label="Compare with a param change" placeholder="opt_G.learningRate = 0.001" size={24} value={change} onChange={(e) => setChange(e.target.value)} disabled={status === 'running' || status === 'paused'} />
        </label>
        <label>
          backend{' '}
          <select aria-label="Backend" value={pref} onChange={(e) => setPref(e.target.value as BackendPreference)} disabled={busy}>
            <option value="auto">auto (fastest available)</option>
            {BACKENDS.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <span data-testid="train-status">{status}</span>
        <span data-testid="train-step">step {step}</span>
        {first && engine.current && (
          <span>
            batch <span data-testid="batch-size">{engine.current.batchSize}</span>
          </span>
        )}
        <span data-testid="train-rate">
          {rate.toFixed(rate < 1 ? 2 : 1)} steps/s{rate > 0 ? `, ${(1000 / rate).toFixed(0)} ms/step` : ''}
        </span>
        <span data-testid="train-backend" className="gv-where">
          {backend}
        </span>
      </div>
      <div className="gv-train-controls">
        <button
          className="gv-button"
          disabled={!first || !idle}
          onClick={async () => {
            // tfjs' LayersModel format: model.json plus its weights file, loadable with tf.loadLayersModel.
            const g = await engine.current?.generator();
            if (!g) return;
            download('generator.json', new Blob([g.json], { type: 'application/json' }));
            download('generator.weights.bin', new Blob([g.weights]));
          }}
        >
          Download generator
        </button>
        <button
          className="gv-button"
          disabled={!first || !idle}
          onClick={() => (document.querySelector('[data-testid="samples-0"]') as HTMLCanvasElement | null)?.toBlob((b) => b && download('samples.png', b))}
        >
          Download samples
        </button>
        <button
          className="gv-button"
          disabled={!first || !idle}
          onClick={async () => {
            const bytes = await engine.current?.checkpoint(analysis.project?.name ?? 'project');
            if (bytes) download('checkpoint.gnvs', new Blob([bytes.slice().buffer as ArrayBuffer]));
          }}
        >
          Save checkpoint
        </button>
        <label className="gv-button">
          Resume from checkpoint…
          <input type="file" accept=".gnvs" hidden disabled={!canTrain || !idle} onChange={(e) => void resumeFrom(e.target.files?.[0])} aria-label="Resume from checkpoint" />
        </label>
      </div>
      <DataControls analysis={analysis} folder={folder} loading={loading} disabled={busy} onDataset={onDataset} onFolder={(files, name) => void loadFolder(files, name)} />
      {!canTrain && (
        <div className="gv-where" data-testid="train-blocked">
          {!folderFits
            ? 'The folder dataset changed size: choose the folder again to decode its images at the new size.'
            : errors.length > 0
              ? `Fix the project's problems to train it (${errors.length}): ${errors.slice(0, 2).map((d) => d.message).join(' ')}`
              : loading
                ? 'Decoding images…'
                : "Fix the project's problems to train it."}
        </div>
      )}
      {message && (
        <p role="alert" className="gv-field-error">
          {message}
        </p>
      )}
      <div className="gv-train-body">
        {first && <MetricChart title="losses" testId="loss-chart" runs={runs.current} rows={historyRows} metrics={metricsOf(runs.current).losses!} version={version} />}
        {(scrub !== undefined && gallery.current[scrub] ? gallery.current[scrub]!.pictures : pictures).map((p, i) => (
          <figure key={i}>
            <Picture pic={p} testId={`samples-${i}`} />
            <figcaption>
              {runs.current[i]?.label} {scrub !== undefined && gallery.current[scrub] ? `(step ${gallery.current[scrub]!.step})` : '(latest)'}
            </figcaption>
          </figure>
        ))}
      </div>
      {gallery.current.length > 1 && (
        <label className="gv-scrubber">
          samples at{' '}
          <input
            type="range"
            min={0}
            max={gallery.current.length - 1}
            value={scrub ?? gallery.current.length - 1}
            onChange={(e) => {
              const k = Number(e.target.value);
              setScrub(k === gallery.current.length - 1 ? undefined : k);
            }}
            aria-label="Sample history"
          />{' '}
          step {gallery.current[scrub ?? gallery.current.length - 1]?.step}
        </label>
      )}
      {runs.current.length > 1 && runs.current[0]!.history.length > 0 && (
        <table className="gv-stability" data-testid="stability">
          <thead>
            <tr>
              {['run', 'steps', 'final D', 'final G', 'var D', 'var G', 'mean |grad D|', 'mean |grad G|', 'modes covered', 'NaN'].map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {runs.current.map((r, i) => {
              const row = stability(r.label, { status, steps: engine.current?.steps[i] ?? r.history.length, seconds: (performance.now() - r.started) / 1000, history: r.history, quality: r.quality });
              const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
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
      )}
      {runs.current.length > 0 && runs.current[0]!.history.length > 0 && (
        <div className="gv-train-body">
          {Object.entries(metricsOf(runs.current))
            .filter(([title]) => title !== 'losses')
            .map(([title, metrics]) => (
            <MetricChart key={title} title={title} runs={runs.current} rows={historyRows} metrics={metrics} version={version} />
          ))}
          {Object.entries(qualityMetricsOf(runs.current)).map(([title, metrics]) => (
            <MetricChart key={title} title={title} runs={runs.current} rows={qualityRows} metrics={metrics} version={version} />
          ))}
        </div>
      )}
    </section>
  );
}

