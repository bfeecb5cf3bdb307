import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import type { ViewNode } from '../graphView.js';
import { useEditorStore } from './useEditor.js';

export type LayerNodeData = ViewNode & Record<string, unknown>;
export type LayerNodeType = Node<LayerNodeData, 'layer'>;

/**
 * A node's ports on the sides its graph flows through: inputs where the flow enters (top or left),
 * outputs where it leaves (bottom or right); ports that edges name but the node lacks come last, in
 * error colour, and take no new wire.
 */
function Ports({ data, kind }: { data: LayerNodeData; kind: 'target' | 'source' }) {
  const tb = data.flow === 'TB';
  const side = kind === 'target' ? (tb ? Position.Top : Position.Left) : tb ? Position.Bottom : Position.Right;
  const ports = kind === 'target' ? data.inputs : data.outputs;
  const missing = (kind === 'target' ? data.missingInputs : data.missingOutputs) ?? [];
  const all = [...ports.map((p) => ({ p, bad: data.ghost === true })), ...missing.map((p) => ({ p, bad: true }))];
  const place = (i: number) => (tb ? { left: `${((i + 1) / (all.length + 1)) * 100}%` } : { top: 18 + i * 14 });
  return (
    <>
      {all.map(({ p, bad }, i) => (
        <Handle
          key={`${bad ? 'missing:' : ''}${p}`}
          id={p}
          type={kind}
          position={side}
          style={place(i)}
          className={bad ? 'gv-handle-missing' : undefined}
          title={bad && !data.ghost ? `${p}: no such ${kind === 'target' ? 'input' : 'output'}` : p}
          isConnectable={bad ? false : undefined}
        />
      ))}
    </>
  );
}

/** One node on the canvas: type, id, shape, parameter count and its problems; a model call opens its model. */
export function LayerNode({ data, selected }: NodeProps<LayerNodeType>) {
  const store = useEditorStore();
  if (data.ghost) return <GhostNode data={data} />;
  const bad = data.problems.some((p) => p.severity === 'error');
  const warn = !bad && data.problems.length > 0;
  const model = data.type === 'ModelCall' && data.label ? data.label : undefined;
  const state = bad ? ' gv-node-error' : warn ? ' gv-node-warning' : '';
  return (
    <div
      className={`gv-node${state}${selected ? ' gv-node-selected' : ''}`}
      data-testid={`node-${data.id}`}
      onDoubleClick={model ? () => store.openModel(model) : undefined}
    >
      <Ports data={data} kind="target" />
      <div className="gv-node-type">{data.type}</div>
      <div className="gv-node-id">{data.id}</div>
      {data.label !== undefined && <div className="gv-node-label">{data.label}</div>}
      {model && (
        <button className="gv-open nodrag" onClick={() => store.openModel(model)} aria-label={`Open model ${model}`}>
          open ↗
        </button>
      )}
      {data.outputShape !== undefined && <div className="gv-node-shape">{data.outputShape}</div>}
      {data.params !== undefined && data.params > 0 && (
        <div className="gv-node-params">{data.params.toLocaleString('en-US')} params</div>
      )}
      {data.problems.map((p, i) => (
        <div key={i} className="gv-node-problem" role="alert">
          {p.code}: {p.message}
        </div>
      ))}
      <Ports data={data} kind="source" />
    </div>
  );
}

/** A placeholder for a node that edges name but the graph lacks: the edges stay visible and deletable. */
function GhostNode({ data }: { data: LayerNodeData }) {
  return (
    <div className="gv-node gv-node-ghost" data-testid={`missing-${data.id}`}>
      <Ports data={data} kind="target" />
      <div className="gv-node-type">missing node</div>
      <div className="gv-node-id">{data.id}</div>
      <Ports data={data} kind="source" />
    </div>
  );
}
