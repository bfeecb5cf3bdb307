import type { KeyboardEvent } from 'react';

/**
 * A label wrapping a hidden file input works as a button from the keyboard:
 * Enter or Space opens the input's file chooser.
 */
export function pressInnerInput(e: KeyboardEvent<HTMLLabelElement>): void {
  if (e.key !== 'Enter' && e.key !== ' ') return;
  e.preventDefault();
  e.currentTarget.querySelector('input')?.click();
}
