/**
 * Printing Python safely. Every value from a project reaches an exported
 * Python script only through these: a literal (pyLit: strings as ASCII-only
 * double-quoted literals with every non-printable or non-ASCII character
 * escaped, numbers finite, booleans True/False), a sanitized identifier
 * (PyIdentifiers: [A-Za-z0-9_], never a keyword, builtin, dunder or
 * nn.Module attribute), or a # comment stripped of line breaks (pyComment).
 */

/** Python keywords, soft keywords and the builtins a script could shadow harmfully. */
const PY_RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type _ ' +
    'abs all any bool bytes callable chr compile dict dir divmod enumerate eval exec exit filter float format getattr globals hasattr hash help hex id input int isinstance issubclass iter len list locals map max min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple vars zip ' +
    'torch nn F math os sys json struct zlib argparse time self'
  ).split(' '),
);

/** Attributes every nn.Module has (torch 1.13 and later): a node id must never shadow one. */
const MODULE_ATTRS = new Set(
  (
    'T_destination add_module apply bfloat16 buffers children compile cpu cuda double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict to to_empty train training type xpu zero_grad ' +
    'call_super_init reset_parameters'
  ).split(' '),
);

/** Identifiers for project names: [A-Za-z0-9_], starting with a letter, never reserved or repeated. */
export class PyIdentifiers {
  private readonly used = new Set<string>();
  private readonly given = new Map<string, string>();
  constructor(
    taken: readonly string[] = [],
    private readonly attribute = false,
  ) {
    for (const t of taken) this.used.add(t);
  }
  get(key: string, hint: string): string {
    const had = this.given.get(key);
    if (had) return had;
    let base = hint
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^_+|_+$/g, '')
      .replace(/__+/g, '_')
      .slice(0, 40);
    if (!/^[A-Za-z]/.test(base)) base = `n_${base}`;
    if (PY_RESERVED.has(base) || (this.attribute && MODULE_ATTRS.has(base)) || base === 'n_') base = `${base}_`;
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    this.given.set(key, name);
    return name;
  }
}

/** A CamelCase class name for a model name (sanitized like an identifier). */
export function className(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const camel = parts.map((p) => p[0]?.toUpperCase() + p.slice(1)).join('');
  return /^[A-Za-z]/.test(camel) ? camel : `Model${camel}`;
}

/** A Python string literal: double-quoted, ASCII only, every other character escaped. */
export function pyStr(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A Python literal of JSON-like data (null, booleans, finite numbers, strings, arrays, plain objects). */
export function pyLit(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`A number that is not finite (${v}) cannot be written as Python.`);
    return Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? String(v) : String(v);
  }
  if (typeof v === 'string') return pyStr(v);
  if (Array.isArray(v)) return `[${v.map(pyLit).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyStr(k)}: ${pyLit(x)}`)
      .join(', ')}}`;
  throw new Error(`A ${typeof v} cannot be written as Python.`);
}

/** A Python tuple literal of numbers. */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${pyLit(xs[0])},)` : `(${xs.map(pyLit).join(', ')})`;
}

/** A # comment of one line: no line break can end it early. */
export function pyComment(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  return `# ${text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').slice(0, 300)}`;
}
