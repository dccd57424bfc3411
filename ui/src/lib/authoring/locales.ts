// Content per locale (docs/locales.md) as the entry editor needs it: which fields a component
// translates, what a visitor in a locale reads where a variant has no text (the fallback chain),
// how complete each locale is, and how a translation is written into the entry document.
// The rules mirror crates/engine/src/locales.rs and locale_lint.rs: keep them in step.
import type { JsonValue, Session } from '$lib/api';
import { escapeToken, get, tokens } from '$lib/util/pointer';
import { merge } from './merge';
import { isObj, type Obj } from './rules';
import { label, type FieldSchema } from './schema';

export type Locale = Session['locales'][number];

/** The language of a locale tag: `de` of `de-CH`. */
export function languageOf(code: string): string {
  return code.split('-')[0].toLowerCase();
}

/** A locale's name for people ("German"); an undeclared code is still named in words. */
export function localeName(locales: Locale[], code: string): string {
  return locales.find((l) => l.code === code)?.name ?? `the language “${code}”`;
}

/**
 * A locale's name with its code, where a person must tell locales apart: "German (de-DE)". A
 * name that already says which one ("German (Switzerland)") is left as it is.
 */
export function localeLabel(locales: Locale[], code: string): string {
  const l = locales.find((x) => x.code === code);
  if (!l) return localeName(locales, code);
  return l.name.includes('(') ? l.name : `${l.name} (${l.code})`;
}

/**
 * The fields `schema` marks localized, as pointers in which `*` stands for every item of an
 * array (`/links/*\/label`: each link's text, never its address). A marked object or array is
 * translated as a whole, so nothing inside it is listed.
 */
export function localizedFields(schema: FieldSchema): string[] {
  const out: string[] = [];
  collect(schema, '', out, 0);
  return out;
}

function collect(schema: FieldSchema, at: string, out: string[], depth: number): void {
  // Schemas are developer files, yet still bounded (as in the engine).
  if (depth > 16) return;
  if (isObj(schema.items as JsonValue | undefined)) {
    const items = schema.items as FieldSchema;
    if (items['x-localized'] === true) out.push(`${at}/*`);
    else collect(items, `${at}/*`, out, depth + 1);
  }
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const pointer = `${at}/${escapeToken(name)}`;
    if (field['x-localized'] === true) out.push(pointer);
    else collect(field, pointer, out, depth + 1);
  }
}

/** The pointers the pattern `field` names in `content` (each `*` every index there), with a value. */
export function expand(field: string, content: JsonValue | undefined): string[] {
  let found = [''];
  for (const part of field.split('/').slice(1)) {
    found = found.flatMap((at) => {
      if (part !== '*') return [`${at}/${part}`];
      const list = get(content, at);
      return Array.isArray(list) ? list.map((_, i) => `${at}/${i}`) : [];
    });
  }
  return found.filter((at) => {
    const v = get(content, at);
    return v !== undefined && v !== null;
  });
}

/**
 * Whether a personalization whose patch is `patch` translates the text at `field` itself: its
 * patch sets that field (or replaces something around it). Otherwise the baseline's
 * translations apply. The baseline passes no patch.
 */
export function owns(patch: JsonValue | undefined, field: string): boolean {
  if (patch === undefined) return false;
  let at = '';
  for (const part of field.split('/').slice(1)) {
    at += `/${part}`;
    const v = get(patch, at);
    if (v === undefined || v === null) return false;
    if (!isObj(v)) return true;
  }
  return true;
}

/** The translated text at `field` in locale `code` among a variant's translations, if any. */
export function translation(own: JsonValue | undefined, code: string, field: string): JsonValue | undefined {
  const v = isObj(own) ? get(own[code], field) : undefined;
  return v === null ? undefined : v;
}

/** Where the texts of `code` come from, in order: `code` itself first, then its fallbacks. */
export function chainOf(locales: Locale[], code: string): string[] {
  return [code, ...(locales.find((l) => l.code === code)?.fallback ?? [])];
}

/** What a reader gets for one text. */
export interface Provided {
  /** The locale whose text is read. */
  code: string;
  text: JsonValue | undefined;
  /** False when no locale of the chain has it: the default's text is shown anyway (lint: an error). */
  reached: boolean;
}

/**
 * What a reader going through `chain` reads for `field`: the first locale there with a
 * translation in `own`, or the default (whose text is `defaultText`, the content's own).
 */
export function provide(chain: string[], defaultCode: string, own: JsonValue | undefined, field: string, defaultText: JsonValue | undefined): Provided {
  for (const code of chain) {
    if (code === defaultCode) return { code, text: defaultText, reached: true };
    const text = translation(own, code, field);
    if (text !== undefined) return { code, text, reached: true };
  }
  return { code: defaultCode, text: defaultText, reached: false };
}

/** Whether a reader of `code` who gets the text of `from` reads their own language. */
export function sameLanguage(code: string, from: Provided): boolean {
  return from.reached && languageOf(from.code) === languageOf(code);
}

/** One variant of an entry as translations see it. */
interface Variant {
  /** The merged content (for a personalization: the baseline with its patch). */
  content: JsonValue | undefined;
  /** The personalization's patch; undefined for the baseline. */
  patch: JsonValue | undefined;
  /** Its translations map. */
  own: JsonValue | undefined;
}

function baselineOf(entry: Obj): Variant {
  return { content: entry.baseline, patch: undefined, own: entry.translations };
}

function variantOf(entry: Obj, index: number): Variant {
  if (index < 0) return baselineOf(entry);
  const list = Array.isArray(entry.personalizations) ? entry.personalizations : [];
  const p = isObj(list[index]) ? list[index] : {};
  return { content: merge(entry.baseline, p.patch ?? {}), patch: p.patch ?? {}, own: p.translations };
}

/** An experiment arm of the entry: a variant like a personalization, with its own translations. */
function armOf(entry: Obj, arm: JsonValue): Variant {
  const a = isObj(arm) ? arm : {};
  const patch = isObj(a.patch) ? a.patch : {};
  return { content: merge(entry.baseline, patch), patch, own: a.translations };
}

function variantsOf(entry: Obj, arms: JsonValue[]): Variant[] {
  const count = Array.isArray(entry.personalizations) ? entry.personalizations.length : 0;
  return [baselineOf(entry), ...Array.from({ length: count }, (_, i) => variantOf(entry, i)), ...arms.map((a) => armOf(entry, a))];
}

/** The arms of the experiments in experiments.json (its content) that run on entry `entryId`. */
export function armsOn(experiments: JsonValue | undefined, entryId: string): Obj[] {
  const list = isObj(experiments) && Array.isArray(experiments.experiments) ? experiments.experiments : [];
  return list.filter((x): x is Obj => isObj(x) && x.entry === entryId).flatMap((x) => (Array.isArray(x.arms) ? x.arms.filter(isObj) : []));
}

/** How many of an entry's texts read in one locale's own language. */
export interface Completeness {
  code: string;
  name: string;
  /** Texts counted: once per variant that sets them. */
  total: number;
  /** Of those, the ones with a translation in the locale or a fallback in the same language. */
  done: number;
  missing: number;
}

/**
 * Per locale other than the default: of the entry's texts (the baseline's localized fields,
 * and each personalization's and each of `arms`' localized fields its patch sets), how many
 * readers of that locale get in their own language. `arms` are the arms of the experiments
 * that run on the entry (armsOn). A fallback within the language (de-CH reading de-DE) counts
 * as done; one to another language, or none, as missing (lint reports those).
 */
export function completeness(locales: Locale[], schema: FieldSchema, entry: JsonValue, arms: JsonValue[] = []): Completeness[] {
  if (locales.length < 2) return [];
  const defaultCode = locales[0].code;
  const fields = localizedFields(schema);
  const out = locales.slice(1).map((l) => ({ code: l.code, name: l.name, total: 0, done: 0, missing: 0 }));
  const variants = isObj(entry) ? variantsOf(entry, arms) : [];
  for (const v of variants) {
    for (const field of fields.flatMap((f) => expand(f, v.content))) {
      if (v.patch !== undefined && !owns(v.patch, field)) continue;
      for (const c of out) {
        c.total += 1;
        const from = provide(chainOf(locales, c.code), defaultCode, v.own, field, undefined);
        if (sameLanguage(c.code, from)) c.done += 1;
      }
    }
  }
  for (const c of out) c.missing = c.total - c.done;
  return out;
}

/** One text of a variant, as the form for a locale shows it. */
export interface TextRow {
  /** Pointer inside the variant: /headline, /links/0/label. */
  field: string;
  /** Its name for people: "Button › Text", "Links › Link 1 › Text". */
  title: string;
  schema: FieldSchema;
  /** The default locale's text of the merged variant (what is translated from). */
  source: JsonValue | undefined;
  /** True when this variant translates the text; false when it inherits the baseline's. */
  own: boolean;
  /** The variant's translation in the locale (own texts only). */
  value: JsonValue | undefined;
  /** What a reader of the locale gets while `value` is empty (own texts); else what the baseline gives. */
  fallback: Provided;
}

/** The schema of the field at `field` (concrete pointer), or {} when the schema does not say. */
export function schemaAt(schema: FieldSchema, field: string): FieldSchema {
  let at: FieldSchema = schema;
  for (const t of tokens(field)) at = (/^\d+$/.test(t) && at.items ? at.items : at.properties?.[t]) ?? {};
  return at;
}

/** A field's name for people, outer first, from the schema's titles. */
export function fieldTitle(schema: FieldSchema, field: string): string {
  let at: FieldSchema = schema;
  const names: string[] = [];
  for (const t of tokens(field)) {
    if (/^\d+$/.test(t) && at.items) {
      at = at.items;
      names.push(`${label(at, 'Item')} ${Number(t) + 1}`);
    } else {
      at = at.properties?.[t] ?? {};
      names.push(label(at, t));
    }
  }
  return names.join(' › ');
}

/**
 * The texts of variant `index` (-1: the baseline) of `entry` in locale `code`, in the form's
 * order: each with its original, this variant's translation and what readers get without it.
 */
export function textRows(locales: Locale[], code: string, schema: FieldSchema, entry: JsonValue, index: number): TextRow[] {
  if (!isObj(entry) || locales.length === 0) return [];
  const defaultCode = locales[0].code;
  const v = variantOf(entry, index);
  const base = baselineOf(entry);
  const chain = chainOf(locales, code);
  return localizedFields(schema)
    .flatMap((f) => expand(f, v.content))
    .map((field) => {
      const source = get(v.content, field);
      const own = v.patch === undefined || owns(v.patch, field);
      return {
        field,
        title: fieldTitle(schema, field),
        schema: schemaAt(schema, field),
        source,
        own,
        value: own ? translation(v.own, code, field) : undefined,
        // Own: the rest of the chain (the input being empty); inherited: the baseline's whole chain.
        fallback: own ? provide(chain.slice(1), defaultCode, v.own, field, source) : provide(chain, defaultCode, base.own, field, source),
      };
    });
}

/** Where the translations of variant `index` sit in the entry document (-1: the baseline). */
export function translationsPointer(index: number): string {
  return index < 0 ? '/translations' : `/personalizations/${index}/translations`;
}

/** Whether a value left in a field means "no translation": nothing, an empty text or list. */
export function isBlank(v: JsonValue | undefined): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
}

/**
 * A variant's translations with locale `code`'s text at `pointer` (inside the variant) set to
 * `value`, or removed when `value` is undefined. What a removal leaves empty goes too (so the
 * result is undefined when no translation is left), but an array keeps its items' positions:
 * an item emptied before others stays as {}.
 */
export function withTranslation(own: JsonValue | undefined, code: string, pointer: string, value: JsonValue | undefined): Obj | undefined {
  const next = put(own, [code, ...tokens(pointer)], value);
  return isObj(next) ? next : undefined;
}

const hollow = (v: JsonValue | undefined) => v === undefined || v === null || (isObj(v) && Object.keys(v).length === 0);

function put(node: JsonValue | undefined, path: string[], value: JsonValue | undefined): JsonValue | undefined {
  if (path.length === 0) return value;
  const [t, ...rest] = path;
  if (Array.isArray(node) || (!isObj(node) && /^\d+$/.test(t))) {
    const list: JsonValue[] = Array.isArray(node) ? [...node] : [];
    const i = Number(t);
    // Items before it that have no text yet are placeholders, so positions match the content's.
    while (list.length <= i) list.push({});
    const next = put(list[i], rest, value);
    if (next !== undefined) {
      list[i] = next;
      return list;
    }
    list[i] = {};
    while (list.length > 0 && hollow(list[list.length - 1])) list.pop();
    return list.length > 0 ? list : undefined;
  }
  const obj: Obj = isObj(node) ? { ...node } : {};
  const next = put(obj[t], rest, value);
  if (next === undefined) delete obj[t];
  else obj[t] = next;
  return Object.keys(obj).length > 0 ? obj : undefined;
}

/**
 * The locales (codes) with field errors in any variant's translations, to flag their tabs.
 * With `variant` (a pointer such as /experiments/0/arms/1), only that variant's translations.
 */
export function localesWithErrors(pointers: string[], variant?: string): Set<string> {
  const out = new Set<string>();
  for (const p of pointers) {
    let code: string | undefined;
    if (variant === undefined) code = /^(?:\/personalizations\/\d+)?\/translations\/([^/]+)/.exec(p)?.[1];
    else if (p.startsWith(`${variant}/translations/`)) code = p.slice(variant.length + '/translations/'.length).split('/')[0];
    if (code) out.add(code.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return out;
}

/**
 * An experiment arm seen as an entry whose only personalization (index 0) is the arm, so
 * textRows reads it as the engine does: an arm is a variant like a personalization, and the
 * texts its patch does not set are translated with the entry's baseline translations.
 * `entry` is the entry's document (its baseline and translations).
 */
export function armAsEntry(entry: JsonValue | undefined, arm: JsonValue | undefined): Obj {
  const e = isObj(entry) ? entry : {};
  const a = isObj(arm) ? arm : {};
  return {
    baseline: e.baseline ?? {},
    translations: e.translations ?? {},
    personalizations: [{ patch: isObj(a.patch) ? a.patch : {}, translations: a.translations ?? {} }],
  };
}
