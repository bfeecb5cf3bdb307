import { useEditor, useEditorStore } from './useEditor.js';

/** One tab per graph: the models, the blocks, the training graph. */
export function Tabs() {
  const store = useEditorStore();
  const tabs = useEditor((s) => s.tabs);
  const active = useEditor((s) => s.tab);
  return (
    <nav className="gv-tabs" role="tablist">
      {tabs.map((t) => (
        <button
          key={t}
          role="tab"
          aria-selected={t === active}
          className={t === active ? 'gv-tab gv-tab-active' : 'gv-tab'}
          onClick={() => store.setTab(t)}
        >
          {t}
        </button>
      ))}
    </nav>
  );
}
