import { formatLocation } from '../../core/diagnostics.js';
import { DEFAULT_TEMPLATE, TEMPLATES } from '../templates.js';
import { useEditor, useEditorStore } from './useEditor.js';

/** A failed import or export, said in a sentence. */
export function NoticeBanner() {
  const store = useEditorStore();
  const notice = useEditor((s) => s.notice);
  if (!notice) return null;
  return (
    <div className="gv-banner" role="alert">
      {notice}{' '}
      <button className="gv-button" onClick={() => store.setNotice(undefined)} aria-label="Dismiss message">
        ×
      </button>
    </div>
  );
}

/** A file Open or a drop refused (not a project), with its located problems; the project open is untouched. */
export function RefusedBanner() {
  const store = useEditorStore();
  const refused = useEditor((s) => s.refused);
  if (!refused) return null;
  return (
    <div className="gv-banner gv-banner-bad" role="alert" data-testid="refused">
      <strong>{refused.file}</strong> is not a ganvas project, so it was not opened; your project is unchanged.{' '}
      <button className="gv-button" onClick={() => store.dismissRefused()}>
        Dismiss
      </button>
      <ul>
        {refused.diagnostics.slice(0, 5).map((d, i) => (
          <li key={i}>
            <strong>{d.code}</strong> <span className="gv-where">{formatLocation(d.location)}</span>: {d.message}
          </li>
        ))}
        {refused.diagnostics.length > 5 && <li>and {refused.diagnostics.length - 5} more</li>}
      </ul>
    </div>
  );
}

/**
 * Last session's unsaved work, restored: Keep it (closes the banner) or Discard it for the default
 * template, as an undoable step; after Discard, Restore brings the work back.
 */
export function RestoredBanner() {
  const store = useEditorStore();
  const restoredAt = useEditor((s) => s.restoredAt);
  const discarded = useEditor((s) => s.discarded);
  if (discarded) {
    return (
      <div className="gv-banner" role="status" data-testid="discarded">
        Discarded your unsaved work from {new Date(discarded.savedAt).toLocaleString()}.{' '}
        <button className="gv-button" onClick={() => store.restoreDiscarded()}>
          Restore
        </button>{' '}
        <button className="gv-button" onClick={() => store.keepRestored()}>
          Dismiss
        </button>
      </div>
    );
  }
  if (!restoredAt) return null;
  return (
    <div className="gv-banner" role="status" data-testid="restored">
      Restored your unsaved work from {new Date(restoredAt).toLocaleString()}.{' '}
      <button className="gv-button" onClick={() => store.keepRestored()}>
        Keep
      </button>{' '}
      <button
        className="gv-button"
        title="Open the starting template instead (undoable; Restore brings the work back)"
        onClick={() => {
          const t = TEMPLATES.find((x) => x.file === DEFAULT_TEMPLATE) ?? TEMPLATES[0];
          if (t) store.discardRestored(t.file, t.text);
        }}
      >
        Discard
      </button>
    </div>
  );
}
