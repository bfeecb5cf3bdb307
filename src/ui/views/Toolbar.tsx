import { Fragment } from 'react';
import { COMMANDS, type Command, tooltip } from '../editor/commands.js';
import { countText, errorCount, warningCount } from '../editor/store.js';
import { pressInnerInput } from '../keys.js';
import { NEW_PROJECT, TEMPLATES } from '../templates.js';
import { useEditor, useEditorStore } from './useEditor.js';

/** A toolbar button drawn from the command table. */
function CommandButton({ command: c }: { command: Command }) {
  const store = useEditorStore();
  const enabled = useEditor(c.enabled);
  const pressed = useEditor((s) => c.pressed?.(s));
  return (
    <button
      className="gv-button"
      onClick={() => void c.run(store)}
      disabled={!enabled}
      aria-label={c.name}
      aria-pressed={pressed}
      title={tooltip(c)}
    >
      {c.label}
    </button>
  );
}

function TemplatePicker() {
  const store = useEditorStore();
  const file = useEditor((s) => s.file);
  return (
    <label>
      <select
        aria-label="Template"
        value={file}
        onChange={(e) => {
          const t = [NEW_PROJECT, ...TEMPLATES].find((x) => x.file === e.target.value);
          if (t) store.open(t.file, t.text);
        }}
      >
        <option value={NEW_PROJECT.file}>New project</option>
        {TEMPLATES.map((t) => (
          <option key={t.file} value={t.file} title={t.summary}>
            {t.title}
          </option>
        ))}
        {file && file !== NEW_PROJECT.file && !TEMPLATES.some((t) => t.file === file) && (
          <option value={file}>{file}</option>
        )}
      </select>
    </label>
  );
}

/** A button that picks a JSON file and hands its name and text on. */
interface FileButtonProps {
  text: string;
  name: string;
  title?: string;
  onFile: (name: string, bytes: Uint8Array) => void;
}

/** A label (tests and screen readers reach the file input by its name) that works as a button from the keyboard. */
function FileButton(props: FileButtonProps) {
  return (
    <label className="gv-button" title={props.title} role="button" tabIndex={0} onKeyDown={pressInnerInput}>
      {props.text}
      <input
        type="file"
        accept=".json,application/json"
        hidden
        tabIndex={-1}
        aria-label={props.name}
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void f.arrayBuffer().then((b) => props.onFile(f.name, new Uint8Array(b)));
          e.target.value = ''; // the same file again is a new choice
        }}
      />
    </label>
  );
}

/** The project's problems by severity, counted as the Problems list counts them. */
function Status() {
  const errors = useEditor(errorCount);
  const warnings = useEditor(warningCount);
  const ok = useEditor((s) => s.analysis.status === 'ok');
  return (
    <span className="gv-status" title={`Problems: ${countText(errors, warnings)}`}>
      <span className={errors ? 'gv-status-bad' : 'gv-status-ok'} data-testid="status">
        {ok ? 'valid' : countText(errors, 0)}
      </span>
      {warnings > 0 && (
        <span className="gv-status-warn" data-testid="warnings">
          {countText(0, warnings)}
        </span>
      )}
    </span>
  );
}

export function Toolbar() {
  const store = useEditorStore();
  const blockName = useEditor((s) => s.blockName);
  const title = useEditor((s) => s.analysis.project?.name ?? s.file);
  return (
    <header className="gv-header">
      <h1>ganvas</h1>
      <TemplatePicker />
      <FileButton text="Open…" name="Open project file" onFile={(name, bytes) => store.openBytes(name, bytes)} />
      <FileButton
        text="Import…"
        name="Import model.json"
        title="Import a TF.js or Keras model.json topology as a model"
        onFile={(name, bytes) => store.importModel(name, new TextDecoder().decode(bytes))}
      />
      {COMMANDS.filter((c) => c.toolbar).map((c) => (
        <Fragment key={c.id}>
          {c.id === 'export-ts' && (
            <span className="gv-toolbar-label" aria-hidden="true">
              Export
            </span>
          )}
          {c.id === 'group' && (
            <input
              className="gv-block-name"
              value={blockName}
              onChange={(e) => store.setBlockName(e.target.value)}
              aria-label="Block name"
              size={8}
            />
          )}
          <CommandButton command={c} />
        </Fragment>
      ))}
      <span className="gv-project-name" title={title}>
        {title}
      </span>
      <Status />
    </header>
  );
}
