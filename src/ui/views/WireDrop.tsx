import { useEditorStore } from './useEditor.js';

/** Where a wire was dropped: its source, the screen point, the canvas point, and the node types that fit it. */
export interface Drop {
  source: string;
  port: string;
  x: number;
  y: number;
  at: { x: number; y: number };
  types: string[];
}

/** The node types that accept a dropped wire's tensor; choosing one adds it there, wired. */
export function WireDrop({ drop, onClose }: { drop: Drop; onClose: () => void }) {
  const store = useEditorStore();
  return (
    <div className="gv-wire-drop" role="dialog" aria-label="Nodes that fit" style={{ left: drop.x, top: drop.y }}>
      <div className="gv-where">
        fits {drop.source}.{drop.port}
      </div>
      {drop.types.map((type) => (
        <button
          key={type}
          className="gv-palette-item"
          onClick={() => {
            store.addNodeOnWire(type, drop.at, drop.source, drop.port);
            onClose();
          }}
        >
          {type}
        </button>
      ))}
      <button className="gv-button" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
