/**
 * The latent explorer tab (core/explore): runs the generator shown (the
 * run's, loaded weights, or the project's untrained seeded weights) on
 * latents chosen here: a grid of seeds, three z dimensions on sliders, an
 * interpolation between two seeds (linear or spherical) at t, the truncation
 * trick, a class for a conditional generator, and style mixing for a
 * StyleGAN-like generator. Every change asks for one picture; changes made
 * while one is being drawn are folded into the next.
 */
import { useEffect, useRef, useState } from 'react';
import type { ExploreRequest, ExploreResult, ExplorerInfo } from '../../core/explore/index.js';
import type { BackendPreference } from '../../core/train/index.js';
import type { ProjectAnalysis } from '../../core/validate.js';
import type { TrainStore } from './store.js';

interface Controls {
  mode: 'grid' | 'interpolate';
  seeds: string;
  dims: [number, number, number];
  values: [number, number, number];
  slidersOn: boolean;
  a: number;
  b: number;
  t: number;
  method: 'linear' | 'spherical';
  truncate: boolean;
  psi: number;
  label: number;
  mix: boolean;
  mixSeed: number;
  mixFrom: number;
}

const INITIAL: Controls = {
  mode: 'grid',
  seeds: '0-8',
  dims: [0, 1, 2],
  values: [0, 0, 0],
  slidersOn: false,
  a: 0,
  b: 1,
  t: 0.5,
  method: 'spherical',
  truncate: false,
  psi: 0.7,
  label: 0,
  mix: false,
  mixSeed: 1,
  mixFrom: 4,
};

/** "0-8" or "1, 5, 9" (or both) as seeds; undefined when not that. */
export function parseSeeds(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.split(',').map((x) => x.trim())) {
    if (!part) continue;
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (m) {
      const [lo, hi] = [Number(m[1]), Number(m[2])];
      if (hi < lo || hi - lo > 63) return undefined;
      for (let s = lo; s <= hi; s++) out.push(s);
    } else if (/^\d+$/.test(part)) out.push(Number(part));
    else return undefined;
  }
  return out.length > 0 && out.length <= 64 ? out : undefined;
}

function request(c: Controls, info: ExplorerInfo): ExploreRequest | string {
  const req: ExploreRequest = {};
  if (c.mode === 'grid') {
    const seeds = parseSeeds(c.seeds);
    if (!seeds) return 'Seeds: whole numbers and ranges, such as "0-8" or "1, 5, 9" (at most 64).';
    req.seeds = seeds;
  } else req.interpolate = { a: c.a, b: c.b, ts: [0, c.t, 1], method: c.method };
  if (c.slidersOn) req.dims = c.dims.map((index, i) => ({ index, value: c.values[i] as number }));
  if (c.truncate) req.truncation = c.psi;
  if (info.classes !== undefined) req.label = c.label;
  if (c.mix && info.styleLayers > 0) req.mix = { seed: c.mixSeed, from: c.mixFrom };
  return req;
}

function Slider(props: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (v: number) => void;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <label className="gv-explore-slider">
      <span>{props.label}</span>
      <input
        type="range"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value}
        disabled={props.disabled}
        aria-label={props.label}
        data-testid={props.testId}
        onChange={(e) => props.onChange(Number(e.target.value))}
      />
      <output>{props.value.toFixed(2)}</output>
    </label>
  );
}

function NumberField(props: { label: string; value: number; min: number; max: number; onChange: (v: number) => void }) {
  return (
    <label className="gv-explore-field">
      {props.label}{' '}
      <input
        type="number"
        min={props.min}
        max={props.max}
        step={1}
        value={props.value}
        aria-label={props.label}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isInteger(v) && v >= props.min && v <= props.max) props.onChange(v);
        }}
      />
    </label>
  );
}

export function ExplorePanel(props: {
  analysis: ProjectAnalysis;
  store: TrainStore;
  backend: BackendPreference;
  /** Grows when the generator's weights may have changed (a step, loaded weights): the picture is drawn again. */
  version: number;
}) {
  const { analysis, store, backend, version } = props;
  const [info, setInfo] = useState<ExplorerInfo | undefined>();
  const [error, setError] = useState('');
  const [c, setC] = useState<Controls>(INITIAL);
  const [result, setResult] = useState<ExploreResult | undefined>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const busy = useRef(false);
  const pending = useRef<ExploreRequest | undefined>(undefined);

  useEffect(() => {
    let live = true;
    store
      .exploreInfo(analysis, backend)
      .then((i) => live && setInfo(i))
      .catch((e: unknown) => live && setError((e as Error).message));
    return () => {
      live = false;
    };
  }, [store, analysis, backend]);

  // One request in flight; the latest change waits for it and replaces any older waiting one.
  const draw = (req: ExploreRequest) => {
    pending.current = req;
    if (busy.current) return;
    busy.current = true;
    void (async () => {
      while (pending.current) {
        const next = pending.current;
        pending.current = undefined;
        try {
          setResult(await store.explore(analysis, backend, next));
          setError('');
        } catch (e) {
          setError((e as Error).message);
        }
      }
      busy.current = false;
    })();
  };

  useEffect(() => {
    if (!info) return;
    const req = request(c, info);
    if (typeof req === 'string') return setError(req);
    draw(req);
  }, [c, info, version]);

  useEffect(() => {
    const el = canvas.current;
    const pic = result?.picture;
    if (!el || !pic) return;
    el.width = pic.width;
    el.height = pic.height;
    el.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(pic.data), pic.width, pic.height), 0, 0);
    el.dataset.version = String(Number(el.dataset.version ?? 0) + 1);
  }, [result]);

  const set = (patch: Partial<Controls>) => setC((old) => ({ ...old, ...patch }));
  const source = store.exploreSource();
  const who =
    source === 'run'
      ? "the run's generator"
      : source === 'loaded'
        ? 'the loaded generator weights'
        : "the project's untrained generator (seeded initial weights): train, or load weights, to explore a trained one";
  if (!info)
    return (
      <div className="gv-explore" data-testid="explore">
        {error ? (
          <p role="alert" className="gv-field-error">
            {error}
          </p>
        ) : (
          <p>Starting the generator…</p>
        )}
      </div>
    );
  const zMax = info.zDim - 1;
  const psiRange = info.truncation === 'w' ? { min: 0, max: 1 } : { min: 0.1, max: 3 };
  return (
    <div className="gv-explore" data-testid="explore">
      <p className="gv-where">
        Exploring {who}. z has {info.zDim} dimensions ({info.distribution === 'normal' ? 'N(0,1)' : 'U(-1,1)'}).
      </p>
      <div className="gv-explore-body">
        <form
          className="gv-explore-controls"
          aria-label="Latent explorer controls"
          onSubmit={(e) => e.preventDefault()}
        >
          <fieldset>
            <legend>Samples</legend>
            <label className="gv-explore-field">
              <input
                type="radio"
                name="explore-mode"
                checked={c.mode === 'grid'}
                onChange={() => set({ mode: 'grid' })}
              />{' '}
              Grid of seeds
            </label>
            <label className="gv-explore-field">
              Seeds{' '}
              <input
                type="text"
                value={c.seeds}
                aria-label="Seeds"
                disabled={c.mode !== 'grid'}
                size={10}
                onChange={(e) => set({ seeds: e.target.value })}
              />
            </label>
            <label className="gv-explore-field">
              <input
                type="radio"
                name="explore-mode"
                checked={c.mode === 'interpolate'}
                onChange={() => set({ mode: 'interpolate' })}
              />{' '}
              Interpolate between two seeds
            </label>
            {c.mode === 'interpolate' && (
              <>
                <NumberField label="Seed A" value={c.a} min={0} max={2 ** 31 - 1} onChange={(a) => set({ a })} />
                <NumberField label="Seed B" value={c.b} min={0} max={2 ** 31 - 1} onChange={(b) => set({ b })} />
                <label className="gv-explore-field">
                  Path{' '}
                  <select
                    value={c.method}
                    aria-label="Interpolation path"
                    onChange={(e) => set({ method: e.target.value as Controls['method'] })}
                  >
                    <option value="spherical">spherical (slerp)</option>
                    <option value="linear">linear</option>
                  </select>
                </label>
                <Slider
                  label="t"
                  value={c.t}
                  min={0}
                  max={1}
                  step={0.01}
                  onChange={(t) => set({ t })}
                  testId="explore-t"
                />
              </>
            )}
          </fieldset>
          <fieldset>
            <legend>z dimensions</legend>
            <label className="gv-explore-field">
              <input type="checkbox" checked={c.slidersOn} onChange={(e) => set({ slidersOn: e.target.checked })} /> Set
              these dimensions
            </label>
            {c.dims.map((d, i) => (
              <div key={i} className="gv-explore-dim">
                <NumberField
                  label={`Dimension ${i + 1}`}
                  value={d}
                  min={0}
                  max={zMax}
                  onChange={(v) => set({ dims: c.dims.map((x, k) => (k === i ? v : x)) as Controls['dims'] })}
                />
                <Slider
                  label={`z[${d}]`}
                  value={c.values[i] as number}
                  min={-3}
                  max={3}
                  step={0.05}
                  testId={`explore-dim-${i}`}
                  onChange={(v) =>
                    set({ slidersOn: true, values: c.values.map((x, k) => (k === i ? v : x)) as Controls['values'] })
                  }
                />
              </div>
            ))}
          </fieldset>
          <fieldset>
            <legend>Truncation</legend>
            <label className="gv-explore-field">
              <input type="checkbox" checked={c.truncate} onChange={(e) => set({ truncate: e.target.checked })} />{' '}
              {info.truncation === 'w'
                ? 'Pull w toward its mean: w_avg + psi (w - w_avg) (StyleGAN)'
                : 'Redraw z entries beyond |psi| (BigGAN)'}
            </label>
            <Slider
              label="psi"
              value={Math.min(psiRange.max, Math.max(psiRange.min, c.psi))}
              min={psiRange.min}
              max={psiRange.max}
              step={0.05}
              disabled={!c.truncate}
              onChange={(psi) => set({ psi })}
              testId="explore-psi"
            />
          </fieldset>
          {info.classes !== undefined && (
            <fieldset>
              <legend>Class</legend>
              <label className="gv-explore-field">
                Class{' '}
                <select value={c.label} aria-label="Class" onChange={(e) => set({ label: Number(e.target.value) })}>
                  {Array.from({ length: info.classes }, (_, k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </select>
              </label>
            </fieldset>
          )}
          {info.styleLayers > 0 && (
            <fieldset>
              <legend>Style mixing</legend>
              <label className="gv-explore-field">
                <input type="checkbox" checked={c.mix} onChange={(e) => set({ mix: e.target.checked })} /> Fine styles
                from another seed
              </label>
              <NumberField
                label="Style seed"
                value={c.mixSeed}
                min={0}
                max={2 ** 31 - 1}
                onChange={(mixSeed) => set({ mixSeed })}
              />
              <Slider
                label="crossover layer"
                value={c.mixFrom}
                min={0}
                max={info.styleLayers}
                step={1}
                disabled={!c.mix}
                onChange={(mixFrom) => set({ mixFrom })}
              />
            </fieldset>
          )}
        </form>
        <figure className="gv-explore-picture">
          <canvas ref={canvas} data-testid="explore-canvas" width={300} height={300} />
          <figcaption data-testid="explore-caption">
            {result
              ? `${result.count} sample${result.count === 1 ? '' : 's'}${c.mode === 'interpolate' ? ` (seed ${c.a}, t = ${c.t.toFixed(2)}, seed ${c.b})` : ''} · updated in `
              : 'drawing…'}
            {result && <span data-testid="explore-ms">{result.ms.toFixed(0)}</span>}
            {result && ' ms'}
          </figcaption>
        </figure>
      </div>
      {error && (
        <p role="alert" className="gv-field-error">
          {error}
        </p>
      )}
    </div>
  );
}
