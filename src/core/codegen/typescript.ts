/**
 * Project -> one standalone TypeScript training script.
 *
 * The script imports @tensorflow/tfjs (plus its WASM backend and seedrandom,
 * which tfjs itself depends on) and nothing of ganvas. The project-specific
 * part is written out the way a person would write it: each model built with
 * tf.layers node by node, one function per player's update that evaluates the
 * training graph (data, noise, model calls, loss terms) in the same order and
 * with the same seeded random streams as the in-app trainer, and a loop that
 * logs losses as JSON lines, saves sample grids (PNG) and the generator.
 *
 * The library part (losses, penalties, samplers, custom layers, tfjs fixes)
 * is ganvas' own runtime source, handed in by the shell (the CLI reads the
 * files, the editor imports them as text) and wrapped into namespaces, so the
 * script trains with exactly the code the editor trains with.
 *
 * Injection safety: every name or string from the project reaches the script
 * only as a JSON string literal, as a sanitized identifier ([A-Za-z0-9_],
 * never a reserved word), or in a // comment stripped of line breaks.
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
} from '../compile/plan.js';
import { ADVERSARIAL_KINDS, PENALTY_KINDS, type TrainingOp } from '../nodes/training.js';
import { QUALITY_METRICS } from '../project/schema.js';
import type { ModelAnalysis } from '../shapes/infer.js';
import { projectHash } from '../train/provenance.js';
import { isConstantSchedule, SCHEDULE_PARAMS, scheduleOf } from '../train/schedule.js';
import type { ProjectAnalysis } from '../validate.js';
import { ExportError, exportablePlan, exportQuality, sampleCount, withExportErrors } from './common.js';
import { needsCustom, printLayer } from './layers.js';

/** The runtime modules the script embeds, in dependency order: namespace name and repository path. */
export const RUNTIME_MODULES = [
  { ns: 'random', path: 'src/core/data/random.ts' },
  { ns: 'datasets', path: 'src/core/data/datasets.ts' },
  { ns: 'mnistFormat', path: 'src/core/data/mnist-format.ts' },
  { ns: 'losses', path: 'src/core/train/losses.ts' },
  { ns: 'optim', path: 'src/core/train/optimizers.ts' },
  { ns: 'schedule', path: 'src/core/train/schedule.ts' },
  { ns: 'images', path: 'src/core/train/images.ts' },
  { ns: 'gradients', path: 'src/core/train/gradients.ts' },
  { ns: 'wasmKernels', path: 'src/core/train/wasm-kernels.ts' },
  { ns: 'custom', path: 'src/core/nodes/layers/custom.ts' },
  { ns: 'progressive', path: 'src/core/train/progressive.ts' },
  { ns: 'provenance', path: 'src/core/train/provenance.ts' },
  { ns: 'augment', path: 'src/core/train/augment.ts' },
  { ns: 'metrics', path: 'src/core/train/metrics.ts' },
  { ns: 'earlyStop', path: 'src/core/train/early-stop.ts' },
  { ns: 'fid', path: 'src/core/train/fid.ts' },
] as const;
export type RuntimeSources = Record<(typeof RUNTIME_MODULES)[number]['path'], string>;

export { ExportError } from './common.js';

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await async of type namespace module declare any unknown never object string number boolean symbol bigint undefined NaN Infinity eval arguments ' +
    'tf seedrandom random datasets mnistFormat losses optim optimizers schedule images gradients wasmKernels custom progressive augment metrics earlyStop fid provenance process console Math JSON Object Array Promise'
  ).split(' '),
);

/** Identifiers for project names: [A-Za-z0-9_] only, never reserved, never repeated. */
export class Identifiers {
  private readonly used = new Set<string>();
  private readonly given = new Map<string, string>();
  constructor(taken: string[] = []) {
    for (const t of taken) this.used.add(t);
  }
  get(key: string, hint: string): string {
    const had = this.given.get(key);
    if (had) return had;
    let base = hint
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40);
    if (!/^[A-Za-z_]/.test(base)) base = `n_${base}`;
    if (RESERVED.has(base) || base === 'n_') base = `${base}_`;
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    this.given.set(key, name);
    return name;
  }
}

/** A // comment of one line: no line terminator can end it early. */
export function comment(text: string): string {
  return `// ${text.replace(/[\r\n\u2028\u2029]+/g, ' ').slice(0, 300)}`;
}

const lit = (v: unknown): string => JSON.stringify(v);

/**
 * The TypeScript target of the training graph: prints each node's op as a
 * statement of the exported script (compile/plan.ts walks the graph, in the
 * same order and with the same random streams as the trainer's tfjs emitter).
 * A value is the expression that reads it.
 */
class TypeScriptEmitter implements TrainingEmitter<string> {
  private lines: string[] = [];
  constructor(
    private readonly nodeVar: (id: string) => string,
    /** Whether an Augment node has ADA on: its p is the script's ADA.p, and D's update records E[sign(D(real))]. */
    private readonly ada = false,
  ) {}

  /** The statements printed since the last take. */
  take(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  emit(n: PlanNode & { op: TrainingOp }, inputs: EmitInputs<string>, ctx: EmitContext): string[] {
    const op = n.op;
    const v = this.nodeVar(n.id);
    const batch = ctx.player === 'sample' ? 'n' : 'BATCH';
    const out = (...lines: string[]) => this.lines.push(comment(`${n.id}: ${n.type}`), ...lines);
    switch (op.op) {
      case 'dataset':
        out(`const ${v} = samplers[${lit(n.id)}]!.next(${batch}, rng);`);
        return n.outputPorts.map((port) => `${v}[${lit(port)}]!`);
      case 'noise':
        out(
          op.distribution === 'uniform'
            ? `const ${v} = tf.randomUniform([${batch}, ${lit(op.dim)}], -1, 1, 'float32', random.nextSeed(rng));`
            : `const ${v} = tf.randomNormal([${batch}, ${lit(op.dim)}], 0, 1, 'float32', random.nextSeed(rng));`,
        );
        return [v];
      case 'labels':
        out(`const ${v} = tf.randomUniform([${batch}, 1], 0, ${lit(op.numClasses)}, 'int32', random.nextSeed(rng));`);
        return [v];
      case 'call': {
        const args = n.inputs.map((i) => inputs.get(i.port));
        const arg = args.length === 1 ? args[0] : `[${args.join(', ')}]`;
        const many = n.outputPorts.length > 1;
        const type = many ? 'tf.Tensor[]' : 'tf.Tensor';
        out(`const ${v} = models[${lit(op.model)}]!.apply(${arg}, { training: ${ctx.training} }) as ${type};`);
        return many ? n.outputPorts.map((_, k) => `${v}[${k}]!`) : [v];
      }
      case 'adversarial': {
        const fake = inputs.get('fake');
        if (ctx.player !== 'D') {
          // G's term reads D's logits on fake samples only.
          out(
            `const ${v} = tf.mul(losses.generatorLoss(KIND[${lit(n.id)}]!, ${fake}), ${lit(op.weight)}) as tf.Scalar;`,
          );
          return [v];
        }
        const real = inputs.get('real');
        const loss = `losses.adversarialLoss(KIND[${lit(n.id)}]!, ${real}, ${fake}, ${lit(op.labelSmoothing)}${op.drift ? `, ${lit(op.drift)}` : ''})`;
        out(`const ${v} = tf.mul(${loss}.d, ${lit(op.weight)}) as tf.Scalar;`);
        this.lines.push(
          `record.set('D(real)', tf.mean(${real}) as tf.Scalar);`,
          `record.set('D(fake)', tf.mean(${fake}) as tf.Scalar);`,
        );
        if (this.ada) this.lines.push(`record.set('E[sign D(real)]', tf.mean(tf.sign(${real})) as tf.Scalar);`);
        return [v];
      }
      case 'penalty': {
        const critic = `models[${lit(op.critic)}]!`;
        const x = n.criticArgs ? `[${n.criticArgs.map((a) => (a === null ? 'x' : inputs.of(a))).join(', ')}]` : 'x';
        const fn =
          n.criticOutput === undefined
            ? `(x: tf.Tensor) => ${critic}.apply(${x}, { training: ${ctx.training} }) as tf.Tensor`
            : `(x: tf.Tensor) => (${critic}.apply(${x}, { training: ${ctx.training} }) as tf.Tensor[])[${n.criticOutput}]!`;
        const feeds = [
          inputs.has('real') ? `real: ${inputs.get('real')}` : '',
          inputs.has('fake') ? `fake: ${inputs.get('fake')}` : '',
          'seed: random.nextSeed(rng)',
        ];
        out(
          `const ${v} = losses.gradientPenalty(${lit(op.kind)}, ${lit(op.weight)}, ${fn}, { ${feeds.filter(Boolean).join(', ')} });`,
        );
        return [v];
      }
      case 'reconstruction':
        out(
          `const ${v} = losses.reconstructionLoss(${lit(op.norm)}, ${lit(op.weight)}, ${inputs.get('input')}, ${inputs.get('target')});`,
        );
        return [v];
      case 'auxClassifier':
        out(
          `const ${v} = losses.auxClassifierLoss(${lit(op.weight)}, ${inputs.get('logits')}, ${inputs.get('labels')});`,
        );
        return [v];
      case 'augment':
        // Differentiable augmentation (train/augment.ts), one seed per call as in the trainer.
        out(
          op.ada
            ? `const ${v} = augment.augment(${inputs.get('in')}, ${lit(op.policies)}, ADA.p, random.nextSeed(rng), true);`
            : `const ${v} = augment.augment(${inputs.get('in')}, ${lit(op.policies)}, ${lit(op.p)}, random.nextSeed(rng));`,
        );
        return [v];
      case 'progressive':
        // Progressive growing (train/progressive.ts): the real images at this step's resolution.
        out(`const ${v} = progressive.progressiveReals(${inputs.get('in')} as tf.Tensor4D, PHASE.lod);`);
        return [v];
    }
  }
}

interface ImportLine {
  full: string;
  from: string;
  typeOnly: boolean;
  names: { name: string; type: boolean }[];
  star?: string;
  def?: string;
}

function parseImports(src: string): ImportLine[] {
  const out: ImportLine[] = [];
  const re = /^import\s+(type\s+)?([\s\S]*?)\s*from\s*'([^']+)';|^import\s+'([^']+)';/gm;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (m[4]) {
      out.push({ full: m[0], from: m[4], typeOnly: false, names: [] });
      continue;
    }
    const typeOnly = Boolean(m[1]);
    const clause = (m[2] ?? '').trim();
    const line: ImportLine = { full: m[0], from: m[3] as string, typeOnly, names: [] };
    const star = /^\*\s+as\s+(\w+)$/.exec(clause);
    if (star) line.star = star[1] as string;
    else {
      const def = /^(\w+)\s*(?:,|$)/.exec(clause);
      if (def && !clause.startsWith('{')) line.def = def[1] as string;
      const braces = /\{([\s\S]*)\}/.exec(clause);
      if (braces)
        for (const part of (braces[1] as string)
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)) {
          const type = typeOnly || part.startsWith('type ');
          line.names.push({ name: part.replace(/^type\s+/, '').split(/\s+as\s+/)[0] as string, type });
        }
    }
    out.push(line);
  }
  return out;
}

/** Types the embedded runtime imports from modules the script does not embed. */
function externalTypes(): Record<string, string> {
  const union = (xs: readonly string[]) => xs.map(lit).join(' | ');
  return {
    AdversarialKind: `type AdversarialKind = ${union(ADVERSARIAL_KINDS)};`,
    PenaltyKind: `type PenaltyKind = ${union(PENALTY_KINDS)};`,
    QualityMetric: `type QualityMetric = ${union(QUALITY_METRICS)};`,
  };
}

function resolvePath(fromPath: string, spec: string): string {
  const parts = fromPath.split('/').slice(0, -1);
  for (const seg of spec.replace(/\.js$/, '.ts').split('/')) {
    if (seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** One runtime module as a namespace; its hoisted imports are collected in `top`. */
function embed(mod: (typeof RUNTIME_MODULES)[number], source: string, top: Set<string>): string {
  const lines: string[] = [];
  let body = source;
  const ext = externalTypes();
  for (const imp of parseImports(source)) {
    body = body.replace(imp.full, '');
    if (imp.from === '@tensorflow/tfjs-core' || imp.from === '@tensorflow/tfjs-layers') continue; // `tf` is the whole of @tensorflow/tfjs
    if (imp.from.startsWith('@tensorflow/tfjs-layers/dist/')) {
      top.add(imp.full);
      continue;
    }
    if (imp.from === 'seedrandom') {
      top.add(imp.full);
      continue;
    }
    if (!imp.from.startsWith('.')) throw new ExportError(`${mod.path}: cannot embed an import of '${imp.from}'.`);
    const target = RUNTIME_MODULES.find((m) => m.path === resolvePath(mod.path, imp.from));
    for (const n of imp.names) {
      if (target)
        lines.push(n.type ? `type ${n.name} = ${target.ns}.${n.name};` : `const ${n.name} = ${target.ns}.${n.name};`);
      else if (n.type && ext[n.name]) lines.push(ext[n.name] as string);
      else throw new ExportError(`${mod.path}: '${n.name}' from '${imp.from}' is not part of the exported runtime.`);
    }
  }
  body = body.replace(/\btfl\./g, 'tf.').replace(/^\s*\n/, '');
  return [
    `${comment(`---- ${mod.ns}: ganvas' ${mod.path} ----`)}`,
    `namespace ${mod.ns} {`,
    ...lines,
    body.trim(),
    `}`,
  ].join('\n');
}

export interface ExportOptions {
  /** Defaults written into the script (its command line overrides them). */
  steps?: number;
  /** Take a sample grid every this many steps. */
  sampleEvery?: number;
}

/** Prints one model as a builder function over tf.layers: the same walk as compileModel, printed. */
function printModel(m: ModelAnalysis, fnName: string): string {
  const ids = new Identifiers(['inputs', 'outputs']);
  const out: string[] = [`function ${fnName}(): tf.LayersModel {`];
  const emitter: ModelEmitter<string> = {
    input: (info, t) => {
      const v = ids.get(info.id, info.id);
      out.push(
        `  const ${v} = tf.input({ shape: ${lit(t.shape.slice(1))}, dtype: ${lit(t.dtype)}, name: ${lit(info.id)} });`,
      );
      return v;
    },
    duplicate: (x, name) =>
      `tf.layers.activation({ activation: 'linear', name: ${lit(name)} }).apply(${x}) as tf.SymbolicTensor`,
    node: (info, specs, args) => {
      const v = ids.get(info.id, info.id);
      const shape = info.outputs?.[0] ? ` -> [${info.outputs[0].shape.map((d) => d ?? 'B').join(', ')}]` : '';
      out.push(`  ${comment(`${info.id}: ${info.type}${shape}`)}`);
      let expr = args.length === 1 ? (args[0] as string) : `[${args.join(', ')}]`;
      specs.forEach((spec, k) => {
        expr = `${printLayer(spec, 'tf', 'custom')}.apply(${expr}) as tf.SymbolicTensor`;
        if (k < specs.length - 1) {
          const tmp = ids.get(
            `${info.id}/${spec.config.name as string}`,
            String(spec.config.name ?? `${info.id}_part`),
          );
          out.push(`  const ${tmp} = ${expr};`);
          expr = tmp;
        }
      });
      out.push(`  const ${v} = ${expr};`);
      return v;
    },
  };
  const { inputs, outputs } = walkModel(m, emitter);
  const result = outputs.length === 1 ? outputs[0] : `[${outputs.join(', ')}]`;
  out.push(`  return tf.model({ inputs: [${inputs.join(', ')}], outputs: ${result}, name: ${lit(m.name)} });`, '}');
  return out.join('\n');
}

/** The whole script. A project the training walk cannot run is refused with an ExportError saying why. */
export function exportTypeScript(a: ProjectAnalysis, runtime: RuntimeSources, opts: ExportOptions = {}): string {
  return withExportErrors(() => printScript(a, runtime, opts));
}

function printScript(a: ProjectAnalysis, runtime: RuntimeSources, opts: ExportOptions): string {
  const { project, plan } = exportablePlan(a);
  const s = plan.settings;
  const ids = new Identifiers([
    'SETTINGS',
    'BATCH',
    'SEED',
    'STEPS',
    'EVERY',
    'KIND',
    'models',
    'samplers',
    'optimizers',
    'saveSamples',
    'builders',
    'vars',
    'trainD',
    'trainG',
    'sample',
    'main',
    'args',
    'rng',
    'step',
    'k',
    'kept',
    'record',
    'tag',
    'ema',
    'writePng',
    'saveModel',
    'variablesOf',
    'evalD',
    'evalG',
    'ADA',
    'signs',
  ]);
  const modelVar = (name: string) => ids.get(`model:${name}`, name);
  const builder = (name: string) => ids.get(`build:${name}`, `build_${name}`);
  const nodeVar = (id: string) => ids.get(`node:${id}`, id);

  // ADA (an Augment node with ada on): one p for the run, adjusted in the loop as the trainer does (Trainer.adaUpdate).
  const adaNode = plan.nodes.find((n) => n.op?.op === 'augment' && n.op.ada);
  const ada = adaNode?.op?.op === 'augment' ? adaNode.op : undefined;
  const emitter = new TypeScriptEmitter(nodeVar, ada?.ada !== undefined);
  /** The statements evaluating `nodes` (as the trainer's emitter does). */
  const statements = (nodes: readonly PlanNode[], values: Map<string, string[]>, ctx: EmitContext): string[] => {
    emitNodes(plan, nodes, emitter, values, ctx);
    return emitter.take();
  };

  const playerFn = (player: 'D' | 'G'): string => {
    const program = playerProgram(plan, player);
    const terms = program.terms;
    const values = new Map<string, string[]>();
    const outside = statements(program.outside, values, { player, training: true });
    const within = statements(program.inside, values, { player, training: true });
    const ind = (xs: string[], k: number) => xs.map((x) => `${' '.repeat(k)}${x}`);
    return [
      `/** One update of ${player === 'D' ? 'the discriminator(s)' : 'the generator(s)'}: ${plan.players[player].models.map((m) => m.replace(/[^\w-]/g, '?')).join(', ')}. Returns its figures, or none when \`metrics\` is false. */`,
      `function train${player}(step: number, k: number, metrics: boolean): Map<string, tf.Scalar> {`,
      '  const kept = new Map<string, tf.Scalar>();',
      `  const tag = \`\${SEED}:${player}:\${step}:\${k}\`;`,
      '  random.withSeededMathRandom(tag, () =>',
      '    tf.tidy(() => {',
      '      const rng = random.makeRng(tag);',
      '      const record = new Map<string, tf.Scalar>();',
      "      // Outside the tape: what does not depend on this player's weights.",
      ...ind(outside, 6),
      `      const { value, grads } = tf.variableGrads(() => {`,
      ...ind(within, 8),
      '        let total = tf.scalar(0);',
      ...terms.flatMap((t) => [
        `        record.set(${lit(`${player}/${t.id}`)}, ${nodeVar(t.id)});`,
        `        total = tf.add(total, ${nodeVar(t.id)});`,
      ]),
      '        if (metrics) for (const [name, v] of record) kept.set(name, tf.keep(tf.clone(v)) as tf.Scalar);',
      '        return total;',
      `      }, vars.${player});`,
      '      if (metrics) {',
      `        kept.set(${lit(player)}, tf.keep(value));`,
      '        const flat = tf.concat(Object.values(grads).map((g) => tf.reshape(g, [-1])));',
      `        kept.set(${lit(`|grad ${player}|`)}, tf.keep(tf.sqrt(tf.sum(tf.square(flat)))) as tf.Scalar);`,
      '      }',
      `      for (const o of optimizers.filter((o) => o.player === ${lit(player)})) {`,
      '        const mine: tf.NamedTensorMap = {};',
      '        for (const v of o.vars) if (grads[v.name]) mine[v.name] = grads[v.name]!;',
      '        o.optimizer.applyGradients(mine);',
      '      }',
      '    }),',
      '  );',
      '  return kept;',
      '}',
    ].join('\n');
  };

  // The sample function: the first call of a G model, fed by what it needs, with EMA weights when on.
  const { target, nodes: sampleNodes } = sampleProgram(plan);
  // Early stopping on a quality figure (issue 17.4), resolved as the trainer resolves it.
  const quality = exportQuality(a, plan, target.params.model as string);
  const early = quality.early;
  const sampleValues = new Map<string, string[]>();
  const sampleBody = statements(sampleNodes, sampleValues, { player: 'sample', training: false });
  const sampleOut = (sampleValues.get(target.id) as string[])[0] as string;

  const usesCustom = [...a.models.values()].some((m) =>
    m.order.some((i) => i.live && i.def?.layers(i.params, i.id, i.inputs ?? []).some(needsCustom)),
  );
  const usesMnist = plan.nodes.some((n) => n.type === 'Dataset' && String(n.params.source).startsWith('mnist'));
  const usesAugment = plan.nodes.some((n) => n.op?.op === 'augment');
  const grow = plan.nodes.find((n) => n.op?.op === 'progressive');
  const growth = grow?.op?.op === 'progressive' ? grow.op.schedule : undefined;
  const usesFolder = plan.nodes.some((n) => n.type === 'Dataset' && n.params.source === 'folder');
  const top = new Set<string>();
  // Learning-rate schedules (train/schedule.ts): embedded, set and logged only when an optimizer has one.
  const schedules = (['D', 'G'] as const).flatMap((player) =>
    plan.players[player].optimizers.map((o) => ({ id: o.id, schedule: scheduleOf(o.params) })),
  );
  const usesSchedule = schedules.some((x) => !isConstantSchedule(x.schedule));
  const optimizerParams = (p: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(p).filter(([k]) => !SCHEDULE_PARAMS.includes(k)));
  const modules = RUNTIME_MODULES.filter(
    (m) =>
      (m.ns !== 'custom' || usesCustom) &&
      (m.ns !== 'mnistFormat' || usesMnist) &&
      (m.ns !== 'schedule' || usesSchedule) &&
      (m.ns !== 'augment' || usesAugment) &&
      (m.ns !== 'progressive' || growth !== undefined) &&
      ((m.ns !== 'metrics' && m.ns !== 'earlyStop') || early !== undefined) &&
      (m.ns !== 'fid' || quality.digitMetric),
  ).map((m) => {
    const src = runtime[m.path];
    if (typeof src !== 'string') throw new ExportError(`The runtime source ${m.path} was not provided.`);
    return embed(m, src, top);
  });
  const gModel = target.params.model as string;
  const kinds = Object.fromEntries(
    plan.nodes.filter((n) => n.type === 'AdversarialLoss').map((n) => [n.id, n.params.kind]),
  );

  const script = [
    comment(
      `Training script for the ganvas project ${lit(project.name ?? 'project')}, exported by \`ganvas export --target ts\`.`,
    ),
    '// Standalone: it needs @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm and seedrandom (a dependency of tfjs), nothing of ganvas.',
    '// Run:  npx tsx this-file.ts [--steps N] [--batch N] [--seed S] [--backend wasm|cpu] [--out DIR] [--mnist FILE] [--every N]',
    '// Prints one JSON line of losses per step; writes DIR/samples/step-N.png and DIR/generator/{model.json,weights.bin}.',
    "// Given the same seed, batch and backend, its losses follow the editor's and `ganvas train`'s run of the project.",
    '/* eslint-disable */',
    "import * as tf from '@tensorflow/tfjs';",
    "import '@tensorflow/tfjs-backend-wasm';",
    "import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';",
    "import { join } from 'node:path';",
    "import { parseArgs } from 'node:util';",
    "import { crc32, deflateSync } from 'node:zlib';",
    ...top,
    '',
    '// ---------------------------------------------------------------- settings',
    `const SETTINGS = ${lit({ seed: s.seed, batchSize: s.batchSize, dStepsPerGStep: s.dStepsPerGStep, emaDecay: s.emaDecay, steps: opts.steps ?? 1000, sampleEvery: opts.sampleEvery ?? 100 })};`,
    ...(ada?.ada
      ? [
          `// ADA's p (Karras et al. 2020), its r_t sum and count over the current interval (float32 values, as ganvas keeps them).`,
          `const ADA = { p: ${lit(Math.fround(ada.p))}, sum: 0, count: 0, settings: ${lit(ada.ada)} };`,
        ]
      : []),
    ...(growth
      ? [
          "// Progressive growing (ganvas' train/progressive.ts): the schedule, and where this step is in it.",
          `const PROGRESSIVE = ${lit(growth)};`,
          'let PHASE = { lod: 0, resolution: PROGRESSIVE.start, alpha: 1, fading: false }; // set at each step',
        ]
      : []),
    ...(early
      ? [
          '// Early stopping (settings.earlyStopping, metric resolved), as ganvas train runs it: every EARLY.every steps',
          "// the figure of the generator's samples (EMA when on), the best generator kept in OUT/best, a stop after",
          '// EARLY.patience evaluations without an improvement by more than EARLY.minDelta (when EARLY.stop).',
          `const EARLY = ${lit(early)} as const;`,
          ...(quality.digitMetric ? [`const DIGITS = ${lit(quality.digits)}; // the generated digits' size`] : []),
        ]
      : []),
    `const args = parseArgs({ options: { steps: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, out: { type: 'string', default: 'ganvas-run' }, mnist: { type: 'string', default: 'public/generated/mnist.bin' }, every: { type: 'string' }${early && quality.digitMetric ? ", classifier: { type: 'string', default: 'public/models/mnist-classifier' }" : ''} } }).values;`,
    'const SEED = args.seed !== undefined ? Number(args.seed) : SETTINGS.seed;',
    'const BATCH = args.batch !== undefined ? Number(args.batch) : SETTINGS.batchSize;',
    'const STEPS = args.steps !== undefined ? Number(args.steps) : SETTINGS.steps;',
    'const EVERY = args.every !== undefined ? Number(args.every) : SETTINGS.sampleEvery;',
    `/** The adversarial loss of each AdversarialLoss node. */`,
    `const KIND: Record<string, AdversarialKind> = ${lit(kinds)};`,
    '/** Written into every picture, with the IPTC mark of AI-generated media. */',
    `const PROVENANCE = ${lit({ project: project.name ?? 'project', projectHash: projectHash(project), tool: 'ganvas export --target ts' })};`,
    externalTypes().AdversarialKind,
    '',
    '// ---------------------------------------------------------------- models',
    ...plan.models.map((name) => {
      const m = a.models.get(name);
      if (!m) throw new ExportError(`Model '${name}' is missing.`);
      return printModel(m, builder(name));
    }),
    '',
    '// ---------------------------------------------------------------- training',
    'function variablesOf(model: tf.LayersModel): tf.Variable[] {',
    '  return model.trainableWeights.map((w) => w.read() as tf.Variable);',
    '}',
    'let models: Record<string, tf.LayersModel> = {};',
    'let samplers: Record<string, datasets.Sampler> = {};',
    usesSchedule
      ? 'let optimizers: { id: string; player: "D" | "G"; optimizer: tf.Optimizer; vars: tf.Variable[]; lr: number; schedule: schedule.LrSchedule }[] = [];'
      : 'let optimizers: { player: "D" | "G"; optimizer: tf.Optimizer; vars: tf.Variable[] }[] = [];',
    'let vars: { D: tf.Variable[]; G: tf.Variable[] } = { D: [], G: [] };',
    'const ema = new Map<tf.Variable, tf.Variable>();',
    '',
    playerFn('D'),
    '',
    playerFn('G'),
    '',
    '/** Swaps the EMA weights in (when EMA is on) and returns what puts the training weights back. */',
    'function swapInEma(): () => void {',
    '  const swap = [...ema].map(([v, e]) => { const keep = v.clone(); v.assign(e); return [v, keep] as const; });',
    '  return () => { for (const [v, keep] of swap) { v.assign(keep); keep.dispose(); } };',
    '}',
    '',
    `/** n samples from ${gModel.replace(/[^\w-]/g, '?')} for the picture: a fixed batch of inputs, the EMA weights when on. */`,
    'function sample(n: number, seed = 12345): tf.Tensor {',
    '  const restore = swapInEma();',
    '  try {',
    '    return random.withSeededMathRandom(`sample:${seed}`, () => tf.tidy(() => {',
    '      const rng = random.makeRng(`sample:${seed}`);',
    ...sampleBody.map((l) => `      ${l}`),
    `      return ${sampleOut};`,
    '    }));',
    '  } finally {',
    '    restore();',
    '  }',
    '}',
    '',
    '/** PNG of an RGBA picture (node:zlib deflate; CRC-32 from node:zlib), marked as AI-generated (docs/provenance.md). */',
    'function writePng(path: string, pic: images.Rgba, step: number): void {',
    '  const chunk = (type: string, data: Uint8Array) => {',
    '    const head = Buffer.alloc(8); head.writeUInt32BE(data.length, 0); head.write(type, 4, "latin1");',
    '    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);',
    '    return Buffer.concat([head, data, crc]);',
    '  };',
    '  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(pic.width, 0); ihdr.writeUInt32BE(pic.height, 4); ihdr.set([8, 6, 0, 0, 0], 8);',
    '  const raw = Buffer.alloc((pic.width * 4 + 1) * pic.height);',
    '  for (let y = 0; y < pic.height; y++) raw.set(pic.data.subarray(y * pic.width * 4, (y + 1) * pic.width * 4), y * (pic.width * 4 + 1) + 1);',
    '  const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]);',
    '  const marked = provenance.markPng(new Uint8Array(png), { ...PROVENANCE, step, seed: SEED });',
    '  writeFileSync(`${path}.tmp`, marked); renameSync(`${path}.tmp`, path);',
    '}',
    '',
    'async function saveSamples(step: number): Promise<void> {',
    ...(growth
      ? [
          '  // At the resolution and fade-in of this point of the schedule.',
          '  progressive.setFadeAlphas(Object.values(models), PROGRESSIVE.final, progressive.progressivePhase(PROGRESSIVE, step * BATCH).lod);',
        ]
      : []),
    `  const x = sample(${lit(sampleCount(a, gModel))});`,
    '  const values = (await x.data()) as Float32Array;',
    '  const shape = x.shape;',
    '  x.dispose();',
    '  mkdirSync(join(args.out!, "samples"), { recursive: true });',
    '  const file = join(args.out!, "samples", `step-${String(step).padStart(6, "0")}.png`);',
    '  if (shape.length === 4) writePng(file, images.imageGrid(values, 64, shape[1]!, shape[2]!, shape[3]!, 8), step);',
    '  else if (shape.length === 2 && shape[1] === 2) writePng(file, images.scatter2d(new Float32Array(0), values, Math.max(...Array.from(values, Math.abs)) * 1.1 + 0.1, 400), step);',
    '}',
    '',
    'async function main(): Promise<void> {',
    "  if (args.backend !== 'wasm' && args.backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, not ${JSON.stringify(args.backend)}`);",
    '  gradients.registerSecondOrderGradients();',
    '  wasmKernels.registerWasmTrainingKernels();',
    ...(usesCustom ? ['  custom.registerCustomLayers();'] : []),
    '  await tf.setBackend(args.backend);',
    '  await tf.ready();',
    "  tf.env().set('PROD', true);",
    "  // Weights initialised from the seed: tfjs' initializers draw from Math.random, seeded here.",
    '  models = random.withSeededMathRandom(`${SEED}:init`, () => ({',
    ...plan.models.map((name) => `    ${lit(name)}: ${builder(name)}(),`),
    '  }));',
    ...(usesMnist
      ? [
          '  let mnist: datasets.MnistData;',
          '  try {',
          '    mnist = mnistFormat.decodeMnistBin(new Uint8Array(readFileSync(args.mnist!)));',
          '  } catch (e) {',
          '    throw new Error(`MNIST digits: cannot read ${args.mnist} (${(e as Error).message}); in the ganvas repository, npx ganvas data writes it, or pass --mnist FILE.`);',
          '  }',
        ]
      : []),
    ...(usesFolder
      ? [
          '  throw new Error("This project trains on a folder of images; the exported script does not read image folders yet (train it with `ganvas train --data DIR`).");',
        ]
      : []),
    '  samplers = {',
    ...plan.nodes
      .filter((n) => n.type === 'Dataset')
      .map(
        (n) =>
          `    ${lit(n.id)}: datasets.createSampler(${lit(n.params)} as datasets.DatasetParams, { ${usesMnist ? 'mnist' : ''} }),`,
      ),
    '  };',
    '  optimizers = [',
    ...(['D', 'G'] as const).flatMap((player) =>
      plan.players[player].optimizers.map(
        (o) =>
          `    { ${usesSchedule ? `id: ${lit(o.id)}, ` : ''}player: ${lit(player)}, optimizer: optim.makeOptimizer(${lit(optimizerParams(o.params))}), vars: [${(o.params.models as string[]).map((m) => `...variablesOf(models[${lit(m)}]!)`).join(', ')}]${usesSchedule ? `, lr: ${lit(o.params.learningRate)}, schedule: ${lit(scheduleOf(o.params))}` : ''} }, ${comment(o.id)}`,
      ),
    ),
    '  ];',
    "  vars = { D: optimizers.filter((o) => o.player === 'D').flatMap((o) => o.vars), G: optimizers.filter((o) => o.player === 'G').flatMap((o) => o.vars) };",
    '  if (SETTINGS.emaDecay > 0) for (const v of vars.G) ema.set(v, tf.variable(v.clone(), false, `ema/${v.name}`));',
    '  await saveSamples(0);',
    ...(early
      ? quality.digitMetric
        ? [
            "  // Early stopping's figure: ganvas' digit figures (fid.ts) on 500 samples of seed 777, as ganvas train computes them.",
            '  let classifier: tf.LayersModel;',
            '  try {',
            "    const json = JSON.parse(readFileSync(join(args.classifier!, 'model.json'), 'utf8'));",
            "    const bin = readFileSync(join(args.classifier!, 'weights.bin'));",
            '    classifier = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));',
            '  } catch (e) {',
            '    throw new Error(`early stopping needs the digit classifier: cannot read ${args.classifier} (${(e as Error).message}); in the ganvas repository it is public/models/mnist-classifier, or pass --classifier DIR`);',
            '  }',
            '  const digitFigures = await fid.digitQuality(classifier, mnist, DIGITS);',
            '  const figures = async (): Promise<Record<string, number>> => {',
            '    const x = sample(500, 777);',
            '    try { return { ...(await digitFigures(x)) }; } finally { x.dispose(); }',
            '  };',
          ]
        : [
            "  // Early stopping's figure: modes covered and the high-quality share of 1,000 samples (ganvas' metrics.ts), as ganvas train.",
            `  const modes = samplers[${lit(plan.nodes.find((n) => n.type === 'Dataset')?.id)}]!.modes!;`,
            '  const figures = async (): Promise<Record<string, number>> => {',
            '    const x = sample(1000);',
            '    const v = (await x.data()) as Float32Array;',
            '    x.dispose();',
            '    const c = metrics.modeCoverage(v, modes.centers, modes.std);',
            '    return { modesCovered: c.covered, highQuality: c.highQuality, modeScore: c.covered + c.highQuality };',
            '  };',
          ]
      : []),
    ...(early
      ? [
          '  const stopper = new earlyStop.EarlyStopper(EARLY.metric, EARLY.patience, EARLY.minDelta, EARLY.stop);',
          '  const label = earlyStop.METRIC_INFO[EARLY.metric].label;',
          '  let stopped: string | undefined;',
        ]
      : []),
    '  for (let step = 0; step < STEPS; step++) {',
    ...(growth
      ? [
          '    // The phase after step x batch images: a function of the step alone, so a resumed run continues mid-fade.',
          '    PHASE = progressive.progressivePhase(PROGRESSIVE, step * BATCH);',
          '    progressive.setFadeAlphas(Object.values(models), PROGRESSIVE.final, PHASE.lod);',
        ]
      : []),
    ...(usesSchedule
      ? [
          "    // Each optimizer's learning rate at this step (ganvas' schedule.ts): a function of the step alone.",
          '    const rates = optimizers.map((o) => schedule.learningRateAt(o.schedule, o.lr, step));',
          '    optimizers.forEach((o, i) => schedule.setLearningRate(o.optimizer, rates[i]!));',
        ]
      : []),
    '    const kept = new Map<string, tf.Scalar>();',
    ...(ada?.ada
      ? [
          "    // Every D update computes its figures: ADA needs each one's E[sign D(real)]; the last one's are reported.",
          '    const signs: tf.Tensor[] = [];',
          "    for (let k = 0; k < SETTINGS.dStepsPerGStep; k++) for (const [name, v] of trainD(step, k, true)) { if (name === 'E[sign D(real)]') signs.push(tf.clone(v)); kept.get(name)?.dispose(); kept.set(name, v); }",
        ]
      : [
          "    // Only the last D update's figures are reported, so only it computes them.",
          '    for (let k = 0; k < SETTINGS.dStepsPerGStep; k++) for (const [name, v] of trainD(step, k, k === SETTINGS.dStepsPerGStep - 1)) kept.set(name, v);',
        ]),
    '    for (const [name, v] of trainG(step, 0, true)) kept.set(name, v);',
    '    if (SETTINGS.emaDecay > 0) tf.tidy(() => { for (const [v, e] of ema) e.assign(tf.add(tf.mul(e, SETTINGS.emaDecay), tf.mul(v, 1 - SETTINGS.emaDecay))); });',
    `    // One asynchronous read for all of the step's figures${ada?.ada ? " and ADA's signs" : ''} (each read of a GPU tensor waits for its queue).`,
    `    const parts = [...kept.values()${ada?.ada ? ', ...signs' : ''}];`,
    '    const all = tf.tidy(() => tf.concat(parts.map((t) => tf.reshape(t, [-1]))));',
    '    const values = await all.data();',
    '    tf.dispose([all, ...parts]);',
    '    const line: Record<string, number> = { step: step + 1 };',
    '    [...kept.keys()].forEach((name, i) => (line[name] = values[i]!));',
    ...(usesSchedule ? ['    optimizers.forEach((o, i) => (line[`lr/${o.id}`] = rates[i]!));'] : []),
    ...(growth
      ? ["    line['progressive/resolution'] = PHASE.resolution;", "    line['progressive/alpha'] = PHASE.alpha;"]
      : []),
    ...(ada?.ada
      ? [
          "    // ADA's feedback (ganvas' Trainer.adaUpdate): r_t = mean E[sign(D(real))] over ADA.settings.interval steps moves p.",
          '    for (const d of values.subarray(kept.size)) ADA.sum = Math.fround(ADA.sum + d);',
          '    ADA.count += signs.length;',
          '    if ((step + 1) % ADA.settings.interval === 0 && ADA.count > 0) {',
          '      const rt = Math.fround(ADA.sum / ADA.count);',
          '      ADA.p = Math.fround(augment.adaAdjust(ADA.p, rt, BATCH, ADA.settings));',
          '      ADA.sum = 0;',
          '      ADA.count = 0;',
          "      line['ada/rt'] = rt;",
          '    }',
          "    line['ada/p'] = ADA.p;",
        ]
      : []),
    '    console.log(JSON.stringify(line));',
    '    if (!Object.values(line).every(Number.isFinite)) throw new Error(`training diverged at step ${step + 1}`);',
    '    if ((step + 1) % EVERY === 0 || step + 1 === STEPS) await saveSamples(step + 1);',
    ...(early
      ? [
          '    if ((step + 1) % EARLY.every === 0) {',
          ...(growth
            ? [
                '      progressive.setFadeAlphas(Object.values(models), PROGRESSIVE.final, progressive.progressivePhase(PROGRESSIVE, (step + 1) * BATCH).lod);',
              ]
            : []),
          '      const q = await figures();',
          '      const ev = stopper.observe(step + 1, q[EARLY.metric]!);',
          "      console.log(JSON.stringify({ type: 'evaluation', ...ev, quality: q }));",
          "      console.error(`step ${step + 1}: ${label} ${earlyStop.fmtFigure(ev.value)}${ev.improved ? ' (new best, saved to best/)' : `; best ${earlyStop.fmtFigure(ev.best.value)} at step ${earlyStop.fmtFigure(ev.best.step)}`}`);",
          "      if (ev.improved) await saveGenerator(join(args.out!, 'best', 'generator'), true);",
          '      if (ev.stop) {',
          '        stopped = ev.stop;',
          '        if (!((step + 1) % EVERY === 0 || step + 1 === STEPS)) await saveSamples(step + 1);',
          '        break;',
          '      }',
          '    }',
        ]
      : []),
    '  }',
    ...(early ? ['  if (stopped) console.error(stopped);'] : []),
    '  await saveGenerator(join(args.out!, "generator"));',
    '}',
    '',
    "/** The generator in tfjs' format (model.json, weights.bin) in dir; with sampleWeights, the weights samples use (EMA when on). */",
    'async function saveGenerator(dir: string, sampleWeights = false): Promise<void> {',
    `  const generator = models[${lit(gModel)}]!;`,
    '  const restore = sampleWeights ? swapInEma() : () => {};',
    '  try {',
    '    mkdirSync(dir, { recursive: true });',
    '    await generator.save(tf.io.withSaveHandler(async (art) => {',
    '      const json = { modelTopology: art.modelTopology, format: "layers-model", generatedBy: "ganvas export", convertedBy: null, weightsManifest: [{ paths: ["weights.bin"], weights: art.weightSpecs ?? [] }] };',
    '      writeFileSync(join(dir, "model.json"), JSON.stringify(json));',
    '      writeFileSync(join(dir, "weights.bin"), new Uint8Array(art.weightData as ArrayBuffer));',
    '      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };',
    '    }));',
    '  } finally {',
    '    restore();',
    '  }',
    '}',
    '',
    '// ================================================================ library',
    "// ganvas' runtime, embedded unchanged (imports rewritten): datasets, seeded randomness, losses, optimizers,",
    '// pictures, the tfjs 4.22 gradient and WASM kernel fixes, and the custom layers.',
    ...modules,
    '',
    '// Runs once the library above is defined.',
    'main().catch((e: unknown) => {',
    '  console.error(e instanceof Error ? e.message : e);',
    '  process.exit(1);',
    '});',
    '',
  ].join('\n');
  return script;
}
