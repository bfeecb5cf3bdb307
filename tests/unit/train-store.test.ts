/**
 * The training panel's run state machine (src/ui/train/machine.ts) and the
 * store that holds it (src/ui/train/store.ts, no React): legal and illegal
 * transitions, and the loop obeying the one status there is.
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../../src/core/train/checkpoint.js';
import { EarlyStopper } from '../../src/core/train/early-stop.js';
import type { RunSample, SessionStep, StopReason } from '../../src/core/train/session.js';
import type { StepMetrics } from '../../src/core/train/trainer.js';
import { validateProjectText } from '../../src/core/validate.js';
import type { Engine, EngineInit } from '../../src/ui/train/engine.js';
import {
  can,
  IllegalTransition,
  RUN_STATUSES,
  type RunEvent,
  type RunStatus,
  transition,
} from '../../src/ui/train/machine.js';
import { earlyStopSummary, type StartOptions, TrainStore } from '../../src/ui/train/store.js';

const EVENTS: RunEvent[] = ['start', 'ready', 'readyPaused', 'pause', 'resume', 'stop', 'halted', 'fail'];

describe('the run state machine', () => {
  it('takes the transitions of a run and refuses the others', () => {
    const legal: [RunStatus, RunEvent, RunStatus][] = [
      ['idle', 'start', 'starting'],
      ['starting', 'ready', 'running'],
      ['starting', 'readyPaused', 'paused'],
      ['starting', 'fail', 'failed'],
      ['running', 'pause', 'paused'],
      ['running', 'stop', 'stopping'],
      ['running', 'halted', 'stopped'],
      ['running', 'fail', 'failed'],
      ['paused', 'resume', 'running'],
      ['paused', 'stop', 'stopping'],
      ['paused', 'halted', 'stopped'],
      ['paused', 'fail', 'failed'],
      ['paused', 'start', 'starting'],
      ['stopping', 'halted', 'stopped'],
      ['stopping', 'fail', 'failed'],
      ['stopped', 'start', 'starting'],
      ['failed', 'start', 'starting'],
    ];
    for (const [from, event, to] of legal) expect(transition(from, event), `${from} --${event}-->`).toBe(to);
    // Everything else is illegal: pausing what is not running, resuming what is not paused, starting twice...
    for (const from of RUN_STATUSES)
      for (const event of EVENTS) {
        if (legal.some(([f, e]) => f === from && e === event)) continue;
        expect(can(from, event), `${from} --${event}-->`).toBe(false);
        expect(() => transition(from, event)).toThrow(IllegalTransition);
      }
    expect(() => transition('idle', 'pause')).toThrow("A run that is idle cannot take 'pause'.");
  });
});

/** An engine that counts its steps; in `manual` mode each step waits until release() is called. */
class FakeEngine implements Engine {
  readonly backend = 'fake (test)';
  readonly batchSize = 4;
  readonly inWorker = true;
  steps = [0];
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  manual = false;
  divergeAt: number | undefined;
  /** Scripted FID figures, one per evaluation every 2 steps, judged by the real early-stopping rule. */
  fids: number[] | undefined;
  private readonly stopper = new EarlyStopper('fid', 2, 0.5);
  disposed = false;
  private gates: (() => void)[] = [];
  constructor(start = 0) {
    this.steps = [start];
  }
  release(): void {
    this.gates.shift()?.();
  }
  get waiting(): number {
    return this.gates.length;
  }
  async step(): Promise<SessionStep> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise<void>((r) => (this.manual ? this.gates.push(r) : setTimeout(r, 0)));
    this.inFlight--;
    const step = (this.steps[0] as number) + 1;
    this.steps = [step];
    const metrics: StepMetrics = {
      step,
      losses: { D: 1 / step, G: step },
      gradNorm: { D: 1, G: 1 },
      lr: { 'lr/opt_G': 1e-3 / step },
      seconds: 0,
    };
    let stop: StopReason | undefined =
      step === this.divergeAt
        ? { kind: 'diverged', run: 0, label: 'run', message: `G became NaN at step ${step}` }
        : undefined;
    const fid = this.fids && step % 2 === 0 ? this.fids[step / 2 - 1] : undefined;
    if (fid === undefined) return { metrics: [metrics], ...(stop ? { stop } : {}) };
    const ev = { ...this.stopper.observe(step, fid), run: 0, quality: { step, fid } };
    if (ev.stop) stop = { kind: 'early', run: 0, label: 'run', message: ev.stop };
    return { metrics: [metrics], evaluations: [ev], ...(stop ? { stop } : {}) };
  }
  async sample(opts: { fid?: boolean; surface?: boolean } = {}): Promise<RunSample[]> {
    this.samples.push(opts);
    const step = this.steps[0] as number;
    return [{ run: 0, step, quality: { step, modesCovered: 1, modesTotal: 8 } }];
  }
  async checkpoint(): Promise<Uint8Array> {
    return new Uint8Array([1, 2, 3]);
  }
  async generator() {
    return undefined;
  }
  async best() {
    return undefined;
  }
  /** Generator weights: bytes starting with 0 are refused, else [1, step] sets them. */
  loaded: Uint8Array | undefined;
  samples: { fid?: boolean; surface?: boolean }[] = [];
  async loadGenerator(bytes: Uint8Array): Promise<{ step: number | undefined }> {
    if (bytes[0] === 0) throw new Error('damaged or not a safetensors file: the header is not JSON.');
    this.loaded = bytes;
    return { step: bytes[1] };
  }
  async generatorWeights(): Promise<Uint8Array> {
    return this.loaded ?? new Uint8Array([1, this.steps[0] as number]);
  }
  async exploreInfo(): Promise<never> {
    throw new Error('not explored here');
  }
  async explore(): Promise<never> {
    throw new Error('not explored here');
  }
  dispose(): void {
    this.disposed = true;
  }
}

const ROOT = resolve(__dirname, '../..');
const analysis = validateProjectText(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));
const OPTIONS: StartOptions = { backend: 'cpu', compareWith: '', change: '' };
const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`timed out waiting for ${what}`);
}

function storeWith(engines: FakeEngine[], inits: EngineInit[] = []): TrainStore {
  return new TrainStore({
    createEngine: async (init) => {
      inits.push(init);
      const e = engines.shift();
      if (!e) throw new Error('no engine left');
      return e;
    },
    assets: async () => ({}),
    classifierUrl: 'http://127.0.0.1/models/mnist-classifier/model.json',
  });
}

describe('the training store', () => {
  it('starts, pauses, resumes and stops through the machine; the loop obeys the one status there is', async () => {
    const e = new FakeEngine();
    const store = storeWith([e]);
    const seen: RunStatus[] = [];
    store.subscribe(() => {
      const s = store.getSnapshot().status;
      if (seen[seen.length - 1] !== s) seen.push(s);
    });
    const started = store.start(analysis, OPTIONS);
    expect(store.getSnapshot().status).toBe('starting');
    await started;
    expect(store.getSnapshot()).toMatchObject({ status: 'running', backend: 'fake (test)', batchSize: 4 });
    await until(() => store.getSnapshot().step >= 5, 'five steps');
    // Pause: the step in flight ends and is recorded; no step after it.
    store.pause();
    expect(store.getSnapshot().status).toBe('paused');
    await tick();
    await tick();
    const calls = e.calls;
    const step = store.getSnapshot().step;
    await tick();
    await tick();
    expect(e.calls).toBe(calls);
    expect(store.getSnapshot().step).toBe(step);
    const recorded = store.getSnapshot().runs[0]!.history.map((m) => m.step);
    expect(recorded).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    // Illegal actions change nothing.
    store.resume();
    store.resume();
    expect(store.getSnapshot().status).toBe('running');
    await until(() => store.getSnapshot().step >= step + 3, 'three more steps');
    store.stop();
    await until(() => store.getSnapshot().status === 'stopped', 'stopped');
    expect(e.maxInFlight).toBe(1); // never two loops
    expect(seen).toEqual(['starting', 'running', 'paused', 'running', 'stopping', 'stopped']);
    // Pictures and quality figures were taken along the way, into the store.
    expect(store.getSnapshot().gallery.length).toBeGreaterThan(0);
    expect(store.getSnapshot().runs[0]!.quality[0]).toMatchObject({ modesCovered: 1 });
    store.pause();
    store.resume();
    expect(store.getSnapshot().status).toBe('stopped');
  });

  it('stays stopping until the step in flight ends; resuming during a paused step starts no second loop', async () => {
    const e = new FakeEngine();
    e.manual = true;
    const store = storeWith([e]);
    await store.start(analysis, OPTIONS);
    await until(() => e.waiting === 1, 'a step in flight');
    store.pause();
    store.resume(); // the step in flight is still the loop's
    e.release();
    await until(() => e.waiting === 1, 'the next step');
    expect(e.maxInFlight).toBe(1);
    store.stop();
    expect(store.getSnapshot().status).toBe('stopping');
    await tick();
    expect(store.getSnapshot().status).toBe('stopping');
    e.release();
    await until(() => store.getSnapshot().status === 'stopped', 'stopped');
    expect(store.getSnapshot().step).toBe(2);
    expect(e.calls).toBe(2);
  });

  it('a diverging run stops with the reason; a failed start fails and can start again', async () => {
    const e = new FakeEngine();
    e.divergeAt = 3;
    const store = storeWith([e]);
    await store.start(analysis, OPTIONS);
    await until(() => store.getSnapshot().status === 'stopped', 'stopped');
    const snap = store.getSnapshot();
    expect(snap.step).toBe(3);
    expect(snap.message).toBe('run: G became NaN at step 3');
    expect(snap.runs[0]!.diverged).toBe(true);
    // No engine left: the start fails, with the reason; Start is legal again from there.
    await store.start(analysis, OPTIONS);
    expect(store.getSnapshot()).toMatchObject({ status: 'failed', message: 'no engine left' });
    expect(e.disposed).toBe(true); // a new start replaces the old engine
    expect(can('failed', 'start')).toBe(true);
  });

  it('a run that stops early says why and which step was best; the summary follows the evaluations', async () => {
    const e = new FakeEngine();
    e.fids = [60, 40, 39.8, 45, 10];
    const store = storeWith([e]);
    const summaries: (string | undefined)[] = [];
    store.subscribe(() => {
      const run = store.getSnapshot().runs[0];
      const line = run && earlyStopSummary(run, 2);
      if (summaries[summaries.length - 1] !== line) summaries.push(line);
    });
    await store.start(analysis, OPTIONS);
    await until(() => store.getSnapshot().status === 'stopped', 'stopped');
    const snap = store.getSnapshot();
    // Evaluations at steps 2, 4, 6, 8: 40 at step 4 is the best; 39.8 and 45 are no better by 0.5: stop at 8.
    expect(snap.step).toBe(8);
    expect(snap.runs[0]!.evaluations.map((x) => [x.step, x.value, x.improved])).toEqual([
      [2, 60, true],
      [4, 40, true],
      [6, 39.8, false],
      [8, 45, false],
    ]);
    const why = 'stopped at step 8: FID did not improve by more than 0.5 for 2 evaluations; best 40 at step 4';
    expect(snap.message).toBe(why);
    expect(snap.runs[0]!.stoppedEarly).toBe(why);
    expect(snap.runs[0]!.diverged).toBe(false);
    expect(summaries.filter(Boolean)).toEqual([
      'Best FID 60 at step 2',
      'Best FID 40 at step 4',
      'Best FID 40 at step 4; 1 of 2 evaluations since without improvement',
      'Best FID 40 at step 4; stopped early',
    ]);
  });

  it('resumes from a checkpoint paused at its step, and stops at once when paused with no step in flight', async () => {
    const inits: EngineInit[] = [];
    const store = storeWith([new FakeEngine(40)], inits);
    // A well-formed checkpoint (the store checks the file as a whole before any engine sees it).
    const bytes = await encodeCheckpoint(
      { step: 40, seed: 1, tensors: [{ name: 'w', tensor: tf.ones([2, 2]) }] },
      'ring',
    );
    await store.resumeFrom(analysis, 'wasm', 'ring.gnvs', bytes);
    const message = 'Resumed from ring.gnvs at step 40: press Resume.';
    expect(store.getSnapshot()).toMatchObject({ status: 'paused', step: 40, message });
    expect(inits[0]!.checkpoint).toEqual(bytes);
    expect(inits[0]!.backend).toBe('wasm');
    expect(await store.checkpoint()).toEqual(new Uint8Array([1, 2, 3]));
    store.stop();
    expect(store.getSnapshot().status).toBe('stopped');
  });

  it('refuses a damaged checkpoint with what is wrong, before any engine is made, and keeps the state', async () => {
    const inits: EngineInit[] = [];
    const store = storeWith([new FakeEngine(40)], inits);
    await store.resumeFrom(analysis, 'wasm', 'bad.gnvs', new Uint8Array([7]));
    expect(store.getSnapshot()).toMatchObject({ status: 'idle', step: 0 });
    expect(store.getSnapshot().message).toMatch(/^checkpoint bad\.gnvs: it is not a ganvas checkpoint/);
    expect(inits).toEqual([]);
  });

  it('starts a comparison run beside the project, with the loss or the param change asked for', async () => {
    const inits: EngineInit[] = [];
    const store = storeWith([new FakeEngine(), new FakeEngine()], inits);
    await store.start(analysis, { ...OPTIONS, compareWith: 'minimax' });
    expect(inits[0]!.runs).toEqual([{ label: 'wgan' }, { label: 'minimax', overrideLoss: 'minimax' }]);
    store.stop();
    await until(() => store.getSnapshot().status === 'stopped', 'stopped');
    await store.start(analysis, { ...OPTIONS, change: 'opt_G.learningRate = 0.0001' });
    expect(inits[1]!.runs.map((r) => r.label)).toEqual(['as is', 'opt_G.learningRate = 0.0001']);
    expect(store.getSnapshot().runs.map((r) => r.label)).toEqual(['as is', 'opt_G.learningRate = 0.0001']);
    store.dispose();
    await until(() => store.getSnapshot().status === 'stopped', 'stopped after dispose');
  });

  it('loads generator weights without a run into a session of its own, and into a paused run', async () => {
    const inits: EngineInit[] = [];
    const viewer = new FakeEngine();
    const run = new FakeEngine();
    const store = storeWith([viewer, run], inits);
    // Idle: a refused file makes an engine, says why, and leaves nothing behind.
    await store.loadGenerator(analysis, 'auto', 'bad.safetensors', new Uint8Array([0, 1]));
    expect(store.getSnapshot()).toMatchObject({ status: 'idle', gallery: [], loaded: '' });
    expect(store.getSnapshot().message).toBe(
      'bad.safetensors: damaged or not a safetensors file: the header is not JSON.',
    );
    expect(viewer.disposed).toBe(true);
    expect(inits[0]).toMatchObject({ backend: 'wasm', runs: [{ label: 'bad.safetensors' }] }); // auto: no timing
    expect(await store.generatorWeights()).toBeUndefined();
    // A good one: a session of its own (engine 2), its samples with no decision surface of an untrained D.
    inits.length = 0;
    const own = new FakeEngine();
    const store2 = storeWith([own, run], inits);
    await store2.loadGenerator(analysis, 'cpu', 'g.safetensors', new Uint8Array([1, 42]));
    expect(store2.getSnapshot()).toMatchObject({ status: 'idle', loaded: 'g.safetensors' });
    expect(store2.getSnapshot().gallery.map((g) => g.source)).toEqual(['g.safetensors (step 42)']);
    expect(own.samples).toEqual([{ fid: false, surface: false }]);
    expect(await store2.generatorWeights()).toEqual(new Uint8Array([1, 42]));
    // A run started replaces it; loading while it runs is refused; paused, the run takes the weights.
    await store2.start(analysis, OPTIONS);
    expect(own.disposed).toBe(true);
    expect(store2.getSnapshot()).toMatchObject({ loaded: '', gallery: [] });
    await store2.loadGenerator(analysis, 'cpu', 'g.safetensors', new Uint8Array([1, 7]));
    expect(store2.getSnapshot().message).toBe(
      'g.safetensors: pause or stop training before loading generator weights.',
    );
    expect(run.loaded).toBeUndefined();
    store2.pause();
    await until(() => run.inFlight === 0, 'the step in flight');
    const before = store2.getSnapshot().gallery.length;
    await store2.loadGenerator(analysis, 'cpu', 'g.safetensors', new Uint8Array([1, 7]));
    expect(run.loaded).toEqual(new Uint8Array([1, 7]));
    expect(run.samples.at(-1)).toEqual({ fid: false, surface: true });
    expect(store2.getSnapshot().gallery.length).toBe(before + 1);
    expect(store2.getSnapshot().gallery.at(-1)?.source).toBe('g.safetensors (step 7)');
    expect(inits.length).toBe(2); // the viewer and the run: no third engine
    store2.dispose();
  });

  it("keeps each run's progressive schedule, a variant's own where the change is to the Progressive node", async () => {
    const progan = validateProjectText(readFileSync(join(ROOT, 'templates/progan-mnist.json'), 'utf8'));
    const store = storeWith([new FakeEngine()]);
    await store.start(progan, { ...OPTIONS, change: 'grow.fadeImages = 32' });
    store.stop();
    const runs = store.getSnapshot().runs;
    expect(runs.map((r) => r.progressive)).toEqual([
      { start: 4, final: 32, fadeImages: 16000, stableImages: 16000 },
      { start: 4, final: 32, fadeImages: 32, stableImages: 16000 },
    ]);
    store.dispose();
    // Without a Progressive node, none.
    const plain = storeWith([new FakeEngine()]);
    await plain.start(analysis, OPTIONS);
    plain.stop();
    expect(plain.getSnapshot().runs[0]!.progressive).toBeUndefined();
    plain.dispose();
  });
});
