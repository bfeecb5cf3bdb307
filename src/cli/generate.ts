/**
 * `ganvas generate`: samples from a project's generator through the latent
 * explorer (core/explore), as PNG: one grid (grid.png) and one file per
 * sample (sample-000.png ...), with generate.json saying what made them.
 * The generator's weights come from a safetensors file (--weights), a
 * checkpoint (--checkpoint), or else the project's seeded initial weights.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ExploreError,
  type ExploreRequest,
  Explorer,
  interpolationTimes,
  samplePicture,
} from '../core/explore/index.js';
import type { Project } from '../core/project/index.js';
import { LIMITS } from '../core/project/index.js';
import {
  type BackendPreference,
  GeneratorWeightsError,
  type Provenance,
  projectHash,
  TrainingSession,
} from '../core/train/index.js';
import type { ProjectAnalysis } from '../core/validate.js';
import type { C2paSigner } from './c2pa.js';
import { readBytes, writeAtomic } from './io.js';
import { CLI_TOOL, encodePng } from './png.js';
import { loadAssets, readCheckpoint } from './train.js';

export interface GenerateOptions {
  out: string;
  n: number;
  seed: number;
  weights?: string;
  checkpoint?: string;
  truncation?: number;
  label?: number;
  /** Two seeds: an interpolation of `steps` samples between their latents. */
  interpolate?: [number, number];
  steps: number;
  method: 'linear' | 'spherical';
  /** Style mixing: the mix seed and the first style layer that takes its w. */
  mix?: [number, number];
  backend: BackendPreference;
  /** Signs every picture with C2PA content credentials (docs/provenance.md). */
  signer?: C2paSigner;
}

/** Bad input (a file, an option the generator cannot take): one line, exit 2. */
export class GenerateInputError extends Error {}

/** Writes the samples; returns the lines to print. Throws GenerateInputError for bad input. */
export async function runGenerate(analysis: ProjectAnalysis, opts: GenerateOptions): Promise<string[]> {
  const project = analysis.project as Project;
  if (opts.weights && opts.checkpoint) throw new GenerateInputError('give --weights or --checkpoint, not both.');
  const checkpoint = opts.checkpoint ? await inputError(() => readCheckpoint(opts.checkpoint!)) : undefined;
  let weights: Uint8Array | undefined;
  if (opts.weights) {
    const r = await readBytes(opts.weights, LIMITS.maxCheckpointBytes, 'weights');
    if (!r.ok) throw new GenerateInputError(r.message);
    weights = r.bytes;
  }
  const session = await TrainingSession.create({
    runs: [{ label: project.name, analysis }],
    backend: opts.backend,
    assets: loadAssets(project),
    ...(checkpoint ? { checkpoint } : {}),
  });
  try {
    const lines: string[] = [];
    let source: string;
    if (weights) {
      try {
        const { step } = session.loadGenerator(weights);
        source = `${opts.weights}${step !== undefined ? ` (step ${step})` : ''}`;
      } catch (e) {
        if (e instanceof GeneratorWeightsError) throw new GenerateInputError(`weights ${opts.weights}: ${e.message}`);
        throw e;
      }
    } else if (checkpoint) source = `${opts.checkpoint} (step ${session.steps[0]})`;
    else {
      source = `the project's seeded initial weights (seed ${session.seed}, untrained)`;
      lines.push(`no --weights or --checkpoint: generating from ${source}`);
    }
    let explorer: Explorer;
    try {
      explorer = new Explorer(session.trainer(0));
    } catch (e) {
      if (e instanceof ExploreError) throw new GenerateInputError(e.message);
      throw e;
    }
    const req: ExploreRequest = {
      ...(opts.interpolate
        ? {
            interpolate: {
              a: opts.interpolate[0],
              b: opts.interpolate[1],
              ts: interpolationTimes(opts.steps),
              method: opts.method,
            },
          }
        : { seeds: Array.from({ length: opts.n }, (_, i) => opts.seed + i) }),
      ...(opts.truncation !== undefined ? { truncation: opts.truncation } : {}),
      ...(opts.label !== undefined ? { label: opts.label } : {}),
      ...(opts.mix ? { mix: { seed: opts.mix[0], from: opts.mix[1] } } : {}),
    };
    const r = await inputError(() => explorer.explore(req));
    mkdirSync(opts.out, { recursive: true });
    // Every picture is marked as AI-generated (docs/provenance.md): the project, the generator's step, the first seed.
    const provenance: Provenance = {
      project: project.name,
      projectHash: projectHash(project),
      step: session.steps[0] ?? 0,
      seed: opts.seed,
      tool: `${CLI_TOOL} generate`,
    };
    writeAtomic(join(opts.out, 'grid.png'), await encodePng(r.picture, provenance, opts.signer));
    const shape = explorer.info.sampleShape;
    const files: string[] = [];
    if (shape.length === 3) {
      const per = r.values.length / r.count;
      for (let k = 0; k < r.count; k++) {
        const name = `sample-${String(k).padStart(3, '0')}.png`;
        const pic = samplePicture(r.values.subarray(k * per, (k + 1) * per), shape[0]!, shape[1]!, shape[2]!);
        writeAtomic(join(opts.out, name), await encodePng(pic, provenance, opts.signer));
        files.push(name);
      }
    }
    const info = {
      project: project.name,
      generator: source,
      backend: session.backend?.name,
      latent: { dim: explorer.info.zDim, distribution: explorer.info.distribution },
      ...req,
      truncation:
        opts.truncation === undefined
          ? null
          : { psi: opts.truncation, kind: explorer.info.truncation === 'w' ? 'StyleGAN w' : 'BigGAN z' },
      files: ['grid.png', ...files],
    };
    writeAtomic(join(opts.out, 'generate.json'), JSON.stringify(info, null, 2));
    lines.push(`${opts.out}: grid.png and ${files.length} sample PNGs from ${source} (${r.ms.toFixed(0)} ms)`);
    return lines;
  } finally {
    session.dispose();
  }
}

async function inputError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ExploreError || (e instanceof Error && e.message.startsWith('checkpoint ')))
      throw new GenerateInputError(e.message);
    throw e;
  }
}
