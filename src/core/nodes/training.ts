/**
 * Training-graph node types: data and noise sources, model calls, losses,
 * regularizers and optimizers. Like layer nodes, each is defined once here
 * (docs, params, ports, shape rule); the training engine evaluates them.
 */
import { z } from 'zod';
import { datasetClasses, datasetParamsSchema, datasetPorts } from '../data/catalog.js';
import type { DatasetParams } from '../data/datasets.js';
import type { ProgressiveSchedule } from '../train/progressive.js';
import { fmtShape } from './helpers.js';
import type { EntryBase, InferResult, ModelSignature, PortSpec, ShapeProblem, TensorType } from './types.js';

export type Player = 'D' | 'G';
export type TrainingCategory = 'data' | 'source' | 'augment' | 'model' | 'loss' | 'regularizer' | 'optimizer';

export interface TrainingInferContext<P> {
  params: P;
  id: string;
  inputs: TensorType[];
  sources: string[];
  models: ReadonlyMap<string, ModelSignature>;
}

/** A node of the training graph. */
export interface TrainingNodeDef<P> extends EntryBase<P> {
  kind: 'training';
  category: TrainingCategory;
  inputs: (p: P, models: ReadonlyMap<string, ModelSignature>) => PortSpec[];
  outputs: (p: P, models: ReadonlyMap<string, ModelSignature>) => PortSpec[];
  infer: (ctx: TrainingInferContext<P>) => InferResult;
  /** Which players' objectives a loss or regularizer contributes to. */
  players?: (p: P) => Player[];
  /**
   * The input ports a player's term reads, when not all of them: a player's
   * update evaluates only what its terms read (compile/plan.ts playerProgram).
   */
  reads?: (p: P, player: Player) => string[];
  /** Model names this node refers to (for UNKNOWN_MODEL checks). */
  modelRefs?: (p: P) => string[];
  /** Classes this node assumes (for LABEL_COUNT checks), or 0. */
  classes?: (p: P) => number;
  /**
   * What the node computes, as data (the training graph's counterpart of a
   * layer's LayerSpec): every target (the tfjs trainer, the TypeScript
   * export, ...) evaluates or prints these ops; it never reads params itself.
   * Nodes without an op (Optimizer) configure the run and compute nothing.
   */
  op?: (p: P) => TrainingOp;
}

/** The computation of a training node; see TrainingNodeDef.op. */
export type TrainingOp =
  /** A batch of real samples: one tensor per output port. */
  | { op: 'dataset'; params: DatasetParams }
  /** Latent vectors [B,dim]. */
  | { op: 'noise'; dim: number; distribution: 'normal' | 'uniform' }
  /** Uniform class ids, int32 [B,1]. */
  | { op: 'labels'; numClasses: number }
  /** Applies a model: inputs and outputs in the model's port order. */
  | { op: 'call'; model: string }
  /** A player's term of the GAN game, from D's logits on 'real' and 'fake'. */
  | { op: 'adversarial'; kind: AdversarialKind; labelSmoothing: number; weight: number; drift?: number }
  /** A gradient penalty of `critic`'s output with respect to its sample input. */
  | { op: 'penalty'; kind: PenaltyKind; weight: number; critic: string }
  /** weight * mean |input - target| (l1) or squared (l2). */
  | { op: 'reconstruction'; norm: 'l1' | 'l2'; weight: number }
  /** weight * softmax cross-entropy of 'logits' against 'labels'. */
  | { op: 'auxClassifier'; weight: number }
  /** Differentiable augmentation of an image batch (train/augment.ts): the policies in order, each applied with probability p. */
  | { op: 'augment'; policies: AugmentPolicy[]; p: number; ada?: AdaSettings }
  /**
   * Progressive growing (train/progressive.ts): real images at the resolution in use; the schedule also drives
   * every FadeIn layer of the models.
   */
  | { op: 'progressive'; schedule: ProgressiveSchedule };

/**
 * ADA's feedback (Karras et al. 2020): every `interval` steps, r_t = E[sign(D(real))] over those steps' D updates,
 * and p += sign(r_t - target) * batch * interval / speed, clipped to [0,1]; p starts at the node's p.
 */
export interface AdaSettings {
  target: number;
  interval: number;
  /** Images over which p may move from 0 to 1 (the paper: 500k). */
  speed: number;
}

/** The ops that produce values for loss terms (sources and model calls), as opposed to loss terms. */
export const VALUE_OPS: ReadonlySet<TrainingOp['op']> = new Set([
  'dataset',
  'noise',
  'labels',
  'call',
  'augment',
  'progressive',
]);
export interface AnyTrainingNodeDef extends Omit<TrainingNodeDef<unknown>, 'params'> {
  params: z.ZodType<unknown>;
}
function define<P>(d: Omit<TrainingNodeDef<P>, 'kind'>): AnyTrainingNodeDef {
  // Stored with the param type erased, like layer nodes: params are parsed by d.params first.
  return { kind: 'training', ...d } as unknown as AnyTrainingNodeDef;
}

const scalar: TensorType = { shape: [null], dtype: 'float32' };
const weight = (d: number, what: string) => z.number().min(0).max(1e6).default(d).describe(what);

export const Dataset = define({
  type: 'Dataset',
  title: 'Dataset',
  category: 'data',
  doc: 'Real samples, a batch per step. Choose a bundled dataset (2D mixtures, MNIST, paired and unpaired MNIST domains) or a folder of images.',
  params: datasetParamsSchema,
  inputs: () => [],
  outputs: (p) => datasetPorts(p).map(({ name, doc }) => ({ name, doc })),
  infer: ({ params }) => ({
    outputs: datasetPorts(params).map((d) => ({ shape: [null, ...d.shape], dtype: d.dtype })),
  }),
  classes: (p) => datasetClasses(p),
  op: (p) => ({ op: 'dataset', params: p }),
});

export const NoiseSource = define({
  type: 'NoiseSource',
  title: 'Noise source',
  category: 'source',
  doc: 'A batch of latent vectors z, resampled every step.',
  params: z
    .object({
      dim: z.number().int().min(1).max(65_536).default(100),
      distribution: z.enum(['normal', 'uniform']).default('normal').describe('normal: N(0,1); uniform: U(-1,1).'),
    })
    .strict(),
  inputs: () => [],
  outputs: () => [{ name: 'out', doc: 'z, [B,dim].' }],
  infer: ({ params }) => ({ outputs: [{ shape: [null, params.dim], dtype: 'float32' }] }),
  op: (p) => ({ op: 'noise', dim: p.dim, distribution: p.distribution }),
});

export const LabelSource = define({
  type: 'LabelSource',
  title: 'Label source',
  category: 'source',
  doc: 'Random class ids, uniform over [0, numClasses), for the fake samples of a conditional GAN.',
  params: z.object({ numClasses: z.number().int().min(2).max(100_000).default(10) }).strict(),
  inputs: () => [],
  outputs: () => [{ name: 'out', doc: 'Class ids, int32 [B,1].' }],
  infer: () => ({ outputs: [{ shape: [null, 1], dtype: 'int32' }] }),
  classes: (p) => p.numClasses,
  op: (p) => ({ op: 'labels', numClasses: p.numClasses }),
});

function modelPorts(models: ReadonlyMap<string, ModelSignature>, name: string, side: 'inputs' | 'outputs'): PortSpec[] {
  const m = models.get(name);
  return m
    ? m[side].map((n) => ({ name: n.id, doc: `${side === 'inputs' ? 'Input' : 'Output'} '${n.id}' of ${name}.` }))
    : [];
}

export const ModelCall = define({
  type: 'ModelCall',
  title: 'Model',
  category: 'model',
  doc: "Applies one of the project's models. Its ports are the model's Input/Noise/Label and Output node ids. A model may be called several times (D on real and on fake; CycleGAN's generators in both cycles); all calls share weights.",
  params: z.object({ model: z.string().min(1).max(64).describe('Name of the model to call.') }).strict(),
  inputs: (p, models) => modelPorts(models, p.model, 'inputs'),
  outputs: (p, models) => modelPorts(models, p.model, 'outputs'),
  infer: (ctx) => {
    const m = ctx.models.get(ctx.params.model) as ModelSignature;
    const problems: ShapeProblem[] = [];
    m.inputs.forEach((inp, i) => {
      const want = inp.outputs?.[0];
      const got = ctx.inputs[i];
      if (!want || !got) return;
      if (
        want.dtype !== got.dtype ||
        want.shape.length !== got.shape.length ||
        want.shape.some((d, j) => d !== got.shape[j])
      )
        problems.push({
          code: want.shape.length !== got.shape.length ? 'RANK' : want.dtype !== got.dtype ? 'DTYPE' : 'SHAPE',
          port: inp.id,
          message: `Model '${ctx.params.model}' (called as '${ctx.id}') expects ${fmtShape(want.shape)} ${want.dtype} on '${inp.id}'; ${ctx.sources[i]} ${got.dtype}.`,
        });
    });
    if (problems.length) return { problems };
    return { outputs: m.outputs.map((o) => o.outputs?.[0] ?? o.inputs?.[0] ?? scalar) };
  },
  modelRefs: (p) => [p.model],
  op: (p) => ({ op: 'call', model: p.model }),
});

function sameShape(ctx: TrainingInferContext<unknown>, title: string, a: string, b: string): InferResult {
  const [x, y] = ctx.inputs as [TensorType, TensorType];
  if (x.shape.length !== y.shape.length || x.shape.some((d, j) => d !== y.shape[j]))
    return {
      problems: [
        {
          code: x.shape.length !== y.shape.length ? 'RANK' : 'SHAPE',
          port: b,
          message: `${title} '${ctx.id}' compares '${a}' and '${b}', which must have one shape: ${ctx.sources[0]} on '${a}', ${ctx.sources[1]} on '${b}'.`,
        },
      ],
    };
  return { outputs: [scalar] };
}

export const ADVERSARIAL_KINDS = ['minimax', 'non-saturating', 'lsgan', 'hinge', 'wgan'] as const;
export type AdversarialKind = (typeof ADVERSARIAL_KINDS)[number];

export const AdversarialLoss = define({
  type: 'AdversarialLoss',
  title: 'Adversarial loss',
  category: 'loss',
  doc: "The GAN game, from the discriminator's logits on real and on fake samples. minimax (Goodfellow et al. 2014, saturating G loss), non-saturating (same paper, the -log D(G(z)) trick), lsgan (Mao et al. 2017, a=0 b=1 c=1), hinge (Lim & Ye 2017; Miyato et al. 2018), wgan (Arjovsky et al. 2017; pair it with a gradient penalty).",
  params: z
    .object({
      kind: z.enum(ADVERSARIAL_KINDS).default('non-saturating'),
      labelSmoothing: z
        .number()
        .min(0)
        .max(0.5)
        .default(0)
        .describe('One-sided label smoothing: real targets become 1 - s (Salimans et al. 2016).'),
      weight: weight(1, "Multiplies both players' terms."),
      drift: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe(
          "ProGAN's drift penalty on D (Karras et al. 2018, sec. A.1: 0.001): adds drift * E[D(real)^2] to D's term, keeping a WGAN critic's output near 0. 0 or unset: none.",
        ),
    })
    .strict(),
  inputs: () => [
    { name: 'real', doc: 'D logits on real samples.' },
    { name: 'fake', doc: 'D logits on generated samples.' },
  ],
  outputs: () => [{ name: 'out', doc: 'Loss value (for charts).' }],
  infer: (ctx) => sameShape(ctx, 'AdversarialLoss', 'real', 'fake'),
  players: () => ['D', 'G'],
  // G's term of every kind here reads D's logits on fake samples only: its update does not run D on real data.
  reads: (_p, player) => (player === 'G' ? ['fake'] : ['real', 'fake']),
  op: (p) => ({
    op: 'adversarial',
    kind: p.kind,
    labelSmoothing: p.labelSmoothing,
    weight: p.weight,
    ...(p.drift ? { drift: p.drift } : {}),
  }),
});

export const PENALTY_KINDS = ['wgan-gp', 'r1', 'r2', 'dragan'] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];

export const GradientPenalty = define({
  type: 'GradientPenalty',
  title: 'Gradient penalty',
  category: 'regularizer',
  doc: "Penalizes the critic's input gradient. wgan-gp: lambda*E[(||grad D(x_hat)||-1)^2] at random interpolates of real and fake (Gulrajani et al. 2017); r1: gamma/2*E[||grad D(x)||^2] on real (Mescheder et al. 2018); r2: the same on fake; dragan: lambda*E[(||grad D(x+delta)||-1)^2] around real data (Kodali et al. 2017).",
  params: z
    .object({
      kind: z.enum(PENALTY_KINDS).default('wgan-gp'),
      weight: weight(10, 'lambda for wgan-gp and dragan, gamma for r1 and r2.'),
      critic: z.string().min(1).max(64).default('discriminator').describe('The model whose gradient is penalized.'),
    })
    .strict(),
  inputs: (p) =>
    p.kind === 'wgan-gp'
      ? [
          { name: 'real', doc: 'Real samples.' },
          { name: 'fake', doc: 'Generated samples.' },
        ]
      : p.kind === 'r2'
        ? [{ name: 'fake', doc: 'Generated samples.' }]
        : [{ name: 'real', doc: 'Real samples.' }],
  outputs: () => [{ name: 'out', doc: 'Penalty value.' }],
  infer: (ctx) => {
    const m = ctx.models.get(ctx.params.critic) as ModelSignature;
    const want = m.inputs.find((n) => n.def?.modelInput?.kind === 'data')?.outputs?.[0];
    const problems: ShapeProblem[] = [];
    if (!want)
      return {
        problems: [
          {
            code: 'SHAPE',
            message: `GradientPenalty '${ctx.id}' needs critic '${ctx.params.critic}' to have an Input node for samples.`,
          },
        ],
      };
    ctx.inputs.forEach((t, i) => {
      if (t.shape.length !== want.shape.length || t.shape.some((d, j) => d !== want.shape[j]))
        problems.push({
          code: 'SHAPE',
          port: i === 0 && ctx.params.kind !== 'r2' ? 'real' : 'fake',
          message: `GradientPenalty '${ctx.id}' feeds critic '${ctx.params.critic}', which takes ${fmtShape(want.shape)}; ${ctx.sources[i]}.`,
        });
    });
    if (problems.length) return { problems };
    if (ctx.inputs.length === 2) return sameShape(ctx, 'GradientPenalty', 'real', 'fake');
    return { outputs: [scalar] };
  },
  players: () => ['D'],
  modelRefs: (p) => [p.critic],
  op: (p) => ({ op: 'penalty', kind: p.kind, weight: p.weight, critic: p.critic }),
});

export const Reconstruction = define({
  type: 'Reconstruction',
  title: 'Reconstruction loss',
  category: 'loss',
  doc: 'weight * mean |a - b| (l1) or mean (a - b)^2 (l2), for the generator: pix2pix (L1, weight 100), CycleGAN cycle consistency (weight 10) and identity (weight 5).',
  params: z
    .object({
      norm: z.enum(['l1', 'l2']).default('l1'),
      weight: weight(10, 'Multiplier of the term.'),
    })
    .strict(),
  inputs: () => [
    { name: 'input', doc: 'The reconstruction or translation.' },
    { name: 'target', doc: 'What it should equal.' },
  ],
  outputs: () => [{ name: 'out', doc: 'Loss value.' }],
  infer: (ctx) => sameShape(ctx, 'Reconstruction', 'input', 'target'),
  players: () => ['G'],
  op: (p) => ({ op: 'reconstruction', norm: p.norm, weight: p.weight }),
});

export const AuxClassifier = define({
  type: 'AuxClassifier',
  title: 'Auxiliary classifier loss',
  category: 'loss',
  doc: "ACGAN's class loss: softmax cross-entropy between a model's class logits and the true class ids (Odena et al. 2017). Wire D's class head on real samples for the D player, on fake samples for G (or both).",
  params: z
    .object({
      weight: weight(1, 'Multiplier of the term.'),
      player: z.enum(['D', 'G', 'both']).default('both'),
      numClasses: z.number().int().min(2).max(100_000).default(10),
    })
    .strict(),
  inputs: () => [
    { name: 'logits', doc: 'Class logits [B,numClasses].' },
    { name: 'labels', doc: 'True class ids, int32 [B,1].' },
  ],
  outputs: () => [{ name: 'out', doc: 'Loss value.' }],
  infer: (ctx) => {
    const [l, y] = ctx.inputs as [TensorType, TensorType];
    if (l.shape.length !== 2 || l.shape[1] !== ctx.params.numClasses)
      return {
        problems: [
          {
            code: 'SHAPE',
            port: 'logits',
            message: `AuxClassifier '${ctx.id}' needs logits [B,${ctx.params.numClasses}]; ${ctx.sources[0]}.`,
          },
        ],
      };
    if (y.dtype !== 'int32' || y.shape.length !== 2 || y.shape[1] !== 1)
      return {
        problems: [
          {
            code: 'DTYPE',
            port: 'labels',
            message: `AuxClassifier '${ctx.id}' needs int32 class ids [B,1] on 'labels'; ${ctx.sources[1]} ${y.dtype}.`,
          },
        ],
      };
    return { outputs: [scalar] };
  },
  players: (p) => (p.player === 'both' ? ['D', 'G'] : [p.player]),
  classes: (p) => p.numClasses,
  op: (p) => ({ op: 'auxClassifier', weight: p.weight }),
});

export const AUGMENT_POLICIES = ['color', 'translation', 'cutout', 'flip'] as const;
export type AugmentPolicy = (typeof AUGMENT_POLICIES)[number];

export const Augment = define({
  type: 'Augment',
  title: 'Augment',
  category: 'augment',
  doc: "Differentiable augmentation of an image batch (DiffAugment, Zhao et al. 2020), for D's inputs: wire one Augment between the real data and D's call on real samples and another (same params) between G's output and D's call on fake samples, so that D only sees augmented images and G's gradients flow through the augmentation. color: brightness x + (r - 0.5), saturation (x - mean_c) * 2r + mean_c, contrast (x - mean) * (r + 0.5) + mean; translation: a shift by up to 1/8 of the image, zero padded; cutout: a zeroed square of half the image's size; flip: left-right with probability 0.5. Draws are per sample. p < 1 applies each policy to a sample with probability p (ADA's p, Karras et al. 2020); with ada on, p adapts: r_t = E[sign(D(real))] is measured over every adaInterval steps and p moves by batch * adaInterval / adaSpeed toward keeping r_t at adaTarget (logged as ada/p, kept in checkpoints).",
  params: z
    .object({
      policies: z
        .array(z.enum(AUGMENT_POLICIES))
        .min(1)
        .max(8)
        .default(['color', 'translation', 'cutout'])
        .describe('Transformations, applied in this order (DiffAugment: color, translation, cutout).'),
      p: z
        .number()
        .min(0)
        .max(1)
        .default(1)
        .describe(
          'Probability that each policy is applied to a sample (1: always, as in DiffAugment); with ada, the starting p (ADA: 0).',
        ),
      ada: z
        .boolean()
        .default(false)
        .describe(
          "ADA's adaptive p: every adaInterval steps p moves toward the overfitting target by r_t = E[sign(D(real))]. Augment nodes with ada share one p (give them the same settings).",
        ),
      adaTarget: z.number().min(0).max(1).default(0.6).describe('The target of r_t (ADA: 0.6).'),
      adaInterval: z.number().int().min(1).max(10_000).default(4).describe('Steps between adjustments of p (ADA: 4).'),
      adaSpeed: z
        .number()
        .min(1)
        .max(1e9)
        .default(500_000)
        .describe('Images over which p can move from 0 to 1 (ADA: 500k).'),
    })
    .strict(),
  inputs: () => [{ name: 'in', doc: 'Images [B,H,W,C].' }],
  outputs: () => [{ name: 'out', doc: 'The augmented images, same shape.' }],
  infer: (ctx) => {
    const x = ctx.inputs[0] as TensorType;
    if (x.shape.length !== 4 || x.dtype !== 'float32')
      return {
        problems: [
          {
            code: x.shape.length !== 4 ? 'RANK' : 'DTYPE',
            port: 'in',
            message: `Augment '${ctx.id}' takes float32 images [B,H,W,C]; ${ctx.sources[0]} ${x.dtype}.`,
          },
        ],
      };
    return { outputs: [x] };
  },
  op: (p) => ({
    op: 'augment',
    policies: p.policies,
    p: p.p,
    ...(p.ada ? { ada: { target: p.adaTarget, interval: p.adaInterval, speed: p.adaSpeed } } : {}),
  }),
});

const images = (d: number, what: string) => z.number().int().min(1).max(1e9).default(d).describe(what);

export const Progressive = define({
  type: 'Progressive',
  title: 'Progressive growing',
  category: 'augment',
  doc: "Progressive growing (Karras et al. 2018): training starts at startResolution and doubles up to finalResolution, each new resolution fading in over fadeImages images (alpha 0 to 1) and then training for stableImages. Wire it between the real data and D's call on real samples (and a penalty's real input): it shows D the real images at the resolution in use (average-pooled, blended with the half resolution during a fade, upsampled back by nearest neighbour, as G's output is). The same schedule sets the alpha of every FadeIn layer in the models. Images = steps x batch; the panel and ganvas train show the resolution and alpha, and a resumed run continues mid-fade exactly.",
  params: z
    .object({
      startResolution: z
        .number()
        .int()
        .min(1)
        .max(4096)
        .default(4)
        .describe('The first resolution (ProGAN: 4); finalResolution / 2^k.'),
      finalResolution: z
        .number()
        .int()
        .min(1)
        .max(4096)
        .default(32)
        .describe('The resolution of the images and of the networks (the input must be this size).'),
      fadeImages: images(20_000, 'Images over which each new resolution fades in (ProGAN: 800k).'),
      stableImages: images(20_000, 'Images trained at each resolution before the next fades in (ProGAN: 800k).'),
    })
    .strict(),
  inputs: () => [{ name: 'in', doc: 'Real images [B,final,final,C].' }],
  outputs: () => [{ name: 'out', doc: 'The same images at the resolution in use, same shape.' }],
  infer: (ctx) => {
    const x = ctx.inputs[0] as TensorType;
    const { startResolution: lo, finalResolution: hi } = ctx.params;
    const problem = (code: ShapeProblem['code'], message: string): InferResult => ({
      problems: [{ code, port: 'in', message }],
    });
    if (x.shape.length !== 4 || x.dtype !== 'float32')
      return problem(
        x.shape.length !== 4 ? 'RANK' : 'DTYPE',
        `Progressive '${ctx.id}' takes float32 images [B,H,W,C]; ${ctx.sources[0]} ${x.dtype}.`,
      );
    if (x.shape[1] !== hi || x.shape[2] !== hi)
      return problem(
        'SHAPE',
        `Progressive '${ctx.id}' grows to ${hi}x${hi} (finalResolution), so its input must be [B,${hi},${hi},C]; ${ctx.sources[0]}.`,
      );
    const ratio = hi / lo;
    if (!Number.isInteger(ratio) || ratio < 2 || (ratio & (ratio - 1)) !== 0)
      return problem(
        'SHAPE',
        `Progressive '${ctx.id}': finalResolution ${hi} must be startResolution ${lo} times 2, 4, 8, ...`,
      );
    return { outputs: [x] };
  },
  op: (p) => ({
    op: 'progressive',
    schedule: {
      start: p.startResolution,
      final: p.finalResolution,
      fadeImages: p.fadeImages,
      stableImages: p.stableImages,
    },
  }),
});

export const Optimizer = define({
  type: 'Optimizer',
  title: 'Optimizer',
  category: 'optimizer',
  doc: "Updates one player's models. Separate G and D learning rates give TTUR (Heusel et al. 2017). DCGAN: Adam(2e-4, beta1 0.5); WGAN-GP: Adam(1e-4, 0, 0.9).",
  params: z
    .object({
      player: z.enum(['G', 'D']),
      models: z.array(z.string().min(1).max(64)).min(1).max(16).describe('Models whose weights this optimizer trains.'),
      algorithm: z.enum(['adam', 'rmsprop', 'sgd']).default('adam'),
      learningRate: z.number().gt(0).max(10).default(2e-4),
      beta1: z.number().min(0).max(0.9999).default(0.5),
      beta2: z.number().min(0).max(0.99999).default(0.999),
      epsilon: z.number().min(0).max(1).default(1e-8),
      momentum: z.number().min(0).max(0.9999).default(0).describe('RMSProp and SGD only.'),
      schedule: z
        .enum(['constant', 'linear', 'cosine'])
        .default('constant')
        .describe(
          'Learning-rate schedule: constant; linear (constant for decayStart steps, then linear to minLrFactor x the rate over decaySteps: pix2pix, CycleGAN); cosine (to the same floor).',
        ),
      warmupSteps: z
        .number()
        .int()
        .min(0)
        .max(10_000_000)
        .default(0)
        .describe('Steps of linear warm-up to the rate, combined with the schedule (0: none).'),
      decayStart: z
        .number()
        .int()
        .min(0)
        .max(10_000_000)
        .default(0)
        .describe('Steps at the full rate before a linear or cosine decay begins.'),
      decaySteps: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(1000)
        .describe('Steps of the linear or cosine decay.'),
      minLrFactor: z
        .number()
        .min(0)
        .max(1)
        .default(0)
        .describe('The rate at the end of the decay, as a fraction of the learning rate.'),
    })
    .strict(),
  inputs: () => [],
  outputs: () => [],
  infer: () => ({ outputs: [] }),
  modelRefs: (p) => p.models,
});

/** The training node types, in palette order (the registry, nodes/registry.ts, holds them with the others). */
export const TRAINING_NODES: readonly AnyTrainingNodeDef[] = [
  Dataset,
  NoiseSource,
  LabelSource,
  Augment,
  Progressive,
  ModelCall,
  AdversarialLoss,
  GradientPenalty,
  Reconstruction,
  AuxClassifier,
  Optimizer,
];
