import { useMemo, useState } from 'react';
import { tabView } from '../graphView.js';
import { useEditor, useEditorStore } from './useEditor.js';

/**
 * Wiring from the keyboard: pick one of the selected node's outputs and an input of another node
 * from a list, then Connect (one undoable edit, like a dragged wire; an input takes one wire, so
 * a wire already into it is replaced).
 */
export function ConnectForm({ nodeId }: { nodeId: string }) {
  const store = useEditorStore();
  const analysis = useEditor((s) => s.analysis);
  const tab = useEditor((s) => s.tab);
  const view = useMemo(() => tabView(analysis, tab), [analysis, tab]);
  const outputs = view.nodes.find((n) => n.id === nodeId)?.outputs ?? [];
  const targets = view.nodes
    .filter((n) => n.id !== nodeId && !n.ghost)
    .flatMap((n) => n.inputs.map((port) => ({ node: n.id, port, key: `${n.id}.${port}` })));
  const [from, setFrom] = useState(outputs[0] ?? '');
  const [to, setTo] = useState(targets[0]?.key ?? '');
  if (outputs.length === 0 || targets.length === 0) return null;
  const out = outputs.includes(from) ? from : outputs[0]!;
  const target = targets.find((t) => t.key === to) ?? targets[0]!;
  return (
    <fieldset className="gv-connect">
      <legend>Connect</legend>
      {outputs.length > 1 && (
        <select aria-label="Output port" value={out} onChange={(e) => setFrom(e.target.value)}>
          {outputs.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      )}
      <label>
        to{' '}
        <select aria-label="Connect to" value={target.key} onChange={(e) => setTo(e.target.value)}>
          {targets.map((t) => (
            <option key={t.key} value={t.key}>
              {t.key}
            </option>
          ))}
        </select>
      </label>{' '}
      <button className="gv-button" onClick={() => store.connect(nodeId, out, target.node, target.port)}>
        Connect
      </button>
    </fieldset>
  );
}
