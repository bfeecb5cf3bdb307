/**
 * Turns a project graph and its analysis into what the canvas draws: nodes
 * with their types, parameter counts, shapes and problems; edges labelled
 * with the tensor shape they carry. Pure: no React here.
 */
import type { Diagnostic } from '../core/diagnostics.js';
import { fmtShape } from '../core/nodes/index.js';
import type { Graph } from '../core/project/index.js';
import type { TrainingAnalysis } from '../core/shapes/index.js';
import { type ModelAnalysis, nodePorts } from '../core/shapes/index.js';
import type { ProjectAnalysis } from '../core/validate.js';
import { defaultFlow, type Flow, flowOf, layoutPositions } from './editor/layout.js';

export interface ViewNode {
  id: string;
  type: string;
  label?: string;
  position: { x: number; y: number };
  outputShape?: string;
  params?: number;
  problems: Diagnostic[];
  inputs: string[];
  outputs: string[];
  /** Ports edges name that the node does not have: drawn as placeholder handles, in error colour. */
  missingInputs?: string[];
  missingOutputs?: string[];
  /** A placeholder for a node edges name that the graph does not have (not a node of the document). */
  ghost?: boolean;
  /** The graph's flow: inputs on the top and outputs at the bottom (TB), or left and right (LR). */
  flow?: Flow;
}
export interface ViewEdge {
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  label?: string;
  /** The edge names a node or a port that does not exist: drawn to a placeholder, in error colour. */
  dangling?: boolean;
}

/** Positions for nodes that have none: the whole graph laid out by dagre along its default flow. */
export function autoPositions(graph: Graph, training = false): Map<string, { x: number; y: number }> {
  if (graph.nodes.every((n) => n.position)) return new Map();
  return layoutPositions(graph.nodes, graph.edges, defaultFlow(training));
}

function problemsFor(ds: readonly Diagnostic[], graph: string): Map<string, Diagnostic[]> {
  const m = new Map<string, Diagnostic[]>();
  for (const d of ds) {
    if (d.location.graph !== graph || d.location.nodeId === undefined) continue;
    m.set(d.location.nodeId, [...(m.get(d.location.nodeId) ?? []), d]);
  }
  return m;
}

export function modelView(
  graph: Graph,
  name: string,
  analysis: ModelAnalysis | undefined,
  diagnostics: readonly Diagnostic[],
  blocks: Record<string, Graph> = {},
): { nodes: ViewNode[]; edges: ViewEdge[] } {
  const auto = autoPositions(graph);
  const problems = problemsFor(diagnostics, name);
  const nodes: ViewNode[] = graph.nodes.map((n) => {
    const info = analysis?.nodes.get(n.id);
    const out = info?.outputs?.[0];
    // Block instances (expanded in the analysis) and unanalysed graphs take their ports from the registry.
    const ports = info ? undefined : nodePorts(n.type, n.params ?? {}, blocks);
    return {
      id: n.id,
      type: n.type,
      ...(n.label !== undefined ? { label: n.label } : {}),
      position: n.position ?? auto.get(n.id) ?? { x: 0, y: 0 },
      ...(out ? { outputShape: fmtShape(out.shape) } : {}),
      ...(info ? { params: info.paramCount.trainable + info.paramCount.nonTrainable } : {}),
      problems: problems.get(n.id) ?? [],
      inputs: info?.inputPorts ?? ports?.inputs.map((p) => p.name) ?? [],
      outputs: info?.outputPorts ?? ports?.outputs.map((p) => p.name) ?? [],
    };
  });
  const edges: ViewEdge[] = graph.edges.map((e, i) => {
    const src = analysis?.nodes.get(e.source);
    const k = src?.outputPorts.indexOf(e.sourcePort) ?? -1;
    const t = k >= 0 ? src?.outputs?.[k] : undefined;
    return {
      id: e.id ?? `e${i}`,
      source: e.source,
      sourcePort: e.sourcePort,
      target: e.target,
      targetPort: e.targetPort,
      ...(t ? { label: fmtShape(t.shape) } : {}),
    };
  });
  return { nodes, edges };
}

export function trainingView(
  graph: Graph,
  analysis: TrainingAnalysis | undefined,
  diagnostics: readonly Diagnostic[],
): { nodes: ViewNode[]; edges: ViewEdge[] } {
  const auto = autoPositions(graph, true);
  const problems = problemsFor(diagnostics, 'training');
  const nodes: ViewNode[] = graph.nodes.map((n) => {
    const info = analysis?.nodes.get(n.id);
    const detail =
      n.type === 'ModelCall'
        ? String((n.params ?? {}).model ?? '')
        : n.type === 'AdversarialLoss' || n.type === 'GradientPenalty'
          ? String((n.params ?? {}).kind ?? '')
          : undefined;
    return {
      id: n.id,
      type: n.type,
      ...(detail ? { label: detail } : n.label !== undefined ? { label: n.label } : {}),
      position: n.position ?? auto.get(n.id) ?? { x: 0, y: 0 },
      problems: problems.get(n.id) ?? [],
      inputs: info?.inputPorts ?? [],
      outputs: info?.outputPorts ?? [],
    };
  });
  const edges: ViewEdge[] = graph.edges.map((e, i) => {
    const src = analysis?.nodes.get(e.source);
    const port = src && src.outputPorts.length === 1 && e.sourcePort === 'out' ? src.outputPorts[0] : e.sourcePort;
    const k = src?.outputPorts.indexOf(port as string) ?? -1;
    const t = k >= 0 ? src?.outputs?.[k] : undefined;
    return {
      id: e.id ?? `t${i}`,
      source: e.source,
      sourcePort: port as string,
      target: e.target,
      targetPort: e.targetPort,
      ...(t ? { label: fmtShape(t.shape) } : {}),
    };
  });
  return { nodes, edges };
}

/** Whether a node has a port, a lone port answering to 'in' / 'out' too (as the validator reads edges). */
function hasPort(ports: readonly string[], port: string, alias: string): boolean {
  return ports.includes(port) || (ports.length === 1 && port === alias);
}

/**
 * Keeps every edge drawable: an edge naming a node the graph lacks gets a
 * placeholder (ghost) node, one naming a port a node lacks gets a placeholder
 * handle on that node; both edges are marked dangling. Nothing is dropped, so
 * such an edge can still be seen, selected and deleted.
 */
export function withDangling(view: { nodes: ViewNode[]; edges: ViewEdge[] }): { nodes: ViewNode[]; edges: ViewEdge[] } {
  const byId = new Map(view.nodes.map((n) => [n.id, { ...n }]));
  const ghosts = new Map<string, ViewNode>();
  const ghost = (id: string, near: ViewNode | undefined, dx: number): ViewNode => {
    const known = ghosts.get(id);
    if (known) return known;
    const p = near?.position ?? { x: 0, y: 0 };
    const g: ViewNode = {
      id,
      type: 'missing',
      position: { x: p.x + dx, y: p.y + ghosts.size * 60 },
      problems: [],
      inputs: [],
      outputs: [],
      ghost: true,
    };
    ghosts.set(id, g);
    return g;
  };
  let touched = false;
  const edges = view.edges.map((e) => {
    let dangling = false;
    const s = byId.get(e.source) ?? ghost(e.source, byId.get(e.target), -260);
    const t = byId.get(e.target) ?? ghost(e.target, byId.get(e.source), 260);
    if (s.ghost) {
      if (!s.outputs.includes(e.sourcePort)) s.outputs.push(e.sourcePort);
      dangling = true;
    } else if (!hasPort(s.outputs, e.sourcePort, 'out')) {
      s.missingOutputs = [...new Set([...(s.missingOutputs ?? []), e.sourcePort])];
      dangling = true;
    }
    if (t.ghost) {
      if (!t.inputs.includes(e.targetPort)) t.inputs.push(e.targetPort);
      dangling = true;
    } else if (!hasPort(t.inputs, e.targetPort, 'in')) {
      t.missingInputs = [...new Set([...(t.missingInputs ?? []), e.targetPort])];
      dangling = true;
    }
    touched ||= dangling;
    return dangling ? { ...e, dangling } : e;
  });
  if (!touched) return view;
  return { nodes: [...view.nodes.map((n) => byId.get(n.id) as ViewNode), ...ghosts.values()], edges };
}

/** What the canvas draws for a tab of an analysed project ('training', 'block:<name>' or a model's name). */
export function tabView(analysis: ProjectAnalysis, tab: string): { nodes: ViewNode[]; edges: ViewEdge[] } {
  const view = withDangling(graphView(analysis, tab));
  const flow = flowOf(view.nodes, view.edges, defaultFlow(tab === 'training'));
  return { nodes: view.nodes.map((n) => ({ ...n, flow })), edges: view.edges };
}

function graphView(analysis: ProjectAnalysis, tab: string): { nodes: ViewNode[]; edges: ViewEdge[] } {
  const project = analysis.project;
  const none = { nodes: [], edges: [] };
  if (!project) return none;
  if (tab === 'training')
    return project.training ? trainingView(project.training, analysis.training, analysis.diagnostics) : none;
  if (tab.startsWith('block:')) {
    const b = project.blocks[tab.slice(6)];
    return b ? modelView(b, tab, undefined, analysis.diagnostics, project.blocks) : none;
  }
  const g = project.models[tab];
  return g ? modelView(g, tab, analysis.models.get(tab), analysis.diagnostics, project.blocks) : none;
}
