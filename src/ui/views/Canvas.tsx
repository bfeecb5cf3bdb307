import { useEffect, useMemo, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeChange,
} from '@xyflow/react';
import { tabView, type ViewEdge, type ViewNode } from '../graphView.js';
import { fittingTypes } from '../store/fit.js';
import { LayerNode, type LayerNodeData, type LayerNodeType } from './LayerNode.js';
import { useEditor, useEditorStore } from './useEditor.js';
import { WireDrop, type Drop } from './WireDrop.js';

const nodeTypes = { layer: LayerNode };

/** Marks the selected nodes, keeping every node object whose flag is already right. */
function withSelection(nodes: LayerNodeType[], selection: readonly string[]): LayerNodeType[] {
  const ids = new Set(selection);
  let changed = false;
  const next = nodes.map((n) => {
    const selected = ids.has(n.id);
    if (Boolean(n.selected) === selected) return n;
    changed = true;
    return { ...n, selected };
  });
  return changed ? next : nodes;
}

/** React Flow's edge for a view edge: a port named 'in'/'out' on a one-port node is that port. */
function flowEdge(e: ViewEdge, nodes: readonly ViewNode[]): Edge {
  const target = nodes.find((n) => n.id === e.target);
  const source = nodes.find((n) => n.id === e.source);
  const targetHandle = target?.inputs.length === 1 && e.targetPort === 'in' ? target.inputs[0] : e.targetPort;
  const sourceHandle = source?.outputs.length === 1 && e.sourcePort === 'out' ? source.outputs[0] : e.sourcePort;
  return {
    id: e.id,
    source: e.source,
    sourceHandle,
    target: e.target,
    targetHandle: targetHandle ?? null,
    label: e.label ?? '',
    className: 'gv-edge',
  };
}

/** The graph of the open tab, drawn and edited with React Flow. */
export function Canvas() {
  const store = useEditorStore();
  const analysis = useEditor((s) => s.analysis);
  const tab = useEditor((s) => s.tab);
  const file = useEditor((s) => s.file);
  const editable = useEditor((s) => s.doc !== undefined);
  const selection = useEditor((s) => s.selection);
  const flow = useReactFlow();
  const view = useMemo(() => tabView(analysis, tab), [analysis, tab]);

  // React Flow owns the node objects between edits: a drag changes one node, and
  // applyNodeChanges keeps every other object as it was, so only that node re-renders.
  const [nodes, setNodes] = useState<LayerNodeType[]>([]);
  useEffect(() => {
    setNodes(view.nodes.map((n) => ({ id: n.id, type: 'layer', position: n.position, data: n as LayerNodeData })));
  }, [view]);
  useEffect(() => setNodes((ns) => withSelection(ns, selection)), [view, selection]);
  const edges = useMemo(() => view.edges.map((e) => flowEdge(e, view.nodes)), [view]);
  const edgeIndex = (id: string) => view.edges.findIndex((v) => v.id === id);

  /** A wire dropped on empty canvas: offer the node types that accept its tensor. */
  const [drop, setDrop] = useState<Drop | undefined>();

  const onNodesChange = (changes: NodeChange[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns) as LayerNodeType[]);
    const sel = changes.filter((c): c is Extract<NodeChange, { type: 'select' }> => c.type === 'select');
    if (sel.length === 0) return;
    const next = new Set(store.getSnapshot().selection);
    for (const c of sel) {
      if (c.selected) next.add(c.id);
      else next.delete(c.id);
    }
    store.select([...next]);
  };

  return (
    <>
      <div className="gv-canvas" data-testid="canvas">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          minZoom={0.05}
          key={`${file}:${tab}`}
          nodesConnectable={editable}
          nodesDraggable={editable}
          edgesReconnectable={editable}
          deleteKeyCode={['Delete', 'Backspace']}
          zoomOnDoubleClick={false}
          onNodesChange={onNodesChange}
          onPaneClick={() => store.select([])}
          onNodeDragStop={(_, __, moved) => store.moveNodes(Object.fromEntries(moved.map((m) => [m.id, m.position])))}
          onConnectEnd={(event, state) => {
            if (state.isValid || !state.fromNode || state.fromHandle?.type !== 'source') return;
            if (tab === 'training' || !editable) return;
            const src = analysis.models.get(tab)?.nodes.get(state.fromNode.id);
            const port = state.fromHandle.id ?? 'out';
            const t = src?.outputs?.[Math.max(0, src.outputPorts.indexOf(port))];
            if (!t) return;
            const pt = 'changedTouches' in event ? event.changedTouches[0]! : (event as MouseEvent);
            const at = flow.screenToFlowPosition({ x: pt.clientX, y: pt.clientY });
            setDrop({ source: state.fromNode.id, port, x: pt.clientX, y: pt.clientY, at, types: fittingTypes(t) });
          }}
          onReconnect={(old, c) => {
            const index = edgeIndex(old.id);
            if (index < 0 || !c.source || !c.target) return;
            store.reconnect(index, c.source, c.sourceHandle ?? 'out', c.target, c.targetHandle ?? 'in');
          }}
          onConnect={(c: Connection) => {
            if (!c.source || !c.target) return;
            store.connect(c.source, c.sourceHandle ?? 'out', c.target, c.targetHandle ?? 'in');
          }}
          onDelete={({ nodes: ns, edges: es }) => {
            const indices = es.map((e) => edgeIndex(e.id)).filter((i) => i >= 0);
            store.remove(ns.map((n) => n.id), indices);
          }}
        >
          <Background />
          <Controls />
          <MiniMap pannable zoomable />
        </ReactFlow>
      </div>
      {drop && <WireDrop drop={drop} onClose={() => setDrop(undefined)} />}
    </>
  );
}
