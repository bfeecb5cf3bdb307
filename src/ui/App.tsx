import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './app.css';
import type { EditorStore } from './editor/store.js';
import { NoticeBanner, RefusedBanner, RestoredBanner } from './views/Banners.js';
import { Canvas } from './views/Canvas.js';
import { Dialogs } from './views/Dialogs.js';
import { Sidebar } from './views/Sidebar.js';
import { Tabs } from './views/Tabs.js';
import { Toolbar } from './views/Toolbar.js';
import { TrainArea } from './views/TrainArea.js';
import { useCommandKeys } from './views/useCommandKeys.js';
import { EditorProvider } from './views/useEditor.js';

/** The editor's layout; its state and actions live in the store (editor/store.ts). */
function Editor({ store }: { store: EditorStore }) {
  useCommandKeys(store);
  return (
    <div
      className="gv-app"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        const f = e.dataTransfer.files[0];
        if (!f) return;
        e.preventDefault();
        void f.arrayBuffer().then((b) => store.openBytes(f.name, new Uint8Array(b)));
      }}
    >
      <Toolbar />
      <NoticeBanner />
      <RefusedBanner />
      <RestoredBanner />
      <Tabs />
      <main className="gv-main">
        <Canvas />
        <Sidebar />
      </main>
      <TrainArea />
      <Dialogs />
    </div>
  );
}

export function App({ store }: { store: EditorStore }) {
  return (
    <EditorProvider store={store}>
      <ReactFlowProvider>
        <Editor store={store} />
      </ReactFlowProvider>
    </EditorProvider>
  );
}
