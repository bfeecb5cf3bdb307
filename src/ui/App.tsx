import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  applyNodeChanges,
  type Connection,
  type NodeChange,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './app.css';
import { formatLocation, type Diagnostic } from '../core/diagnostics.js';
import { reanalyzeParamEdit } from '../core/shapes/incremental.js';
import { validateProjectText, validateProjectValue, type ProjectAnalysis } from '../core/validate.js';
import { History } from './store/history.js';
import { importKerasTopology } from '../core/import/keras.js';
import { getNodeDef } from '../core/nodes/registry.js';
import { addModel, addNode, autoLayout, connect, freshId, graphOf, groupIntoBlock, moveNodes, paste, removeEdges, removeNodes, replaceParams, setParam, type DocEdge, type DocNode, type GraphRef } from './store/edits.js';
import { Inspector } from './Inspector.js';
import { Palette } from './Palette.js';
import { lazy, Suspense } from 'react';

// The training panel pulls in the GPU backends: loaded when first opened.
const TrainPanel = lazy(async () => ({ default: (await import('./train/TrainPanel.js')).TrainPanel }));
import { fittingTypes } from './store/fit.js';
import { clearAutosave, loadAutosave, scheduleAutosave } from './store/autosave.js';
import { summarizeModel } from '../core/summary.js';
import { modelView, trainingView, type ViewNode } from './graphView.js';
import { DEFAULT_TEMPLATE, TEMPLATES } from './templates.js';

type LayerNodeData = ViewNode & Record<string, unknown>;
type LayerNodeType = Node<LayerNodeData, 'layer'>;

function LayerNode({ data, selected }: NodeProps<LayerNodeType>) {
  const bad = data.problems.some((p) => p.severity === 'error');
  const warn = !bad && data.problems.length > 0;
  return (
    <div
      className={`gv-node${bad ? ' gv-node-error' : warn ? ' gv-node-warning' : ''}${selected ? ' gv-node-selected' : ''}`}
      data-testid={`node-${data.id}`}
      onDoubleClick={() => {
        // A model call opens its model.
        if (data.type === 'ModelCall' && data.label) window.dispatchEvent(new CustomEvent('ganvas:open-model', { detail: data.label }));
      }}
    >
      {data.inputs.map((p, i) => (
        <Handle key={p} id={p} type="target" position={Position.Left} style={{ top: 18 + i * 14 }} title={p} />
      ))}
      <div className="gv-node-type">{data.type}</div>
      <div className="gv-node-id">{data.id}</div>
      {data.label !== undefined && <div className="gv-node-label">{data.label}</div>}
      {data.type === 'ModelCall' && data.label && (
        <button className="gv-open nodrag" onClick={() => window.dispatchEvent(new CustomEvent('ganvas:open-model', { detail: data.label }))} aria-label={`Open model ${data.label}`}>
          open ↗
        </button>
      )}
      {data.outputShape !== undefined && <div className="gv-node-shape">{data.outputShape}</div>}
      {data.params !== undefined && data.params > 0 && <div className="gv-node-params">{data.params.toLocaleString('en-US')} params</div>}
      {data.problems.map((p, i) => (
        <div key={i} className="gv-node-problem" role="alert">
          {p.code}: {p.message}
        </div>
      ))}
      {data.outputs.map((p, i) => (
        <Handle key={p} id={p} type="source" position={Position.Right} style={{ top: 18 + i * 14 }} title={p} />
      ))}
    </div>
  );
}
const nodeTypes = { layer: LayerNode };

interface Loaded {
  file: string;
  analysis: ProjectAnalysis;
  /** The editable document, when the text was a JSON object. */
  history?: History;
}

function load(file: string, text: string): Loaded {
  const analysis = validateProjectText(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  // Only a structurally valid project is editable; others open read-only with their errors.
  const editable = analysis.project !== undefined && typeof value === 'object' && value !== null;
  return { file, analysis, ...(editable ? { history: new History(value as never) } : {}) };
}

function Editor() {
  const initial = TEMPLATES.find((t) => t.file === DEFAULT_TEMPLATE) ?? TEMPLATES[0];
  const [doc, setDoc] = useState<Loaded | undefined>(() => (initial ? load(initial.file, initial.text) : undefined));
  const [, setVersion] = useState(0);
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const selected = selection.size === 1 ? [...selection][0] : undefined;
  const setSelected = (id: string | undefined) => setSelection(new Set(id ? [id] : []));
  const clipboard = useRef<{ nodes: DocNode[]; edges: DocEdge[] } | undefined>(undefined);
  const [blockName, setBlockName] = useState('block');
  const project = doc?.analysis.project;
  /** Applies an edit to the document and re-validates: problems appear and clear at once. */
  const edit = useCallback(
    (label: string, fn: Parameters<History['apply']>[1], paramEdit?: { model: string; nodeId: string }) => {
      if (!doc?.history) return;
      if (doc.history.apply(label, fn)) {
        // A layer's params: re-infer only what the edit reaches; anything else: validate the whole project.
        const raw = paramEdit ? graphOf(doc.history.doc, { kind: 'model', name: paramEdit.model })?.nodes.find((n) => n.id === paramEdit.nodeId)?.params : undefined;
        const analysis = (paramEdit && raw && reanalyzeParamEdit(doc.analysis, paramEdit.model, paramEdit.nodeId, raw)) || validateProjectValue(doc.history.doc);
        setDoc({ ...doc, analysis });
        setVersion((v) => v + 1);
        scheduleAutosave(doc.file, doc.history.doc);
      }
    },
    [doc],
  );
  const undoRedo = useCallback(
    (which: 'undo' | 'redo') => {
      if (!doc?.history) return;
      if (doc.history[which]()) {
        setDoc({ ...doc, analysis: validateProjectValue(doc.history.doc) });
        setVersion((v) => v + 1);
        scheduleAutosave(doc.file, doc.history.doc);
      }
    },
    [doc],
  );
  // Restore the autosaved document of the last session, if any.
  const [restored, setRestored] = useState<string | undefined>();
  useEffect(() => {
    void loadAutosave().then((a) => {
      if (!a) return;
      setDoc(load(a.file, JSON.stringify(a.doc)));
      setRestored(a.savedAt);
    });
  }, []);
  const openText = (file: string, text: string) => {
    setDoc(load(file, text));
    setSelected(undefined);
    setRestored(undefined);
    void clearAutosave();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'c' && doc?.history && selection.size > 0) {
        const g = graphOf(doc.history.doc, ref);
        if (g) clipboard.current = { nodes: g.nodes.filter((n) => selection.has(n.id)), edges: (g.edges ?? []).filter((x) => selection.has(x.source) && selection.has(x.target)) };
      } else if (mod && e.key.toLowerCase() === 'v' && clipboard.current) {
        e.preventDefault();
        edit(`paste ${clipboard.current.nodes.length} node(s)`, paste(ref, clipboard.current.nodes, clipboard.current.edges));
      } else if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        undoRedo(e.shiftKey ? 'redo' : 'undo');
      } else if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        undoRedo('redo');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  const tabs = useMemo(
    () => [...Object.keys(project?.models ?? {}), ...Object.keys(project?.blocks ?? {}).map((b) => `block:${b}`), ...(project?.training ? ['training'] : [])],
    [project],
  );
  const [tab, setTab] = useState<string>('generator');
  const active = tabs.includes(tab) ? tab : (tabs[0] ?? '');
  const ref: GraphRef = active === 'training' ? { kind: 'training' } : active.startsWith('block:') ? { kind: 'block', name: active.slice(6) } : { kind: 'model', name: active };
  useEffect(() => {
    const open = (e: Event) => {
      const model = (e as CustomEvent<string>).detail;
      if (tabs.includes(model)) setTab(model);
    };
    window.addEventListener('ganvas:open-model', open);
    return () => window.removeEventListener('ganvas:open-model', open);
  }, [tabs]);
  const flow = useReactFlow();

  const view = useMemo(() => {
    if (!project || !doc) return { nodes: [], edges: [] };
    if (active === 'training' && project.training) return trainingView(project.training, doc.analysis.training, doc.analysis.diagnostics);
    if (active.startsWith('block:')) {
      const b = project.blocks[active.slice(6)];
      return b ? modelView(b, active, undefined, doc.analysis.diagnostics, project.blocks) : { nodes: [], edges: [] };
    }
    const g = project.models[active];
    return g ? modelView(g, active, doc.analysis.models.get(active), doc.analysis.diagnostics, project.blocks) : { nodes: [], edges: [] };
  }, [project, doc, active]);

  // React Flow owns the node objects between edits: a drag changes one node, and
  // applyNodeChanges keeps every other object as it was, so only that node re-renders.
  const [nodes, setNodes] = useState<LayerNodeType[]>([]);
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  useEffect(() => {
    setNodes(view.nodes.map((n) => ({ id: n.id, type: 'layer', position: n.position, selected: selectionRef.current.has(n.id), data: n as LayerNodeData })));
  }, [view]);
  const edges: Edge[] = useMemo(
    () =>
      view.edges.map((e) => {
        const target = view.nodes.find((n) => n.id === e.target);
        const targetHandle = target && target.inputs.length === 1 && e.targetPort === 'in' ? target.inputs[0] : e.targetPort;
        const source = view.nodes.find((n) => n.id === e.source);
        const sourceHandle = source && source.outputs.length === 1 && e.sourcePort === 'out' ? source.outputs[0] : e.sourcePort;
        return { id: e.id, source: e.source, sourceHandle, target: e.target, targetHandle: targetHandle ?? null, label: e.label ?? '', className: 'gv-edge' };
      }),
    [view],
  );

  const focus = useCallback(
    (d: Diagnostic) => {
      const g = d.location.graph;
      if (g && tabs.includes(g)) setTab(g);
      const id = d.location.nodeId;
      if (id !== undefined)
        setTimeout(() => {
          const n = flow.getNode(id);
          if (n) void flow.setCenter(n.position.x + 80, n.position.y + 40, { zoom: 1.2, duration: 300 });
        }, 50);
    },
    [flow, tabs],
  );

  const [importError, setImportError] = useState<string | undefined>();
  const [showTrain, setShowTrain] = useState(false);
  /** A wire dropped on empty canvas: offer the node types that accept its tensor. */
  const [wireDrop, setWireDrop] = useState<{ source: string; port: string; x: number; y: number; flow: { x: number; y: number }; types: string[] } | undefined>();
  const importModel = async (f: File | undefined) => {
    if (!f || !doc?.history) return;
    setImportError(undefined);
    let json: unknown;
    try {
      json = JSON.parse(await f.text());
    } catch (e) {
      setImportError(`${f.name}: not JSON (${(e as Error).message}).`);
      return;
    }
    const name = f.name.replace(/\.json$/i, '').replace(/^model$/, 'imported');
    const { graph, diagnostics } = importKerasTopology(json, name);
    if (!graph) {
      setImportError(`${f.name}: ${diagnostics.map((d) => d.message).join(' ')}`);
      return;
    }
    const before = new Set(Object.keys(doc.history.doc.models));
    edit(`import ${f.name}`, addModel(name, graph));
    const added = Object.keys(doc.history.doc.models).find((m) => !before.has(m));
    if (added) setTab(added);
  };
  const openFile = async (f: File | undefined) => {
    if (!f) return;
    openText(f.name, await f.text());
  };

  const save = () => {
    if (!project || !doc) return;
    // The parsed project: defaults filled in, same meaning as the file it came from.
    const blob = new Blob([`${JSON.stringify(project, null, 2)}\n`], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = doc.file.endsWith('.json') ? doc.file : `${doc.file}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const exportTs = async () => {
    if (!doc) return;
    try {
      const { exportScript } = await import('./exportScript.js');
      const text = exportScript(doc.analysis);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'text/typescript' }));
      a.download = `${doc.file.replace(/\.json$/i, '').replace(/[^A-Za-z0-9_-]/g, '_')}.train.ts`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      setImportError(undefined);
    } catch (e) {
      setImportError(`Export: ${(e as Error).message}`);
    }
  };

  const summary = doc && active !== 'training' && doc.analysis.models.get(active) ? summarizeModel(doc.analysis.models.get(active)!) : undefined;
  const errors = doc?.analysis.diagnostics.filter((d) => d.severity === 'error').length ?? 0;

  return (
    <div
      className="gv-app"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        const f = e.dataTransfer.files[0];
        if (f) {
          e.preventDefault();
          void openFile(f);
        }
      }}
    >
      <header className="gv-header">
        <h1>ganvas</h1>
        <label>
          Template{' '}
          <select aria-label="Template" value={doc?.file ?? ''} onChange={(e) => { const t = TEMPLATES.find((x) => x.file === e.target.value); if (t) openText(t.file, t.text); }}>
            {TEMPLATES.map((t) => (
              <option key={t.file} value={t.file}>
                {t.file}
              </option>
            ))}
            {doc && !TEMPLATES.some((t) => t.file === doc.file) && <option value={doc.file}>{doc.file}</option>}
          </select>
        </label>
        <label className="gv-button">
          Open…
          <input type="file" accept=".json,application/json" hidden onChange={(e) => void openFile(e.target.files?.[0])} aria-label="Open project file" />
        </label>
        <label className="gv-button" title="Import a TF.js or Keras model.json topology as a model">
          Import model…
          <input type="file" accept=".json,application/json" hidden onChange={(e) => void importModel(e.target.files?.[0])} aria-label="Import model.json" />
        </label>
        <button className="gv-button" onClick={save} disabled={!project} aria-label="Save project">
          Save
        </button>
        <button className="gv-button" onClick={() => void exportTs()} disabled={!project || errors > 0} aria-label="Export TypeScript" title="Export a standalone TypeScript training script (same as ganvas export --target ts)">
          Export TS
        </button>
        <button className="gv-button" onClick={() => undoRedo('undo')} disabled={!doc?.history?.canUndo} aria-label="Undo" title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button className="gv-button" onClick={() => undoRedo('redo')} disabled={!doc?.history?.canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <button className="gv-button" onClick={() => edit('auto-layout', autoLayout(ref))} disabled={!doc?.history} aria-label="Auto-layout">
          Layout
        </button>
        <input className="gv-block-name" value={blockName} onChange={(e) => setBlockName(e.target.value)} aria-label="Block name" size={10} />
        <button
          className="gv-button"
          disabled={!doc?.history || active === 'training' || selection.size === 0}
          onClick={() => {
            edit(`group ${selection.size} node(s) into ${blockName}`, groupIntoBlock(ref, [...selection], blockName));
            setSelection(new Set());
          }}
          aria-label="Group into block"
          title="Group the selected nodes into a reusable block"
        >
          Group
        </button>
        <button className="gv-button" onClick={() => setShowTrain((v) => !v)} aria-pressed={showTrain} aria-label="Training panel">
          Train
        </button>
        <span className="gv-project-name">{project?.name ?? doc?.file}</span>
        <span className={errors ? 'gv-status-bad' : 'gv-status-ok'} data-testid="status">
          {doc?.analysis.status === 'ok' ? 'valid' : `${errors} error${errors === 1 ? '' : 's'}`}
        </span>
      </header>
      {importError && (
        <div className="gv-banner" role="alert">
          {importError}
        </div>
      )}
      {restored && (
        <div className="gv-banner" role="status" data-testid="restored">
          Restored your unsaved work from {new Date(restored).toLocaleString()}.{' '}
          <button
            className="gv-button"
            onClick={() => {
              const t = TEMPLATES.find((x) => x.file === DEFAULT_TEMPLATE) ?? TEMPLATES[0];
              if (t) openText(t.file, t.text);
            }}
          >
            Discard
          </button>
        </div>
      )}
      <nav className="gv-tabs" role="tablist">
        {tabs.map((t) => (
          <button key={t} role="tab" aria-selected={t === active} className={t === active ? 'gv-tab gv-tab-active' : 'gv-tab'} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </nav>
      <main className="gv-main">
        <div className="gv-canvas" data-testid="canvas">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            fitView
            minZoom={0.05}
            key={`${doc?.file}:${active}`}
            nodesConnectable={!!doc?.history}
            nodesDraggable={!!doc?.history}
            deleteKeyCode={['Delete', 'Backspace']}
            onNodesChange={(changes: NodeChange[]) => {
              setNodes((ns) => applyNodeChanges(changes, ns) as LayerNodeType[]);
              const sel = changes.filter((c): c is Extract<NodeChange, { type: 'select' }> => c.type === 'select');
              if (sel.length === 0) return;
              setSelection((prev) => {
                const next = new Set(prev);
                for (const c of sel) if (c.selected) next.add(c.id);
                else next.delete(c.id);
                return next;
              });
            }}
            zoomOnDoubleClick={false}
            onPaneClick={() => setSelected(undefined)}
            onNodeDragStop={(_, __, moved) => edit('move', moveNodes(ref, Object.fromEntries(moved.map((m) => [m.id, m.position]))))}
            onConnectEnd={(event, state) => {
              if (state.isValid || !state.fromNode || state.fromHandle?.type !== 'source' || active === 'training' || !doc?.history) return;
              const src = doc.analysis.models.get(active)?.nodes.get(state.fromNode.id);
              const port = state.fromHandle.id ?? 'out';
              const t = src?.outputs?.[Math.max(0, src.outputPorts.indexOf(port))];
              if (!t) return;
              const pt = 'changedTouches' in event ? event.changedTouches[0]! : (event as MouseEvent);
              setWireDrop({ source: state.fromNode.id, port, x: pt.clientX, y: pt.clientY, flow: flow.screenToFlowPosition({ x: pt.clientX, y: pt.clientY }), types: fittingTypes(t) });
            }}
            edgesReconnectable={!!doc?.history}
            onReconnect={(old, c) => {
              const index = view.edges.findIndex((v) => v.id === old.id);
              if (index < 0 || !c.source || !c.target) return;
              edit('reconnect', (d) => {
                removeEdges(ref, [index])(d);
                connect(ref, c.source, c.sourceHandle ?? 'out', c.target, c.targetHandle ?? 'in')(d);
              });
            }}
            onConnect={(c: Connection) => c.source && c.target && edit('connect', connect(ref, c.source, c.sourceHandle ?? 'out', c.target, c.targetHandle ?? 'in'))}
            onDelete={({ nodes: ns, edges: es }) => {
              if (ns.length > 0) edit(`delete ${ns.length} node(s)`, removeNodes(ref, ns.map((n) => n.id)));
              else if (es.length > 0) edit('delete edge(s)', removeEdges(ref, es.map((e) => view.edges.findIndex((v) => v.id === e.id)).filter((i) => i >= 0)));
            }}
          >
            <Background />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </div>
        {wireDrop && (
          <div className="gv-wire-drop" role="dialog" aria-label="Nodes that fit" style={{ left: wireDrop.x, top: wireDrop.y }}>
            <div className="gv-where">fits {wireDrop.source}.{wireDrop.port}</div>
            {wireDrop.types.map((type) => (
              <button
                key={type}
                className="gv-palette-item"
                onClick={() => {
                  const g = doc?.history ? graphOf(doc.history.doc, ref) : undefined;
                  if (!g) return;
                  const id = freshId(g as never, type);
                  const def = getNodeDef(type);
                  const port = def ? (def.inputs(def.params.parse({}))[0]?.name ?? 'in') : 'in';
                  edit(`add ${type} on the wire`, (d) => {
                    addNode(ref, type, { x: Math.round(wireDrop.flow.x), y: Math.round(wireDrop.flow.y) }, id)(d);
                    connect(ref, wireDrop.source, wireDrop.port, id, port)(d);
                  });
                  setWireDrop(undefined);
                }}
              >
                {type}
              </button>
            ))}
            <button className="gv-button" onClick={() => setWireDrop(undefined)}>
              Cancel
            </button>
          </div>
        )}
        <aside className="gv-side">
          {doc?.history && (
            <Palette
              training={active === 'training'}
              onAdd={(type) => {
                const center = flow.screenToFlowPosition({ x: window.innerWidth / 2 - 200, y: window.innerHeight / 2 });
                edit(`add ${type}`, addNode(ref, type, { x: Math.round(center.x), y: Math.round(center.y) }));
              }}
            />
          )}
          {doc?.history && selected && (
            <Inspector
              key={`${active}/${selected}`}
              graph={active}
              node={graphOf(doc.history.doc, ref)?.nodes.find((n) => n.id === selected)}
              onChange={(key, value) => edit(`set ${selected}.${key}`, setParam(ref, selected, key, value), ref.kind === 'model' ? { model: ref.name, nodeId: selected } : undefined)}
            />
          )}
          {summary && (
            <section>
              <h2>{summary.name}</h2>
              <p data-testid="model-totals">
                {summary.totals.trainable.toLocaleString('en-US')} trainable / {summary.totals.total.toLocaleString('en-US')} total params
              </p>
            </section>
          )}
          <section>
            <h2>Problems ({doc?.analysis.diagnostics.length ?? 0})</h2>
            <ul className="gv-problems" data-testid="problems">
              {doc?.analysis.diagnostics.map((d, i) => (
                <li key={i} className={`gv-problem-${d.severity}`}>
                  <button onClick={() => focus(d)}>
                    <strong>{d.code}</strong> <span className="gv-where">{formatLocation(d.location)}</span>
                    <br />
                    {d.message}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </main>
      {showTrain && doc && (
        <Suspense fallback={<div className="gv-train">Loading the training engine…</div>}>
          <TrainPanel analysis={doc.analysis} onDataset={(id, params) => edit(`set dataset ${id} to ${params.source}`, replaceParams({ kind: 'training' }, id, params))} />
        </Suspense>
      )}
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}
