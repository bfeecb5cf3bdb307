import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { ViewNode } from '../graphView.js';
import { useEditorStore } from './useEditor.js';

export type LayerNodeData = ViewNode & Record<string, unknown>;
export type LayerNodeType = Node<LayerNodeData, 'layer'>;

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
      {data.inputs.map((p, i) => (
        <Handle key={p} id={p} type="target" position={Position.Left} style={{ top: 18 + i * 14 }} title={p} />
      ))}
      {(data.missingInputs ?? []).map((p, i) => (
        <Handle
          key={`missing:${p}`}
          id={p}
          type="target"
          position={Position.Left}
          className="gv-handle-missing"
          style={{ top: 18 + (data.inputs.length + i) * 14 }}
          title={`${p}: no such input`}
          isConnectable={false}
        />
      ))}
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
      {data.outputs.map((p, i) => (
        <Handle key={p} id={p} type="source" position={Position.Right} style={{ top: 18 + i * 14 }} title={p} />
      ))}
      {(data.missingOutputs ?? []).map((p, i) => (
        <Handle
          key={`missing:${p}`}
          id={p}
          type="source"
          position={Position.Right}
          className="gv-handle-missing"
          style={{ top: 18 + (data.outputs.length + i) * 14 }}
          title={`${p}: no such output`}
          isConnectable={false}
        />
      ))}
    </div>
  );
}

/** A placeholder for a node that edges name but the graph lacks: the edges stay visible and deletable. */
function GhostNode({ data }: { data: LayerNodeData }) {
  return (
    <div className="gv-node gv-node-ghost" data-testid={`missing-${data.id}`}>
      {data.inputs.map((p, i) => (
        <Handle key={p} id={p} type="target" position={Position.Left} className="gv-handle-missing"
          style={{ top: 18 + i * 14 }} title={p} isConnectable={false} />
      ))}
      <div className="gv-node-type">missing node</div>
      <div className="gv-node-id">{data.id}</div>
      {data.outputs.map((p, i) => (
        <Handle key={p} id={p} type="source" position={Position.Right} className="gv-handle-missing"
          style={{ top: 18 + i * 14 }} title={p} isConnectable={false} />
      ))}
    </div>
  );
}
