import { lazy, Suspense, useEffect, useRef } from 'react';
import { useEditor, useEditorStore } from './useEditor.js';

// The training panel pulls in the GPU backends: loaded when first opened.
const TrainPanel = lazy(async () => ({ default: (await import('../train/TrainPanel.js')).TrainPanel }));

/** Focuses the first enabled control inside `box` once it exists (the panel loads lazily), for up to 3 s. */
function focusFirstControl(box: HTMLElement | null): () => void {
  let tries = 0;
  const timer = setInterval(() => {
    // The shown view's controls first (Start), not the view tabs above them.
    const controls = 'button:not([disabled]), select:not([disabled]), input';
    const first =
      box?.querySelector<HTMLElement>(`[role="tabpanel"] :is(${controls})`) ??
      box?.querySelector<HTMLElement>(controls);
    if (first || ++tries > 60) clearInterval(timer);
    first?.focus();
  }, 50);
  return () => clearInterval(timer);
}

/** The training panel, below the editor, while the Train toggle is on; opening it moves the focus into it. */
export function TrainArea() {
  const store = useEditorStore();
  const open = useEditor((s) => s.trainOpen);
  const analysis = useEditor((s) => s.analysis);
  // Another project (opened, or an open undone) starts a clean panel: the old run stops, its charts,
  // samples and downloads go. Edits of the same project keep the panel.
  const project = useEditor((s) => `${s.file}\n${s.analysis.project?.name ?? ''}`);
  const box = useRef<HTMLElement>(null);
  // From the Train button to Start is one key press, not a walk through every node and palette item.
  useEffect(() => (open ? focusFirstControl(box.current) : undefined), [open]);
  if (!open) return null;
  return (
    <section ref={box} aria-label="Training">
      <Suspense fallback={<div className="gv-train">Loading the training engine…</div>}>
        <TrainPanel key={project} analysis={analysis} onDataset={(id, params) => store.setDataset(id, params)} />
      </Suspense>
    </section>
  );
}
