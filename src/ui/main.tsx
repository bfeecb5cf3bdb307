import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { browserEnv } from './browserEnv.js';
import { createEditorStore, loadText } from './editor/store.js';
import { loadAutosave } from './store/autosave.js';
import { DEFAULT_TEMPLATE, TEMPLATES } from './templates.js';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

const initial = TEMPLATES.find((t) => t.file === DEFAULT_TEMPLATE) ?? TEMPLATES[0];
const store = createEditorStore(initial && loadText(initial.file, initial.text), browserEnv);
// The autosaved document of the last session, if any, replaces the template.
void loadAutosave().then((a) => {
  if (a) store.restore(a.file, a.doc, a.savedAt);
});

createRoot(root).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
