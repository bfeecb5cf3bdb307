import { useReactFlow } from '@xyflow/react';
import { useMemo } from 'react';
import { summarizeModel } from '../../core/summary.js';
import { freeSpot } from '../editor/placement.js';
import { selectedNode } from '../editor/store.js';
import { Inspector } from '../Inspector.js';
import { Palette } from '../Palette.js';
import { ConnectForm } from './ConnectForm.js';
import { ProblemsList } from './ProblemsList.js';
import { useEditor, useEditorStore } from './useEditor.js';

/** The model's parameter totals. */
function ModelTotals() {
  const analysis = useEditor((s) => s.analysis);
  const tab = useEditor((s) => s.tab);
  const summary = useMemo(() => {
    const m = tab === 'training' ? undefined : analysis.models.get(tab);
    return m ? summarizeModel(m) : undefined;
  }, [analysis, tab]);
  if (!summary) return null;
  const { trainable, total } = summary.totals;
  return (
    <section>
      <h2>{summary.name}</h2>
      <p data-testid="model-totals">
        {trainable.toLocaleString('en-US')} trainable / {total.toLocaleString('en-US')} total params
      </p>
    </section>
  );
}

/** The side panel: palette, inspector of the selected node, model totals, problems. */
export function Sidebar() {
  const store = useEditorStore();
  const editable = useEditor((s) => s.doc !== undefined);
  const tab = useEditor((s) => s.tab);
  const node = useEditor(selectedNode);
  const flow = useReactFlow();
  return (
    <aside className="gv-side">
      {editable && (
        <Palette
          training={tab === 'training'}
          onAdd={(type) => {
            // At a free spot near the middle of the canvas.
            const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
            const middle = canvas
              ? { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 2 }
              : { x: window.innerWidth / 2 - 200, y: window.innerHeight / 2 };
            const boxes = flow.getNodes().map((n) => ({
              ...n.position,
              width: n.measured?.width ?? 180,
              height: n.measured?.height ?? 80,
            }));
            // A new node shows its unconnected input's problem: room for up to 260 x 160 px.
            store.addNode(type, freeSpot(flow.screenToFlowPosition(middle), boxes, { width: 260, height: 160 }));
          }}
        />
      )}
      {editable && node && (
        <Inspector
          key={`${tab}/${node.id}`}
          graph={tab}
          node={node}
          onChange={(key, value) => store.setParam(node.id, key, value)}
          onRename={(to) =>
            store.nodeIdProblem(node.id, to) ?? (store.renameNode(node.id, to) ? undefined : 'Not renamed.')
          }
          onRenameModel={(from, to) =>
            store.modelNameProblem(from, to) ?? (store.renameModel(from, to) ? undefined : 'Not renamed.')
          }
        />
      )}
      {editable && node && <ConnectForm key={`connect:${tab}/${node.id}`} nodeId={node.id} />}
      <ModelTotals />
      <ProblemsList />
    </aside>
  );
}
