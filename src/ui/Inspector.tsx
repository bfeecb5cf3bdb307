import { useState } from 'react';
import { entryFor } from '../core/nodes/index.js';
import { type Field, fieldsOf, formatField, parseField, parseInitializer } from './inspector/fields.js';

/** A weight initializer: its kind (Keras' names) and that kind's numbers, e.g. randomNormal's mean and stddev. */
function InitializerInput({
  field,
  value,
  onCommit,
}: {
  field: Field;
  value: unknown;
  onCommit: (v: unknown) => void;
}) {
  const current = (value ?? field.defaultValue ?? {}) as Record<string, unknown>;
  const kind = String(current.kind ?? '');
  const variant = field.variants?.find((v) => v.kind === kind);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries((variant?.fields ?? []).map((f) => [f.key, formatField(f, current[f.key] ?? f.defaultValue)])),
  );
  const [error, setError] = useState<string | undefined>();
  const commit = (change: { kind: string } | { key: string; text: string }) => {
    const r = parseInitializer(field, current, change);
    if ('error' in r) {
      setError(r.error);
      return;
    }
    setError(undefined);
    onCommit(r.value);
  };
  const id = `field-${field.key}`;
  return (
    <div className="gv-field" role="group" aria-label={`${field.key}: kind and parameters`}>
      <label htmlFor={id} title={field.description}>
        {field.key}
      </label>
      <select id={id} value={kind} onChange={(e) => commit({ kind: e.target.value })}>
        {field.variants?.map((v) => (
          <option key={v.kind} value={v.kind}>
            {v.kind}
          </option>
        ))}
      </select>
      {variant?.fields.map((f) => {
        const sid = `${id}-${f.key}`;
        return (
          <div key={f.key} className="gv-subfield">
            <label htmlFor={sid} title={f.description}>
              {f.key}
            </label>
            <input
              id={sid}
              value={texts[f.key] ?? ''}
              inputMode="decimal"
              aria-invalid={error !== undefined}
              onChange={(e) => setTexts({ ...texts, [f.key]: e.target.value })}
              onBlur={() => commit({ key: f.key, text: texts[f.key] ?? '' })}
              onKeyDown={(e) => {
                if (e.key === 'Enter') commit({ key: f.key, text: texts[f.key] ?? '' });
              }}
            />
          </div>
        );
      })}
      {field.description && <div className="gv-field-help">{field.description}</div>}
      {error && (
        <div className="gv-field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

interface DocNode {
  id: string;
  type: string;
  params?: Record<string, unknown>;
}

function FieldInput({ field, value, onCommit }: { field: Field; value: unknown; onCommit: (v: unknown) => void }) {
  const [text, setText] = useState(formatField(field, value ?? field.defaultValue));
  const [error, setError] = useState<string | undefined>();
  const commit = (raw: string | boolean) => {
    const r = parseField(field, raw);
    if ('error' in r) {
      setError(r.error);
      return;
    }
    setError(undefined);
    onCommit(r.value);
  };
  const id = `field-${field.key}`;
  return (
    <div className="gv-field">
      <label htmlFor={id} title={field.description}>
        {field.key}
      </label>
      {field.kind === 'boolean' ? (
        <input
          id={id}
          type="checkbox"
          checked={Boolean(value ?? field.defaultValue)}
          onChange={(e) => commit(e.target.checked)}
        />
      ) : field.kind === 'enum' ? (
        <select id={id} value={String(value ?? field.defaultValue ?? '')} onChange={(e) => commit(e.target.value)}>
          {field.options?.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          value={text}
          aria-invalid={error !== undefined}
          inputMode={field.kind === 'number' || field.kind === 'integer' ? 'decimal' : undefined}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => commit(text)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit(text);
          }}
        />
      )}
      {field.description && <div className="gv-field-help">{field.description}</div>}
      {error && (
        <div className="gv-field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** A name field (a node id, a model's name): renames on Enter or leaving it; a refused name says why, in place. */
interface RenameProps {
  label: string;
  value: string;
  onRename: (to: string) => string | undefined;
}

function RenameInput({ label, value, onRename }: RenameProps) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | undefined>();
  const id = `rename-${label.replace(/\W+/g, '-')}`;
  const commit = () => {
    const to = text.trim();
    if (to === value) return setError(undefined);
    setError(onRename(to));
  };
  return (
    <div className="gv-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        aria-invalid={error !== undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {error && (
        <div className="gv-field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export interface InspectorProps {
  graph: string;
  node: DocNode | undefined;
  onChange: (key: string, value: unknown) => void;
  /** Renames the node (every reference too); returns why a name is refused. */
  onRename?: (to: string) => string | undefined;
  /** Renames the model a ModelCall calls (every reference too); returns why a name is refused. */
  onRenameModel?: (from: string, to: string) => string | undefined;
}

/** The selected node's params, as a form generated from its zod schema. Invalid values are refused in place. */
export function Inspector({ graph, node, onChange, onRename, onRenameModel }: InspectorProps) {
  if (!node) return null;
  const called = node.type === 'ModelCall' && typeof node.params?.model === 'string' ? node.params.model : undefined;
  const schema = entryFor(graph === 'training' ? 'training' : 'model', node.type)?.params;
  const fields = schema ? fieldsOf(schema) : [];
  return (
    <section className="gv-inspector" aria-label="Inspector">
      <h2>
        {node.type} <span className="gv-where">{node.id}</span>
      </h2>
      {onRename && <RenameInput key={`id:${node.id}`} label="Node id" value={node.id} onRename={onRename} />}
      {onRenameModel && called !== undefined && (
        <RenameInput
          key={`model:${called}`}
          label="Model name"
          value={called}
          onRename={(to) => onRenameModel(called, to)}
        />
      )}
      {fields.length === 0 && <p className="gv-where">No parameters.</p>}
      {fields.map((f) =>
        f.kind === 'initializer' ? (
          <InitializerInput
            key={`${f.key}:${JSON.stringify(node.params?.[f.key])}`}
            field={f}
            value={node.params?.[f.key]}
            onCommit={(v) => onChange(f.key, v)}
          />
        ) : (
          <FieldInput
            key={`${f.key}:${JSON.stringify(node.params?.[f.key])}`}
            field={f}
            value={node.params?.[f.key]}
            onCommit={(v) => onChange(f.key, v)}
          />
        ),
      )}
    </section>
  );
}
