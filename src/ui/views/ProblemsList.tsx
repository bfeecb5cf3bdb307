import { useReactFlow } from '@xyflow/react';
import { type Diagnostic, formatLocation } from '../../core/diagnostics.js';
import { danglingEdgeOf } from '../editor/fixes.js';
import { countText, errorCount, warningCount } from '../editor/store.js';
import { useEditor, useEditorStore } from './useEditor.js';

/** Every diagnostic of the project; choosing one shows its graph and centres its node; some offer their fix. */
export function ProblemsList() {
  const store = useEditorStore();
  const diagnostics = useEditor((s) => s.analysis.diagnostics);
  const errors = useEditor(errorCount);
  const warnings = useEditor(warningCount);
  const editable = useEditor((s) => s.doc !== undefined);
  const flow = useReactFlow();
  const focus = (d: Diagnostic) => {
    if (d.location.graph) store.setTab(d.location.graph);
    const id = d.location.nodeId;
    if (id === undefined) return;
    // The canvas of another tab mounts first.
    setTimeout(() => {
      const n = flow.getNode(id);
      if (n) void flow.setCenter(n.position.x + 80, n.position.y + 40, { zoom: 1.2, duration: 300 });
    }, 50);
  };
  return (
    <section aria-label="Problems">
      <h2 data-testid="problems-count">Problems: {diagnostics.length === 0 ? 'none' : countText(errors, warnings)}</h2>
      <ul className="gv-problems" data-testid="problems">
        {diagnostics.map((d, i) => {
          const fix = editable ? danglingEdgeOf(d) : undefined;
          return (
            <li key={i} className={`gv-problem-${d.severity}`}>
              <button onClick={() => focus(d)}>
                <strong>{d.code}</strong> <span className="gv-where">{formatLocation(d.location)}</span>
                <br />
                {d.message}
              </button>
              {fix && (
                <button className="gv-button gv-problem-fix" onClick={() => store.removeEdgeOf(fix.tab, fix.index)}>
                  Fix: delete this edge
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
