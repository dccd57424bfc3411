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

/** An experiment arm's stale translation: `/experiments/<x>/arms/<a>/translations/<code><field>`. */
const ARM = /^(\/experiments\/\d+\/arms\/\d+)\/translations\/[^/]+(\/.+)$/;

/** Where a stale translation's text and its original sit in the entry, from its pointer. */
function parts(pointer: string): { variant: number | string; field: string } | null {
  const arm = ARM.exec(pointer);
  if (arm) return { variant: arm[1], field: arm[2] };
  const m = /^(?:\/personalizations\/(\d+))?\/translations\/[^/]+(\/.+)$/.exec(pointer);
  return m ? { variant: m[1] === undefined ? -1 : Number(m[1]), field: m[2] } : null;
}

/**
 * The original (default language) text at `field` of variant `variant`: -1 the baseline, a
 * number a personalization, a pointer an experiment arm (whose own texts are its patch's).
 */
function originalOf(entry: JsonValue | undefined, variant: number | string, field: string): JsonValue | undefined {
  if (typeof variant === 'string') return get(get(entry, `${variant}/patch`), field);
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

/**
 * The marks of the experiment arm at `arm` (`/experiments/0/arms/1`), re-pointed as the arm's
 * translation form reads it: the arm as personalization 0 of its entry (`armAsEntry`).
 */
export function armStale(stale: StaleText[], arm: string): StaleText[] {
  const prefix = `${arm}/translations/`;
  return stale.filter((s) => s.pointer.startsWith(prefix)).map((s) => ({ ...s, pointer: `/personalizations/0/translations/${s.pointer.slice(prefix.length)}` }));
}

/** The mark of the text at `field` of variant `variant` (-1: the baseline) in locale `code`, if any. */
export function staleAt(stale: StaleText[], variant: number, code: string, field: string): StaleText | undefined {
  const pointer = `${translationsPointer(variant)}/${escapeToken(code)}${field}`;
  return stale.find((s) => s.pointer === pointer);
}
