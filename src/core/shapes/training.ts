/**
 * Checks the training graph: what feeds each model call, losses,
 * regularizers and optimizers, and that datasets, models and labels agree.
 */
import { type Diagnostic, type DiagnosticCode, diag } from '../diagnostics.js';
import { fmtShape } from '../nodes/helpers.js';
import { entriesFor, entryFor } from '../nodes/registry.js';
import type { AnyTrainingNodeDef, Player } from '../nodes/training.js';
import type { TensorType } from '../nodes/types.js';
import type { TrainingGraph } from '../project/schema.js';
import type { ModelAnalysis } from './infer.js';
import { checkGraphStructure, type Locator } from './structure.js';

const TRAINING_TYPES = entriesFor('training').map((d) => d.type);

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
    return {
      graph: label,
      path,
      ...(nodeId !== undefined ? { nodeId } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(lc ?? {}),
    };
  };
  const before = out.length;
  const structure = checkGraphStructure(
    training,
    {
      label,
      basePath: base,
      locate,
      lookup: (type) => entryFor('training', type),
      typeNames: TRAINING_TYPES,
      ports: (entry, params) =>
        entry.kind === 'training'
          ? {
              inputs: entry.inputs(params, models).map((p) => p.name),
              outputs: entry.outputs(params, models).map((p) => p.name),
            }
          : undefined,
      aliasSinglePort: () => true,
      checkNode: (entry, params, id, path) => {
        if (entry.kind !== 'training') return false;
        let refsOk = true;
        for (const ref of entry.modelRefs?.(params) ?? [])
          if (!models.has(ref)) {
            const known = [...models.keys()].join(', ') || 'none';
            out.push(
              diag(
                'UNKNOWN_MODEL',
                `${entry.title} '${id}' refers to model ${JSON.stringify(ref).slice(0, 80)}, which the project does not define. Models: ${known}.`,
                at([...path, 'params'], id),
              ),
            );
            refsOk = false;
          }
        return refsOk;
      },
    },
    out,
  );
  let complete = !out.slice(before).some((d) => d.severity === 'error');
  const nodes = new Map<string, TrainingNodeInfo>();
  for (const c of structure.nodes.values())
    if (c.entry.kind === 'training')
      nodes.set(c.id, {
        id: c.id,
        type: c.type,
        def: c.entry,
        params: c.params,
        index: c.index,
        inputPorts: c.inputs,
        outputPorts: c.outputs,
        sources: [],
      });
  const succ = new Map<string, string[]>();
  for (const e of structure.edges) {
    const t = nodes.get(e.target) as TrainingNodeInfo;
    t.sources[t.inputPorts.indexOf(e.targetPort)] = { node: e.source, port: e.sourcePort };
    const targets = succ.get(e.source);
    if (targets) targets.push(e.target);
    else succ.set(e.source, [e.target]);
  }

  // Topological order (Kahn), JSON order among ready nodes.
  const indeg = new Map<string, number>([...nodes.keys()].map((k) => [k, 0]));
  for (const ts of succ.values()) for (const t of ts) indeg.set(t, (indeg.get(t) ?? 0) + 1);
  const queue = [...nodes.keys()].filter((k) => indeg.get(k) === 0);
  const order: TrainingNodeInfo[] = [];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] as string;
    order.push(nodes.get(id) as TrainingNodeInfo);
    for (const t of succ.get(id) ?? []) {
      indeg.set(t, (indeg.get(t) ?? 0) - 1);
      if (indeg.get(t) === 0) queue.push(t);
    }
  }
  if (order.length < nodes.size) {
    const stuck = [...nodes.values()].filter((n) => (indeg.get(n.id) ?? 0) > 0);
    out.push(
      diag(
        'CYCLE',
        `The training graph has a cycle through ${stuck.map((n) => `'${n.id}'`).join(', ')}. Remove an edge.`,
        at([...base, 'nodes', stuck[0]!.index], stuck[0]!.id),
      ),
    );
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
        out.push(
          diag(
            'UNCONNECTED_INPUT',
            `${info.def.title} '${info.id}' has nothing connected to '${port}'. Wire a tensor into it.`,
            at(path, info.id, port),
          ),
        );
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
    if (n > 0 && !(info.type === 'Dataset' && !usesPort(info, 'label', nodes)))
      counts.push({
        n,
        where: `${info.def.title} '${info.id}'`,
        path: [...base, 'nodes', info.index],
        nodeId: info.id,
      });
  }
  const called = new Set(order.filter((n) => n.type === 'ModelCall').map((n) => n.params.model as string));
  for (const name of called) {
    const m = models.get(name);
    for (const node of m?.order ?? []) {
      const n = node.type === 'Label' || node.type === 'Embedding' ? (node.params.numClasses as number) : 0;
      if (n > 0)
        counts.push({
          n,
          where: `${node.type} '${node.id}' of model '${name}'`,
          path: node.origin.path,
          nodeId: node.id,
        });
    }
  }
  const reference = counts[0];
  for (const c of counts.slice(1)) {
    if (reference && c.n !== reference.n) {
      const lc = locate(c.path);
      out.push(
        diag(
          'LABEL_COUNT',
          `${c.where} assumes ${c.n} classes but ${reference.where} has ${reference.n}. Make them agree.`,
          {
            graph: c.path[0] === 'training' ? 'training' : String(c.path[1]),
            nodeId: c.nodeId,
            path: c.path,
            ...(lc ?? {}),
          },
        ),
      );
    }
  }

  // The game needs an adversarial loss and an optimizer for each player with losses.
  const losses = order.filter((n) => n.def.players);
  if (!order.some((n) => n.type === 'AdversarialLoss')) {
    out.push(
      diag(
        'TRAINING_GRAPH',
        "The training graph has no AdversarialLoss node, so there is no game to train. Add one and wire D's outputs on real and fake samples into it.",
        at(base),
      ),
    );
    complete = false;
  }
  const optimizers = order.filter((n) => n.type === 'Optimizer');
  for (const player of ['D', 'G'] as Player[]) {
    const needs = losses.some((n) => n.def.players?.(n.params).includes(player));
    const has = optimizers.some((o) => o.params.player === player);
    if (needs && !has) {
      out.push(
        diag(
          'TRAINING_GRAPH',
          `No Optimizer trains player ${player}, though losses are defined for it. Add an Optimizer node with player "${player}" and its models.`,
          at(base),
        ),
      );
      complete = false;
    }
  }
  const owner = new Map<string, string>();
  for (const o of optimizers) {
    for (const m of o.params.models as string[]) {
      const prev = owner.get(m);
      if (prev !== undefined) {
        out.push(
          diag(
            'TRAINING_GRAPH',
            `Model '${m}' is trained by two optimizers ('${prev}' and '${o.id}'). Each model belongs to one player.`,
            at([...base, 'nodes', o.index, 'params', 'models'], o.id),
          ),
        );
        complete = false;
      } else owner.set(m, o.id);
      if (!called.has(m)) {
        out.push(
          diag(
            'TRAINING_GRAPH',
            `Optimizer '${o.id}' trains model '${m}', but no ModelCall in the training graph calls it, so it gets no gradient.`,
            at([...base, 'nodes', o.index, 'params', 'models'], o.id),
          ),
        );
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
