// Translations whose original changed after they were written (the backend finds them in the
// entry's history: DocumentView.stale). The list is read with the document; until it is read
// again, a mark goes as soon as the person edits that translation or its original here.
import type { DocumentView, JsonValue } from '$lib/api';
import { escapeToken, get } from '$lib/util/pointer';
import { sameJson } from '$lib/util/same-json';
import { translationsPointer } from './locales';
import { merge } from './merge';
import { isObj } from './rules';

export type StaleText = DocumentView['stale'][number];

/** Where a stale translation's text and its original sit in the entry, from its pointer. */
function parts(pointer: string): { variant: number; field: string } | null {
  const m = /^(?:\/personalizations\/(\d+))?\/translations\/[^/]+(\/.+)$/.exec(pointer);
  return m ? { variant: m[1] === undefined ? -1 : Number(m[1]), field: m[2] } : null;
}

/** The original (default language) text of variant `variant` (-1: the baseline) at `field`. */
function originalOf(entry: JsonValue | undefined, variant: number, field: string): JsonValue | undefined {
  if (!isObj(entry)) return undefined;
  if (variant < 0) return get(entry.baseline, field);
  const list = Array.isArray(entry.personalizations) ? entry.personalizations : [];
  const p = list[variant];
  return isObj(p) ? get(merge(entry.baseline, p.patch ?? {}), field) : undefined;
}

/**
 * The marks still to show: those whose translation and original are as they were in `read`
 * (the content the list was read with). One edited in `content` since, either side, goes.
 */
export function staleNow(stale: StaleText[], read: JsonValue | undefined, content: JsonValue | undefined): StaleText[] {
  if (stale.length === 0 || read === content) return stale;
  return stale.filter((s) => {
    const at = parts(s.pointer);
    if (!at) return false;
    return sameJson(get(read, s.pointer), get(content, s.pointer)) && sameJson(originalOf(read, at.variant, at.field), originalOf(content, at.variant, at.field));
  });
}

/** The mark of the text at `field` of variant `variant` (-1: the baseline) in locale `code`, if any. */
export function staleAt(stale: StaleText[], variant: number, code: string, field: string): StaleText | undefined {
  const pointer = `${translationsPointer(variant)}/${escapeToken(code)}${field}`;
  return stale.find((s) => s.pointer === pointer);
}
