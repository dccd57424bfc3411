// Editing a text in place on a preview: which form field a text shown in a slot comes from.
// The preview markup is exactly what visitors get (no field markers), so the field is found by
// its value, in the variant the slot shows.
import type { JsonValue } from '$lib/api';
import { join } from '$lib/util/pointer';
import { isObj, type Obj } from './rules';

export interface FieldAt {
  /** Pointer in the entry document the edit writes to. */
  pointer: string;
  /** The text the field holds now. */
  value: string;
}

/** JSON Merge Patch (RFC 7386) of `patch` over `base`. */
export function merge(base: JsonValue | undefined, patch: JsonValue | undefined): JsonValue | undefined {
  if (!isObj(patch)) return patch === undefined ? base : patch;
  const out: Obj = isObj(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v) as JsonValue;
  }
  return out;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The pointers (relative) of the string fields of `value` whose text is `text`. */
function stringsEqualTo(value: JsonValue | undefined, text: string, at = ''): string[] {
  if (typeof value === 'string') return squash(value) === text ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsEqualTo(v, text, join(at, i)));
  if (isObj(value)) return Object.entries(value).flatMap(([k, v]) => stringsEqualTo(v, text, join(at, k)));
  return [];
}

/**
 * The field of `entry` that shows `text` in the variant `variant` (a personalization's id, or
 * `baseline`), or null when no field, or more than one, holds exactly that text. An edit of a
 * personalization writes its patch (the field then differs from the baseline for it only).
 */
export function fieldForText(entry: JsonValue, variant: string, text: string): FieldAt | null {
  if (!isObj(entry)) return null;
  const wanted = squash(text);
  if (!wanted) return null;
  const list = Array.isArray(entry.personalizations) ? entry.personalizations : [];
  const index = variant === 'baseline' ? -1 : list.findIndex((p) => isObj(p) && p.id === variant);
  if (variant !== 'baseline' && index < 0) return null;
  const patch = index >= 0 && isObj(list[index]) ? (list[index] as Obj).patch : undefined;
  const shown = index >= 0 ? merge(entry.baseline, patch) : entry.baseline;
  const found = stringsEqualTo(shown, wanted);
  if (found.length !== 1) return null;
  const base = index >= 0 ? `/personalizations/${index}/patch` : '/baseline';
  return { pointer: base + found[0], value: wanted };
}
