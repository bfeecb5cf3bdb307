/**
 * The ganvas project file, format "ganvas/1", defined once as a zod schema.
 * The TypeScript types are inferred from it and the JSON Schema in
 * public/ganvas-project.schema.json is generated from it (npm run schema).
 *
 * The schema checks the file's structure. What a node's params mean is the
 * node registry's business (src/core/nodes), so params are an open record
 * here and are checked per node type by the validator, with located
 * diagnostics.
 */
import { z } from 'zod';

export const FORMAT = 'ganvas/1';

/** Names of models, blocks and node ids: identifier-like, so that they are
 * safe as tfjs layer names, file names and TypeScript identifiers. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const NAME_RULE =
  'a letter followed by up to 63 letters, digits or underscores (no spaces, quotes or punctuation)';

const position = z.object({ x: z.number().finite(), y: z.number().finite() });

export const nodeSchema = z
  .object({
    id: z.string().min(1).max(200).describe('Unique id of the node in its graph; also its layer name.'),
    type: z.string().min(1).max(200).describe('Node type, as named in the node registry.'),
    label: z.string().max(500).optional().describe('Free text shown on the node; never code.'),
    params: z.record(z.string(), z.unknown()).optional().describe('Parameters, checked by the node type.'),
    position: position.optional().describe('Where the node sits on the canvas.'),
  })
  .strict();

export const edgeSchema = z
  .object({
    id: z.string().max(200).optional(),
    source: z.string().min(1).max(200),
    sourcePort: z.string().min(1).max(200).default('out'),
    target: z.string().min(1).max(200),
    targetPort: z.string().min(1).max(200).default('in'),
  })
  .strict();

export const graphSchema = z
  .object({
    description: z.string().max(5000).optional(),
    nodes: z.array(nodeSchema).max(100_000),
    edges: z.array(edgeSchema).max(200_000).default([]),
  })
  .strict();

export const blockSchema = graphSchema.describe(
  'A reusable subgraph. Its Input nodes become the block instance input ports and its Output nodes its output ports, named by node id.',
);

/** The quality figures a run can be judged on (docs/training.md, Quality figures). */
export const QUALITY_METRICS = [
  'fid',
  'inceptionScore',
  'precision',
  'recall',
  'modesCovered',
  'highQuality',
  'modeScore',
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

export const earlyStoppingSchema = z
  .object({
    metric: z
      .enum(['auto', ...QUALITY_METRICS])
      .default('auto')
      .describe(
        'The figure judged; auto: FID for digits, modeScore (modes covered + high-quality share) for 2D mixtures.',
      ),
    every: z.number().int().min(1).max(10_000_000).default(500).describe('Evaluate every this many steps.'),
    patience: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(5)
      .describe('Stop after this many evaluations without an improvement.'),
    minDelta: z.number().min(0).max(1e6).default(0).describe('The least change that counts as an improvement.'),
    stop: z.boolean().default(true).describe('false: keep the best generator but train to the last step.'),
  })
  .strict();
export type EarlyStoppingSettings = z.infer<typeof earlyStoppingSchema>;

export const trainingSettingsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(4096).default(64),
    steps: z.number().int().min(1).max(10_000_000).default(2000),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    dStepsPerGStep: z.number().int().min(1).max(100).default(1),
    emaDecay: z.number().min(0).max(1).default(0).describe('EMA of generator weights; 0 turns it off.'),
    sampleEvery: z.number().int().min(1).default(100),
    checkpointEvery: z.number().int().min(1).default(500),
    earlyStopping: earlyStoppingSchema
      .optional()
      .describe('Evaluate a quality figure every N steps, keep the best generator, stop when it no longer improves.'),
  })
  .strict();

export const trainingSchema = z
  .object({
    nodes: z.array(nodeSchema).max(10_000),
    edges: z.array(edgeSchema).max(20_000).default([]),
    settings: trainingSettingsSchema.default(trainingSettingsSchema.parse({})),
  })
  .strict();

export const budgetsSchema = z
  .object({
    maxParams: z.number().int().min(1).default(100_000_000),
    maxActivationBytesPerSample: z
      .number()
      .int()
      .min(1)
      .default(256 * 1024 * 1024),
  })
  .strict();

export const projectSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal(FORMAT),
    name: z.string().min(1).max(200),
    description: z.string().max(20_000).optional(),
    models: z.record(z.string(), graphSchema),
    blocks: z.record(z.string(), blockSchema).default({}),
    training: trainingSchema.optional(),
    budgets: budgetsSchema.default(budgetsSchema.parse({})),
  })
  .strict();

export type Project = z.infer<typeof projectSchema>;
export type ProjectInput = z.input<typeof projectSchema>;
export type GraphNode = z.infer<typeof nodeSchema>;
export type GraphEdge = z.infer<typeof edgeSchema>;
export type Graph = z.infer<typeof graphSchema>;
export type TrainingGraph = z.infer<typeof trainingSchema>;
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

/** JSON Schema of the project file, for editors. */
export function projectJsonSchema(): unknown {
  return z.toJSONSchema(projectSchema, { io: 'input', unrepresentable: 'any' });
}
