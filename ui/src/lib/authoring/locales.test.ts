import { describe, expect, it } from 'vitest';
import type { JsonValue } from '$lib/api';
import type { FieldSchema } from './schema';
import {
  armAsEntry,
  armsOn,
  chainOf,
  completeness,
  expand,
  fieldTitle,
  localeLabel,
  localesWithErrors,
  localizedFields,
  owns,
  provide,
  sameLanguage,
  textRows,
  translationsPointer,
  withTranslation,
  type Locale,
} from './locales';

const locales: Locale[] = [
  { code: 'en-GB', name: 'English', fallback: [] },
  { code: 'de-DE', name: 'German', fallback: ['en-GB'] },
  { code: 'de-CH', name: 'German (Switzerland)', fallback: ['de-DE', 'en-GB'] },
  { code: 'fr-FR', name: 'French', fallback: ['en-GB'] },
];

const schema: FieldSchema = {
  type: 'object',
  properties: {
    headline: { type: 'string', title: 'Headline', 'x-localized': true },
    tone: { type: 'string', enum: ['forest', 'night'] },
    cta: {
      type: 'object',
      title: 'Button',
      properties: { label: { type: 'string', title: 'Text', 'x-localized': true }, href: { type: 'string', title: 'Link' } },
    },
    links: {
      type: 'array',
      title: 'Links',
      items: { type: 'object', title: 'Link', properties: { label: { type: 'string', title: 'Text', 'x-localized': true }, href: { type: 'string' } } },
    },
    tips: { type: 'array', title: 'Tips', 'x-localized': true, items: { type: 'string' } },
  },
};

/** A hero-like entry: a baseline with three texts and two links, a VIP variant setting two texts. */
const entry: JsonValue = {
  id: 'home-hero',
  baseline: {
    headline: 'Built for the long way round',
    tone: 'forest',
    cta: { label: 'Shop new arrivals', href: '/new' },
    links: [
      { label: 'Chat', href: '/advice' },
      { label: 'Guide', href: '/guide' },
    ],
  },
  translations: {
    'de-DE': { headline: 'Gemacht für die große Runde', cta: { label: 'Neuheiten entdecken' }, links: [{ label: 'Beratung' }] },
    'de-CH': { headline: 'Gemacht für die grosse Runde' },
    'fr-FR': { headline: 'Taillé pour les longues échappées', cta: { label: 'Découvrir' }, links: [{ label: 'Discuter' }, { label: 'Guide' }] },
  },
  personalizations: [
    {
      id: 'vip',
      name: 'VIP welcome back',
      condition: { audience: 'vip' },
      patch: { headline: 'Welcome back', cta: { href: '/vip' }, tone: 'night' },
      translations: { 'de-DE': { headline: 'Willkommen zurück' } },
    },
    {
      id: 'app',
      name: 'Get the app',
      condition: { audience: 'mobile' },
      patch: { links: [{ label: 'Get the app', href: '/app' }] },
    },
  ],
};

describe('localized fields', () => {
  it('are found through nested objects and array items; a marked array is one field', () => {
    expect(localizedFields(schema)).toEqual(['/headline', '/cta/label', '/links/*/label', '/tips']);
  });

  it('expand to the texts the content has, each array item by position', () => {
    const content = { headline: 'Hi', cta: { href: '/x' }, links: [{ label: 'a' }, { label: 'b' }] };
    expect(localizedFields(schema).flatMap((f) => expand(f, content))).toEqual(['/headline', '/links/0/label', '/links/1/label']);
  });

  it('are named in words', () => {
    expect(fieldTitle(schema, '/cta/label')).toBe('Button › Text');
    expect(fieldTitle(schema, '/links/1/label')).toBe('Links › Link 2 › Text');
  });

  it('belong to a personalization only where its patch sets them (or replaces a list around them)', () => {
    expect(owns({ cta: { label: 'x' } }, '/cta/label')).toBe(true);
    expect(owns({ cta: { href: '/x' } }, '/cta/label')).toBe(false);
    expect(owns({ headline: null }, '/headline')).toBe(false);
    expect(owns({ links: [{ label: 'a' }] }, '/links/0/label')).toBe(true);
    expect(owns(undefined, '/headline')).toBe(false);
  });
});

describe('the fallback chain', () => {
  const own = { 'de-DE': { headline: 'Hallo' }, 'de-CH': { cta: { label: 'Poschte' } } };

  it('takes the first locale of the chain with a text, and the default ends it', () => {
    expect(provide(chainOf(locales, 'de-CH'), 'en-GB', own, '/headline', 'Hello')).toEqual({ code: 'de-DE', text: 'Hallo', reached: true });
    expect(provide(chainOf(locales, 'de-CH'), 'en-GB', own, '/cta/label', 'Shop')).toEqual({ code: 'de-CH', text: 'Poschte', reached: true });
    expect(provide(chainOf(locales, 'fr-FR'), 'en-GB', own, '/headline', 'Hello')).toEqual({ code: 'en-GB', text: 'Hello', reached: true });
  });

  it('still shows the default text when the chain never reaches it, and says so', () => {
    const italian: Locale[] = [...locales, { code: 'it-IT', name: 'Italian', fallback: [] }];
    expect(provide(chainOf(italian, 'it-IT'), 'en-GB', own, '/headline', 'Hello')).toEqual({ code: 'en-GB', text: 'Hello', reached: false });
  });

  it('counts a fallback as the reader’s own language only within the language', () => {
    expect(sameLanguage('de-CH', { code: 'de-DE', text: 'x', reached: true })).toBe(true);
    expect(sameLanguage('de-DE', { code: 'en-GB', text: 'x', reached: true })).toBe(false);
  });

  it('names locales in words, with the code only beside the name', () => {
    expect(localeLabel(locales, 'de-DE')).toBe('German (de-DE)');
    expect(localeLabel(locales, 'de-CH')).toBe('German (Switzerland)');
  });
});

describe('completeness', () => {
  it('counts each text once per variant that sets it, a same-language fallback as done', () => {
    // Texts: baseline headline, button text, two link texts (4); VIP headline (its button text
    // is the baseline's); the app's one link text. 6 in all.
    const byCode = Object.fromEntries(completeness(locales, schema, entry).map((c) => [c.code, c]));
    // German: baseline has 3 of 4 (the second link falls back to English); VIP 1; app 0.
    expect(byCode['de-DE']).toMatchObject({ name: 'German', total: 6, done: 4, missing: 2 });
    // Swiss German: every German text counts through de-DE.
    expect(byCode['de-CH']).toMatchObject({ total: 6, done: 4, missing: 2 });
    // French: the baseline's 4; the VIP headline and the app's link fall back to English.
    expect(byCode['fr-FR']).toMatchObject({ total: 6, done: 4, missing: 2 });
  });

  it('counts the texts of the arms of experiments on the entry, each as its patch sets them', () => {
    // The bold arm sets the headline and the button text (German only for the headline); the
    // control sets no text, so it adds nothing.
    const arms: JsonValue[] = [
      { name: 'control', weight: 50, patch: {} },
      { name: 'bold', weight: 50, patch: { headline: 'Go further', cta: { label: 'Go' }, tone: 'night' }, translations: { 'de-DE': { headline: 'Weiter gehen' } } },
    ];
    const byCode = Object.fromEntries(completeness(locales, schema, entry, arms).map((c) => [c.code, c]));
    expect(byCode['de-DE']).toMatchObject({ total: 8, done: 5, missing: 3 });
    // Swiss German reads the arm's German headline through de-DE.
    expect(byCode['de-CH']).toMatchObject({ total: 8, done: 5, missing: 3 });
    expect(byCode['fr-FR']).toMatchObject({ total: 8, done: 4, missing: 4 });
    // An arm without a patch is a control too.
    expect(completeness(locales, schema, entry, [{ name: 'bare', weight: 1 }])).toEqual(completeness(locales, schema, entry));
  });

  it('finds the arms of the experiments that run on the entry', () => {
    const experiments: JsonValue = {
      experiments: [
        { key: 'a', entry: 'home-hero', arms: [{ name: 'control', patch: {} }, { name: 'bold', patch: { headline: 'Go' } }, 'broken'] },
        { key: 'b', entry: 'home-promo', arms: [{ name: 'other', patch: { headline: 'No' } }] },
        { key: 'c', entry: 'home-hero' },
      ],
    };
    expect(armsOn(experiments, 'home-hero').map((a) => a.name)).toEqual(['control', 'bold']);
    expect(armsOn(experiments, 'nowhere')).toEqual([]);
    expect(armsOn(undefined, 'home-hero')).toEqual([]);
  });

  it('is nothing for a workspace of one language', () => {
    expect(completeness([locales[0]], schema, entry)).toEqual([]);
    expect(completeness([], schema, entry)).toEqual([]);
  });
});

describe('the rows of the form for a locale', () => {
  it('show the baseline’s translation, its original and what readers get while it is empty', () => {
    const rows = textRows(locales, 'de-CH', schema, entry, -1);
    expect(rows.map((r) => r.field)).toEqual(['/headline', '/cta/label', '/links/0/label', '/links/1/label']);
    expect(rows[0]).toMatchObject({ own: true, value: 'Gemacht für die grosse Runde', source: 'Built for the long way round' });
    expect(rows[0].fallback).toEqual({ code: 'de-DE', text: 'Gemacht für die große Runde', reached: true });
    expect(rows[3]).toMatchObject({ value: undefined, fallback: { code: 'en-GB', text: 'Guide' } });
  });

  it('for a personalization, translate only what its patch sets; the rest is the baseline’s', () => {
    const rows = textRows(locales, 'de-DE', schema, entry, 0);
    const headline = rows.find((r) => r.field === '/headline');
    const button = rows.find((r) => r.field === '/cta/label');
    expect(headline).toMatchObject({ own: true, value: 'Willkommen zurück', source: 'Welcome back' });
    // Its fallback is the VIP headline in English, never the baseline's German.
    expect(headline?.fallback).toEqual({ code: 'en-GB', text: 'Welcome back', reached: true });
    expect(button).toMatchObject({ own: false, value: undefined, fallback: { code: 'de-DE', text: 'Neuheiten entdecken' } });
  });
});

describe('writing a translation', () => {
  it('sets the text where the translations map of the variant keeps it', () => {
    expect(translationsPointer(-1)).toBe('/translations');
    expect(translationsPointer(2)).toBe('/personalizations/2/translations');
    expect(withTranslation(undefined, 'de-DE', '/cta/label', 'Los')).toEqual({ 'de-DE': { cta: { label: 'Los' } } });
  });

  it('removes an emptied text and the objects it leaves empty', () => {
    const own = { 'de-DE': { headline: 'Hallo', cta: { label: 'Los' } }, 'fr-FR': { cta: { label: 'Allez' } } };
    expect(withTranslation(own, 'de-DE', '/cta/label', undefined)).toEqual({ 'de-DE': { headline: 'Hallo' }, 'fr-FR': { cta: { label: 'Allez' } } });
    expect(withTranslation({ 'de-DE': { headline: 'Hallo' } }, 'de-DE', '/headline', undefined)).toBeUndefined();
    expect(own['de-DE'].cta.label).toBe('Los');
  });

  it('keeps array items at their positions', () => {
    expect(withTranslation(undefined, 'de-DE', '/links/1/label', 'Ratgeber')).toEqual({ 'de-DE': { links: [{}, { label: 'Ratgeber' }] } });
    const two = { 'de-DE': { links: [{ label: 'Beratung' }, { label: 'Ratgeber' }] } };
    expect(withTranslation(two, 'de-DE', '/links/0/label', undefined)).toEqual({ 'de-DE': { links: [{}, { label: 'Ratgeber' }] } });
    expect(withTranslation(two, 'de-DE', '/links/1/label', undefined)).toEqual({ 'de-DE': { links: [{ label: 'Beratung' }] } });
  });

  it('finds the locales whose translations have problems', () => {
    expect([...localesWithErrors(['/translations/de-DE/headline', '/personalizations/1/translations/fr-FR/cta/label', '/baseline/headline'])]).toEqual(['de-DE', 'fr-FR']);
  });
});

describe('an experiment arm', () => {
  const arm: JsonValue = {
    name: 'bold',
    weight: 50,
    patch: { headline: 'Go further', tone: 'night' },
    translations: { 'de-DE': { headline: 'Weiter gehen' } },
  };

  it('translates what its patch sets; the rest is the entry’s baseline translation', () => {
    const rows = textRows(locales, 'de-CH', schema, armAsEntry(entry, arm), 0);
    const headline = rows.find((r) => r.field === '/headline');
    const button = rows.find((r) => r.field === '/cta/label');
    // Its original is the arm's own text; empty in de-CH, readers get the arm's German.
    expect(headline).toMatchObject({ own: true, value: undefined, source: 'Go further' });
    expect(headline?.fallback).toEqual({ code: 'de-DE', text: 'Weiter gehen', reached: true });
    // Never the baseline's Swiss headline for this arm.
    expect(textRows(locales, 'fr-FR', schema, armAsEntry(entry, arm), 0).find((r) => r.field === '/headline')?.fallback).toEqual({ code: 'en-GB', text: 'Go further', reached: true });
    expect(button).toMatchObject({ own: false, source: 'Shop new arrivals', fallback: { code: 'de-DE', text: 'Neuheiten entdecken' } });
  });

  it('is a control with every text inherited when its patch is empty or missing', () => {
    const rows = textRows(locales, 'de-DE', schema, armAsEntry(entry, { name: 'control', weight: 50 }), 0);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => !r.own)).toBe(true);
    expect(textRows(locales, 'de-DE', schema, armAsEntry(undefined, arm), 0).map((r) => r.field)).toEqual(['/headline']);
  });

  it('flags only its own locales with problems', () => {
    const pointers = ['/experiments/0/arms/1/translations/fr-FR/headline', '/experiments/0/arms/10/translations/de-DE/headline', '/translations/de-CH/headline'];
    expect([...localesWithErrors(pointers, '/experiments/0/arms/1')]).toEqual(['fr-FR']);
  });
});
