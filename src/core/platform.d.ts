/**
 * The platform globals src/core relies on, and nothing more. Every one of
 * them exists in Node (>= 18) and in browsers and workers alike.
 *
 * Only tsconfig.core.json reads this file: it type-checks src/core with
 * `lib: ["ES2022"]` and no DOM or Node types, so using `document`, `window`,
 * `process`, `Buffer` ... in core fails `npm run lint`. tsconfig.json (DOM and
 * @types/node) excludes it. Adding a global here is a design decision: it must
 * exist on every platform core runs on.
 */

/** `performance.now()`, for step timings. */
declare var performance: { now(): number };

/** Deep copies of plain data (projects). */
declare function structuredClone<T>(value: T): T;

/** UTF-8 encoding and decoding (checkpoint headers). */
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
