/**
 * Weight initializers: each one's draws against its formula (mean and
 * standard deviation over many draws), orthogonality, the defaults of today
 * (no config key, same weights), validation with located diagnostics, the
 * same initial weights on the CPU and WASM backends for one seed, and the
 * TypeScript export's printing.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/cli/assets.js';
import { printInitializer, printLayer } from '../../src/core/codegen/layers.js';
import { compileModel, makeLayer } from '../../src/core/compile/model.js';
import { withSeededMathRandom } from '../../src/core/data/random.js';
import { type Init, serializeInit } from '../../src/core/nodes/init.js';
import { InstanceNorm, Orthogonal, ReparamConv2D } from '../../src/core/nodes/layers/custom.js';
import { NODE_TYPES } from '../../src/core/nodes/registry.js';
import type { LayerSpec } from '../../src/core/nodes/types.js';
import { selectBackend } from '../../src/core/train/backend.js';
import { validateProjectValue } from '../../src/core/validate.js';

/** tfjs' truncated normal (cut at 2 sigma, no rescaling) has std sigma * this. */
const TRUNC = 0.8796256610342398;

function specsOf(type: string, params: Record<string, unknown>): LayerSpec[] {
  const def = NODE_TYPES.get(type)!;
  return def.layers(def.params.parse(params), 'n', []);
}
/** Builds the node's first layer on `inputShape` and returns its weights' values by name. */
let draws = 0;
/** Built with the seeded Math.random, as models are (a fixed stream per call: the test gives the same draws every run). */
function weightsOf(type: string, params: Record<string, unknown>, inputShape: (number | null)[] | (number | null)[][]) {
  const layer = makeLayer(specsOf(type, params)[0]!);
  withSeededMathRandom(`init-test:${draws++}`, () => layer.build(inputShape as never));
  const out = new Map<string, Float32Array>();
  for (const w of layer.weights) out.set(w.originalName.split('/').pop()!, w.read().dataSync() as Float32Array);
  free(layer);
  return out;
}
/** A layer never applied cannot be disposed in tfjs; its weights can. */
function free(layer: { weights: { dispose(): void }[] }) {
  for (const w of layer.weights) w.dispose();
}
/** Sample mean and std; maxAbs: the largest distance from `center` (the distribution's mean). */
function stats(x: Float32Array, center = 0) {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  let maxAbs = 0;
  for (const v of x) {
    q += (v - mean) ** 2;
    maxAbs = Math.max(maxAbs, Math.abs(v - center));
  }
  return { mean, std: Math.sqrt(q / (x.length - 1)), maxAbs, min: Math.min(...x), max: Math.max(...x) };
}
/** Mean within 5 standard errors of `mean`; std within 3% of `std`. */
function expectDistribution(x: Float32Array, mean: number, std: number) {
  const s = stats(x, mean);
  expect(Math.abs(s.mean - mean)).toBeLessThan((5 * std) / Math.sqrt(x.length));
  expect(s.std / std).toBeCloseTo(1, 1);
  expect(Math.abs(s.std / std - 1)).toBeLessThan(0.03);
  return s;
}

const FAN_IN = 400;
const UNITS = 300;
const dense = (init: Init, extra: Record<string, unknown> = {}) =>
  weightsOf('Dense', { units: UNITS, kernelInitializer: init, ...extra }, [null, FAN_IN]).get('kernel')!;

describe('initializer draws match their formulas (Dense [400,300], 120,000 draws)', () => {
  it('glorotUniform: U(-l, l), l = sqrt(6/(fanIn+fanOut)), std l/sqrt(3)', () => {
    const l = Math.sqrt(6 / (FAN_IN + UNITS));
    const s = expectDistribution(dense({ kind: 'glorotUniform' }), 0, l / Math.sqrt(3));
    expect(s.max).toBeLessThanOrEqual(l);
    expect(s.min).toBeGreaterThanOrEqual(-l);
    expect(s.max).toBeGreaterThan(0.99 * l);
  });
  it("glorotNormal: tfjs' truncated normal of sigma sqrt(2/(fanIn+fanOut)), so std 0.8796 sigma, |x| <= 2 sigma", () => {
    const sigma = Math.sqrt(2 / (FAN_IN + UNITS));
    const s = expectDistribution(dense({ kind: 'glorotNormal' }), 0, TRUNC * sigma);
    expect(s.maxAbs).toBeLessThanOrEqual(2 * sigma * 1.0001);
  });
  it('heUniform: U(-l, l), l = sqrt(6/fanIn)', () => {
    const l = Math.sqrt(6 / FAN_IN);
    const s = expectDistribution(dense({ kind: 'heUniform' }), 0, l / Math.sqrt(3));
    expect(s.max).toBeLessThanOrEqual(l);
  });
  it("heNormal: tfjs' truncated normal of sigma sqrt(2/fanIn) (std 0.8796 sigma, |x| <= 2 sigma)", () => {
    const sigma = Math.sqrt(2 / FAN_IN);
    const s = expectDistribution(dense({ kind: 'heNormal' }), 0, TRUNC * sigma);
    expect(s.maxAbs).toBeLessThanOrEqual(2 * sigma * 1.0001);
  });
  it('randomNormal(mean, stddev)', () => {
    const s = expectDistribution(dense({ kind: 'randomNormal', mean: 0.3, stddev: 0.02 }), 0.3, 0.02);
    expect(s.maxAbs).toBeGreaterThan(3 * 0.02); // not truncated
  });
  it('randomUniform(minval, maxval)', () => {
    const s = expectDistribution(dense({ kind: 'randomUniform', minval: -0.1, maxval: 0.3 }), 0.1, 0.4 / Math.sqrt(12));
    expect(s.min).toBeGreaterThanOrEqual(-0.1);
    expect(s.max).toBeLessThanOrEqual(0.3);
  });
  it('truncatedNormal(mean, stddev): within 2 stddev, std 0.8796 stddev', () => {
    const s = expectDistribution(dense({ kind: 'truncatedNormal', mean: -1, stddev: 0.5 }), -1, TRUNC * 0.5);
    expect(s.maxAbs).toBeLessThanOrEqual(1.0001);
  });
  it('orthogonal(gain): W^T W = gain^2 I for a tall kernel, W W^T = gain^2 I for a wide one', () => {
    for (const [rows, cols] of [
      [40, 24],
      [24, 40],
    ] as const) {
      const w = weightsOf('Dense', { units: cols, kernelInitializer: { kind: 'orthogonal', gain: 1.5 } }, [null, rows]);
      const k = tf.tensor2d(w.get('kernel')!, [rows, cols]);
      const gram = (
        rows >= cols ? tf.matMul(k, k, true, false) : tf.matMul(k, k, false, true)
      ).arraySync() as number[][];
      const n = Math.min(rows, cols);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(gram[i]![j]!).toBeCloseTo(i === j ? 2.25 : 0, 4);
      k.dispose();
    }
  });
  it("orthogonal: ganvas' own (tf.layers' configs too), computed without backend ops; columns uniform on the sphere", () => {
    // A tf.layers Dense (not a custom layer) names 'Orthogonal' in its config: tfjs deserializes ganvas' class.
    const dense = makeLayer(specsOf('Dense', { units: 8, kernelInitializer: { kind: 'orthogonal', gain: 1 } })[0]!);
    expect((dense as unknown as { kernelInitializer: unknown }).kernelInitializer).toBeInstanceOf(Orthogonal);
    // One upload, no QR on the backend (tfjs' linalg.qr ran ops per column: shader compiles by the thousand on
    // WebGL/WebGPU).
    const init = new Orthogonal({ gain: 1 });
    const kernels: string[] = [];
    const profile = tf.profile(() => {
      const w = init.apply([300, 96]);
      w.dispose();
    });
    return profile.then((info) => {
      kernels.push(...info.kernelNames);
      expect(kernels).toEqual([]);
      // Haar-distributed Q: each entry of a column of an n x k orthonormal Q has mean 0 and variance 1/n.
      const w = withSeededMathRandom('haar', () => init.apply([500, 20]));
      const v = w.dataSync();
      let sum = 0;
      let sq = 0;
      for (const x of v) {
        sum += x;
        sq += x * x;
      }
      expect(Math.abs(sum / v.length)).toBeLessThan(3 / Math.sqrt(v.length * 500));
      expect(sq / v.length).toBeCloseTo(1 / 500, 6);
      w.dispose();
    });
  });
  it('orthogonal on a conv kernel: the [k*k*in, filters] flattening has orthogonal columns', () => {
    const w = weightsOf('Conv2D', { filters: 8, kernelSize: 3, kernelInitializer: { kind: 'orthogonal', gain: 1 } }, [
      null,
      8,
      8,
      4,
    ]).get('kernel')!;
    const k = tf.tensor2d(w, [36, 8]);
    const gram = tf.matMul(k, k, true, false).arraySync() as number[][];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(gram[i]![j]!).toBeCloseTo(i === j ? 1 : 0, 4);
    k.dispose();
  });
  it('conv fans: Conv2D kernel [k,k,in,f] has fanIn k*k*in; ConvTranspose2D [k,k,f,in] has fanIn k*k*f', () => {
    const conv = weightsOf('Conv2D', { filters: 64, kernelSize: 5, kernelInitializer: { kind: 'heUniform' } }, [
      null,
      8,
      8,
      32,
    ]).get('kernel')!;
    expectDistribution(conv, 0, Math.sqrt(2 / (5 * 5 * 32)));
    const convT = weightsOf(
      'ConvTranspose2D',
      { filters: 64, kernelSize: 5, kernelInitializer: { kind: 'heUniform' } },
      [null, 8, 8, 32],
    ).get('kernel')!;
    expectDistribution(convT, 0, Math.sqrt(2 / (5 * 5 * 64)));
  });
  it('biases, gamma and beta take their own initializer', () => {
    const w = weightsOf('Dense', { units: 4000, biasInitializer: { kind: 'randomNormal', mean: 0.5, stddev: 0.1 } }, [
      null,
      3,
    ]);
    expectDistribution(w.get('bias')!, 0.5, 0.1);
    const bn = weightsOf(
      'BatchNorm',
      { gammaInitializer: { kind: 'randomNormal', mean: 1, stddev: 0.02 }, betaInitializer: { kind: 'ones' } },
      [null, 5000],
    );
    expectDistribution(bn.get('gamma')!, 1, 0.02);
    expect([...bn.get('beta')!].every((v) => v === 1)).toBe(true);
    const ln = weightsOf('LayerNorm', { gammaInitializer: { kind: 'zeros' } }, [null, 16]);
    expect([...ln.get('gamma')!].every((v) => v === 0)).toBe(true);
  });
});

describe('custom layers honour the same initializers', () => {
  it("equalizedLR: N(0,1) by default (the node's default, glorotNormal, stands for it); another choice is drawn as chosen", () => {
    for (const params of [{ equalizedLR: true }, { equalizedLR: true, kernelInitializer: { kind: 'glorotNormal' } }])
      expectDistribution(weightsOf('Dense', { units: UNITS, ...params }, [null, FAN_IN]).get('kernel')!, 0, 1);
    expect(
      specsOf('Dense', { equalizedLR: true, kernelInitializer: { kind: 'randomNormal', mean: 0, stddev: 1 } })[0]!
        .config,
    ).not.toHaveProperty('kernelInitializer');
    expect(
      specsOf('Dense', { spectralNorm: true, kernelInitializer: { kind: 'glorotUniform' } })[0]!.config,
    ).not.toHaveProperty('kernelInitializer');
    expectDistribution(
      weightsOf('Dense', { units: UNITS, equalizedLR: true, kernelInitializer: { kind: 'glorotUniform' } }, [
        null,
        FAN_IN,
      ]).get('kernel')!,
      0,
      Math.sqrt(2 / (FAN_IN + UNITS)),
    );
    expectDistribution(
      weightsOf('Dense', { units: UNITS, equalizedLR: true, kernelInitializer: { kind: 'heUniform' } }, [
        null,
        FAN_IN,
      ]).get('kernel')!,
      0,
      Math.sqrt(2 / FAN_IN),
    );
  });
  it('spectral norm Conv2D and ConvTranspose2D: kernel and bias initializers', () => {
    const w = weightsOf(
      'Conv2D',
      {
        filters: 64,
        kernelSize: 4,
        spectralNorm: true,
        kernelInitializer: { kind: 'randomNormal', mean: 0, stddev: 0.02 },
        biasInitializer: { kind: 'ones' },
      },
      [null, 8, 8, 32],
    );
    expectDistribution(w.get('kernel')!, 0, 0.02);
    expect([...w.get('bias')!].every((v) => v === 1)).toBe(true);
    const t = weightsOf(
      'ConvTranspose2D',
      { filters: 64, kernelSize: 5, spectralNorm: true, kernelInitializer: { kind: 'heUniform' } },
      [null, 8, 8, 32],
    );
    expectDistribution(t.get('kernel')!, 0, Math.sqrt(2 / (5 * 5 * 64)));
  });
  it('InstanceNorm gamma/beta, LearnedConstant, StyleModulation A, SelfAttention projections', () => {
    const inorm = weightsOf('InstanceNorm', { gammaInitializer: { kind: 'randomNormal', mean: 1, stddev: 0.02 } }, [
      null,
      4,
      4,
      5000,
    ]);
    expectDistribution(inorm.get('gamma')!, 1, 0.02);
    expect([...inorm.get('beta')!].every((v) => v === 0)).toBe(true);
    const c = weightsOf(
      'LearnedConstant',
      { height: 4, width: 4, channels: 512, constantInitializer: { kind: 'randomNormal', mean: 0, stddev: 1 } },
      [null, 8],
    );
    expectDistribution(c.get('constant')!, 0, 1);
    expect([...weightsOf('LearnedConstant', {}, [null, 8]).get('constant')!].every((v) => v === 1)).toBe(true);
    const sm = weightsOf('StyleModulation', { kernelInitializer: { kind: 'randomNormal', mean: 0, stddev: 0.1 } }, [
      [null, 4, 4, 64],
      [null, 256],
    ]);
    expectDistribution(sm.get('kernel')!, 0, 0.1);
    const bias = sm.get('bias')!;
    expect([...bias.slice(0, 64)].every((v) => v === 1) && [...bias.slice(64)].every((v) => v === 0)).toBe(true);
    const sa = weightsOf('SelfAttention', { reduction: 2, kernelInitializer: { kind: 'heUniform' } }, [
      null,
      8,
      8,
      128,
    ]);
    expectDistribution(sa.get('f')!, 0, Math.sqrt(2 / 128));
    expectDistribution(sa.get('v')!, 0, Math.sqrt(2 / 64));
    expect([...sa.get('gamma')!]).toEqual([0]);
  });
  it('a custom layer saves its initializer in getConfig and loads it back', () => {
    const spec = specsOf('InstanceNorm', { gammaInitializer: { kind: 'randomUniform', minval: 2, maxval: 3 } })[0]!;
    const layer = makeLayer(spec);
    const cfg = layer.getConfig();
    expect(cfg.gammaInitializer).toEqual({ className: 'RandomUniform', config: { minval: 2, maxval: 3 } });
    const back = makeLayer({ ...spec, config: cfg as Record<string, unknown> });
    back.build([null, 2, 2, 1000]);
    const g = stats(back.getWeights()[0]!.dataSync() as Float32Array);
    expect(g.min).toBeGreaterThanOrEqual(2);
    expect(g.max).toBeLessThanOrEqual(3);
    free(back);
    free(layer);
  });
});

describe('defaults stay what they were', () => {
  it('a node left at its defaults puts no initializer in its config', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['Dense', {}],
      ['Dense', { spectralNorm: true }],
      ['Dense', { equalizedLR: true }],
      ['Conv2D', {}],
      ['Conv2D', { equalizedLR: true }],
      ['ConvTranspose2D', { spectralNorm: true }],
      ['Embedding', {}],
      ['BatchNorm', {}],
      ['InstanceNorm', {}],
      ['LayerNorm', {}],
      ['StyleModulation', {}],
      ['SelfAttention', {}],
      ['LearnedConstant', {}],
    ];
    for (const [type, params] of cases)
      for (const spec of specsOf(type, params))
        expect(
          Object.keys(spec.config).filter((k) => k.endsWith('Initializer')),
          type,
        ).toEqual([]);
  });
  it('the defaults written out explicitly also leave the config unchanged', () => {
    expect(
      specsOf('Dense', { kernelInitializer: { kind: 'glorotNormal' }, biasInitializer: { kind: 'zeros' } }),
    ).toEqual(specsOf('Dense', {}));
    expect(specsOf('Embedding', { embeddingsInitializer: { kind: 'randomUniform' } })).toEqual(
      specsOf('Embedding', {}),
    );
    expect(specsOf('BatchNorm', { gammaInitializer: { kind: 'ones' } })).toEqual(specsOf('BatchNorm', {}));
  });
  it('no bias, no gamma: their initializers are left out', () => {
    const c = specsOf('Dense', { useBias: false, biasInitializer: { kind: 'ones' } })[0]!.config;
    expect(c).not.toHaveProperty('biasInitializer');
    const bn = specsOf('BatchNorm', { scale: false, gammaInitializer: { kind: 'zeros' } })[0]!.config;
    expect(bn).not.toHaveProperty('gammaInitializer');
  });
  it("the default weights are tfjs' own: glorotNormal kernel (truncated), zero bias, Embedding U(-0.05, 0.05)", () => {
    const d = weightsOf('Dense', { units: UNITS }, [null, FAN_IN]);
    expectDistribution(d.get('kernel')!, 0, TRUNC * Math.sqrt(2 / (FAN_IN + UNITS)));
    // Spectral norm's custom layer keeps its own default, glorotUniform.
    const sn = weightsOf('Dense', { units: UNITS, spectralNorm: true }, [null, FAN_IN]);
    expectDistribution(sn.get('kernel')!, 0, Math.sqrt(6 / (FAN_IN + UNITS)) / Math.sqrt(3));
    expect([...d.get('bias')!].every((v) => v === 0)).toBe(true);
    const e = makeLayer(specsOf('Embedding', { numClasses: 1000, dim: 100 })[0]!);
    e.build([null, 1]);
    const s = stats(e.getWeights()[0]!.dataSync() as Float32Array);
    expect(s.min).toBeGreaterThanOrEqual(-0.05);
    expect(s.max).toBeLessThanOrEqual(0.05);
    free(e);
  });
  it('the contract form: tfjs class names and field names', () => {
    expect(serializeInit({ kind: 'randomNormal', mean: 0, stddev: 0.02 })).toEqual({
      className: 'RandomNormal',
      config: { mean: 0, stddev: 0.02 },
    });
    expect(
      specsOf('Conv2D', { kernelInitializer: { kind: 'orthogonal', gain: 2 } })[0]!.config.kernelInitializer,
    ).toEqual({
      className: 'Orthogonal',
      config: { gain: 2 },
    });
    expect(
      specsOf('Embedding', { embeddingsInitializer: { kind: 'randomNormal' } })[0]!.config.embeddingsInitializer,
    ).toEqual({ className: 'RandomNormal', config: { mean: 0, stddev: 0.05 } });
  });
});

function project(): {
  models: Record<string, { nodes: { id: string; type: string; params?: Record<string, unknown> }[] }>;
} {
  return JSON.parse(readFileSync(join(ROOT, 'templates/dcgan-mnist.json'), 'utf8'));
}

describe('invalid initializers are refused with located diagnostics', () => {
  const bad: [string, unknown, RegExp][] = [
    ['g_fc', { kernelInitializer: { kind: 'randomNormal', mean: 0, stddev: -1 } }, /stddev/],
    ['g_fc', { kernelInitializer: { kind: 'xavier' } }, /kind|xavier|Invalid/i],
    ['g_fc', { kernelInitializer: { kind: 'randomUniform', minval: 1, maxval: 0 } }, /maxval/],
    ['g_fc', { kernelInitializer: { kind: 'zeros' } }, /kind|zeros|Invalid/i],
    ['g_bn0', { gammaInitializer: { kind: 'orthogonal' } }, /kind|orthogonal|Invalid/i],
    ['g_fc', { kernelInitializer: { kind: 'heNormal', gain: 2 } }, /gain|Unrecognized/i],
    ['g_fc', { kernelInitializer: 'glorotUniform' }, /object|Invalid/i],
  ];
  for (const [id, params, re] of bad)
    it(`${JSON.stringify(params)} on '${id}'`, () => {
      const p = project();
      const node = p.models.generator!.nodes.find((n) => n.id === id)!;
      node.params = { ...node.params, ...(params as Record<string, unknown>) };
      const a = validateProjectValue(p);
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length).toBeGreaterThan(0);
      const d = errors[0]!;
      expect(d.location).toMatchObject({ graph: 'generator', nodeId: id });
      expect(d.location.path?.slice(0, 5)).toEqual([
        'models',
        'generator',
        'nodes',
        p.models.generator!.nodes.indexOf(node),
        'params',
      ]);
      expect(String(d.location.path?.[5])).toMatch(/Initializer$/);
      expect(`${d.message} ${JSON.stringify(d.location)}`).toMatch(re);
    });
});

describe('seeded: the same project and seed give the same initial weights on CPU and WASM', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  /** The DCGAN-MNIST template with a different initializer on every weight. */
  function everyKind() {
    const p = project();
    const set = (model: string, id: string, params: Record<string, unknown>) => {
      const n = p.models[model]!.nodes.find((x) => x.id === id)!;
      n.params = { ...n.params, ...params };
    };
    set('generator', 'g_fc', { kernelInitializer: { kind: 'glorotNormal' } });
    set('generator', 'g_bn0', { gammaInitializer: { kind: 'truncatedNormal', mean: 1, stddev: 0.1 } });
    set('generator', 'g_deconv1', { kernelInitializer: { kind: 'heNormal' } });
    set('generator', 'g_bn1', { betaInitializer: { kind: 'randomUniform', minval: -1, maxval: 1 } });
    set('generator', 'g_deconv2', {
      kernelInitializer: { kind: 'orthogonal', gain: 1.2 },
      biasInitializer: { kind: 'randomNormal', mean: 0, stddev: 1 },
    });
    set('discriminator', 'd_conv1', { kernelInitializer: { kind: 'heUniform' } });
    set('discriminator', 'd_conv2', { kernelInitializer: { kind: 'randomUniform', minval: -0.2, maxval: 0.1 } });
    set('discriminator', 'd_fc', { kernelInitializer: { kind: 'truncatedNormal', mean: 0, stddev: 0.3 } });
    return p;
  }
  async function initialWeights(backend: 'cpu' | 'wasm', value: unknown, seed: string) {
    if (backend === 'wasm') await selectBackend('wasm');
    else await tf.setBackend('cpu');
    const a = validateProjectValue(value);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const out: Record<string, number[]> = {};
    withSeededMathRandom(seed, () => {
      for (const [name, m] of a.models) {
        const model = compileModel(m);
        // Names as the layers give them (tfjs suffixes repeated weight names with _1, _2 across builds).
        for (const w of model.weights) out[`${name}/${w.originalName}`] = [...(w.read().dataSync() as Float32Array)];
        model.dispose();
      }
    });
    return out;
  }
  it('every initializer kind, bit for bit (orthogonal too: ganvas computes it in JavaScript)', async () => {
    const p = everyKind();
    const cpu = await initialWeights('cpu', p, '7:init');
    const wasm = await initialWeights('wasm', p, '7:init');
    expect(Object.keys(wasm)).toEqual(Object.keys(cpu));
    for (const k of Object.keys(cpu)) expect(wasm[k], k).toEqual(cpu[k]);
    const again = await initialWeights('cpu', p, '7:init');
    expect(again).toEqual(cpu);
    const other = await initialWeights('cpu', p, '8:init');
    expect(other['generator/g_fc/kernel']).not.toEqual(cpu['generator/g_fc/kernel']);
  });
});

describe('the TypeScript export prints initializers as tf.initializers calls', () => {
  it('tf.layers configs get tf.initializers.<name>(config); custom layers get the serialized form', () => {
    expect(printInitializer(serializeInit({ kind: 'randomNormal', mean: 0, stddev: 0.02 }))).toBe(
      'tf.initializers.randomNormal({"mean":0,"stddev":0.02})',
    );
    expect(printInitializer(serializeInit({ kind: 'zeros' }))).toBe('tf.initializers.zeros()');
    expect(printInitializer(serializeInit({ kind: 'heNormal' }))).toBe('tf.initializers.heNormal({})');
    expect(printLayer(specsOf('Dense', { units: 8, kernelInitializer: { kind: 'orthogonal', gain: 2 } })[0]!)).toBe(
      'tf.layers.dense({"name":"n","units":8,"useBias":true,"kernelInitializer":new Orthogonal({"gain":2})})',
    );
    expect(printLayer(specsOf('Dense', { units: 8 })[0]!)).toBe(
      'tf.layers.dense({"name":"n","units":8,"useBias":true})',
    );
    expect(
      printLayer(
        specsOf('Dense', { units: 8, spectralNorm: true, kernelInitializer: { kind: 'heUniform' } })[0]!,
        'tf',
        'custom',
      ),
    ).toContain('"kernelInitializer":{"className":"HeUniform","config":{}}');
  });
  it("custom layers' printed configs type-check as the export prints them (tsc -p . checks these lines)", () => {
    const inorm = specsOf('InstanceNorm', { gammaInitializer: { kind: 'randomNormal', mean: 1, stddev: 0.02 } })[0]!;
    const conv = specsOf('Conv2D', { filters: 8, spectralNorm: true, biasInitializer: { kind: 'ones' } })[0]!;
    // Pasted from printLayer's output below: the script embeds custom.ts, so these are its types.
    const a = new InstanceNorm({
      name: 'n',
      affine: true,
      epsilon: 0.00001,
      gammaInitializer: { className: 'RandomNormal', config: { mean: 1, stddev: 0.02 } },
    });
    const b = new ReparamConv2D({
      name: 'n',
      filters: 8,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      useBias: true,
      spectralNorm: true,
      equalizedLR: false,
      biasInitializer: { className: 'Ones', config: {} },
    });
    expect(printLayer(inorm, 'tf', 'custom')).toBe(
      'new custom.InstanceNorm({"name":"n","affine":true,"epsilon":0.00001,"gammaInitializer":{"className":"RandomNormal","config":{"mean":1,"stddev":0.02}}})',
    );
    expect(printLayer(conv, 'tf', 'custom')).toBe(
      'new custom.ReparamConv2D({"name":"n","filters":8,"kernelSize":4,"strides":2,"padding":"same","useBias":true,"spectralNorm":true,"equalizedLR":false,"biasInitializer":{"className":"Ones","config":{}}})',
    );
    expect(a.getConfig().gammaInitializer).toEqual(inorm.config.gammaInitializer);
    expect(b.getConfig().biasInitializer).toEqual(conv.config.biasInitializer);
  });
});
