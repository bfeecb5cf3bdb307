/**
 * Text -> typed Project, or located diagnostics. Never throws.
 */
import { parseTree, findNodeAtLocation, printParseErrorCode, type ParseError, type Node as JsonNode } from 'jsonc-parser';
import { diag, type Diagnostic, type DiagnosticLocation } from '../diagnostics.js';
import { FORMAT, projectSchema, type Project } from './schema.js';

export interface ParseResult {
  /** The project when the structure is valid (node params not yet checked). */
  project?: Project;
  diagnostics: Diagnostic[];
  /** 'unreadable': not JSON or not a ganvas project (CLI exit 2). */
  status: 'ok' | 'invalid' | 'unreadable';
  /** Maps a JSON path to a 1-based line/column in the text. */
  locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function makeLocator(text: string, tree: JsonNode | undefined): ParseResult['locate'] {
  return (path) => {
    if (!tree) return undefined;
    // Walk up the path until some prefix exists (a missing field is located at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(tree, path.slice(0, n) as (string | number)[]);
      if (node) {
        // For a property value, point at the property key.
        const at = node.parent?.type === 'property' ? node.parent.offset : node.offset;
        return lineColumn(text, at);
      }
    }
    return undefined;
  };
}

/** Parses project text. Structural (schema) errors carry JSON paths and lines. */
export function parseProjectText(text: string): ParseResult {
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
      diagnostics: [diag('NOT_PROJECT', 'This is not a ganvas project: expected a JSON object with "format": "ganvas/1".', { path: [] })],
      status: 'unreadable',
      locate,
    };
  }
  const format = (raw as Record<string, unknown>).format;
  if (format === undefined) {
    return {
      diagnostics: [diag('NOT_PROJECT', 'This is not a ganvas project: it has no "format" field (expected "format": "ganvas/1").', at([], locate))],
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

function at(path: (string | number)[], locate: ParseResult['locate']): DiagnosticLocation {
  const lc = locate(path);
  return lc ? { path, ...lc } : { path };
}

function pathText(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the top level' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}
