/**
 * The limits ganvas enforces on its input, stated once. Each is checked
 * before the work it bounds, with a located LIMIT diagnostic, so that no
 * input can exhaust the stack, the heap or the time of a validation.
 *
 * Why these values:
 * - MAX_FILE_BYTES 64 MiB: the largest schema-valid project (100,000 nodes per
 *   graph, ~150 bytes a node pretty-printed) is ~15-30 MiB; 64 MiB keeps
 *   headroom while refusing a mistaken multi-gigabyte file before reading it.
 * - MAX_JSON_DEPTH 64: a project is ~8 levels deep (params hold at most a small
 *   array); jsonc-parser recurses per level and overflows at a few thousand.
 * - MAX_EXPANDED_NODES 200,000 per model: twice the schema's 100,000 nodes a
 *   graph, so any project the schema admits can also use blocks, while nested
 *   repeats (256^k) are refused before a single node is built.
 * - MAX_BLOCK_NESTING 32: expansion recurses once per nesting level.
 * - MAX_CHECKPOINT_BYTES 2 GiB: what Node reads into one buffer; a checkpoint of
 *   the default parameter budget (1e8 floats, with two Adam moments) is 1.2 GB.
 * - MAX_REPEAT 256: the Block node's own schema bound (nodes/defs/block.ts).
 */
export const LIMITS = {
  maxFileBytes: 64 * 2 ** 20,
  maxJsonDepth: 64,
  maxExpandedNodes: 200_000,
  maxBlockNesting: 32,
  maxRepeat: 256,
  maxCheckpointBytes: 2 * 2 ** 30 - 1,
} as const;

/** "64 MiB" */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n >= 10 * 2 ** 30 ? 0 : 1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n >= 10 * 2 ** 20 ? 0 : 1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * The deepest nesting of arrays and objects in JSON text, scanning once
 * without recursion; stops at the first offset past `limit`.
 */
export function jsonDepth(text: string, limit: number): { depth: number; offset?: number } {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
      if (depth > limit) return { depth, offset: i };
    } else if (c === 125 || c === 93) depth = Math.max(0, depth - 1);
  }
  return { depth: max };
}

/**
 * Offset of the first byte that is not valid UTF-8, or -1. (TextDecoder with
 * `fatal` says whether, not where.)
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
