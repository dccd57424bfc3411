// Editing a text in place on a preview: which form field a text shown in a slot comes from.
// The preview markup is exactly what visitors get (no field markers), so the field is found by
// its value, in the variant the slot shows and in the language its visitor reads.
import type { JsonValue } from '$lib/api';
import { escapeToken, get, join, set } from '$lib/util/pointer';
import { chainOf, expand, localizedFields, owns, provide, translation, withTranslation, type Locale } from './locales';
import { merge } from './merge';
import { isObj, type Obj } from './rules';
import type { FieldSchema } from './schema';

export { merge };

export interface FieldAt {
  /** Pointer in the entry document the edit writes to. */
  pointer: string;
  /** The text shown now (where typing starts). */
  value: string;
  /** Set when the text is a translation: written through the variant's translations map. */
  translation?: TranslatedAt;
}

/** Where a translated text shown in a preview is written. */
export interface TranslatedAt {
  /** The variant's translations map: /translations or /personalizations/<i>/translations. */
  at: string;
  /** The preview's locale: the edit is always this locale's text. */
  code: string;
  /** The localized field the text belongs to (/headline, or /tips for a list translated whole). */
  field: string;
  /** Where the text sits inside that field ('' for the field itself, /1 for a list's item). */
  inner: string;
  /**
   * True when the variant has no text of its own in `code` there: the one shown is another
   * language's (a fallback), so the edit adds the translation and never touches that one.
   */
  borrowed: boolean;
  /** The whole field as shown: copied in first when only a part of a borrowed one is edited. */
  shown: JsonValue | undefined;
}

/** The language a preview is shown in, and what is needed to read its texts. */
export interface ShownIn {
  /** The preview's locale (null: the workspace has one language). */
  locale: string | null | undefined;
  locales: Locale[];
  schema: FieldSchema;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The pointers (relative) of the string fields of `value` whose text is `text`. */
function stringsEqualTo(value: JsonValue | undefined, text: string, at = ''): string[] {
  if (typeof value === 'string') return squash(value) === text ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsEqualTo(v, text, join(at, i)));
  if (isObj(value)) return Object.entries(value).flatMap(([k, v]) => stringsEqualTo(v, text, join(at, k)));
  return [];
}

/** One translated text of the variant shown, as its visitor reads it. */
interface Shown {
  field: string;
  at: string;
  borrowed: boolean;
  text: JsonValue | undefined;
}

/**
 * The field of `entry` that shows `text` in the variant `variant` (a personalization's id, or
 * `baseline`), or null when no field, or more than one, holds exactly that text. An edit of a
 * personalization writes its patch (the field then differs from the baseline for it only).
 * With `shownIn` a language other than the default, the translated texts are compared as that
 * language's readers see them, and an edit of one writes that language's translation (the
 * personalization's for a text its patch sets, else the baseline's). `entry` is plain JSON
 * (a snapshot, never reactive state).
 */
export function fieldForText(entry: JsonValue, variant: string, text: string, shownIn?: ShownIn): FieldAt | null {
  if (!isObj(entry)) return null;
  const wanted = squash(text);
  if (!wanted) return null;
  const list = Array.isArray(entry.personalizations) ? entry.personalizations : [];
  const index = variant === 'baseline' ? -1 : list.findIndex((p) => isObj(p) && p.id === variant);
  if (variant !== 'baseline' && index < 0) return null;
  const p: Obj = index >= 0 && isObj(list[index]) ? (list[index] as Obj) : {};
  const content = index >= 0 ? merge(entry.baseline, p.patch) : entry.baseline;
  const base = index >= 0 ? `/personalizations/${index}/patch` : '/baseline';
  const code = shownIn?.locale;
  const locales = shownIn?.locales ?? [];
  // The default language shows the content itself.
  if (!shownIn || !code || locales.length < 2 || code === locales[0].code || !locales.some((l) => l.code === code)) {
    const found = stringsEqualTo(content, wanted);
    return found.length === 1 ? { pointer: base + found[0], value: wanted } : null;
  }

  // The variant as this locale's readers see it: each translated text along the chain.
  const chain = chainOf(locales, code);
  const texts: Shown[] = [];
  let shown: JsonValue = structuredClone(content ?? {});
  for (const field of localizedFields(shownIn.schema).flatMap((f) => expand(f, content))) {
    const mine = index >= 0 && owns(p.patch ?? {}, field);
    const own = mine ? p.translations : entry.translations;
    const from = provide(chain, locales[0].code, own, field, get(content, field));
    texts.push({ field, at: mine ? `/personalizations/${index}/translations` : '/translations', borrowed: from.code !== code, text: from.text });
    shown = set(shown, field, from.text);
  }
  const found = stringsEqualTo(shown, wanted);
  if (found.length !== 1) return null;
  const at = found[0];
  const t = texts.find((x) => at === x.field || at.startsWith(`${x.field}/`));
  // A text the component does not translate is the same in every language: the content's own.
  if (!t) return { pointer: base + at, value: wanted };
  return {
    pointer: `${t.at}/${escapeToken(code)}${at}`,
    value: wanted,
    translation: { at: t.at, code, field: t.field, inner: at.slice(t.field.length), borrowed: t.borrowed, shown: t.text },
  };
}

/**
 * `entry` with the text edited in place set to `value`. A translation is written into its
 * variant's translations map, creating what is missing on the way; undefined (an edit taken
 * back) or an emptied text removes it, so the fallback shows again. Other fields are set as
 * they are.
 */
export function applyText(entry: JsonValue, field: FieldAt, value: string | undefined): JsonValue {
  const t = field.translation;
  if (!t) return set(entry, field.pointer, value);
  let own: JsonValue | undefined = get(entry, t.at);
  if (value === undefined) {
    // Taken back: a borrowed text goes whole (a list copied in to edit one item too).
    own = withTranslation(own, t.code, t.borrowed ? t.field : t.field + t.inner, undefined);
  } else if (t.inner === '') {
    own = withTranslation(own, t.code, t.field, value === '' ? undefined : value);
  } else {
    // One item of a list (or part of an object) translated whole: the rest is copied in first,
    // so the translation still holds the whole field.
    // A JSON copy, not structuredClone: `field` may sit in reactive state (a proxy).
    if (translation(own, t.code, t.field) === undefined && t.shown !== undefined) own = withTranslation(own, t.code, t.field, JSON.parse(JSON.stringify(t.shown)));
    own = withTranslation(own, t.code, t.field + t.inner, value);
  }
  return set(entry, t.at, own);
}
