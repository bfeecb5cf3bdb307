import { type ReactNode, useEffect, useRef } from 'react';
import { COMMANDS, shortcutText } from '../editor/commands.js';
import { NEW_PROJECT, TEMPLATES } from '../templates.js';
import { useEditor, useEditorStore } from './useEditor.js';

/** Keys the canvas (React Flow) handles itself, listed beside the command table's. */
const CANVAS_KEYS: readonly [string, string][] = [
  ['Tab / Shift+Tab', 'Move focus between controls and nodes'],
  ['Enter / Space', 'Select the focused node'],
  ['Arrow keys', 'Move the selected nodes (Shift: farther); each move is an undoable edit'],
  ['Delete / Backspace', 'Delete the selected nodes or edges'],
  ['Ctrl+click, Shift+drag', 'Select several nodes'],
  ['Escape', 'Close this dialog'],
];

/** A modal dialog: focus moves into it, Escape closes it, and focus returns where it was. */
function Dialog({ label, children }: { label: string; children: ReactNode }) {
  const store = useEditorStore();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('button, [href], input, select')?.focus();
    return () => before?.focus();
  }, []);
  return (
    <div className="gv-overlay" onClick={() => store.closeDialog()}>
      <div
        ref={ref}
        className="gv-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={label}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key !== 'Escape') return;
          e.stopPropagation();
          store.closeDialog();
        }}
      >
        <div className="gv-dialog-head">
          <h2>{label}</h2>
          <button className="gv-button" onClick={() => store.closeDialog()} aria-label="Close">
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** The "?" overlay: every shortcut of the command table, and the canvas' own keys. */
function HelpDialog() {
  const mac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
  return (
    <Dialog label="Keyboard shortcuts">
      <table className="gv-keys" data-testid="shortcuts">
        <tbody>
          {COMMANDS.filter((c) => c.keys.length > 0).map((c) => (
            <tr key={c.id}>
              <td>
                {c.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' or '}
                    <kbd>{shortcutText(k, mac)}</kbd>
                  </span>
                ))}
              </td>
              <td>{c.name ?? c.label}</td>
            </tr>
          ))}
          {CANVAS_KEYS.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}

/** "New project" and every template, each with its title and a line of description. */
function TemplatesDialog() {
  const store = useEditorStore();
  const file = useEditor((s) => s.file);
  return (
    <Dialog label="Start a project">
      <ul className="gv-template-list" data-testid="template-list">
        {[NEW_PROJECT, ...TEMPLATES].map((t) => (
          <li key={t.file}>
            <button
              className="gv-template"
              aria-current={t.file === file ? 'true' : undefined}
              onClick={() => {
                store.open(t.file, t.text);
                store.closeDialog();
              }}
            >
              <strong>{t === NEW_PROJECT ? 'New project' : t.title}</strong>
              <span>{t.summary}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="gv-where">Opening is one step: Undo (Ctrl+Z) brings back the project you had.</p>
    </Dialog>
  );
}

export function Dialogs() {
  const dialog = useEditor((s) => s.dialog);
  if (dialog === 'help') return <HelpDialog />;
  if (dialog === 'templates') return <TemplatesDialog />;
  return null;
}
