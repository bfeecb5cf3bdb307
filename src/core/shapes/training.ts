/**
 * Checks the training graph: what feeds each model call, losses,
 * regularizers and optimizers, and that datasets, models and labels agree.
 */
import { diag, type Diagnostic, type DiagnosticCode } from '../diagnostics.js';
import { fmtShape } from '../nodes/helpers.js';
import { getTrainingNodeDef, type AnyTrainingNodeDef, type Player } from '../nodes/training.js';
import type { TensorType } from '../nodes/types.js';
import { NAME_PATTERN, NAME_RULE, type TrainingGraph } from '../project/schema.js';
import type { Locator, ModelAnalysis } from './infer.js';

export interface TrainingNodeInfo {
  id: string;
  type: string;
  def: AnyTrainingNodeDef;
  params: Record<string, unknown>;
  index: number;
  inputPorts: string[];
  outputPorts: string[];
  /** For each input port, its source (node id and output port). */
  sources: ({ node: string; port: string } | undefined)[];
  outputs?: TensorType[];
}

export interface TrainingAnalysis {
  order: TrainingNodeInfo[];
  nodes: Map<string, TrainingNodeInfo>;
  complete: boolean;
}

export function analyzeTraining(
  training: TrainingGraph,
  models: ReadonlyMap<string, ModelAnalysis>,
  locate: Locator,
  out: Diagnostic[],
): TrainingAnalysis {
  const label = 'training';
  const base = ['training'];
  const at = (path: (string | number)[], nodeId?: string, port?: string) => {
    const lc = locate(path);
    return { graph: label, path, ...(nodeId !== undefined ? { nodeId } : {}), ...(port !== undefined ? { port } : {}), ...(lc ?? {}) };
  };
  const nodes = new Map<string, TrainingNodeInfo>();
  let complete = true;

  training.nodes.forEach((n, i) => {
    const path = [...base, 'nodes', i];
    if (!NAME_PATTERN.test(n.id)) {
      out.push(diag('BAD_NAME', `Node id ${JSON.stringify(n.id).slice(0, 80)} is not allowed: use ${NAME_RULE}.`, at([...path, 'id'])));
      complete = false;
      return;
    }
    if (nodes.has(n.id)) {
      out.push(diag('DUPLICATE_ID', `Node id '${n.id}' is used twice in the training graph. Rename one.`, at([...path, 'id'], n.id)));
      complete = false;
      return;
    }
    const def = getTrainingNodeDef(n.type);
    if (!def) {
      out.push(
        diag('UNKNOWN_NODE_TYPE', `Training node '${n.id}' has type ${JSON.stringify(n.type).slice(0, 80)}, which ganvas does not know. Training nodes: Dataset, NoiseSource, LabelSource, ModelCall, AdversarialLoss, GradientPenalty, Reconstruction, AuxClassifier, Optimizer.`, at([...path, 'type'], n.id)),
      );
      complete = false;
      return;
    }
    const parsed = def.params.safeParse(n.params ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = issue.path.map(String).join('.');
        out.push(diag('PARAM', `${def.title} '${n.id}': ${key ? `param '${key}'` : 'params'}: ${issue.message}.`, at([...path, 'params', ...issue.path.filter((x): x is string | number => typeof x !== 'symbol')], n.id)));
      }
      complete = false;
      return;
    }
    const params = parsed.data as Record<string, unknown>;
    let refsOk = true;
    for (const ref of def.modelRefs?.(params) ?? []) {
      if (!models.has(ref)) {
        out.push(
          diag('UNKNOWN_MODEL', `${def.title} '${n.id}' refers to model ${JSON.stringify(ref).slice(0, 80)}, which the project does not define. Models: ${[...models.keys()].join(', ') || 'none'}.`, at([...path, 'params'], n.id)),
        );
        refsOk = false;
      }
    }
    if (!refsOk) {
      complete = false;
      return;
    }
    nodes.set(n.id, {
      id: n.id,
      type: n.type,
      def,
      params,
      index: i,
      inputPorts: def.inputs(params, models).map((p) => p.name),
      outputPorts: def.outputs(params, models).map((p) => p.name),
      sources: [],
    });
  });

  const succ = new Map<string, string[]>();
  training.edges.forEach((e, i) => {
    const path = [...base, 'edges', i];
    const s = nodes.get(e.source);
    const t = nodes.get(e.target);
    const known = new Set(training.nodes.map((n) => n.id));
    if (!known.has(e.source) || !known.has(e.target)) {
      out.push(diag('EDGE_UNKNOWN_NODE', `Edge ${i} refers to node ${JSON.stringify(!known.has(e.source) ? e.source : e.target).slice(0, 60)}, which the training graph does not have.`, at([...path, !known.has(e.source) ? 'source' : 'target'])));
      complete = false;
      return;
    }
    if (!s || !t) return; // the node itself was reported
    const aliasOut = s.outputPorts.length === 1 && e.sourcePort === 'out' ? s.outputPorts[0] : e.sourcePort;
    const aliasIn = t.inputPorts.length === 1 && e.targetPort === 'in' ? t.inputPorts[0] : e.targetPort;
    if (!s.outputPorts.includes(aliasOut as string)) {
      out.push(diag('EDGE_UNKNOWN_PORT', `Edge ${i}: '${s.id}' (${s.type}) has no output '${e.sourcePort}'. Its outputs: ${s.outputPorts.join(', ') || 'none'}.`, at([...path, 'sourcePort'], s.id, e.sourcePort)));
      complete = false;
      return;
    }
    const k = t.inputPorts.indexOf(aliasIn as string);
    if (k < 0) {
      out.push(diag('EDGE_UNKNOWN_PORT', `Edge ${i}: '${t.id}' (${t.type}) has no input '${e.targetPort}'. Its inputs: ${t.inputPorts.join(', ') || 'none'}.`, at([...path, 'targetPort'], t.id, e.targetPort)));
      complete = false;
      return;
    }
    if (t.sources[k]) {
      out.push(diag('PORT_MULTIPLE', `Input '${aliasIn}' of '${t.id}' is driven by two edges. Remove one.`, at(path, t.id, aliasIn)));
      complete = false;
      return;
    }
    t.sources[k] = { node: s.id, port: aliasOut as string };
    succ.set(s.id, [...(succ.get(s.id) ?? []), t.id]);
  });

  // Topological order (Kahn), JSON order among ready nodes.
  const indeg = new Map<string, number>([...nodes.keys()].map((k) => [k, 0]));
  for (const ts of succ.values()) for (const t of ts) indeg.set(t, (indeg.get(t) ?? 0) + 1);
  const queue = [...nodes.keys()].filter((k) => indeg.get(k) === 0);
  const order: TrainingNodeInfo[] = [];
  while (queue.length) {
    const id = queue.shift() as string;
    order.push(nodes.get(id) as TrainingNodeInfo);
    for (const t of succ.get(id) ?? []) {
      indeg.set(t, (indeg.get(t) ?? 0) - 1);
      if (indeg.get(t) === 0) queue.push(t);
    }
  }
  if (order.length < nodes.size) {
    const stuck = [...nodes.values()].filter((n) => (indeg.get(n.id) ?? 0) > 0);
    out.push(diag('CYCLE', `The training graph has a cycle through ${stuck.map((n) => `'${n.id}'`).join(', ')}. Remove an edge.`, at([...base, 'nodes', stuck[0]!.index], stuck[0]!.id)));
    return { order: [], nodes, complete: false };
  }

  for (const info of order) {
    const path = [...base, 'nodes', info.index];
    if (info.type === 'ModelCall') {
      const m = models.get(info.params.model as string) as ModelAnalysis;
      if (!m.complete) {
        complete = false;
        continue; // the model's own diagnostics say why
      }
    }
    const types: TensorType[] = [];
    const descr: string[] = [];
    let blocked = false;
    info.inputPorts.forEach((port, k) => {
      const src = info.sources[k];
      if (!src) {
        out.push(diag('UNCONNECTED_INPUT', `${info.def.title} '${info.id}' has nothing connected to '${port}'. Wire a tensor into it.`, at(path, info.id, port)));
        blocked = true;
        return;
      }
      const s = nodes.get(src.node) as TrainingNodeInfo;
      const t = s.outputs?.[s.outputPorts.indexOf(src.port)];
      if (!t) {
        blocked = true;
        return;
      }
      types.push(t);
      descr.push(`'${s.id}'${s.outputPorts.length > 1 ? `.${src.port}` : ''} gives ${fmtShape(t.shape)}`);
    });
    if (blocked) {
      complete = false;
      continue;
    }
    const r = info.def.infer({ params: info.params, id: info.id, inputs: types, sources: descr, models });
    if ('problems' in r) {
      for (const p of r.problems) {
        let code: DiagnosticCode = p.code;
        if (info.type === 'ModelCall' && p.port !== undefined) {
          const k = info.inputPorts.indexOf(p.port);
          const srcType = k >= 0 ? nodes.get(info.sources[k]?.node ?? '')?.type : undefined;
          if (srcType === 'ModelCall') code = 'MODEL_MISMATCH';
          else if (srcType === 'Dataset') code = 'DATASET_SHAPE';
        }
        out.push(diag(code, p.message, at(path, info.id, p.port)));
      }
      complete = false;
      continue;
    }
    info.outputs = r.outputs;
  }

  // Class counts must agree across datasets, label sources, classifier
  // losses and the Label/Embedding nodes of the models that are called.
  const counts: { n: number; where: string; path: (string | number)[]; nodeId: string }[] = [];
  for (const info of order) {
    const n = info.def.classes?.(info.params) ?? 0;
    if (n > 0 && !(info.type === 'Dataset' && !usesPort(info, 'label', nodes))) counts.push({ n, where: `${info.def.title} '${info.id}'`, path: [...base, 'nodes', info.index], nodeId: info.id });
  }
  const called = new Set(order.filter((n) => n.type === 'ModelCall').map((n) => n.params.model as string));
  for (const name of called) {
    const m = models.get(name);
    for (const node of m?.order ?? []) {
      const n = node.type === 'Label' || node.type === 'Embedding' ? (node.params.numClasses as number) : 0;
      if (n > 0) counts.push({ n, where: `${node.type} '${node.id}' of model '${name}'`, path: node.origin.path, nodeId: node.id });
    }
  }
  const reference = counts[0];
  for (const c of counts.slice(1)) {
    if (reference && c.n !== reference.n) {
      const lc = locate(c.path);
      out.push(
        diag('LABEL_COUNT', `${c.where} assumes ${c.n} classes but ${reference.where} has ${reference.n}. Make them agree.`, {
          graph: c.path[0] === 'training' ? 'training' : String(c.path[1]),
          nodeId: c.nodeId,
          path: c.path,
          ...(lc ?? {}),
        }),
      );
    }
  }

  // The game needs an adversarial loss and an optimizer for each player with losses.
  const losses = order.filter((n) => n.def.players);
  if (!order.some((n) => n.type === 'AdversarialLoss')) {
    out.push(diag('TRAINING_GRAPH', 'The training graph has no AdversarialLoss node, so there is no game to train. Add one and wire D\'s outputs on real and fake samples into it.', at(base)));
    complete = false;
  }
  const optimizers = order.filter((n) => n.type === 'Optimizer');
  for (const player of ['D', 'G'] as Player[]) {
    const needs = losses.some((n) => n.def.players?.(n.params).includes(player));
    const has = optimizers.some((o) => o.params.player === player);
    if (needs && !has) {
      out.push(diag('TRAINING_GRAPH', `No Optimizer trains player ${player}, though losses are defined for it. Add an Optimizer node with player "${player}" and its models.`, at(base)));
      complete = false;
    }
  }
  const owner = new Map<string, string>();
  for (const o of optimizers) {
    for (const m of o.params.models as string[]) {
      const prev = owner.get(m);
      if (prev !== undefined) {
        out.push(diag('TRAINING_GRAPH', `Model '${m}' is trained by two optimizers ('${prev}' and '${o.id}'). Each model belongs to one player.`, at([...base, 'nodes', o.index, 'params', 'models'], o.id)));
        complete = false;
      } else owner.set(m, o.id);
      if (!called.has(m)) {
        out.push(diag('TRAINING_GRAPH', `Optimizer '${o.id}' trains model '${m}', but no ModelCall in the training graph calls it, so it gets no gradient.`, at([...base, 'nodes', o.index, 'params', 'models'], o.id)));
        complete = false;
      }
    }
  }
  return { order, nodes, complete };
}

function usesPort(info: TrainingNodeInfo, port: string, nodes: Map<string, TrainingNodeInfo>): boolean {
  for (const n of nodes.values()) if (n.sources.some((s) => s?.node === info.id && s.port === port)) return true;
  return false;
}
