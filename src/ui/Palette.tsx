import { useMemo, useState } from 'react';
import { entriesFor } from '../core/nodes/index.js';

/** The node palette: every type of the registry, by category, with search. */
export function Palette({ training, onAdd }: { training: boolean; onAdd: (type: string) => void }) {
  const [q, setQ] = useState('');
  const groups = useMemo(() => {
    const defs = entriesFor(training ? 'training' : 'model');
    const needle = q.trim().toLowerCase();
    const hits = defs.filter(
      (d) =>
        !needle ||
        d.type.toLowerCase().includes(needle) ||
        d.title.toLowerCase().includes(needle) ||
        d.category.includes(needle),
    );
    const m = new Map<string, typeof hits>();
    for (const d of hits) m.set(d.category, [...(m.get(d.category) ?? []), d]);
    return [...m.entries()];
  }, [training, q]);
  return (
    <section className="gv-palette" aria-label="Node palette">
      <h2>Add node</h2>
      <input
        type="search"
        placeholder="Search nodes"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        aria-label="Search nodes"
      />
      {groups.map(([cat, defs]) => (
        <div key={cat} className="gv-palette-group">
          <div className="gv-palette-cat">{cat}</div>
          {defs.map((d) => (
            <button
              key={d.type}
              className="gv-palette-item"
              title={d.doc}
              onClick={() => onAdd(d.type)}
              // The name holds the visible title (axe: label-content-name-mismatch) and the type.
              aria-label={d.title === d.type ? `Add ${d.type}` : `Add ${d.type}: ${d.title}`}
            >
              {d.title}
            </button>
          ))}
        </div>
      ))}
    </section>
  );
}
