/**
 * Training in the page: start, pause, resume, stop; the backend and why;
 * steps/s; live loss charts (uPlot); samples from a fixed noise batch (for 2D
 * data, real and generated points over D's decision surface); and a
 * side-by-side comparison run with another adversarial loss, same seed and data.
 * Training runs on the main thread and yields to the page after every step.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DataAssets } from '../../core/data/datasets.js';
import { decodeMnistBin } from '../../core/data/mnist-format.js';
import { ADVERSARIAL_KINDS, type AdversarialKind } from '../../core/nodes/training.js';
import { selectBackend } from '../../core/train/backend.js';
import { imageGrid, scatter2d, type Rgba } from '../../core/train/images.js';
import { Trainer, type StepMetrics } from '../../core/train/trainer.js';
import { modeCoverage } from '../../core/train/metrics.js';
import { stability } from '../../core/train/stability.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../core/train/checkpoint.js';
import type { ProjectAnalysis } from '../../core/validate.js';

type Status = 'idle' | 'running' | 'paused' | 'stopped' | 'failed';

interface Run {
  label: string;
  trainer: Trainer;
  history: StepMetrics[];
  quality: { modesCovered?: number; modesTotal?: number; highQuality?: number }[];
  started: number;
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function assetsFor(a: ProjectAnalysis): Promise<DataAssets> {
  const needsMnist = a.project?.training?.nodes.some((n) => n.type === 'Dataset' && String((n.params as { source?: string }).source).startsWith('mnist'));
  if (!needsMnist) return {};
  const r = await fetch('/generated/mnist.bin');
  if (!r.ok) throw new Error('The MNIST data is missing: run `npm run data` (npm start does it).');
  return { mnist: decodeMnistBin(new Uint8Array(await r.arrayBuffer())) };
}

/** Draws a picture of the run's samples: an image grid, or 2D points over D's decision surface. */
async function samplePicture(run: Run): Promise<Rgba | undefined> {
  const t = run.trainer;
  const modes = t.modes();
  const fake = t.generate(modes ? 400 : 36);
  const values = (await fake.data()) as Float32Array;
  const shape = fake.shape;
  fake.dispose();
  if (modes && shape[1] === 2) {
    const cov = modeCoverage(values, modes.centers, modes.std);
    run.quality.push({ modesCovered: cov.covered, modesTotal: cov.total, highQuality: cov.highQuality });
    const real = t.realSamples(400);
    const realValues = (await real.data()) as Float32Array;
    real.dispose();
    const extent = Math.max(...modes.centers.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.5 + 0.5;
    const pic = scatter2d(realValues, values, extent, 300);
    // D's decision surface, as in GAN Lab: sigmoid(D(x)) on a 30x30 grid, shaded behind the points.
    const dName = t.plan.players.D.models[0];
    const d = dName ? t.models.get(dName) : undefined;
    if (d && d.inputs.length === 1 && d.inputs[0]!.shape.length === 2) {
      const n = 30;
      const grid = tf.tidy(() => {
        const xs = tf.linspace(-extent, extent, n);
        const gx = tf.tile(tf.reshape(xs, [1, n]), [n, 1]);
        const gy = tf.tile(tf.reshape(tf.reverse(xs), [n, 1]), [1, n]);
        const pts = tf.stack([tf.reshape(gx, [-1]), tf.reshape(gy, [-1])], 1);
        return tf.sigmoid(d.apply(pts, { training: false }) as tf.Tensor);
      });
      const p = (await grid.data()) as Float32Array;
      grid.dispose();
      for (let y = 0; y < pic.height; y++)
        for (let x = 0; x < pic.width; x++) {
          const o = (y * pic.width + x) * 4;
          if (pic.data[o] !== 255 || pic.data[o + 1] !== 255 || pic.data[o + 2] !== 255) continue; // a point
          const v = p[Math.min(n - 1, Math.floor((y / pic.height) * n)) * n + Math.min(n - 1, Math.floor((x / pic.width) * n))] as number;
          pic.data[o] = Math.round(255 - 40 * (1 - v));
          pic.data[o + 1] = Math.round(255 - 25 * Math.abs(v - 0.5));
          pic.data[o + 2] = Math.round(255 - 40 * v);
        }
    }
    return pic;
  }
  if (shape.length === 4) {
    const [, h, w, c] = shape as [number, number, number, number];
    return imageGrid(values, 36, h, w, c, 6);
  }
  return undefined;
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

type Metric = { name: string; get: (m: StepMetrics) => number | undefined };

/** The figures charted live, per run. */
function metricsOf(runs: Run[]): Record<string, Metric[]> {
  const terms = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.history[0]?.losses ?? {})) if (k.includes('/')) terms.add(k);
  return {
    losses: [
      { name: 'D', get: (m: StepMetrics) => m.losses.D },
      { name: 'G', get: (m: StepMetrics) => m.losses.G },
    ],
    'loss terms': [...terms].sort().map((k) => ({ name: k, get: (m: StepMetrics) => m.losses[k] })),
    'D(real) / D(fake) (mean logit)': [
      { name: 'D(real)', get: (m: StepMetrics) => m.dReal },
      { name: 'D(fake)', get: (m: StepMetrics) => m.dFake },
    ],
    'gradient norms': [
      { name: '|grad D|', get: (m: StepMetrics) => m.gradNorm.D },
      { name: '|grad G|', get: (m: StepMetrics) => m.gradNorm.G },
    ],
  };
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function MetricChart({ title, runs, metrics, version, testId }: { title: string; runs: Run[]; metrics: Metric[]; version: number; testId?: string }) {
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
    const longest = Math.max(0, ...runs.map((r) => r.history.length));
    const steps = Array.from({ length: longest }, (_, i) => i + 1);
    const data: (number | null)[][] = [steps];
    for (const r of runs) for (const m of metrics) data.push(steps.map((_, i) => (r.history[i] ? (m.get(r.history[i]!) ?? null) : null)));
    plot.current?.setData(data as uPlot.AlignedData);
  }, [version, runs, metrics]);
  return <div ref={el} data-testid={testId ?? `chart-${title}`} />;
}

export function TrainPanel({ analysis }: { analysis: ProjectAnalysis }) {
  const [status, setStatus] = useState<Status>('idle');
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
  const runs = useRef<Run[]>([]);
  const control = useRef<{ state: Status }>({ state: 'idle' });

  const loop = async () => {
    const t0 = performance.now();
    const start = runs.current[0]?.trainer.step ?? 0;
    let lastPicture = 0;
    let lastPictureAt = 0;
    while (control.current.state === 'running') {
      for (const r of runs.current) {
        const m = await r.trainer.trainStep();
        r.history.push(m);
        const bad = r.trainer.divergence(m);
        if (bad) {
          control.current.state = 'stopped';
          setStatus('stopped');
          setMessage(`${r.label}: ${bad}`);
        }
      }
      const now = runs.current[0]!.trainer.step;
      setStep(now);
      setRate((now - start) / ((performance.now() - t0) / 1000));
      setVersion((v) => v + 1);
      // Samples every 10 steps, or every 1.5 s on a slow backend.
      if (now - lastPicture >= 10 || now === 1 || performance.now() - lastPictureAt > 1500) {
        lastPicture = now;
        lastPictureAt = performance.now();
        const pics = await Promise.all(runs.current.map(samplePicture));
        gallery.current.push({ step: now, pictures: pics });
        if (gallery.current.length > 200) gallery.current.splice(0, gallery.current.length - 200);
        setPictures(pics);
      }
      await new Promise((r) => setTimeout(r, 0)); // keep the page responsive
    }
  };

  const start = async () => {
    setMessage('');
    try {
      const choice = await selectBackend('auto');
      setBackend(`${choice.name} (${choice.reason})`);
      const assets = await assetsFor(analysis);
      for (const r of runs.current) r.trainer.dispose();
      runs.current = [{ label: 'run', trainer: new Trainer(analysis, { assets }), history: [], quality: [], started: performance.now() }];
      gallery.current = [];
      setScrub(undefined);
      if (compareWith) {
        const first = analysis.project?.training?.nodes.find((n) => n.type === 'AdversarialLoss');
        runs.current[0]!.label = String((first?.params as { kind?: string } | undefined)?.kind ?? 'run');
        runs.current.push({ label: compareWith, trainer: new Trainer(analysis, { assets, overrideLoss: compareWith }), history: [], quality: [], started: performance.now() });
      }
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
      for (const r of runs.current) r.trainer.dispose();
    },
    [],
  );

  const resumeFrom = async (f: File | undefined) => {
    if (!f) return;
    try {
      await selectBackend('auto').then((c) => setBackend(`${c.name} (${c.reason})`));
      const { header, tensors } = decodeCheckpoint(new Uint8Array(await f.arrayBuffer()));
      const trainer = new Trainer(analysis, { assets: await assetsFor(analysis) });
      await trainer.restore({ step: header.step, tensors });
      tf.dispose(tensors.map((t) => t.tensor));
      for (const r of runs.current) r.trainer.dispose();
      runs.current = [{ label: 'run', trainer, history: [], quality: [], started: performance.now() }];
      setStep(header.step);
      control.current.state = 'paused';
      setStatus('paused');
      setMessage(`Resumed from ${f.name} at step ${header.step}: press Resume.`);
    } catch (e) {
      setMessage(`${f.name}: ${(e as Error).message}`);
    }
  };
  const first = runs.current[0];
  const idle = status !== 'running';
  const canTrain = analysis.status === 'ok' && analysis.training?.complete === true;
  return (
    <section className="gv-train" aria-label="Training">
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
          <select aria-label="Compare with loss" value={compareWith} onChange={(e) => setCompareWith(e.target.value as AdversarialKind | '')} disabled={status === 'running' || status === 'paused'}>
            <option value="">no comparison</option>
            {ADVERSARIAL_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <span data-testid="train-status">{status}</span>
        <span data-testid="train-step">step {step}</span>
        <span>{rate.toFixed(1)} steps/s</span>
        <span data-testid="train-backend" className="gv-where">
          {backend}
        </span>
      </div>
      <div className="gv-train-controls">
        <button
          className="gv-button"
          disabled={!first || !idle}
          onClick={() => {
            const node = first?.trainer.sampleNode();
            const model = node ? first?.trainer.models.get(node.params.model as string) : undefined;
            // tfjs' LayersModel format: model.json plus its weights file, loadable with tf.loadLayersModel.
            void model?.save(
              tf.io.withSaveHandler(async (a) => {
                const json = { modelTopology: a.modelTopology, format: 'layers-model', generatedBy: 'ganvas', convertedBy: null, weightsManifest: [{ paths: ['generator.weights.bin'], weights: a.weightSpecs ?? [] }] };
                download('generator.json', new Blob([JSON.stringify(json)], { type: 'application/json' }));
                download('generator.weights.bin', new Blob([a.weightData as ArrayBuffer]));
                return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
              }),
            );
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
            if (!first) return;
            const st = await first.trainer.state();
            const bytes = await encodeCheckpoint(st, analysis.project?.name ?? 'project');
            tf.dispose(st.tensors.map((t) => t.tensor));
            download('checkpoint.gnvs', new Blob([bytes.slice().buffer as ArrayBuffer]));
          }}
        >
          Save checkpoint
        </button>
        <label className="gv-button">
          Resume from checkpoint…
          <input type="file" accept=".gnvs" hidden disabled={!canTrain || !idle} onChange={(e) => void resumeFrom(e.target.files?.[0])} aria-label="Resume from checkpoint" />
        </label>
      </div>
      {!canTrain && <p className="gv-where">Fix the project's problems to train it.</p>}
      {message && (
        <p role="alert" className="gv-field-error">
          {message}
        </p>
      )}
      <div className="gv-train-body">
        {first && <MetricChart title="losses" testId="loss-chart" runs={runs.current} metrics={metricsOf(runs.current).losses!} version={version} />}
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
              {['loss', 'steps', 'final D', 'final G', 'var D', 'var G', 'mean |grad D|', 'mean |grad G|', 'modes covered', 'NaN'].map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {runs.current.map((r) => {
              const row = stability(r.label, { status, steps: r.trainer.step, seconds: (performance.now() - r.started) / 1000, history: r.history, quality: r.quality });
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
                  <td>{r.history.some((m) => r.trainer.divergence(m)) ? 'yes' : 'no'}</td>
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
            <MetricChart key={title} title={title} runs={runs.current} metrics={metrics} version={version} />
          ))}
        </div>
      )}
    </section>
  );
}

