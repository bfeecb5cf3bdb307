/**
 * The editor's document: the project as JSON, edited only through named
 * edits. Each edit (a bulk one too: delete forty nodes, paste a block,
 * auto-layout) is one immer patch set, so it undoes as one step. Pure: no
 * React, no DOM; tested in Node.
 *
 * The functions here are immutable (the editor store keeps their results in
 * its snapshots); `History` is a small mutable wrapper around them.
 */
import { applyPatches, type Draft, enablePatches, type Patch, produceWithPatches } from 'immer';
import type { ProjectInput } from '../../core/project/index.js';

enablePatches();

export type ProjectDoc = ProjectInput;
export type Edit = (draft: Draft<ProjectDoc>) => void;

export interface Step {
  label: string;
  patches: Patch[];
  inverse: Patch[];
}

/** Applies an edit to a document: the new document and its step, or undefined when it changes nothing. */
export function recordEdit(doc: ProjectDoc, label: string, edit: Edit): { doc: ProjectDoc; step: Step } | undefined {
  const [next, patches, inverse] = produceWithPatches(doc, edit);
  return patches.length === 0 ? undefined : { doc: next, step: { label, patches, inverse } };
}

/** The document before a step. */
export function revertStep(doc: ProjectDoc, step: Step): ProjectDoc {
  return applyPatches(doc, step.inverse);
}

/** The document after a step. */
export function replayStep(doc: ProjectDoc, step: Step): ProjectDoc {
  return applyPatches(doc, step.patches);
}

export class History {
  private past: Step[] = [];
  private future: Step[] = [];
  constructor(
    public doc: ProjectDoc,
    private readonly limit = 500,
  ) {}

  /** Applies an edit as one undoable step. An edit that changes nothing records nothing. */
  apply(label: string, edit: Edit): boolean {
    const r = recordEdit(this.doc, label, edit);
    if (!r) return false;
    this.doc = r.doc;
    this.past.push(r.step);
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
    this.doc = revertStep(this.doc, s);
    this.future.push(s);
    return true;
  }

  redo(): boolean {
    const s = this.future.pop();
    if (!s) return false;
    this.doc = replayStep(this.doc, s);
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
