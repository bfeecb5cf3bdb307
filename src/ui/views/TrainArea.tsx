import { lazy, Suspense } from 'react';
import { useEditor, useEditorStore } from './useEditor.js';

// The training panel pulls in the GPU backends: loaded when first opened.
const TrainPanel = lazy(async () => ({ default: (await import('../train/TrainPanel.js')).TrainPanel }));

/** The training panel, below the editor, while the Train toggle is on. */
export function TrainArea() {
  const store = useEditorStore();
  const open = useEditor((s) => s.trainOpen);
  const analysis = useEditor((s) => s.analysis);
  // Another project (opened, or an open undone) starts a clean panel: the old run stops, its charts,
  // samples and downloads go. Edits of the same project keep the panel.
  const project = useEditor((s) => `${s.file}\n${s.analysis.project?.name ?? ''}`);
  if (!open) return null;
  return (
    <Suspense fallback={<div className="gv-train">Loading the training engine…</div>}>
      <TrainPanel key={project} analysis={analysis} onDataset={(id, params) => store.setDataset(id, params)} />
    </Suspense>
  );
}
