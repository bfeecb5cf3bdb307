/**
 * The editor's document: the project as JSON, edited only through named
 * edits. Each edit (a bulk one too: delete forty nodes, paste a block,
 * auto-layout) is one immer patch set, so it undoes as one step. Pure: no
 * React, no DOM; tested in Node.
 */
import { applyPatches, enablePatches, produceWithPatches, type Draft, type Patch } from 'immer';
import type { ProjectInput } from '../../core/project/schema.js';

enablePatches();

export type ProjectDoc = ProjectInput;

export interface Step {
  label: string;
  patches: Patch[];
  inverse: Patch[];
}

export class History {
  private past: Step[] = [];
  private future: Step[] = [];
  constructor(
    public doc: ProjectDoc,
    private readonly limit = 500,
  ) {}

  /** Applies an edit as one undoable step. An edit that changes nothing records nothing. */
  apply(label: string, edit: (draft: Draft<ProjectDoc>) => void): boolean {
    const [next, patches, inverse] = produceWithPatches(this.doc, edit);
    if (patches.length === 0) return false;
    this.doc = next;
    this.past.push({ label, patches, inverse });
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
    return true;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
  /** Label of the step undo would revert. */
  get undoLabel(): string | undefined {
    return this.past[this.past.length - 1]?.label;
  }

  undo(): boolean {
    const s = this.past.pop();
    if (!s) return false;
    this.doc = applyPatches(this.doc, s.inverse);
    this.future.push(s);
    return true;
  }

  redo(): boolean {
    const s = this.future.pop();
    if (!s) return false;
    this.doc = applyPatches(this.doc, s.patches);
    this.past.push(s);
    return true;
  }

  /** Replaces the document (open a file, load a template): clears the history. */
  reset(doc: ProjectDoc): void {
    this.doc = doc;
    this.past = [];
    this.future = [];
  }
}
