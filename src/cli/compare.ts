/**
 * `ganvas compare`: one run per adversarial loss and/or augmentation setting,
 * same seed, data and steps; a table of stability figures (and FID for
 * digits) and a plot of the curves side by side.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ADVERSARIAL_KINDS, type AdversarialKind, PENALTY_KINDS, type PenaltyKind } from '../core/nodes/index.js';
import type { Project } from '../core/project/index.js';
import { type StabilityRow, stability, stabilityTable } from '../core/train/index.js';
import { type ProjectAnalysis, validateProjectValue } from '../core/validate.js';
import { writeAtomic } from './io.js';
import { type RunResult, runTraining, type TrainOptions } from './train.js';

export { type StabilityRow, stability, stabilityTable };

export interface LossSpec {
  name: string;
  adversarial: AdversarialKind;
  penalty?: { kind: PenaltyKind; weight?: number };
}

/** "wgan-gp" is wgan with a WGAN-GP penalty; "A+B" adds penalty B (r1, r2, dragan, wgan-gp) to loss A. */
export function parseLossSpec(s: string): LossSpec | string {
  if (s === 'wgan-gp') return { name: s, adversarial: 'wgan', penalty: { kind: 'wgan-gp' } };
  const [a, b, extra] = s.split('+');
  if (extra !== undefined || !a || !(ADVERSARIAL_KINDS as readonly string[]).includes(a))
    return `Unknown loss ${JSON.stringify(s)}. Use one of ${[...ADVERSARIAL_KINDS, 'wgan-gp'].join(', ')}, optionally with +${PENALTY_KINDS.join('|+')}.`;
  if (b !== undefined && !(PENALTY_KINDS as readonly string[]).includes(b))
    return `Unknown regularizer ${JSON.stringify(b)} in ${JSON.stringify(s)}. Use ${PENALTY_KINDS.join(', ')}.`;
  return { name: s, adversarial: a as AdversarialKind, ...(b ? { penalty: { kind: b as PenaltyKind } } : {}) };
}

/** The project with every AdversarialLoss set to the spec's kind, and the spec's penalty (replacing any other). */
export function withLoss(project: Project, spec: LossSpec): { project: Project } | { error: string } {
  const p = structuredClone(project);
  const t = p.training;
  if (!t) return { error: 'The project has no training graph.' };
  const adv = t.nodes.filter((n) => n.type === 'AdversarialLoss');
  if (adv.length === 0) return { error: 'The training graph has no AdversarialLoss node to swap.' };
  for (const n of adv) n.params = { ...(n.params ?? {}), kind: spec.adversarial };
  const penalties = t.nodes.filter((n) => n.type === 'GradientPenalty').map((n) => n.id);
  if (spec.penalty) {
    if (penalties.length > 0) {
      // Keep the wiring of the existing penalty, change its kind; wgan-gp needs both real and fake.
      for (const n of t.nodes)
        if (n.type === 'GradientPenalty')
          n.params = {
            ...(n.params ?? {}),
            kind: spec.penalty.kind,
            weight: spec.penalty.weight ?? defaultWeight(spec.penalty.kind),
          };
      rewirePenalties(p, spec.penalty.kind);
    } else {
      const added = addPenalty(p, spec.penalty.kind, spec.penalty.weight ?? defaultWeight(spec.penalty.kind));
      if (added) return { error: added };
    }
  } else {
    t.nodes = t.nodes.filter((n) => !penalties.includes(n.id));
    t.edges = t.edges.filter((e) => !penalties.includes(e.target));
  }
  return { project: p };
}

function defaultWeight(kind: PenaltyKind): number {
  return kind === 'wgan-gp' || kind === 'dragan' ? 10 : 1;
}

/** A compare run: the project with its loss swapped (loss), with or without its Augment nodes (augment), or both. */
export interface CompareSpec {
  name: string;
  loss?: LossSpec;
  /** on: the project's Augment nodes as they are; off: the same project without them (withoutAugment). */
  augment?: 'on' | 'off';
}

/** The runs of `compare`: every loss with every augmentation setting (a missing list keeps the project's own). */
export function compareSpecs(losses: LossSpec[], augment: ('on' | 'off')[]): CompareSpec[] {
  const ls: (LossSpec | undefined)[] = losses.length > 0 ? losses : [undefined];
  const as: ('on' | 'off' | undefined)[] = augment.length > 0 ? augment : [undefined];
  return ls.flatMap((loss) =>
    as.map((a) => ({
      name: [loss?.name, a ? `augment-${a}` : undefined].filter(Boolean).join('+'),
      ...(loss ? { loss } : {}),
      ...(a ? { augment: a } : {}),
    })),
  );
}

/**
 * The project without its Augment nodes: each one's consumers take its input's source instead, so D judges the
 * un-augmented images; everything else (seed, data, models, losses) is unchanged. An error when there is none.
 */
export function withoutAugment(project: Project): { project: Project } | { error: string } {
  const p = structuredClone(project);
  const t = p.training;
  if (!t) return { error: 'The project has no training graph.' };
  const augments = t.nodes.filter((n) => n.type === 'Augment').map((n) => n.id);
  if (augments.length === 0) return { error: 'The training graph has no Augment node to switch off.' };
  for (const id of augments) {
    const input = t.edges.find((e) => e.target === id);
    t.edges = t.edges
      .filter((e) => e.target !== id && (e.source !== id || input))
      .map((e) => (e.source === id && input ? { ...e, source: input.source, sourcePort: input.sourcePort } : e));
  }
  t.nodes = t.nodes.filter((n) => !augments.includes(n.id));
  return { project: p };
}

/** Where D's real and fake samples come from: the sources of the adversarial loss' D calls. */
function samplesOf(p: Project): {
  real?: { node: string; port: string };
  fake?: { node: string; port: string };
  critic?: string;
} {
  const t = p.training!;
  const adv = t.nodes.find((n) => n.type === 'AdversarialLoss');
  const into = (port: string) => t.edges.find((e) => e.target === adv?.id && e.targetPort === port)?.source;
  const call = (id: string | undefined) => t.nodes.find((n) => n.id === id);
  const sampleOf = (id: string | undefined) => {
    const e = t.edges.find((x) => x.target === id);
    return e ? { node: e.source, port: e.sourcePort } : undefined;
  };
  const realCall = call(into('real'));
  const fakeCall = call(into('fake'));
  const real = sampleOf(realCall?.id);
  const fake = sampleOf(fakeCall?.id);
  return {
    ...(real ? { real } : {}),
    ...(fake ? { fake } : {}),
    ...(realCall ? { critic: (realCall.params as { model: string }).model } : {}),
  };
}

function addPenalty(p: Project, kind: PenaltyKind, weight: number): string | undefined {
  const t = p.training!;
  const { real, fake, critic } = samplesOf(p);
  if (!critic || !real || !fake)
    return 'Cannot find the real and fake samples of the discriminator to attach a gradient penalty to.';
  let id = 'penalty';
  for (let k = 2; t.nodes.some((n) => n.id === id); k++) id = `penalty${k}`;
  t.nodes.push({ id, type: 'GradientPenalty', params: { kind, weight, critic } });
  if (kind !== 'r2') t.edges.push({ source: real.node, sourcePort: real.port, target: id, targetPort: 'real' });
  if (kind === 'wgan-gp' || kind === 'r2')
    t.edges.push({ source: fake.node, sourcePort: fake.port, target: id, targetPort: 'fake' });
  return undefined;
}

function rewirePenalties(p: Project, kind: PenaltyKind): void {
  const t = p.training!;
  const { real, fake } = samplesOf(p);
  for (const n of t.nodes.filter((x) => x.type === 'GradientPenalty')) {
    t.edges = t.edges.filter((e) => e.target !== n.id);
    if (kind !== 'r2' && real)
      t.edges.push({ source: real.node, sourcePort: real.port, target: n.id, targetPort: 'real' });
    if ((kind === 'wgan-gp' || kind === 'r2') && fake)
      t.edges.push({ source: fake.node, sourcePort: fake.port, target: n.id, targetPort: 'fake' });
  }
}

/** Loss curves of every run, side by side (one panel per player), as SVG. */
export async function curvesSvg(runs: { name: string; result: RunResult }[]): Promise<string> {
  const values = runs.flatMap(({ name, result }) =>
    result.history.flatMap((m) => [
      { run: name, step: m.step, player: 'D loss', value: m.losses.D ?? null },
      { run: name, step: m.step, player: 'G loss', value: m.losses.G ?? null },
    ]),
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { column: { field: 'player', type: 'nominal', title: null } },
    spec: {
      width: 360,
      height: 240,
      mark: { type: 'line', strokeWidth: 1.2 },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y: { field: 'value', type: 'quantitative', title: 'loss' },
        color: { field: 'run', type: 'nominal', title: 'run' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export async function runCompare(
  analysis: ProjectAnalysis,
  specs: CompareSpec[],
  opts: Omit<TrainOptions, 'overrideLoss' | 'label'>,
): Promise<{ rows: StabilityRow[]; errors: string[] }> {
  const project = analysis.project as Project;
  mkdirSync(opts.out, { recursive: true });
  const runs: { name: string; result: RunResult }[] = [];
  const errors: string[] = [];
  for (const spec of specs) {
    let swapped: { project: Project } | { error: string } = { project };
    if (spec.loss) swapped = withLoss(swapped.project, spec.loss);
    if (!('error' in swapped) && spec.augment === 'off') swapped = withoutAugment(swapped.project);
    else if (
      !('error' in swapped) &&
      spec.augment === 'on' &&
      !swapped.project.training?.nodes.some((n) => n.type === 'Augment')
    )
      swapped = { error: 'The training graph has no Augment node to keep on.' };
    if ('error' in swapped) {
      errors.push(`${spec.name}: ${swapped.error}`);
      continue;
    }
    const a = validateProjectValue(swapped.project);
    if (a.status !== 'ok') {
      errors.push(`${spec.name}: the swapped project is invalid: ${a.diagnostics.map((d) => d.message).join(' ')}`);
      continue;
    }
    const result = await runTraining(a, {
      ...opts,
      out: join(opts.out, spec.name.replace(/[^A-Za-z0-9_+-]/g, '_')),
      label: spec.name,
    });
    runs.push({ name: spec.name, result });
  }
  const rows = runs.map((r) => stability(r.name, r.result));
  writeAtomic(
    join(opts.out, 'compare.json'),
    JSON.stringify(
      { project: project.name, seed: opts.seed ?? project.training?.settings.seed, steps: opts.steps, rows },
      null,
      2,
    ),
  );
  writeAtomic(join(opts.out, 'compare.md'), `# ${project.name}: comparison\n\n${stabilityTable(rows)}\n`);
  if (runs.length > 0) writeAtomic(join(opts.out, 'curves.svg'), await curvesSvg(runs));
  return { rows, errors };
}
