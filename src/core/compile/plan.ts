/**
 * Compiles the training graph into a TrainingPlan, and walks it.
 *
 * The plan: the evaluation order of the training graph's nodes, each with
 * its op (the registry's data-level description of what it computes, see
 * nodes/training.ts TrainingOp) and resolved inputs, and for each player (D,
 * G) its optimizers, the models they train and the loss terms of its
 * objective.
 *
 * The walk: which nodes a player's update evaluates outside its gradient
 * tape, which inside, and which terms it sums (playerProgram); which nodes a
 * sample picture needs (sampleProgram). emitNodes runs such a list through a
 * TrainingEmitter, generic over what a value is: the tfjs trainer's emitter
 * evaluates tensors (train/trainer.ts), the TypeScript exporter's prints
 * expressions (codegen/typescript.ts). A new target is one more emitter.
 */
import type { Player, TrainingOp } from '../nodes/training.js';
import { VALUE_OPS } from '../nodes/training.js';
import type { TrainingSettings } from '../project/schema.js';
import type { ProjectAnalysis } from '../shapes/project.js';

export interface PlanInput {
  /** The input port. */
  port: string;
  /** The node and output port that feed it. */
  node: string;
  sourcePort: string;
}

export interface PlanNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
  /** What it computes; undefined for nodes that compute nothing (Optimizer). */
  op?: TrainingOp;
  /** Inputs in port order. */
  inputs: PlanInput[];
  outputPorts: string[];
  /** The input ports each player's term reads, where not all (see TrainingNodeDef.reads). */
  reads?: Partial<Record<Player, string[]>>;
  /**
   * For a gradient penalty whose critic has several inputs (a label): the
   * critic's arguments in its port order, `null` where the penalized samples
   * go, else the value the critic's call on the same samples takes.
   */
  criticArgs?: (PlanInput | null)[];
  /**
   * For a gradient penalty whose critic has several outputs (ACGAN's logit and
   * class logits): which output is penalized, the one an adversarial loss reads.
   */
  criticOutput?: number;
}

export interface PlayerPlan {
  optimizers: PlanNode[];
  models: string[];
  /** Loss and regularizer nodes whose terms sum to this player's objective. */
  terms: PlanNode[];
}

export interface TrainingPlan {
  settings: TrainingSettings;
  nodes: PlanNode[];
  players: Record<Player, PlayerPlan>;
  /** Every model the training graph calls. */
  models: string[];
}

export class PlanError extends Error {}

export function compileTrainingPlan(a: ProjectAnalysis): TrainingPlan {
  const project = a.project;
  if (!project?.training || !a.training?.complete || a.status !== 'ok')
    throw new PlanError('The training graph has errors; validate the project first.');
  const nodes: PlanNode[] = a.training.order.map((n) => {
    const op = n.def.op?.(n.params);
    const reads = n.def.reads
      ? Object.fromEntries(n.def.players?.(n.params).map((p) => [p, n.def.reads?.(n.params, p) ?? []]) ?? [])
      : undefined;
    return {
      id: n.id,
      type: n.type,
      params: n.params,
      ...(op ? { op } : {}),
      ...(reads ? { reads } : {}),
      inputs: n.inputPorts.map((port, k) => {
        const s = n.sources[k] as { node: string; port: string };
        return { port, node: s.node, sourcePort: s.port };
      }),
      outputPorts: n.outputPorts,
    };
  });
  for (const n of nodes) {
    if (n.op?.op !== 'penalty' || (a.models.get(n.op.critic)?.outputs.length ?? 0) < 2) continue;
    const critic = n.op.critic;
    const calls = nodes.filter((c) => c.op?.op === 'call' && c.op.model === critic);
    const read = nodes
      .filter((c) => c.op?.op === 'adversarial')
      .flatMap((c) => c.inputs)
      .map((i) => {
        const call = calls.find((c) => c.id === i.node);
        return call ? call.outputPorts.indexOf(i.sourcePort) : -1;
      })
      .find((k) => k >= 0);
    n.criticOutput = read ?? 0;
  }
  for (const n of nodes) {
    if (n.op?.op !== 'penalty' || (a.models.get(n.op.critic)?.inputs.length ?? 0) < 2) continue;
    const critic = n.op.critic;
    const fed = n.inputs[0] as PlanInput;
    const same = (i: PlanInput) => i.node === fed.node && i.sourcePort === fed.sourcePort;
    const call = nodes.find((c) => c.op?.op === 'call' && c.op.model === critic && c.inputs.some(same));
    if (!call)
      throw new PlanError(
        `GradientPenalty '${n.id}': critic '${critic}' has several inputs, but no call of it takes the samples the penalty gets; wire the penalty to the same samples as a '${critic}' call.`,
      );
    n.criticArgs = call.inputs.map((i) => (same(i) ? null : i));
  }
  const players: Record<Player, PlayerPlan> = {
    D: { optimizers: [], models: [], terms: [] },
    G: { optimizers: [], models: [], terms: [] },
  };
  a.training.order.forEach((info, k) => {
    const plan = nodes[k] as PlanNode;
    if (info.type === 'Optimizer') {
      const p = players[info.params.player as Player];
      p.optimizers.push(plan);
      p.models.push(...(info.params.models as string[]));
    }
    for (const player of info.def.players?.(info.params) ?? []) players[player].terms.push(plan);
  });
  const models = [...new Set(nodes.flatMap((n) => (n.op?.op === 'call' ? [n.op.model] : [])))];
  return { settings: project.training.settings, nodes, players, models };
}

const indexes = new WeakMap<TrainingPlan, ReadonlyMap<string, PlanNode>>();
/** The plan's nodes by id, built once per plan (emitNodes runs at every step). */
function nodesById(plan: TrainingPlan): ReadonlyMap<string, PlanNode> {
  let m = indexes.get(plan);
  if (!m) {
    m = new Map(plan.nodes.map((n) => [n.id, n]));
    indexes.set(plan, m);
  }
  return m;
}

/** Whether a node produces values (data, noise, labels, model calls) rather than a loss term. */
export function isValueNode(n: PlanNode): boolean {
  return n.op !== undefined && VALUE_OPS.has(n.op.op);
}

/**
 * The nodes whose values depend on the given models' weights: they are
 * evaluated inside that player's gradient tape (calls of those models, a
 * penalty on one of them as critic, and everything downstream).
 */
export function playerNodes(plan: TrainingPlan, models: string[]): Set<string> {
  const inside = new Set<string>();
  for (const n of plan.nodes) {
    const own = n.op?.op === 'call' && models.includes(n.op.model);
    const penaltyOnOwn = n.op?.op === 'penalty' && models.includes(n.op.critic);
    if (own || penaltyOnOwn || n.inputs.some((i) => inside.has(i.node))) inside.add(n.id);
  }
  return inside;
}

/** One player's update: evaluate `outside` (no gradient), then within the tape `inside`, and sum `terms`. */
export interface PlayerProgram {
  player: Player;
  /** Value nodes that do not depend on the player's models. */
  outside: PlanNode[];
  /** Value nodes that do, and the player's loss terms, in plan order. */
  inside: PlanNode[];
  /** The player's loss terms (a subset of `inside`), summed into its objective. */
  terms: PlanNode[];
}

/**
 * A player's update: its terms (loss nodes of the player that depend on its
 * models) and only the values they read, transitively; a term reads all its
 * inputs but where its node says otherwise (G's adversarial term reads D on
 * fake samples only), and a penalty also what its critic's call takes.
 */
export function playerProgram(plan: TrainingPlan, player: Player): PlayerProgram {
  const inside = playerNodes(plan, plan.players[player].models);
  const terms = plan.players[player].terms.filter((t) => inside.has(t.id));
  if (terms.length === 0) throw new PlanError(`Player ${player} has no loss term that depends on its models.`);
  const byId = nodesById(plan);
  const needed = new Set<string>();
  const visit = (n: PlanNode, ports?: string[]): void => {
    if (needed.has(n.id)) return;
    needed.add(n.id);
    const sources = [...n.inputs.filter((i) => !ports || ports.includes(i.port)), ...(n.criticArgs ?? [])];
    for (const s of sources) if (s) visit(byId.get(s.node) as PlanNode);
  };
  for (const t of terms) visit(t, t.reads?.[player]);
  return {
    player,
    outside: plan.nodes.filter((n) => needed.has(n.id) && !inside.has(n.id) && isValueNode(n)),
    inside: plan.nodes.filter((n) => needed.has(n.id) && inside.has(n.id) && (isValueNode(n) || terms.includes(n))),
    terms,
  };
}

/**
 * The ModelCall whose output is the generated sample: the first call of a G
 * model whose output a D model judges (StyleGAN's synthesis network, not its
 * mapping network), possibly through Augment nodes, else the first call of a G model.
 */
export function sampleCall(plan: TrainingPlan): PlanNode | undefined {
  const calls = (models: string[]) => plan.nodes.filter((n) => n.op?.op === 'call' && models.includes(n.op.model));
  const gCalls = calls(plan.players.G.models);
  const dCalls = calls(plan.players.D.models);
  const byId = nodesById(plan);
  // Through Augment nodes: D judges G's output after its augmentation.
  const from = (i: PlanInput, g: string): boolean => {
    if (i.node === g) return true;
    const n = byId.get(i.node);
    return n?.op?.op === 'augment' && n.inputs.some((j) => from(j, g));
  };
  const judged = gCalls.find((g) => dCalls.some((d) => d.inputs.some((i) => from(i, g.id))));
  return judged ?? gCalls[0];
}

/** What a sample picture evaluates: the sample call and what feeds it, in plan order. */
export function sampleProgram(plan: TrainingPlan): { target: PlanNode; nodes: PlanNode[] } {
  const target = sampleCall(plan);
  if (!target) throw new PlanError('The training graph calls no generator.');
  const byId = nodesById(plan);
  const needed = new Set<string>();
  const visit = (id: string): void => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const i of (byId.get(id) as PlanNode).inputs) visit(i.node);
  };
  visit(target.id);
  return { target, nodes: plan.nodes.filter((n) => needed.has(n.id)) };
}

/** Where an emitter evaluates or prints: for which player's update (or a sample), in training mode or not. */
export interface EmitContext {
  player: Player | 'sample';
  training: boolean;
}

/** The values a node's inputs take, as the emitter represents them. */
export interface EmitInputs<V> {
  /** The value on one of the node's input ports. */
  get(port: string): V;
  /** Whether the port is wired (optional ports such as a penalty's 'real'). */
  has(port: string): boolean;
  /** The value of any already-emitted node's output (a critic's other arguments). */
  of(input: PlanInput): V;
}

/** One target of the training graph: evaluates (tfjs) or prints (code) one node's op. */
export interface TrainingEmitter<V> {
  /** The values of the node's output ports, in port order. */
  emit(node: PlanNode & { op: TrainingOp }, inputs: EmitInputs<V>, ctx: EmitContext): V[];
}

/**
 * Runs nodes, in the order given, through an emitter; each node's outputs
 * are stored in `values` (which may hold values from an earlier walk).
 */
export function emitNodes<V>(
  plan: TrainingPlan,
  nodes: readonly PlanNode[],
  emitter: TrainingEmitter<V>,
  values: Map<string, V[]>,
  ctx: EmitContext,
): void {
  const byId = nodesById(plan);
  const of = (src: PlanInput): V => {
    const from = byId.get(src.node) as PlanNode;
    const v = values.get(src.node)?.[from.outputPorts.indexOf(src.sourcePort)];
    if (v === undefined) throw new PlanError(`The value of '${src.node}.${src.sourcePort}' is missing.`);
    return v;
  };
  for (const n of nodes) {
    if (!n.op) continue;
    const inputs: EmitInputs<V> = {
      get: (port) => {
        const src = n.inputs.find((i) => i.port === port);
        if (!src) throw new PlanError(`'${n.id}' has no input '${port}'.`);
        return of(src);
      },
      has: (port) => n.inputs.some((i) => i.port === port),
      of,
    };
    values.set(n.id, emitter.emit(n as PlanNode & { op: TrainingOp }, inputs, ctx));
  }
}
