// Reading the parts of a component's JSON Schema that the generated form needs.
import type { JsonValue } from '$lib/api';

export interface FieldSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: JsonValue[];
  properties?: Record<string, FieldSchema>;
  required?: string[];
  items?: FieldSchema;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  default?: JsonValue;
  /** Translated per locale (docs/locales.md); a marked object or array is translated whole. */
  'x-localized'?: boolean;
}

export type FieldKind = 'enum' | 'string' | 'text' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'json';

export function asSchema(v: JsonValue | undefined): FieldSchema {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as unknown as FieldSchema) : {};
}

function mainType(s: FieldSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

export function kindOf(s: FieldSchema): FieldKind {
  if (Array.isArray(s.enum)) return 'enum';
  switch (mainType(s)) {
    case 'string':
      return (s.maxLength ?? 0) > 120 ? 'text' : 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'object':
      return s.properties ? 'object' : 'json';
    case 'array':
      return 'array';
    default:
      return s.properties ? 'object' : 'json';
  }
}

/** A starting value for a new array item or a newly shown required field. */
export function emptyValue(s: FieldSchema): JsonValue {
  if (s.default !== undefined) return s.default;
  switch (kindOf(s)) {
    case 'enum':
      return s.enum?.[0] ?? null;
    case 'number':
    case 'integer':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object': {
      const out: Record<string, JsonValue> = {};
      for (const key of s.required ?? []) out[key] = emptyValue(s.properties?.[key] ?? {});
      return out;
    }
    case 'json':
      return {};
    default:
      return '';
  }
}

export function label(s: FieldSchema, key: string): string {
  return s.title ?? key.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function display(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
