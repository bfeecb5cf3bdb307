/**
 * Trainability: a training graph can be valid node by node and still give a
 * player nothing to learn from, e.g. an AdversarialLoss fed the data and the
 * generator's samples directly, with no discriminator call in between. The
 * training loop refuses such a graph at its first step ("Player D has no loss
 * term that depends on its models"); this check reports the same thing as a
 * located diagnostic during validation, so that `validate` says it and
 * `train` refuses before writing anything.
 *
 * The rule is the training loop's (compile/plan.ts `playerNodes`): a node
 * depends on a player's models when it calls one of them, is a penalty with
 * one of them as critic, or takes an input from such a node. Each step
 * updates D and then G, so each player needs at least one loss term that
 * depends on its own models.
 */
import { type Diagnostic, diag } from '../diagnostics.js';
import type { Player } from '../nodes/training.js';
import type { Locator } from './structure.js';
import type { TrainingAnalysis, TrainingNodeInfo } from './training.js';

const PLAYERS: Player[] = ['D', 'G'];

/** The ids of the nodes (in evaluation order) whose values depend on the given models' weights. */
export function dependsOnModels(order: readonly TrainingNodeInfo[], models: ReadonlySet<string>): Set<string> {
  const inside = new Set<string>();
  for (const n of order) {
    const own = n.type === 'ModelCall' && models.has(n.params.model as string);
    const penaltyOnOwn = n.type === 'GradientPenalty' && models.has(n.params.critic as string);
    if (own || penaltyOnOwn || n.sources.some((s) => s !== undefined && inside.has(s.node))) inside.add(n.id);
  }
  return inside;
}

/** UNTRAINABLE diagnostics of a complete training analysis (none for an incomplete one: it has its own errors). */
export function trainabilityDiagnostics(t: TrainingAnalysis, locate: Locator = () => undefined): Diagnostic[] {
  if (!t.complete) return [];
  const out: Diagnostic[] = [];
  const at = (n: TrainingNodeInfo | undefined) => {
    const path = n ? ['training', 'nodes', n.index] : ['training'];
    return { graph: 'training', ...(n ? { nodeId: n.id } : {}), path, ...(locate(path) ?? {}) };
  };
  for (const player of PLAYERS) {
    const optimizers = t.order.filter((n) => n.type === 'Optimizer' && n.params.player === player);
    const models = new Set(optimizers.flatMap((o) => (o.params.models as string[] | undefined) ?? []));
    const terms = t.order.filter((n) => n.def.players?.(n.params).includes(player));
    const inside = dependsOnModels(t.order, models);
    if (terms.some((n) => inside.has(n.id))) continue;
    const owned = models.size > 0 ? `its models (${[...models].map((m) => `'${m}'`).join(', ')})` : 'its models (none)';
    const first = terms[0];
    const fix =
      player === 'D'
        ? 'Call the discriminator on the real and on the generated samples (ModelCall nodes) ' +
          'and feed its outputs to the loss.'
        : "Feed the generator's samples (through the discriminator) into the adversarial loss.";
    const termsText =
      terms.length > 0 ? `its loss terms (${terms.map((n) => `'${n.id}'`).join(', ')})` : 'no loss term';
    out.push(
      diag(
        'UNTRAINABLE',
        `Player ${player} has no loss term that depends on ${owned}: ${termsText} ` +
          `${terms.length > 0 ? 'take no input computed by them' : 'is defined for it'}, ` +
          'so no gradient reaches its weights ' +
          `and training would stop at its first step. ${fix}`,
        at(first ?? optimizers[0]),
      ),
    );
  }
  return out;
}
