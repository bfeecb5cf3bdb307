import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { openingFit } from '../editor/layout.js';
import { tabView, type ViewEdge, type ViewNode } from '../graphView.js';
import { fittingTypes } from '../store/fit.js';
import { LayerNode, type LayerNodeData, type LayerNodeType } from './LayerNode.js';
import { useEditor, useEditorStore } from './useEditor.js';
import { type Drop, WireDrop } from './WireDrop.js';

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
    label: e.dangling ? 'broken' : (e.label ?? ''),
    className: e.dangling ? 'gv-edge gv-edge-dangling' : 'gv-edge',
    ...(e.dangling
      ? { reconnectable: false, ariaLabel: `Broken edge ${e.source}.${e.sourcePort} to ${e.target}.${e.targetPort}` }
      : {}),
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
    setNodes(
      view.nodes.map((n) => ({
        id: n.id,
        type: 'layer',
        position: n.position,
        data: n as LayerNodeData,
        // A placeholder for a missing node is not part of the document: it cannot be selected, moved or deleted.
        ...(n.ghost ? { selectable: false, draggable: false, deletable: false, focusable: false } : {}),
      })),
    );
  }, [view]);
  useEffect(() => setNodes((ns) => withSelection(ns, selection)), [view, selection]);
  // Selected edges are the canvas' own state (the store's selection is of nodes); an edit clears them.
  const [edgeSelection, setEdgeSelection] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setEdgeSelection(new Set()), [view]);
  const edges = useMemo(
    () => view.edges.map((e) => ({ ...flowEdge(e, view.nodes), selected: edgeSelection.has(e.id) })),
    [view, edgeSelection],
  );
  const onEdgesChange = (changes: EdgeChange[]) => {
    const sel = changes.filter((c): c is Extract<EdgeChange, { type: 'select' }> => c.type === 'select');
    if (sel.length === 0) return;
    setEdgeSelection((before) => {
      const next = new Set(before);
      for (const c of sel) {
        if (c.selected) next.add(c.id);
        else next.delete(c.id);
      }
      return next;
    });
  };
  const edgeIndex = (id: string) => view.edges.findIndex((v) => v.id === id);
  // The canvas opens each graph at a readable zoom: all of it when it fits, else where it starts.
  const box = useRef<HTMLDivElement>(null);
  const fit = useMemo(
    () =>
      openingFit(view.nodes, view.edges, {
        width: box.current?.clientWidth ?? window.innerWidth - 340,
        height: box.current?.clientHeight ?? window.innerHeight - 100,
      }),
    [view],
  );

  // The window (or the panels around the canvas) resized: fit the graph again, the same way it opened.
  const latest = useRef(view);
  latest.current = view;
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let first = true;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      if (first) {
        first = false; // the observer reports the size it starts with: React Flow's own fitView handles that
        return;
      }
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const v = latest.current;
        void flow.fitView(openingFit(v.nodes, v.edges, { width: el.clientWidth, height: el.clientHeight }));
      });
    });
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [flow]);

  /** A wire dropped on empty canvas: offer the node types that accept its tensor. */
  const [drop, setDrop] = useState<Drop | undefined>();

  /** A mouse drag is under way (its end is committed by onNodeDragStop, as one edit). */
  const dragging = useRef(false);

  const onNodesChange = (changes: NodeChange[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns) as LayerNodeType[]);
    // Arrow keys move the selected nodes with position changes outside any drag: each press is one edit.
    const keyed = changes.filter(
      (c): c is Extract<NodeChange, { type: 'position' }> =>
        c.type === 'position' && !c.dragging && c.position !== undefined && !dragging.current,
    );
    if (keyed.length > 0) store.moveNodes(Object.fromEntries(keyed.map((c) => [c.id, c.position!])));
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
      <div className="gv-canvas" data-testid="canvas" ref={box}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={fit}
          minZoom={0.05}
          key={`${file}:${tab}`}
          nodesConnectable={editable}
          nodesDraggable={editable}
          edgesReconnectable={editable}
          deleteKeyCode={['Delete', 'Backspace']}
          zoomOnDoubleClick={false}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onPaneClick={() => store.select([])}
          onNodeDragStart={() => {
            dragging.current = true;
          }}
          onNodeDragStop={(_, __, moved) => {
            dragging.current = false;
            store.moveNodes(Object.fromEntries(moved.map((m) => [m.id, m.position])));
          }}
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
            store.remove(
              ns.map((n) => n.id),
              indices,
            );
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
