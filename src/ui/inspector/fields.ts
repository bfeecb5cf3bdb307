/**
 * Inspector form fields derived from a node type's zod params: the registry
 * stays the single source of truth for defaults, ranges and help text.
 */
import type { z } from 'zod';

export type FieldKind =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'numberList'
  | 'text'
  | 'textList'
  | 'json'
  | 'initializer';

/** One kind of a weight initializer (core's nodes/init.ts) and its number fields. */
export interface InitializerVariant {
  kind: string;
  fields: Field[];
}

export interface Field {
  key: string;
  kind: FieldKind;
  description?: string;
  min?: number;
  max?: number;
  options?: (string | number)[];
  defaultValue?: unknown;
  schema: z.ZodType;
  /** kind 'initializer': the kinds it takes, each with its own fields. */
  variants?: InitializerVariant[];
}

interface Introspect {
  _zod: {
    def: {
      type: string;
      innerType?: Introspect;
      defaultValue?: unknown;
      element?: Introspect;
      options?: Introspect[];
      values?: unknown[];
      discriminator?: string;
    };
  };
  description?: string;
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  options?: unknown[];
  shape?: Record<string, Introspect>;
}

function unwrap(s: Introspect): { inner: Introspect; defaultValue?: unknown; description?: string } {
  let inner = s;
  let defaultValue: unknown;
  let description = s.description;
  while (inner._zod.def.type === 'default' || inner._zod.def.type === 'optional') {
    if (inner._zod.def.type === 'default') defaultValue = inner._zod.def.defaultValue;
    inner = inner._zod.def.innerType as Introspect;
    description ??= inner.description;
  }
  return {
    inner,
    ...(defaultValue !== undefined ? { defaultValue } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

export function fieldsOf(schema: z.ZodType): Field[] {
  const shape = (schema as unknown as Introspect).shape;
  if (!shape) return [];
  return Object.entries(shape).map(([key, raw]) => {
    const { inner, defaultValue, description } = unwrap(raw);
    const base = {
      key,
      schema: raw as unknown as z.ZodType,
      ...(description ? { description } : {}),
      ...(defaultValue !== undefined ? { defaultValue } : {}),
    };
    const t = inner._zod.def.type;
    if (t === 'number')
      return {
        ...base,
        kind: inner.isInt ? 'integer' : 'number',
        ...(inner.minValue != null && Number.isFinite(inner.minValue) ? { min: inner.minValue } : {}),
        ...(inner.maxValue != null && Number.isFinite(inner.maxValue) ? { max: inner.maxValue } : {}),
      };
    if (t === 'boolean') return { ...base, kind: 'boolean' };
    if (t === 'enum') return { ...base, kind: 'enum', options: (inner.options ?? []) as string[] };
    if (t === 'union' && (inner._zod.def.options ?? []).every((o) => o._zod.def.type === 'literal'))
      return {
        ...base,
        kind: 'enum',
        options: (inner._zod.def.options ?? []).flatMap((o) => (o._zod.def.values ?? []) as (string | number)[]),
      };
    if (t === 'union' && inner._zod.def.discriminator === 'kind')
      return {
        ...base,
        kind: 'initializer',
        variants: (inner._zod.def.options ?? []).map((o) => ({
          kind: String(o.shape?.kind?._zod.def.values?.[0]),
          fields: fieldsOf(o as unknown as z.ZodType).filter((f) => f.key !== 'kind'),
        })),
      };
    if (t === 'array')
      return {
        ...base,
        kind:
          inner._zod.def.element && unwrap(inner._zod.def.element).inner._zod.def.type === 'number'
            ? 'numberList'
            : 'textList',
      };
    if (t === 'string') return { ...base, kind: 'text' };
    return { ...base, kind: 'json' };
  });
}

/** Parses what a person typed for a field. Returns the value or a message; nothing invalid gets through. */
export function parseField(f: Field, text: string | boolean): { value: unknown } | { error: string } {
  let raw: unknown = text;
  if (typeof text === 'string') {
    const s = text.trim();
    if (f.kind === 'number' || f.kind === 'integer') raw = s === '' ? NaN : Number(s);
    else if (f.kind === 'numberList') raw = s === '' ? [] : s.split(/[\s,]+/).map(Number);
    else if (f.kind === 'textList') raw = s === '' ? [] : s.split(/\s*,\s*/);
    else if (f.kind === 'enum' && f.options?.every((o) => typeof o === 'number')) raw = Number(s);
    else if (f.kind === 'json') {
      try {
        raw = JSON.parse(s);
      } catch {
        return { error: 'Not valid JSON.' };
      }
    }
  }
  if (Array.isArray(raw) && raw.some((x) => Number.isNaN(x))) {
    const e = Array.isArray(f.defaultValue) ? `, e.g. ${f.defaultValue.join(', ')}` : '';
    return { error: `${f.key} must be numbers separated by commas${e}.` };
  }
  const r = f.schema.safeParse(raw);
  if (!r.success) return { error: fieldRule(f) ?? `${f.key}: ${r.error.issues.map((i) => i.message).join('; ')}` };
  return { value: r.data };
}

/**
 * An initializer field's new value when a person picks `kind` (the kind's
 * defaults) or types `text` into one of the current kind's number fields.
 * Returns the value or a message; nothing invalid gets through.
 */
export function parseInitializer(
  f: Field,
  current: unknown,
  change: { kind: string } | { key: string; text: string },
): { value: unknown } | { error: string } {
  const now = (current ?? f.defaultValue ?? {}) as Record<string, unknown>;
  let raw: Record<string, unknown>;
  if ('kind' in change) raw = { kind: change.kind };
  else {
    const s = change.text.trim();
    raw = { ...now, [change.key]: s === '' ? Number.NaN : Number(s) };
  }
  const r = f.schema.safeParse(raw);
  if (r.success) return { value: r.data };
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${f.key}.${issue.path.join('.')}` : f.key;
  if (issue?.code === 'invalid_type' && 'key' in change) return { error: `${where} must be a number.` };
  return { error: `${where}: ${issue?.message ?? 'invalid'}` };
}

/** What a number field takes, in its own words: "units must be a whole number from 1 to 65,536". */
export function fieldRule(f: Field): string | undefined {
  if (f.kind !== 'number' && f.kind !== 'integer') return undefined;
  const n = (x: number) => x.toLocaleString('en-US');
  const what = f.kind === 'integer' ? 'a whole number' : 'a number';
  const range =
    f.min !== undefined && f.max !== undefined
      ? ` from ${n(f.min)} to ${n(f.max)}`
      : f.min !== undefined
        ? ` of at least ${n(f.min)}`
        : f.max !== undefined
          ? ` of at most ${n(f.max)}`
          : '';
  return `${f.key} must be ${what}${range}.`;
}

/** How a value shows in its input. */
export function formatField(f: Field, value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (f.kind === 'json') return JSON.stringify(value);
  return value === undefined ? '' : String(value);
}
