import { DEFAULT_TEMPLATE, TEMPLATES } from '../templates.js';
import { useEditor, useEditorStore } from './useEditor.js';

/** A failed import or export, said in a sentence. */
export function NoticeBanner() {
  const notice = useEditor((s) => s.notice);
  if (!notice) return null;
  return (
    <div className="gv-banner" role="alert">
      {notice}
    </div>
  );
}

/** Says the document is last session's unsaved work; Discard opens the default template instead. */
export function RestoredBanner() {
  const store = useEditorStore();
  const restoredAt = useEditor((s) => s.restoredAt);
  if (!restoredAt) return null;
  return (
    <div className="gv-banner" role="status" data-testid="restored">
      Restored your unsaved work from {new Date(restoredAt).toLocaleString()}.{' '}
      <button
        className="gv-button"
        onClick={() => {
          const t = TEMPLATES.find((x) => x.file === DEFAULT_TEMPLATE) ?? TEMPLATES[0];
          if (t) store.open(t.file, t.text);
        }}
      >
        Discard
      </button>
    </div>
  );
}
