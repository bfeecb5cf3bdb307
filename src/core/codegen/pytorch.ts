/**
 * Project -> one standalone PyTorch training script (train.py).
 *
 * One file, because that is what `python3 train.py` and `torchrun train.py`
 * run without an install step, and what a person reads top to bottom: the
 * models (one nn.Module per model, built node by node by the same walk as
 * the tfjs compiler, compile/model.ts walkModel), the training graph as two
 * functions (one per player, printed by the same plan walk as the trainer
 * and the TypeScript export, compile/plan.ts, through PyTorchEmitter), the
 * loop (seeded; torchrun/DistributedDataParallel; checkpoints; samples;
 * metrics as JSON lines with ganvas train's names), and ganvas' PyTorch
 * runtime (codegen/pytorch-runtime.py: the layers tfjs has and torch lacks,
 * the losses, the datasets, weight transfer), handed in by the shell as text
 * and embedded unchanged.
 *
 * Layout: PyTorch's NCHW inside; the project's NHWC shapes are stated per
 * node, and the conversions are explicit (nhwc_flatten, nhwc_reshape,
 * to_nchw at the data boundary, TFJS_LAYOUTS for weights).
 *
 * Injection safety: project strings reach the script only through
 * codegen/python.ts (literals, sanitized identifiers, one-line comments).
 */
import { type ModelEmitter, walkModel } from '../compile/model.js';
import {
  type EmitContext,
  type EmitInputs,
  emitNodes,
  type PlanNode,
  playerProgram,
  sampleProgram,
  type TrainingEmitter,
  type TrainingPlan,
} from '../compile/plan.js';
import type { Player, TrainingOp } from '../nodes/training.js';
import type { LayerSpec, TensorType } from '../nodes/types.js';
import type { ModelAnalysis, NodeInfo } from '../shapes/infer.js';
import type { ProjectAnalysis } from '../shapes/project.js';
import { projectHash } from '../train/provenance.js';
import { ExportError, exportablePlan, sampleCount, withExportErrors } from './common.js';
import { className, PyIdentifiers, pyComment, pyLit, pyStr, pyTuple } from './python.js';
import { QUALITY_DRIVER, QUALITY_NAMES, qualitySettingsLines } from './pytorch-quality.js';

/** Where the runtime the script embeds lives in the repository (the shells read it and hand it in). */
export const PYTORCH_RUNTIME_PATH = 'src/core/codegen/pytorch-runtime.py';

export interface PyTorchExportOptions {
  /** Default number of steps written into the script (its --steps overrides it). */
  steps?: number;
  sampleEvery?: number;
}

/** A weight's names: the torch state_dict key, the tfjs weight name, and the layout conversion (runtime TFJS_LAYOUTS). */
export type WeightName = [
  torchName: string,
  tfjsName: string,
  layout: 'same' | 'dense' | 'conv' | 'conv_t' | 'nhwc' | 'proj',
];

type Init = { className: string; config?: Record<string, unknown> };
/** The default kernel initializer of tfjs' own dense and convolution layers (a 2-std truncated normal). */
const TFJS_KERNEL: Init = { className: 'GlorotNormal' };
/** The default of ganvas' custom layers (nodes/layers/custom.ts). */
const GLOROT: Init = { className: 'GlorotUniform' };

/** What one LayerSpec becomes: a module (or none), how the forward pass applies it, its weights and their initialization. */
interface TorchLayer {
  module?: string;
  call: (args: string[], attr: string) => string;
  weights: readonly (readonly [torchSuffix: string, tfjsSuffix: string, layout: WeightName[2]])[];
  /** Initialization lines, given the attribute expression (`self.g_fc`). */
  init: (attr: string) => string[];
}

const shapeOf = (t: TensorType | undefined, what: string): number[] => {
  if (!t) throw new ExportError(`No inferred type for ${what}.`);
  return t.shape.map((d) => d ?? 0);
};

/** TensorFlow's 'same' padding along one axis: [before, after]. */
function samePads(n: number, k: number, s: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Initialization of one weight: the spec's initializer (tfjs' serialized form) as torch.nn.init. */
function initLine(target: string, spec: Init, fanIn: number, fanOut: number): string {
  const c = spec.config ?? {};
  switch (spec.className) {
    case 'GlorotUniform':
      return `nn.init.xavier_uniform_(${target})`;
    case 'Zeros':
      return `nn.init.zeros_(${target})`;
    case 'Ones':
      return `nn.init.ones_(${target})`;
    case 'RandomNormal':
      return `nn.init.normal_(${target}, ${pyLit(c.mean ?? 0)}, ${pyLit(c.stddev ?? 0.05)})`;
    case 'RandomUniform':
      return `nn.init.uniform_(${target}, ${pyLit(c.minval ?? -0.05)}, ${pyLit(c.maxval ?? 0.05)})`;
    case 'Orthogonal':
      return `nn.init.orthogonal_(${target}, gain=${pyLit(c.gain ?? 1)})`;
    default:
      return `init_tensor(${target}, ${pyLit(spec)}, ${fanIn}, ${fanOut})`;
  }
}

/** A norm's gamma (`weight`) and beta (`bias`) initialization, where the config sets one. */
function affineInits(attr: string, cfg: Record<string, unknown>, channels: number): string[] {
  return [
    ...(cfg.gammaInitializer ? [initLine(`${attr}.weight`, cfg.gammaInitializer as Init, channels, channels)] : []),
    ...(cfg.betaInitializer ? [initLine(`${attr}.bias`, cfg.betaInitializer as Init, channels, channels)] : []),
  ];
}

const initOf = (cfg: Record<string, unknown>, key: string, fallback: Init): Init =>
  (cfg[key] as Init | undefined) ?? fallback;

/** The torch form of a LayerSpec, given its input types (project layout) and output type. */
function torchLayer(spec: LayerSpec, ins: TensorType[], out: TensorType | undefined, where: string): TorchLayer {
  const cfg = spec.config;
  const x = ins[0];
  const rank4 = x?.shape.length === 4;
  const channels = () => {
    const s = shapeOf(x, where);
    return s[s.length - 1] as number;
  };
  const none = (call: (a: string[]) => string): TorchLayer => ({ call: (a) => call(a), weights: [], init: () => [] });
  const mod = (module: string, extra: Partial<TorchLayer> = {}): TorchLayer => ({
    module,
    call: (a, attr) => `${attr}(${a.join(', ')})`,
    weights: [],
    init: () => [],
    ...extra,
  });
  const biasInit = (b: boolean, fi: number, fo: number) => (attr: string) =>
    b ? [initLine(`${attr}.bias`, initOf(cfg, 'biasInitializer', { className: 'Zeros' }), fi, fo)] : [];
  if (spec.kind === 'tfjs') {
    switch (spec.factory) {
      case 'dense': {
        const fi = channels();
        const units = cfg.units as number;
        const bias = cfg.useBias !== false;
        return mod(`nn.Linear(${fi}, ${units}, bias=${pyLit(bias)})`, {
          weights: [['weight', 'kernel', 'dense'], ...(bias ? [['bias', 'bias', 'same'] as const] : [])],
          init: (a) => [
            initLine(`${a}.weight`, initOf(cfg, 'kernelInitializer', TFJS_KERNEL), fi, units),
            ...biasInit(bias, fi, units)(a),
          ],
        });
      }
      case 'conv2d': {
        const [, h, w, c] = shapeOf(x, where) as [number, number, number, number];
        const {
          filters: f,
          kernelSize: k,
          strides: s,
          padding,
        } = cfg as { filters: number; kernelSize: number; strides: number; padding: string };
        const bias = cfg.useBias !== false;
        const [t, b] = padding === 'same' ? samePads(h, k, s) : [0, 0];
        const [l, r] = padding === 'same' ? samePads(w, k, s) : [0, 0];
        const args = `${c}, ${f}, ${k}, stride=${s}`;
        const module =
          t === b && l === r
            ? `nn.Conv2d(${args}, padding=${t === l ? t : pyTuple([t, l])}, bias=${pyLit(bias)})`
            : `PaddedConv2d(${args}, pads=${pyTuple([l, r, t, b])}, bias=${pyLit(bias)})`;
        return mod(module, {
          weights: [['weight', 'kernel', 'conv'], ...(bias ? [['bias', 'bias', 'same'] as const] : [])],
          init: (a) => [
            initLine(`${a}.weight`, initOf(cfg, 'kernelInitializer', TFJS_KERNEL), k * k * c, k * k * f),
            ...biasInit(bias, k * k * c, k * k * f)(a),
          ],
        });
      }
      case 'conv2dTranspose': {
        const [, h, w, c] = shapeOf(x, where) as [number, number, number, number];
        const {
          filters: f,
          kernelSize: k,
          strides: s,
          padding,
        } = cfg as { filters: number; kernelSize: number; strides: number; padding: string };
        const bias = cfg.useBias !== false;
        const [oh, ow] = shapeOf(out, where).slice(1, 3) as [number, number];
        const total = padding === 'same' ? Math.max(k - s, 0) : 0;
        const top = Math.floor(total / 2);
        const args = `${c}, ${f}, ${k}, stride=${s}`;
        let module: string;
        if (total % 2 === 0) {
          // Symmetric: PyTorch's own padding, plus output_padding where TensorFlow extends past the last window.
          const full = (h - 1) * s + k - total;
          const op = oh - full;
          if (op < 0 || op >= s || ow - ((w - 1) * s + k - total) !== op)
            throw new ExportError(`${where}: no PyTorch form of this transposed convolution's output size.`);
          module = `nn.ConvTranspose2d(${args}, padding=${top}, output_padding=${op}, bias=${pyLit(bias)})`;
        } else
          module = `CroppedConvTranspose2d(${args}, crop=${pyTuple([top, top])}, out_size=${pyTuple([oh, ow])}, bias=${pyLit(bias)})`;
        return mod(module, {
          weights: [['weight', 'kernel', 'conv_t'], ...(bias ? [['bias', 'bias', 'same'] as const] : [])],
          init: (a) => [
            initLine(`${a}.weight`, initOf(cfg, 'kernelInitializer', TFJS_KERNEL), k * k * f, k * k * c),
            ...biasInit(bias, k * k * f, k * k * c)(a),
          ],
        });
      }
      case 'upSampling2d': {
        const f = (cfg.size as number[])[0] as number;
        return mod(
          cfg.interpolation === 'bilinear' ? `ResizeBilinear(${f})` : `nn.Upsample(scale_factor=${f}, mode="nearest")`,
        );
      }
      case 'averagePooling2d':
        return mod(`nn.AvgPool2d(${(cfg.poolSize as number[])[0]})`);
      case 'batchNormalization': {
        const c = channels();
        const scale = cfg.scale !== false;
        const center = cfg.center !== false;
        const momentum = 1 - (cfg.momentum as number);
        return mod(
          `BatchNorm(${c}, eps=${pyLit(cfg.epsilon)}, momentum=${pyLit(Number(momentum.toPrecision(12)))}, scale=${pyLit(scale)}, center=${pyLit(center)})`,
          {
            weights: [
              ...(scale ? [['weight', 'gamma', 'same'] as const] : []),
              ...(center ? [['bias', 'beta', 'same'] as const] : []),
              ['running_mean', 'moving_mean', 'same'],
              ['running_var', 'moving_variance', 'same'],
            ],
            init: (a) => affineInits(a, cfg, c),
          },
        );
      }
      case 'layerNormalization': {
        const c = channels();
        return mod(
          rank4 ? `ChannelLayerNorm(${c}, eps=${pyLit(cfg.epsilon)})` : `nn.LayerNorm(${c}, eps=${pyLit(cfg.epsilon)})`,
          {
            weights: [
              ['weight', 'gamma', 'same'],
              ['bias', 'beta', 'same'],
            ],
            init: (a) => affineInits(a, cfg, c),
          },
        );
      }
      case 'activation': {
        const act = cfg.activation as string;
        const m = { relu: 'nn.ReLU()', tanh: 'nn.Tanh()', sigmoid: 'nn.Sigmoid()', linear: 'nn.Identity()' }[act];
        if (!m) throw new ExportError(`${where}: activation '${act}' has no PyTorch form here.`);
        return mod(m);
      }
      case 'leakyReLU':
        return mod(`nn.LeakyReLU(${pyLit(cfg.alpha)})`);
      case 'elu':
        return mod('nn.ELU()');
      case 'reLU':
        return mod('nn.ReLU()');
      case 'dropout':
        return mod(`nn.Dropout(${pyLit(cfg.rate)})`);
      case 'concatenate':
        return none((a) => `torch.cat([${a.join(', ')}], dim=${rank4 ? 1 : -1})`);
      case 'add':
        return none((a) => a.join(' + '));
      case 'multiply':
        return none((a) => a.join(' * '));
      case 'embedding': {
        const n = cfg.inputDim as number;
        const d = cfg.outputDim as number;
        return mod(`nn.Embedding(${n}, ${d})`, {
          call: (a, attr) => `${attr}(${a[0]}.long())`,
          weights: [['weight', 'embeddings', 'same']],
          init: (a) => [
            initLine(
              `${a}.weight`,
              initOf(cfg, 'embeddingsInitializer', {
                className: 'RandomUniform',
                config: { minval: -0.05, maxval: 0.05 },
              }),
              n,
              d,
            ),
          ],
        });
      }
      case 'flatten':
        return none((a) => `nhwc_flatten(${a[0]})`);
      case 'reshape':
        return none((a) => `nhwc_reshape(${a[0]}, ${pyTuple(cfg.targetShape as number[])})`);
      case 'zeroPadding2d': {
        const [[t, b], [l, r]] = cfg.padding as [[number, number], [number, number]];
        return mod(`nn.ZeroPad2d(${pyTuple([l, r, t, b])})`);
      }
    }
    throw new ExportError(
      `${where}: tf.layers.${String((spec as { factory: string }).factory)} has no PyTorch form here.`,
    );
  }
  switch (spec.name) {
    case 'BatchNorm':
      // ganvas' trainable BatchNorm without gamma or beta: the same layer as tfjs' batchNormalization.
      return torchLayer({ kind: 'tfjs', factory: 'batchNormalization', config: cfg }, ins, out, where);
    case 'InstanceNorm': {
      const affine = cfg.affine !== false;
      const c = channels();
      return mod(`nn.InstanceNorm2d(${c}, eps=${pyLit(cfg.epsilon)}, affine=${pyLit(affine)})`, {
        weights: affine
          ? [
              ['weight', 'gamma', 'same'],
              ['bias', 'beta', 'same'],
            ]
          : [],
        init: (a) => (affine ? affineInits(a, cfg, c) : []),
      });
    }
    case 'PixelNorm':
      return mod(`PixelNorm(${pyLit(cfg.epsilon)})`);
    case 'ReflectionPad':
      return mod(`nn.ReflectionPad2d(${pyLit(cfg.padding)})`);
    case 'GlobalSumPool':
      // [B,C,H,W] (the module's layout) -> [B,C]: the sum over H and W, as BigGAN-PyTorch's torch.sum(h, [2, 3]).
      return none((a) => `torch.sum(${a[0]}, dim=(2, 3))`);
    case 'MinibatchStdDev':
      return mod(`MinibatchStdDev(${pyLit(cfg.groupSize)})`);
    case 'FadeIn':
      // Progressive growing (issue 17.1): alpha is set by the driver from the schedule (runtime set_fade_alphas).
      return mod(`FadeIn(${pyLit(cfg.resolution)})`);
    case 'LearnedConstant':
      return mod(`LearnedConstant(${cfg.channels}, ${cfg.height}, ${cfg.width})`, {
        weights: [['constant', 'constant', 'nhwc']],
        // tfjs' fans of the [1,H,W,C] constant: receptive field 1*H, fanIn W*H, fanOut C*H.
        init: (a) =>
          cfg.constantInitializer
            ? [
                initLine(
                  `${a}.constant`,
                  cfg.constantInitializer as Init,
                  (cfg.width as number) * (cfg.height as number),
                  (cfg.channels as number) * (cfg.height as number),
                ),
              ]
            : [],
      });
    case 'StyleModulation': {
      const c = channels();
      const d = shapeOf(ins[1], where)[1] as number;
      return mod(`StyleModulation(${c}, ${d}, eps=${pyLit(cfg.epsilon)})`, {
        weights: [
          ['affine.weight', 'kernel', 'dense'],
          ['affine.bias', 'bias', 'same'],
        ],
        init: (a) =>
          cfg.kernelInitializer ? [initLine(`${a}.affine.weight`, cfg.kernelInitializer as Init, d, 2 * c)] : [],
      });
    }
    case 'NoiseInjection':
      return mod(`NoiseInjection(${channels()})`, { weights: [['strength', 'strength', 'same']] });
    case 'SelfAttention': {
      const c = channels();
      const k = Math.max(1, Math.floor(c / (cfg.reduction as number)));
      const init = cfg.kernelInitializer as Init | undefined;
      return mod(`SelfAttention(${c}, ${pyLit(cfg.reduction)})`, {
        init: (a) =>
          init
            ? [
                ...['f', 'g', 'h'].map((w) => initLine(`${a}.${w}.weight`, init, c, k)),
                initLine(`${a}.v.weight`, init, k, c),
              ]
            : [],
        weights: [
          ['f.weight', 'f', 'proj'],
          ['g.weight', 'g', 'proj'],
          ['h.weight', 'h', 'proj'],
          ['v.weight', 'v', 'proj'],
          ['gamma', 'gamma', 'same'],
        ],
      });
    }
    // ---- BigGAN (issue 17.5): runtime classes ConditionalBatchNorm and Projection.
    case 'ConditionalBatchNorm': {
      const c = channels();
      const d = shapeOf(ins[1], where)[1] as number;
      const momentum = 1 - (cfg.momentum as number);
      const init = cfg.kernelInitializer as Init | undefined;
      const sn = cfg.spectralNorm === true;
      return mod(
        `ConditionalBatchNorm(${c}, ${d}, eps=${pyLit(cfg.epsilon)}, momentum=${pyLit(Number(momentum.toPrecision(12)))}${sn ? ', spectral_norm=True' : ''})`,
        {
          weights: [
            ['gain.weight', 'gain_kernel', 'dense'],
            ['bias.weight', 'bias_kernel', 'dense'],
            ['running_mean', 'moving_mean', 'same'],
            ['running_var', 'moving_variance', 'same'],
            ...(sn
              ? ([
                  ['gain_u', 'sn_u_gain', 'same'],
                  ['bias_u', 'sn_u_bias', 'same'],
                ] as const)
              : []),
          ],
          init: (a) => (init ? ['gain', 'bias'].map((w) => initLine(`${a}.${w}.weight`, init, d, c)) : []),
        },
      );
    }
    case 'Projection': {
      const f = channels();
      const n = cfg.numClasses as number;
      const linear = cfg.linear !== false;
      const sn = cfg.spectralNorm === true;
      const init = initOf(cfg, 'kernelInitializer', GLOROT);
      return mod(`Projection(${f}, ${n}, linear=${pyLit(linear)}, spectral_norm=${pyLit(sn)})`, {
        call: (a, attr) => `${attr}(${a[0]}, ${a[1]})`,
        weights: [
          ['embed', 'embeddings', 'same'],
          ...(sn ? [['embed_u', 'sn_u_embeddings', 'same'] as const] : []),
          ...(linear
            ? ([
                ['linear.weight', 'kernel', 'dense'],
                ['linear.bias', 'bias', 'same'],
              ] as const)
            : []),
          ...(sn && linear ? [['linear_u', 'sn_u_kernel', 'same'] as const] : []),
        ],
        init: (a) => [
          initLine(`${a}.embed`, init, n, f),
          ...(linear ? [initLine(`${a}.linear.weight`, init, f, 1)] : []),
        ],
      });
    }
    // ---- end of BigGAN
    case 'ReparamDense':
    case 'ReparamConv2D':
    case 'ReparamConv2DTranspose': {
      const bias = cfg.useBias !== false;
      const sn = cfg.spectralNorm === true;
      const eq = cfg.equalizedLR === true;
      const flags = `bias=${pyLit(bias)}, spectral_norm=${pyLit(sn)}, equalized_lr=${pyLit(eq)}`;
      const kernelInit = initOf(
        cfg,
        'kernelInitializer',
        eq ? { className: 'RandomNormal', config: { mean: 0, stddev: 1 } } : GLOROT,
      );
      let module: string;
      let layout: WeightName[2];
      let fans: [number, number];
      if (spec.name === 'ReparamDense') {
        const fi = channels();
        module = `ReparamLinear(${fi}, ${cfg.units}, ${flags})`;
        layout = 'dense';
        fans = [fi, cfg.units as number];
      } else {
        const [, h, w, c] = shapeOf(x, where) as [number, number, number, number];
        const {
          filters: f,
          kernelSize: k,
          strides: s,
          padding,
        } = cfg as { filters: number; kernelSize: number; strides: number; padding: string };
        if (spec.name === 'ReparamConv2D') {
          const [t, b] = padding === 'same' ? samePads(h, k, s) : [0, 0];
          const [l, r] = padding === 'same' ? samePads(w, k, s) : [0, 0];
          module = `ReparamConv2d(${c}, ${f}, ${k}, stride=${s}, pads=${pyTuple([l, r, t, b])}, ${flags})`;
          layout = 'conv';
          fans = [k * k * c, k * k * f];
        } else {
          const [oh, ow] = shapeOf(out, where).slice(1, 3) as [number, number];
          const top = padding === 'same' ? Math.floor(Math.max(k - s, 0) / 2) : 0;
          module = `ReparamConvTranspose2d(${c}, ${f}, ${k}, stride=${s}, crop=${pyTuple([top, top])}, out_size=${pyTuple([oh, ow])}, ${flags})`;
          layout = 'conv_t';
          fans = [k * k * f, k * k * c];
        }
      }
      return mod(module, {
        weights: [
          ['weight', 'kernel', layout],
          ...(bias ? [['bias', 'bias', 'same'] as const] : []),
          ...(sn ? [['sn_u', 'sn_u', 'same'] as const] : []),
        ],
        init: (a) => [initLine(`${a}.weight`, kernelInit, fans[0], fans[1]), ...biasInit(bias, fans[0], fans[1])(a)],
      });
    }
  }
  throw new ExportError(`${where}: the custom layer '${String((spec as { name: string }).name)}' has no PyTorch form.`);
}

const fmt = (t: TensorType | undefined): string => (t ? `[${t.shape.map((d) => d ?? 'B').join(', ')}]` : '?');

/**
 * A Block instance printed as one nn.Module class reused in a loop: its repeats
 * in series, each an instance of the class (nn.ModuleList). Only where every
 * repeat is the same (inner nodes, params and tensor types: a shape-keeping
 * block such as CycleGAN's residual block) and the instance has one input and
 * one output; any other instance is printed expanded, node by node.
 */
interface LoopInstance {
  id: string;
  block: string;
  repeats: number;
  /** Expanded node id -> [repeat, inner id]. */
  nodes: Map<string, [number, string]>;
  cls?: string;
  attr?: string;
  /** The class's __init__, reset_parameters and forward lines. */
  ctor: string[];
  inits: string[];
  forward: string[];
  /** Inner attribute per inner layer name (repeat 0), reused for the weight names of every repeat. */
  innerAttrs: Map<string, string>;
  attrs: PyIdentifiers;
  /** Local names the class's forward produced, by expanded node id (repeat 0). */
  local: Map<string, string>;
  outsideInput?: string;
  started: boolean;
}

function loopInstances(m: ModelAnalysis): Map<string, LoopInstance> {
  const groups = new Map<string, NodeInfo[]>();
  for (const info of m.order) {
    const inst = info.origin.via[0];
    if (inst === undefined) continue;
    const list = groups.get(inst) ?? [];
    list.push(info);
    groups.set(inst, list);
  }
  const out = new Map<string, LoopInstance>();
  for (const [inst, infos] of groups) {
    const nodes = new Map<string, [number, string]>();
    let ok = true;
    for (const info of infos) {
      const m2 = new RegExp(`^${inst.replace(/[^\w]/g, '\\$&')}_(\\d+)_(.+)$`).exec(info.id);
      if (!m2) {
        ok = false;
        break;
      }
      nodes.set(info.id, [Number(m2[1]), m2[2] as string]);
    }
    if (!ok) continue;
    const repeats = Math.max(...[...nodes.values()].map(([k]) => k)) + 1;
    if (repeats < 2) continue;
    // Every repeat the same: inner ids, types, params, types in and out.
    const sig = (k: number) =>
      JSON.stringify(
        infos
          .filter((i) => nodes.get(i.id)?.[0] === k)
          .map((i) => [nodes.get(i.id)?.[1], i.type, i.params, i.inputs, i.outputs, i.live]),
      );
    const first = sig(0);
    if (!Array.from({ length: repeats }, (_, k) => sig(k)).every((x) => x === first)) continue;
    // One way in and one way out.
    const inside = (id: string) => nodes.has(id);
    const ins = new Set(
      m.edges.filter((e) => inside(e.target) && !inside(e.source)).map((e) => `${e.source}:${e.sourcePort}`),
    );
    const outs = new Set(
      m.edges.filter((e) => inside(e.source) && !inside(e.target)).map((e) => `${e.source}:${e.sourcePort}`),
    );
    if (ins.size !== 1 || outs.size !== 1) continue;
    const block = (infos[0] as NodeInfo).origin.graph.replace(/^block:/, '');
    out.set(inst, {
      id: inst,
      block,
      repeats,
      nodes,
      ctor: [],
      inits: [],
      forward: [],
      innerAttrs: new Map(),
      attrs: new PyIdentifiers(['self'], true),
      local: new Map(),
      started: false,
    });
  }
  return out;
}

/** One model as an nn.Module class (and a class per looped block): the same walk as compileModel, printed. */
export function printTorchModel(
  m: ModelAnalysis,
  cls: string,
  classes: PyIdentifiers = new PyIdentifiers(RUNTIME_NAMES),
): { code: string; names: WeightName[] } {
  const attrs = new PyIdentifiers(['self'], true);
  const locals = new PyIdentifiers(['self', 'x_in']);
  const ctor: string[] = [];
  const inits: string[] = [];
  const forward: string[] = [];
  const params: string[] = [];
  const names: WeightName[] = [];
  const inputIds: string[] = [];
  const loops = loopInstances(m);
  /** Names that stand for a looped instance's output in the parent: its loop variable. */
  const outer = new Map<string, string>();
  const sub = (x: string) => outer.get(x) ?? x;
  const emitter: ModelEmitter<string> = {
    input: (info, t) => {
      const v = locals.get(info.id, info.id);
      params.push(v);
      inputIds.push(info.id);
      forward.push(
        `        ${pyComment(`${v}: ${info.type} '${info.id}', ${fmt(t)}${t.shape.length === 4 ? ' NHWC, given NCHW' : ''}`)}`,
      );
      return v;
    },
    duplicate: (x) => x,
    node: (info: NodeInfo, specs, rawArgs) => {
      const out = info.outputs?.[0];
      const inst = info.origin.via[0] === undefined ? undefined : loops.get(info.origin.via[0]);
      const [repeat, inner] = inst?.nodes.get(info.id) ?? [0, info.id];
      let args = rawArgs;
      if (inst) {
        if (!inst.started) {
          inst.started = true;
          inst.cls = classes.get(`block:${m.name}:${inst.id}`, className(inst.block));
          inst.attr = attrs.get(inst.id, inst.id);
          forward.push(`        @@loop:${inst.id}`);
        }
        // In the class's forward, what comes from outside the instance is its argument x_in.
        args = rawArgs.map((a) => {
          if ([...inst.local.values()].includes(a)) return a;
          if (repeat === 0) inst.outsideInput ??= sub(a);
          return 'x_in';
        });
      } else args = rawArgs.map(sub);
      const lines = inst ? inst.forward : forward;
      const nchw =
        out && out.shape.length === 4 ? ` (NCHW here: [B, ${out.shape[3]}, ${out.shape[1]}, ${out.shape[2]}])` : '';
      if (repeat === 0) lines.push(`        ${pyComment(`${inner}: ${info.type} -> ${fmt(out)}${nchw}`)}`);
      let cur = args;
      let ins = info.inputs ?? [];
      specs.forEach((spec, k) => {
        const layerName = String(spec.config.name ?? info.id);
        const where = `Node '${info.id}' (${info.type}) of model '${m.name}'`;
        const last = k === specs.length - 1;
        const layer = torchLayer(spec, ins, last ? out : undefined, where);
        let attr = '';
        if (layer.module) {
          if (inst) {
            const key = `${inner}#${k}`;
            let a = inst.innerAttrs.get(key);
            if (a === undefined) {
              const innerName = layerName.startsWith(`${inst.id}_0_`) ? layerName.slice(inst.id.length + 3) : layerName;
              a = inst.attrs.get(key, innerName);
              inst.innerAttrs.set(key, a);
              inst.ctor.push(
                `        self.${a} = ${layer.module}  ${pyComment(`${innerName}${last ? ` -> ${fmt(out)}` : ''}`)}`,
              );
              for (const line of layer.init(`self.${a}`)) inst.inits.push(`        ${line}`);
            }
            attr = `self.${a}`;
            for (const [t, f, layout] of layer.weights)
              names.push([`${inst.attr}.${repeat}.${a}.${t}`, `${layerName}/${f}`, layout]);
          } else {
            const a = attrs.get(layerName, layerName);
            attr = `self.${a}`;
            ctor.push(
              `        ${attr} = ${layer.module}  ${pyComment(`${layerName}${last ? ` -> ${fmt(out)}` : ''}`)}`,
            );
            for (const line of layer.init(attr)) inits.push(`        ${line}`);
            for (const [t, f, layout] of layer.weights) names.push([`${a}.${t}`, `${layerName}/${f}`, layout]);
          }
        }
        if (inst && repeat > 0) return;
        const v = locals.get(`${info.id}#${k}`, last ? (inst ? inner : info.id) : inst ? `${inner}_${k}` : layerName);
        lines.push(`        ${v} = ${layer.call(cur, attr)}`);
        cur = [v];
        ins = [];
      });
      if (inst) {
        const loopVar = inst.attr as string;
        if (repeat > 0) {
          const placeholder = `@@${inst.id}:${info.id}`;
          outer.set(placeholder, loopVar);
          return placeholder;
        }
        const v = cur.length === 1 ? (cur[0] as string) : cur.join(', ');
        inst.local.set(info.id, v);
        outer.set(v, loopVar);
        return v;
      }
      return cur.length === 1 ? (cur[0] as string) : cur.join(', ');
    },
  };
  const walked = walkModel(m, emitter);
  const outputs = walked.outputs.map(sub);
  const declared = m.inputs.map((i) => i.id);
  if (declared.join('\n') !== inputIds.join('\n'))
    throw new ExportError(`Model '${m.name}': its inputs are walked in another order than its calls pass them.`);
  const blockClasses: string[] = [];
  for (const inst of loops.values()) {
    if (!inst.started) continue;
    // The class returns the value its output Pass node carries: the last inner value an outside node (or the next
    // repeat) reads.
    const exit = m.edges.find((e) => inst.nodes.get(e.source)?.[0] === 0 && inst.nodes.get(e.target)?.[0] !== 0);
    const valueOf = (id: string, depth = 0): string | undefined => {
      const v = inst.local.get(id);
      if (v !== undefined || depth > 64) return v;
      const into = m.edges.find((e) => e.target === id); // a Pass node: what it passes on
      return into ? valueOf(into.source, depth + 1) : undefined;
    };
    const result = exit ? valueOf(exit.source) : undefined;
    if (!result) throw new ExportError(`Block instance '${inst.id}' of model '${m.name}': no output found.`);
    const at = forward.indexOf(`        @@loop:${inst.id}`);
    forward.splice(
      at,
      1,
      `        ${pyComment(`${inst.id}: Block ${JSON.stringify(inst.block)}, ${inst.repeats} repeats in series`)}`,
      `        ${inst.attr} = ${inst.outsideInput ?? 'None'}`,
      `        for block in self.${inst.attr}:`,
      `            ${inst.attr} = block(${inst.attr})`,
    );
    ctor.unshift(`        self.${inst.attr} = nn.ModuleList(${inst.cls}() for _ in range(${inst.repeats}))`);
    blockClasses.push(
      [
        `class ${inst.cls}(nn.Module):`,
        `    ${pyComment(`Block ${JSON.stringify(inst.block)} as model ${JSON.stringify(m.name)} uses it ('${inst.id}', ${inst.repeats} repeats).`)}`,
        '',
        '    def __init__(self):',
        '        super().__init__()',
        ...(inst.ctor.length ? inst.ctor : ['        pass']),
        '        self.reset_parameters()',
        '',
        '    def reset_parameters(self):',
        ...(inst.inits.length ? inst.inits : ['        pass']),
        '',
        '    def forward(self, x_in):',
        ...inst.forward,
        `        return ${result}`,
        '',
        '',
      ].join('\n'),
    );
  }
  const code = [
    ...blockClasses,
    `class ${cls}(nn.Module):`,
    `    ${pyComment(`The model ${JSON.stringify(m.name)}: ${m.totals.trainable.toLocaleString('en-US')} trainable parameters.`)}`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...(ctor.length ? ctor : ['        pass']),
    '        self.reset_parameters()',
    '',
    '    def reset_parameters(self):',
    "        # As ganvas' TensorFlow.js layers initialize them (the same distributions; the draws differ).",
    ...(inits.length ? inits : ['        pass']),
    '',
    `    def forward(self${params.map((p) => `, ${p}`).join('')}):`,
    ...forward,
    `        return ${outputs.length === 1 ? outputs[0] : `(${outputs.join(', ')})`}`,
  ].join('\n');
  return { code, names };
}

/**
 * The PyTorch target of the training graph: prints each node's op as a
 * statement of a player's update (or of the sample function). A value is the
 * expression that reads it.
 */
class PyTorchEmitter implements TrainingEmitter<string> {
  private lines: string[] = [];
  constructor(
    private readonly plan: TrainingPlan,
    private readonly nodeVar: (id: string) => string,
    /** Whether an Augment node has ADA on (the script's ADA holds its p). */
    private readonly ada = false,
  ) {}

  take(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  private model(name: string, ctx: EmitContext): string {
    // A player's own models run through their DistributedDataParallel wrapper (gradients are averaged across
    // processes); the other player's through the plain module, frozen.
    const own = ctx.player !== 'sample' && this.plan.players[ctx.player].models.includes(name);
    return `${own ? 'TRAINED' : 'MODELS'}[${pyStr(name)}]`;
  }

  emit(n: PlanNode & { op: TrainingOp }, inputs: EmitInputs<string>, ctx: EmitContext): string[] {
    const op = n.op;
    const v = this.nodeVar(n.id);
    const out = (...lines: string[]) => this.lines.push(pyComment(`${n.id}: ${n.type}`), ...lines);
    switch (op.op) {
      case 'dataset':
        out(`${v} = src.dataset(${pyStr(n.id)}, n)`);
        return n.outputPorts.map((port) => `${v}[${pyStr(port)}]`);
      case 'noise':
        out(`${v} = src.noise(${pyStr(n.id)}, n, ${op.dim}, ${pyStr(op.distribution)})`);
        return [v];
      case 'labels':
        out(`${v} = src.labels(${pyStr(n.id)}, n, ${op.numClasses})`);
        return [v];
      case 'call': {
        const args = n.inputs.map((i) => inputs.get(i.port));
        out(`${v} = ${this.model(op.model, ctx)}(${args.join(', ')})`);
        return n.outputPorts.length > 1 ? n.outputPorts.map((_, k) => `${v}[${k}]`) : [v];
      }
      case 'adversarial': {
        const fake = inputs.get('fake');
        if (ctx.player !== 'D') {
          out(`${v} = ${pyLit(op.weight)} * adversarial_g(KIND[${pyStr(n.id)}], ${fake})`);
          return [v];
        }
        const real = inputs.get('real');
        out(
          `${v} = ${pyLit(op.weight)} * adversarial_d(KIND[${pyStr(n.id)}], ${real}, ${fake}, ${pyLit(op.labelSmoothing)}${op.drift ? `, drift=${pyLit(op.drift)}` : ''})`,
          `record["D(real)"], record["D(fake)"] = ${real}.detach().mean(), ${fake}.detach().mean()`,
        );
        // ---- Augment's ADA (issue 17.2): its feedback reads E[sign(D(real))] of every D update.
        if (this.ada) this.lines.push(`record["E[sign D(real)]"] = ${real}.detach().sign().mean()`);
        return [v];
      }
      case 'penalty': {
        const critic = this.model(op.critic, ctx);
        const args = n.criticArgs ? n.criticArgs.map((a) => (a === null ? 'x' : inputs.of(a))).join(', ') : 'x';
        const real = inputs.has('real') ? inputs.get('real') : 'None';
        const fake = inputs.has('fake') ? inputs.get('fake') : 'None';
        out(
          `${v} = gradient_penalty(${pyStr(op.kind)}, ${pyLit(op.weight)}, lambda x: ${critic}(${args})${n.criticOutput === undefined ? '' : `[${n.criticOutput}]`}, ${real}, ${fake}, src.rand)`,
        );
        return [v];
      }
      case 'reconstruction':
        out(
          `${v} = reconstruction(${pyStr(op.norm)}, ${pyLit(op.weight)}, ${inputs.get('input')}, ${inputs.get('target')})`,
        );
        return [v];
      case 'auxClassifier':
        out(`${v} = aux_classifier(${pyLit(op.weight)}, ${inputs.get('logits')}, ${inputs.get('labels')})`);
        return [v];
      // ---- Augment (issue 17.2): pytorch-runtime.py augment(), its draws from src.rand
      case 'augment':
        out(
          op.ada
            ? `${v} = augment(${inputs.get('in')}, [${op.policies.map(pyStr).join(', ')}], ADA["p"], src.rand, True)`
            : `${v} = augment(${inputs.get('in')}, [${op.policies.map(pyStr).join(', ')}], ${pyLit(op.p)}, src.rand)`,
        );
        return [v];
      // ---- Progressive growing (issue 17.1): the reals at this step's resolution (PHASE: the driver's apply_progress)
      case 'progressive':
        out(`${v} = progressive_reals(${inputs.get('in')}, PHASE["lod"])`);
        return [v];
    }
  }
}

/** The whole script. A project the training walk cannot run, or a layer with no faithful PyTorch form, is refused with an ExportError. */
export function exportPyTorch(a: ProjectAnalysis, runtime: string, opts: PyTorchExportOptions = {}): string {
  return withExportErrors(() => printScript(a, runtime, opts));
}

function printScript(a: ProjectAnalysis, runtime: string, opts: PyTorchExportOptions): string {
  const { project, plan } = exportablePlan(a);
  const s = plan.settings;
  const classes = new PyIdentifiers([...RUNTIME_NAMES, ...QUALITY_NAMES]);
  const nodeIds = new PyIdentifiers([
    'n',
    'src',
    'record',
    'terms',
    'total',
    'x',
    'TRAINED',
    'MODELS',
    'KIND',
    'ADA',
    'PHASE',
    'augment',
    'progressive_reals',
  ]);
  const nodeVar = (id: string) => nodeIds.get(id, id);
  const adaNode = plan.nodes.find((n) => n.op?.op === 'augment' && n.op.ada);
  const ada =
    adaNode?.op?.op === 'augment' && adaNode.op.ada ? { p: adaNode.op.p, settings: adaNode.op.ada } : undefined;
  const emitter = new PyTorchEmitter(plan, nodeVar, ada !== undefined);
  const grow = plan.nodes.find((n) => n.op?.op === 'progressive');
  const growth = grow?.op?.op === 'progressive' ? grow.op.schedule : undefined;
  const statements = (nodes: readonly PlanNode[], values: Map<string, string[]>, ctx: EmitContext): string[] => {
    emitNodes(plan, nodes, emitter, values, ctx);
    return emitter.take();
  };
  const ind = (xs: string[], k: number) => xs.map((x) => `${' '.repeat(k)}${x}`);

  const models = plan.models.map((name) => {
    const m = a.models.get(name);
    if (!m) throw new ExportError(`Model '${name}' is missing.`);
    const cls = classes.get(`model:${name}`, className(name));
    return { name, cls, ...printTorchModel(m, cls, classes) };
  });

  const playerFn = (player: Player): string => {
    const program = playerProgram(plan, player);
    const values = new Map<string, string[]>();
    const outside = statements(program.outside, values, { player, training: true });
    const within = statements(program.inside, values, { player, training: true });
    const who = plan.players[player].models.map((m) => m.replace(/[^\w-]/g, '?')).join(', ');
    return [
      `def ${player.toLowerCase()}_terms(n, src, record):`,
      `    """${player}'s loss terms on a batch of n: ${player === 'D' ? 'the discriminator(s)' : 'the generator(s)'} ${who}."""`,
      "    # Outside the gradient: what does not depend on this player's weights.",
      '    with torch.no_grad():',
      ...(outside.length ? ind(outside, 8) : ['        pass']),
      ...ind(within, 4),
      `    return {${program.terms.map((t) => `${pyStr(`${player}/${t.id}`)}: ${nodeVar(t.id)}`).join(', ')}}`,
    ].join('\n');
  };

  const { target, nodes: sampleNodes } = sampleProgram(plan);
  const sampleValues = new Map<string, string[]>();
  const sampleBody = statements(sampleNodes, sampleValues, { player: 'sample', training: false });
  const sampleOut = (sampleValues.get(target.id) as string[])[0] as string;
  const gModel = target.params.model as string;
  const datasets = plan.nodes.filter((n) => n.type === 'Dataset');
  const mixture = datasets.find((n) => n.params.source === 'ring' || n.params.source === 'grid');
  const kinds = Object.fromEntries(
    plan.nodes.filter((n) => n.type === 'AdversarialLoss').map((n) => [n.id, n.params.kind]),
  );
  const optimizers = (['D', 'G'] as const).flatMap((player) =>
    plan.players[player].optimizers.map((o) => ({ player, id: o.id, params: o.params })),
  );
  const settings = {
    seed: s.seed,
    batchSize: s.batchSize,
    dStepsPerGStep: s.dStepsPerGStep,
    emaDecay: s.emaDecay,
    steps: opts.steps ?? 1000,
    sampleEvery: opts.sampleEvery ?? s.sampleEvery,
    checkpointEvery: s.checkpointEvery,
  };

  const lines = [
    '#!/usr/bin/env python3',
    pyComment(
      `Training script for the ganvas project ${JSON.stringify(project.name ?? 'project')}, exported by \`ganvas export --target pytorch\`.`,
    ),
    '#',
    '# Standalone: needs Python >= 3.9 and torch >= 1.13 (Pillow only for image folders), nothing of ganvas.',
    '#   python3 train.py [--steps N] [--batch N] [--seed S] [--device auto|cpu|cuda] [--out DIR] [--mnist FILE]',
    '#                    [--every N] [--checkpoint-every N] [--resume CKPT] [--init-from FILE] [--amp bf16|fp16] [--onnx]',
    '#                    [--classifier DIR]  (the digit classifier, for early stopping on FID and the other digit figures)',
    '# Many GPUs on one machine (one process per device; --batch is the global batch):',
    '#   torchrun --nproc_per_node=8 train.py --device cuda',
    '# Several machines (run on each, NODE_RANK 0..N-1):',
    '#   torchrun --nnodes=2 --node_rank=$NODE_RANK --master_addr=HOST --master_port=29500 --nproc_per_node=8 train.py',
    "# (Debian's torch 1.13 with Python 3.11: add --redirects 1 --tee 1 --log_dir DIR to torchrun, or it fails at launch.)",
    '# Prints one JSON line per step (the metric names of `ganvas train`), writes OUT/metrics.jsonl, OUT/samples/step-N.png,',
    '# OUT/checkpoint.safetensors (resumes exactly, with any number of processes), OUT/generator.safetensors (TensorFlow.js',
    '# names and layout: the editor loads it) and OUT/generator.pt (a state_dict). No file is a pickle but generator.pt.',
    '# Layout: PyTorch NCHW inside; the project states NHWC shapes [B,H,W,C] (the comments give both).',
    '',
    'import argparse',
    'import contextlib',
    'import json',
    'import math',
    'import os',
    'import struct',
    'import sys',
    'import time',
    '',
    'import torch',
    'import torch.distributed as dist',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    '',
    '# ---------------------------------------------------------------- settings',
    `SETTINGS = ${pyLit(settings)}`,
    `PROJECT = ${pyStr(project.name ?? 'project')}`,
    '# Written into every picture with the IPTC mark of AI-generated media (docs/provenance.md).',
    `PROJECT_HASH = ${pyStr(projectHash(project))}`,
    '# The adversarial loss of each AdversarialLoss node (--loss replaces them all, as `ganvas compare` does).',
    `KIND = ${pyLit(kinds)}`,
    `DATASETS = ${pyLit(Object.fromEntries(datasets.map((n) => [n.id, n.params])))}`,
    `OPTIMIZERS = ${pyLit(optimizers.map((o) => ({ id: o.id, player: o.player, ...o.params })))}`,
    `GENERATOR = ${pyStr(gModel)}`,
    `SAMPLES = ${sampleCount(a, gModel)}`,
    "# ADA's adaptive augmentation probability (an Augment node with ada on): p, r_t's sum and count; else None.",
    `ADA = ${ada ? `{"p": ${pyLit(Math.fround(ada.p))}, "sum": 0.0, "count": 0, "settings": ${pyLit(ada.settings)}}` : 'None'}`,
    '# Progressive growing (a Progressive node): its schedule in images, else None; PHASE: where the run is in it, set',
    '# by apply_progress from step x global batch before every step and sample.',
    `PROGRESSIVE = ${growth ? pyLit(growth) : 'None'}`,
    'PHASE = {"lod": 0.0, "resolution": None, "alpha": 1.0, "fading": False}',
    ...qualitySettingsLines(a, plan, gModel), // issue 17.4 (pytorch-quality.ts)
    '',
    '# ---------------------------------------------------------------- models',
    ...models.flatMap((m) => [m.code, '', '']),
    '# Each model: its class, and its weights as (torch name, TensorFlow.js name, layout) for weight transfer.',
    `MODEL_CLASSES = {${models.map((m) => `${pyStr(m.name)}: ${m.cls}`).join(', ')}}`,
    'TFJS_NAMES = {',
    ...models.map(
      (m) => `    ${pyStr(m.name)}: [${m.names.map((w) => `(${w.map((x) => pyStr(x)).join(', ')})`).join(', ')}],`,
    ),
    '}',
    '',
    '# ---------------------------------------------------------------- the training graph',
    '# MODELS: the plain modules; TRAINED: what a player trains through (DistributedDataParallel under torchrun).',
    'MODELS = {}',
    'TRAINED = {}',
    '',
    playerFn('D'),
    '',
    '',
    playerFn('G'),
    '',
    '',
    'def sample_batch(n, src):',
    `    """n samples of ${gModel.replace(/[^\w-]/g, '?')} (eval mode) from the sample stream."""`,
    ...ind(sampleBody, 4),
    `    return ${sampleOut}`,
    '',
    '',
    `MIXTURE = ${mixture ? pyStr(mixture.id) : 'None'}`,
    `USES_PENALTY = ${pyLit(plan.nodes.some((n) => n.op?.op === 'penalty'))}`,
    '',
    DRIVER,
    '',
    '',
    QUALITY_DRIVER,
    '',
    '# ================================================================ library',
    "# ganvas' PyTorch runtime (src/core/codegen/pytorch-runtime.py), embedded unchanged.",
    runtime.trim(),
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ];
  return lines.join('\n');
}

/** Names the runtime and the driver define at module level: model classes must not take them. */
const RUNTIME_NAMES = [
  'BatchNorm',
  'ChannelLayerNorm',
  'PixelNorm',
  'ResizeBilinear',
  'MinibatchStdDev',
  'LearnedConstant',
  'StyleModulation',
  'NoiseInjection',
  'SelfAttention',
  'PaddedConv2d',
  'CroppedConvTranspose2d',
  'ReparamLinear',
  'ReparamConv2d',
  'ReparamConvTranspose2d',
  'ConditionalBatchNorm',
  'Projection',
  'TfRMSprop',
  'Dataset',
  'DataError',
  'ImageFolder',
  'Sources',
  'Run',
  'SETTINGS',
  'PROJECT',
  'PROJECT_HASH',
  'KIND',
  'DATASETS',
  'OPTIMIZERS',
  'GENERATOR',
  'SAMPLES',
  'MODEL_CLASSES',
  'TFJS_NAMES',
  'MODELS',
  'TRAINED',
  'MIXTURE',
  'USES_PENALTY',
  'TFJS_LAYOUTS',
  'ADA',
  'FadeIn',
  'PROGRESSIVE',
  'PHASE',
];

/** The project-independent driver: sources, the update step, the loop, files, torchrun. */
const DRIVER = String.raw`# ---------------------------------------------------------------- driver
class Sources:
    """The run's random streams. Data, noise, labels and penalty draws come from one seeded generator on the CPU,
    drawn for the global batch and sliced per process: a run gives the same numbers for any number of processes.
    Image folders are the exception: they stream through a DataLoader and a DistributedSampler (stream=True)."""

    def __init__(self, seed, device, rank=0, world=1, datasets=None, stream=False):
        self.gen = torch.Generator().manual_seed(int(seed))
        self.seed = int(seed)
        self.streams = {} if stream else None
        self.device, self.rank, self.world = device, rank, world
        self.datasets = datasets or {}

    def _mine(self, t):
        n = t.shape[0] // self.world
        return t[self.rank * n : (self.rank + 1) * n].to(self.device)

    def dataset(self, node, n):
        d = self.datasets[node]
        if d.p["source"] == "folder" and self.streams is not None:
            # Image folders stream through a DataLoader with a DistributedSampler: each process reads its own part.
            if node not in self.streams:
                self.streams[node] = folder_batches(d.images, n, self.seed, self.rank, self.world)
            return {"x": next(self.streams[node]).to(self.device)}
        return {k: self._mine(v) for k, v in d.batch(n * self.world, self.gen).items()}

    def noise(self, node, n, dim, distribution):
        size = (n * self.world, dim)
        z = torch.rand(size, generator=self.gen) * 2 - 1 if distribution == "uniform" else torch.randn(size, generator=self.gen)
        return self._mine(z)

    def labels(self, node, n, classes):
        return self._mine(torch.randint(classes, (n * self.world, 1), generator=self.gen))

    def rand(self, shape):
        return self._mine(torch.rand((shape[0] * self.world,) + tuple(shape[1:]), generator=self.gen))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=f"Train the ganvas project {PROJECT!r} with PyTorch.")
    p.add_argument("--steps", type=int, default=SETTINGS["steps"], help="generator steps")
    p.add_argument("--batch", type=int, default=SETTINGS["batchSize"], help="global batch (split over processes)")
    p.add_argument("--seed", type=int, default=SETTINGS["seed"])
    p.add_argument("--device", default="auto", help="auto (cuda when available), cpu, cuda, cuda:N")
    p.add_argument("--out", default="ganvas-run")
    p.add_argument("--mnist", default="public/generated/mnist.bin", help="the digits file 'npx ganvas data' writes")
    p.add_argument("--data", default=None, help="image folder for a folder dataset")
    p.add_argument("--classifier", default="public/models/mnist-classifier", help="the digit classifier (tfjs model directory) of the digit figures")
    p.add_argument("--every", type=int, default=SETTINGS["sampleEvery"], help="sample grid every N steps")
    p.add_argument("--checkpoint-every", type=int, default=SETTINGS["checkpointEvery"])
    p.add_argument("--resume", default=None, help="a checkpoint.safetensors this script wrote")
    p.add_argument("--init-from", default=None, help="weights of this project from ganvas (a .safetensors file or a tfjs model directory)")
    p.add_argument("--amp", choices=["bf16", "fp16"], default=None, help="autocast the forward passes")
    p.add_argument("--loss", default=None, help="replace every adversarial loss kind")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    p.add_argument("--onnx", action="store_true", help="also write generator.onnx")
    p.add_argument("--quiet", action="store_true", help="no JSON lines on stdout")
    return p.parse_args(argv)


def build_models(seed, device):
    """Every model, initialized from the seed (the same on every process)."""
    torch.manual_seed(int(seed))
    return {name: cls().to(device) for name, cls in MODEL_CLASSES.items()}


def model_params(names):
    seen, out = set(), []
    for name in names:
        for p in MODELS[name].parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                out.append(p)
    return out


def make_optimizers():
    out = []
    for o in OPTIMIZERS:
        out.append({"player": o["player"], "id": o["id"], "cfg": o, "params": model_params(o["models"]), "opt": make_optimizer(model_params(o["models"]), o)})
    return out


def player_models(player):
    return [m for o in OPTIMIZERS if o["player"] == player for m in o["models"]]


def apply_progress(images):
    """Progressive growing: PHASE after that many images (step x global batch, the same on every process), with every
    FadeIn of every model set to it (ganvas' Trainer.applyProgress). None without a Progressive node (FadeIns stay
    at 1, the full network)."""
    if PROGRESSIVE is None:
        return None
    PHASE.update(progressive_phase(PROGRESSIVE, images))
    set_fade_alphas(MODELS.values(), PROGRESSIVE["final"], PHASE["lod"])
    return dict(PHASE)


def set_requires_grad(names, flag):
    for name in names:
        for p in MODELS[name].parameters():
            if p.dtype.is_floating_point:
                p.requires_grad_(flag)


class Run:
    """The state of a training run: models, optimizers, EMA, streams, step."""

    def __init__(self, args, device, rank, world):
        self.args, self.device, self.rank, self.world = args, device, rank, world
        if args.batch % world != 0:
            raise SystemExit(f"--batch {args.batch} must be divisible by the {world} processes")
        self.local = args.batch // world
        datasets = {k: Dataset(p, args.mnist, args.data) for k, p in DATASETS.items()}
        self.src = Sources(args.seed, device, rank, world, datasets, stream=True)
        MODELS.update(build_models(args.seed, device))
        self.frozen = {name: [p for p in m.parameters() if not p.requires_grad] for name, m in MODELS.items()}
        if args.init_from:
            self.load_ganvas_weights(args.init_from)
        if world > 1:
            ddp = {}
            for name, m in MODELS.items():
                if device.type == "cuda":
                    m = nn.SyncBatchNorm.convert_sync_batchnorm(m)  # BatchNorm statistics over the global batch
                    MODELS[name] = m
                ids = [device.index] if device.type == "cuda" else None
                # broadcast_buffers=False: D runs twice (real, fake) before one backward. On CPU, BatchNorm
                # statistics stay per process (SyncBatchNorm needs GPUs); each process keeps its own.
                ddp[name] = nn.parallel.DistributedDataParallel(m, device_ids=ids, broadcast_buffers=False)
            TRAINED.update(ddp)
        else:
            TRAINED.update(MODELS)
        self.optimizers = make_optimizers()
        self.ema = {}
        if SETTINGS["emaDecay"] > 0:
            self.ema = {name: p.detach().clone() for name, p in MODELS[GENERATOR].named_parameters() if p.requires_grad}
        self.step = 0
        apply_progress(0)

    def load_ganvas_weights(self, path):
        try:
            if os.path.isdir(path):  # a tfjs model directory: ganvas train's generator/
                tensors, only = load_tfjs_model_weights(path), GENERATOR
            else:
                tensors, only = load_safetensors(path), safetensors_metadata(path).get("model")
        except (OSError, ValueError, KeyError, struct.error) as e:
            raise SystemExit(f"--init-from {path}: cannot read it ({e})") from None
        if only is not None and only not in MODELS:
            raise SystemExit(f"--init-from {path}: holds model {only!r}, which this project does not have")
        loaded = 0
        for name, model in MODELS.items():
            if only is not None and name != only:
                continue
            names = [w for w in TFJS_NAMES[name] if w[1] in tensors]
            load_tfjs_weights(model, tensors, names)
            loaded += len(names)
        if loaded == 0:
            raise SystemExit(f"--init-from {path}: no weight of this project's models in it")
        log(f"loaded {loaded} weights from {path}")

    def autocast(self):
        if not self.args.amp:
            return torch.autocast(self.device.type, enabled=False)
        return torch.autocast(self.device.type, dtype=torch.bfloat16 if self.args.amp == "bf16" else torch.float16)

    def update(self, player, terms_fn):
        """One update of a player: its terms, summed, one backward, its optimizers' step."""
        other = player_models("G" if player == "D" else "D")
        set_requires_grad(other, False)  # the other player's weights are constants here
        record = {}
        try:
            with self.autocast():
                terms = terms_fn(self.local, self.src, record)
                total = sum(t.float() for t in terms.values())
        finally:
            set_requires_grad(other, True)
            for name in other:  # buffers and non-trainable weights stay as they were built
                for p in self.frozen[name]:
                    p.requires_grad_(False)
        mine = [o for o in self.optimizers if o["player"] == player]
        for o in mine:
            o["opt"].zero_grad(set_to_none=True)
        total.backward()
        grads = [p.grad for o in mine for p in o["params"] if p.grad is not None]
        gnorm = torch.sqrt(sum(g.float().square().sum() for g in grads)) if grads else torch.zeros(())
        for o in mine:
            for group in o["opt"].param_groups:  # the node's schedule (constant unless set)
                group["lr"] = learning_rate_at(o["cfg"], self.step)
            o["opt"].step()
        out = {k: v.detach().float() for k, v in terms.items()}
        out[player] = total.detach()
        out.update({k: v.float() for k, v in record.items()})
        out["|grad " + player + "|"] = gnorm.detach()
        return out

    def train_step(self):
        for m in MODELS.values():
            m.train()
        # The phase after the images shown so far: a function of the step alone, so a resumed run continues mid-fade.
        phase = apply_progress(self.step * self.args.batch)
        seen = {}
        signs = []  # ADA: each D update's E[sign(D(real))]
        for _ in range(SETTINGS["dStepsPerGStep"]):
            d = self.update("D", d_terms)
            if ADA is not None:
                signs.append(d["E[sign D(real)]"].reshape(()))
            seen.update(d)
        seen.update(self.update("G", g_terms))
        if self.ema:
            with torch.no_grad():
                decay = SETTINGS["emaDecay"]
                for name, p in MODELS[GENERATOR].named_parameters():
                    if name in self.ema:
                        self.ema[name].mul_(decay).add_(p.detach(), alpha=1 - decay)
        self.step += 1
        names = sorted(seen)
        values = torch.stack([seen[k].float().reshape(()) for k in names])
        if self.world > 1:  # losses are per process: report their mean (gradients are already averaged)
            dist.all_reduce(values)
            values /= self.world
        v = dict(zip(names, values.tolist()))
        losses = {k: x for k, x in v.items() if not k.startswith("|grad") and k not in ("D(real)", "D(fake)", "E[sign D(real)]")}
        lr = {"lr/" + o["id"]: learning_rate_at(o["cfg"], self.step - 1) for o in self.optimizers}
        line = {"type": "step", "step": self.step, "losses": losses, "gradNorm": {"D": v.get("|grad D|", 0.0), "G": v.get("|grad G|", 0.0)}, "lr": lr}
        if "D(real)" in v:
            line["dReal"], line["dFake"] = v["D(real)"], v["D(fake)"]
            if any(KIND.get(k) == "wgan" for k in KIND):
                line["wasserstein"] = v["D(real)"] - v["D(fake)"]
        if ADA is not None:  # ADA's feedback, on the processes' mean of each D update's E[sign(D(real))]
            s = torch.stack(signs).float()
            if self.world > 1:
                dist.all_reduce(s)
                s /= self.world
            line["ada"] = ada_feedback(ADA, s.tolist(), self.step, self.args.batch)
        if phase is not None:  # where this step was in the schedule, as ganvas train's "progressive"
            line["progressive"] = phase
        return line

    @contextlib.contextmanager
    def sample_weights(self):
        """The generator with the weights samples are drawn with: the EMA weights when EMA is on (swapped in, and
        the training weights put back after), in eval mode."""
        g = MODELS[GENERATOR]
        kept = {}
        with torch.no_grad():
            if self.ema:
                for name, p in g.named_parameters():
                    if name in self.ema:
                        kept[name] = p.detach().clone()
                        p.copy_(self.ema[name])
            for m in MODELS.values():
                m.eval()
            try:
                yield g
            finally:
                for name, p in g.named_parameters():
                    if name in kept:
                        p.copy_(kept[name])
                for m in MODELS.values():
                    m.train()

    def samples(self, n=SAMPLES):
        """n samples from a fixed stream (the same every time), with the EMA weights when on, at the resolution and
        fade-in of this step."""
        apply_progress(self.step * self.args.batch)
        with self.sample_weights(), torch.no_grad():
            return sample_batch(n, Sources(12345, self.device, 0, 1, self.src.datasets)).float().cpu()

    def save(self, path):
        """The whole state as one safetensors file (no pickle): weights, optimizer moments, EMA, the random stream;
        what is not a tensor (step, optimizer settings) in its JSON metadata. Usable with any number of processes."""
        tensors, extra = {}, {}
        for k, m in MODELS.items():
            for name, t in m.state_dict().items():
                tensors[f"model/{k}/{name}"] = t
        for o in self.optimizers:
            sd = o["opt"].state_dict()
            extra[o["id"]] = {"param_groups": sd["param_groups"], "state": {}}
            for idx, st in sd["state"].items():
                for key, v in st.items():
                    if torch.is_tensor(v):
                        tensors[f"opt/{o['id']}/{idx}/{key}"] = v
                    else:
                        extra[o["id"]]["state"].setdefault(str(idx), {})[key] = v
        for name, t in self.ema.items():
            tensors[f"ema/{name}"] = t
        tensors["rng"] = self.src.gen.get_state()
        if ADA is not None:
            tensors["ada/state"] = torch.tensor([ADA["p"], ADA["sum"], ADA["count"]], dtype=torch.float32)
        meta = {"format": "ganvas-pytorch-checkpoint/1", "project": PROJECT, "step": self.step, "seed": self.args.seed, "optimizers": json.dumps(extra)}
        save_safetensors(path, tensors, meta)

    def restore(self, path):
        try:
            tensors = load_safetensors(path)
            meta = safetensors_metadata(path)
        except (OSError, ValueError, KeyError, struct.error) as e:
            raise SystemExit(f"checkpoint {path}: cannot read it ({e})") from None
        if meta.get("format") != "ganvas-pytorch-checkpoint/1":
            raise SystemExit(f"checkpoint {path}: not a checkpoint of a ganvas PyTorch export")
        saved = sorted({k.split("/")[1] for k in tensors if k.startswith("model/")})
        if saved != sorted(MODELS):
            raise SystemExit(f"checkpoint {path}: models {saved} differ from this project's {sorted(MODELS)}")
        try:
            for k, m in MODELS.items():
                prefix = f"model/{k}/"
                m.load_state_dict({n[len(prefix):]: t for n, t in tensors.items() if n.startswith(prefix)})
            extra = json.loads(meta["optimizers"])
            for o in self.optimizers:
                e = extra[o["id"]]
                state = {}
                for n, t in tensors.items():
                    if n.startswith(f"opt/{o['id']}/"):
                        _, _, idx, key = n.split("/", 3)
                        state.setdefault(int(idx), {})[key] = t
                for idx, st in e["state"].items():
                    state.setdefault(int(idx), {}).update(st)
                o["opt"].load_state_dict({"state": state, "param_groups": e["param_groups"]})
            for k in self.ema:
                self.ema[k].copy_(tensors[f"ema/{k}"])
            self.src.gen.set_state(tensors["rng"])
            if ADA is not None:
                p, total, count = tensors["ada/state"].tolist()
                ADA.update({"p": p, "sum": total, "count": int(count)})
            self.step = int(meta["step"])
            apply_progress(self.step * self.args.batch)
        except (KeyError, RuntimeError, ValueError) as e:
            raise SystemExit(f"checkpoint {path}: does not fit this project ({type(e).__name__}: {e})") from None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def quality(points, p):
    """2D mixtures: modes covered (at least a quarter of their fair share) and the share of samples within 3 std."""
    centers = torch.tensor(mixture_centers(p), dtype=torch.float32)
    d = torch.cdist(points, centers)
    near, k = d.min(dim=1)
    good = near <= 3 * p["std"]
    counts = torch.bincount(k[good], minlength=len(centers))
    covered = int((counts >= 0.25 * len(points) / len(centers)).sum())
    return {"modesCovered": covered, "modesTotal": len(centers), "highQuality": float(good.float().mean())}


def save_samples(run, out):
    x = run.samples()
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    path = os.path.join(out, "samples", f"step-{run.step:06d}.png")
    q = {"type": "quality", "step": run.step}
    marks = provenance_chunks(PROJECT, PROJECT_HASH, run.step, run.args.seed, f"ganvas export --target pytorch (torch {torch.__version__})")
    if x.dim() == 4:
        write_png(path, *image_grid(x, 8), marks=marks)
    elif x.dim() == 2 and x.shape[1] == 2:
        real = run.src.datasets[MIXTURE].batch(1000, torch.Generator().manual_seed(1))["x"] if MIXTURE else None
        write_png(path, *scatter(x, real), marks=marks)
        if MIXTURE:
            q.update(quality(x, DATASETS[MIXTURE]))
    return q


def save_generator(run, out, onnx=False):
    """The generator as samples use it (EMA weights when on): a state_dict, safetensors in tfjs' layout, ONNX."""
    with run.sample_weights() as g:
        torch.save(g.state_dict(), os.path.join(out, "generator.pt.tmp"))
        os.replace(os.path.join(out, "generator.pt.tmp"), os.path.join(out, "generator.pt"))
        meta = {"project": PROJECT, "model": GENERATOR, "step": run.step, "layout": "tfjs", "weights": "ema" if run.ema else "trained"}
        save_safetensors(os.path.join(out, "generator.safetensors"), tfjs_state(g, TFJS_NAMES[GENERATOR]), meta)
        if onnx:
            try:
                inputs = tuple(sample_inputs(run))
                torch.onnx.export(g, inputs, os.path.join(out, "generator.onnx"), opset_version=13)
                log("wrote generator.onnx")
            except Exception as e:
                log(f"generator.onnx not written: {type(e).__name__}: {e}")


def sample_inputs(run):
    """The generator's inputs for a batch of 2, as the sample function feeds them (for ONNX tracing)."""
    captured = []
    g = MODELS[GENERATOR]
    hook = g.register_forward_pre_hook(lambda m, args: captured.append(args))
    try:
        with torch.no_grad():
            sample_batch(2, Sources(1, run.device, 0, 1, run.src.datasets))
    finally:
        hook.remove()
    return captured[0]


def choose_device(want, local_rank):
    """A torch.device with an index for CUDA (torch.cuda.set_device refuses a bare "cuda"): this process's GPU."""
    return torch.device(f"cuda:{local_rank}" if want == "cuda" else want)


def main(argv=None):
    args = parse_args(argv)
    if args.loss:
        for k in KIND:
            KIND[k] = args.loss
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    want = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    if want.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device here")
    device = choose_device(want, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if args.amp == "fp16" and USES_PENALTY:
        raise SystemExit("--amp fp16 with a gradient penalty needs loss scaling of the penalty's input gradient; use --amp bf16")
    if args.amp == "fp16" and device.type != "cuda":
        raise SystemExit("--amp fp16 runs on CUDA; on the CPU use --amp bf16")
    try:
        run = Run(args, device, rank, world)
        if args.resume:
            run.restore(args.resume)
        torch.manual_seed(args.seed * 1000 + rank + 1)  # per process: dropout and noise injection inside the models
        chief = rank == 0
        evaluations = Evaluations(run, args, chief, world) if EARLY_STOPPING else None  # early stopping (issue 17.4)
        if chief:
            os.makedirs(args.out, exist_ok=True)
            metrics = open(os.path.join(args.out, "metrics.jsonl"), "a" if args.resume else "w", encoding="utf-8")
            with open(os.path.join(args.out, "run.json"), "w", encoding="utf-8") as f:
                json.dump({"project": PROJECT, "engine": "pytorch", "torch": torch.__version__, "device": str(device), "processes": world, "seed": args.seed, "batchSize": args.batch, "steps": args.steps}, f, indent=2)

        def emit(rec):
            if chief:
                metrics.write(json.dumps(rec) + "\n")
                metrics.flush()
                if not args.quiet:
                    print(json.dumps(rec), flush=True)

        if chief and run.step == 0:
            emit(save_samples(run, args.out))
        t0 = time.perf_counter()
        first = run.step
        while run.step < args.steps:
            line = run.train_step()
            line["seconds"] = time.perf_counter() - t0
            if not all(math.isfinite(x) for x in line["losses"].values()):
                emit(line)
                raise SystemExit(f"training diverged at step {run.step}")
            emit(line)
            stopped = evaluations.after_step(emit) if evaluations else None
            last = run.step == args.steps or stopped is not None
            if chief and (run.step % args.every == 0 or last):
                emit(save_samples(run, args.out))
            if chief and (run.step % args.checkpoint_every == 0 or last):
                run.save(os.path.join(args.out, "checkpoint.safetensors"))
                if evaluations:
                    evaluations.save_state(os.path.join(args.out, "checkpoint.safetensors"))
            if stopped:
                break
        if chief:
            save_generator(run, args.out, args.onnx)
            secs = time.perf_counter() - t0
            with open(os.path.join(args.out, "result.json"), "w", encoding="utf-8") as f:
                json.dump({"status": "done", "steps": run.step, "seconds": secs, "stepsPerSecond": (run.step - first) / secs if secs > 0 else None, "processes": world, **(evaluations.finish() if evaluations else {})}, f, indent=2)
            metrics.close()
    except DataError as e:
        raise SystemExit(str(e)) from None
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()`;
