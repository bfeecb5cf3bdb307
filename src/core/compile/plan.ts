/**
 * Compiles the training graph into a TrainingPlan: the evaluation order of
 * its nodes with resolved inputs, and for each player (D, G) its
 * optimizers, the models they train, and the loss terms of its objective.
 * The training loop (src/core/train) runs a plan.
 */
import type { Player } from '../nodes/training.js';
import type { TrainingSettings } from '../project/schema.js';
import type { ProjectAnalysis } from '../validate.js';

export interface PlanNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
  /** Inputs in port order: [port name, source node id, source port]. */
  inputs: { port: string; node: string; sourcePort: string }[];
  outputPorts: string[];
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
  if (!project?.training || !a.training?.complete || a.status !== 'ok') throw new PlanError('The training graph has errors; validate the project first.');
  const nodes: PlanNode[] = a.training.order.map((n) => ({
    id: n.id,
    type: n.type,
    params: n.params,
    inputs: n.inputPorts.map((port, k) => {
      const s = n.sources[k] as { node: string; port: string };
      return { port, node: s.node, sourcePort: s.port };
    }),
    outputPorts: n.outputPorts,
  }));
  const players: Record<Player, PlayerPlan> = {
    D: { optimizers: [], models: [], terms: [] },
    G: { optimizers: [], models: [], terms: [] },
  };
  for (const info of a.training.order) {
    const plan = nodes.find((p) => p.id === info.id) as PlanNode;
    if (info.type === 'Optimizer') {
      const p = players[info.params.player as Player];
      p.optimizers.push(plan);
      p.models.push(...(info.params.models as string[]));
    }
    for (const player of info.def.players?.(info.params) ?? []) players[player].terms.push(plan);
  }
  const models = [...new Set(nodes.filter((n) => n.type === 'ModelCall').map((n) => n.params.model as string))];
  return { settings: project.training.settings, nodes, players, models };
}

/** The node types a player's update evaluates before (outside) and within its tape; loss terms come after them. */
export const SOURCE_OR_CALL = new Set(['Dataset', 'NoiseSource', 'LabelSource', 'ModelCall']);

/**
 * The nodes whose values depend on the given models' weights: they are
 * evaluated inside that player's gradient tape (calls of those models, a
 * penalty on one of them as critic, and everything downstream).
 */
export function playerNodes(plan: TrainingPlan, models: string[]): Set<string> {
  const inside = new Set<string>();
  for (const n of plan.nodes) {
    const own = n.type === 'ModelCall' && models.includes(n.params.model as string);
    const penaltyOnOwn = n.type === 'GradientPenalty' && models.includes(n.params.critic as string);
    if (own || penaltyOnOwn || n.inputs.some((i) => inside.has(i.node))) inside.add(n.id);
  }
  return inside;
}

/**
 * The ModelCall whose output is the generated sample: the first call of a G
 * model whose output a D model judges (StyleGAN's synthesis network, not its
 * mapping network), else the first call of a G model.
 */
export function sampleCall(plan: TrainingPlan): PlanNode | undefined {
  const gCalls = plan.nodes.filter((n) => n.type === 'ModelCall' && plan.players.G.models.includes(n.params.model as string));
  const judged = gCalls.find((g) => plan.nodes.some((n) => n.type === 'ModelCall' && plan.players.D.models.includes(n.params.model as string) && n.inputs.some((i) => i.node === g.id)));
  return judged ?? gCalls[0];
}
