/**
 * Text -> typed Project, or located diagnostics. Never throws.
 */
import {
  findNodeAtLocation,
  type Node as JsonNode,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { type Diagnostic, type DiagnosticLocation, diag } from '../diagnostics.js';
import { formatBytes, invalidUtf8Offset, jsonDepth, LIMITS } from './limits.js';
import { FORMAT, type Project, projectSchema } from './schema.js';

export interface ParseResult {
  /** The project when the structure is valid (node params not yet checked). */
  project?: Project;
  diagnostics: Diagnostic[];
  /** 'unreadable': not JSON or not a ganvas project (CLI exit 2). */
  status: 'ok' | 'invalid' | 'unreadable';
  /** Maps a JSON path to a 1-based line/column in the text. */
  locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** Offsets where each line starts: built once per text, then every lookup is a binary search. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

let cache: { text: string; starts: number[] } | undefined;

/** 1-based line and column of a character offset (O(log lines) after the first call for a text). */
export function lineColumn(text: string, offset: number, starts?: number[]): { line: number; column: number } {
  if (!starts) {
    if (cache?.text !== text) cache = { text, starts: lineStarts(text) };
    starts = cache.starts;
  }
  const end = Math.max(0, Math.min(offset, text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= end) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: end - (starts[lo] as number) + 1 };
}

export function makeLocator(text: string, tree: JsonNode | undefined): ParseResult['locate'] {
  let starts: number[] | undefined;
  return (path) => {
    if (!tree) return undefined;
    // Walk up the path until some prefix exists (a missing field is located at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, path.slice(0, n) as (string | number)[]);
      if (node) {
        // For a property value, point at the property key.
        const at = node.parent?.type === 'property' ? node.parent.offset : node.offset;
        starts ??= lineStarts(text);
        return lineColumn(text, at, starts);
      }
    }
    return undefined;
  };
}

/**
 * Project file bytes -> a ParseResult: refuses a file over the size limit and
 * bytes that are not UTF-8 (which a lenient decoder would silently turn into
 * U+FFFD), then parses the text.
 */
export function parseProjectBytes(bytes: Uint8Array): ParseResult {
  const none: ParseResult['locate'] = () => undefined;
  if (bytes.byteLength > LIMITS.maxFileBytes)
    return { diagnostics: [tooBig(bytes.byteLength)], status: 'unreadable', locate: none };
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    // Locate by the valid text before the bad byte.
    const before = new TextDecoder().decode(bytes.subarray(0, bad));
    const lc = lineColumn(before, before.length);
    const hex = [...bytes.subarray(bad, bad + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const msg =
      `The file is not valid UTF-8: byte ${bad} (line ${lc.line}, column ${lc.column}; bytes ${hex}) ` +
      'is not part of a UTF-8 character. Re-save the file as UTF-8; ganvas does not guess, ' +
      'because a replaced character would silently change a name.';
    return { diagnostics: [diag('ENCODING', msg, lc)], status: 'unreadable', locate: none };
  }
  return parseProjectText(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
}

function tooBig(size: number): Diagnostic {
  const limit = formatBytes(LIMITS.maxFileBytes);
  const msg = `The file is ${formatBytes(size)}, over the limit of ${limit} for a project (LIMITS.maxFileBytes).`;
  return diag('LIMIT', msg, { line: 1, column: 1 });
}

/** Parses project text. Structural (schema) errors carry JSON paths and lines. */
export function parseProjectText(text: string): ParseResult {
  const none: ParseResult['locate'] = () => undefined;
  // A UTF-16 code unit is at least one byte: a text longer than the byte limit is surely over it.
  if (text.length > LIMITS.maxFileBytes)
    return { diagnostics: [tooBig(text.length)], status: 'unreadable', locate: none };
  // jsonc-parser recurses once per level: refuse deep nesting before it runs.
  const depth = jsonDepth(text, LIMITS.maxJsonDepth);
  if (depth.offset !== undefined) {
    const lc = lineColumn(text, depth.offset);
    const msg =
      `Arrays and objects are nested more than ${LIMITS.maxJsonDepth} levels deep ` +
      `at line ${lc.line}, column ${lc.column} ` +
      `(LIMITS.maxJsonDepth); a ganvas project needs fewer than 10.`;
    return { diagnostics: [diag('LIMIT', msg, lc)], status: 'unreadable', locate: none };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const locate = makeLocator(text, tree);
  if (errors.length > 0 || !tree) {
    const diagnostics = errors.slice(0, 20).map((e) => {
      const lc = lineColumn(text, e.offset);
      return diag(
        'JSON_SYNTAX',
        `Malformed JSON: ${describeParseError(printParseErrorCode(e.error))} at line ${lc.line}, column ${lc.column}.`,
        { line: lc.line, column: lc.column },
      );
    });
    if (diagnostics.length === 0) diagnostics.push(diag('JSON_SYNTAX', 'The file is empty.', { line: 1, column: 1 }));
    return { diagnostics, status: 'unreadable', locate };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // jsonc-parser accepted what JSON.parse refused (should not happen); report, do not throw.
    return {
      diagnostics: [diag('JSON_SYNTAX', `Malformed JSON: ${(e as Error).message}`)],
      status: 'unreadable',
      locate,
    };
  }
  return parseProjectValue(raw, locate);
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: "expected ':'",
    CommaExpected: "expected ','",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: 'unexpected text after the end of the JSON value',
    InvalidCommentToken: 'comments are not allowed',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string',
  };
  return words[code] ?? code;
}

/** Parses an already-decoded JSON value (e.g. from the editor's store). */
export function parseProjectValue(raw: unknown, locate: ParseResult['locate'] = () => undefined): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      diagnostics: [
        diag('NOT_PROJECT', 'This is not a ganvas project: expected a JSON object with "format": "ganvas/1".', {
          path: [],
        }),
      ],
      status: 'unreadable',
      locate,
    };
  }
  const format = (raw as Record<string, unknown>).format;
  if (format === undefined) {
    return {
      diagnostics: [
        diag(
          'NOT_PROJECT',
          'This is not a ganvas project: it has no "format" field (expected "format": "ganvas/1").',
          at([], locate),
        ),
      ],
      status: 'unreadable',
      locate,
    };
  }
  if (format !== FORMAT) {
    const known = typeof format === 'string' && format.startsWith('ganvas/');
    return {
      diagnostics: [
        diag(
          known ? 'FORMAT_VERSION' : 'NOT_PROJECT',
          known
            ? `Project format ${JSON.stringify(format)} is not supported by this ganvas, which reads "${FORMAT}". Update ganvas or re-save the project with a matching version.`
            : `This is not a ganvas project: "format" is ${JSON.stringify(format).slice(0, 80)}, expected "${FORMAT}".`,
          at(['format'], locate),
        ),
      ],
      status: 'unreadable',
      locate,
    };
  }
  // JSON.parse keeps a "__proto__" key as an own property, but copying the object (as the schema does)
  // turns it into the prototype: the key would vanish without a word. Refuse it, wherever it is.
  const forbidden = forbiddenKeys(raw);
  if (forbidden.length > 0) {
    const diagnostics = forbidden
      .slice(0, 100)
      .map((path) =>
        diag(
          'FORBIDDEN_KEY',
          `The key "__proto__" (at ${pathText(path)}) is not allowed: JavaScript would drop it ` +
            "or change the object's prototype. Remove or rename it.",
          at(path, locate),
        ),
      );
    return { diagnostics, status: 'invalid', locate };
  }
  const result = projectSchema.safeParse(raw);
  if (!result.success) {
    const diagnostics = result.error.issues.slice(0, 100).map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      return diag('SCHEMA', `${issue.message} (at ${pathText(path)}).`, at(path, locate));
    });
    return { diagnostics, status: 'invalid', locate };
  }
  return { project: result.data, diagnostics: [], status: 'ok', locate };
}

/** JSON paths of every "__proto__" key in a decoded JSON value (iterative: the depth is unbounded here). */
export function forbiddenKeys(value: unknown): (string | number)[][] {
  const found: (string | number)[][] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  let visited = 0;
  while (stack.length > 0 && visited++ < 10_000_000) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      if (k === '__proto__') found.push([...path, k]);
      else stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  return found;
}

function at(path: (string | number)[], locate: ParseResult['locate']): DiagnosticLocation {
  const lc = locate(path);
  return lc ? { path, ...lc } : { path };
}

function pathText(path: readonly (string | number)[]): string {
  return path.length === 0
    ? 'the top level'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}
