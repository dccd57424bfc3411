import { describe, expect, it } from 'vitest';
import type { JsonValue } from '$lib/api';
import { applyText, fieldForText, type FieldAt } from './in-place';
import type { Locale } from './locales';
import type { FieldSchema } from './schema';

const hero = {
  baseline: { headline: 'Gear for the long winter', eyebrow: 'New season', cta: { label: 'Shop now', href: '/shop' } },
  personalizations: [{ id: 'vip-welcome', name: 'VIP', condition: { any: [] }, patch: { headline: 'Welcome back' } }],
};

describe('fieldForText', () => {
  it('finds a field the variant overrides, in its patch', () => {
    expect(fieldForText(hero, 'vip-welcome', ' Welcome  back ')).toEqual({ pointer: '/personalizations/0/patch/headline', value: 'Welcome back' });
  });
  it('writes an inherited field into the variant shown, so the baseline stays as it is', () => {
    expect(fieldForText(hero, 'vip-welcome', 'Shop now')).toEqual({ pointer: '/personalizations/0/patch/cta/label', value: 'Shop now' });
  });
  it('edits the baseline when the slot shows the baseline', () => {
    expect(fieldForText(hero, 'baseline', 'Gear for the long winter')?.pointer).toBe('/baseline/headline');
  });
  it('gives up on text no field holds, a text two fields hold, or a variant it does not know', () => {
    expect(fieldForText(hero, 'baseline', 'Welcome back')).toBeNull();
    expect(fieldForText({ baseline: { a: 'Same', b: 'Same' } }, 'baseline', 'Same')).toBeNull();
    expect(fieldForText(hero, 'exp-home-hero-copy/control', 'Gear for the long winter')).toBeNull();
  });
});

describe('fieldForText in the language of the preview', () => {
  const locales: Locale[] = [
    { code: 'en-GB', name: 'English', fallback: [] },
    { code: 'de-DE', name: 'German', fallback: ['en-GB'] },
    { code: 'de-CH', name: 'German (Switzerland)', fallback: ['de-DE', 'en-GB'] },
  ];
  const schema: FieldSchema = {
    type: 'object',
    properties: {
      headline: { type: 'string', 'x-localized': true },
      eyebrow: { type: 'string' },
      cta: { type: 'object', properties: { label: { type: 'string', 'x-localized': true }, href: { type: 'string' } } },
      tips: { type: 'array', 'x-localized': true, items: { type: 'string' } },
    },
  };
  const entry: JsonValue = {
    baseline: { headline: 'Gear for the long winter', eyebrow: 'New season', cta: { label: 'Shop now', href: '/shop' }, tips: ['Layer up', 'Stay dry'] },
    translations: { 'de-DE': { headline: 'Ausrüstung für den langen Winter' } },
    personalizations: [
      { id: 'vip-welcome', name: 'VIP', condition: { any: [] }, patch: { headline: 'Welcome back' }, translations: { 'de-DE': { headline: 'Willkommen zurück' } } },
    ],
  };
  const german = { locale: 'de-DE', locales, schema };

  it('finds a German text of the baseline in the baseline’s German translation', () => {
    expect(fieldForText(entry, 'baseline', 'Ausrüstung für den langen Winter', german)).toMatchObject({
      pointer: '/translations/de-DE/headline',
      value: 'Ausrüstung für den langen Winter',
      translation: { at: '/translations', code: 'de-DE', field: '/headline', inner: '', borrowed: false },
    });
    // The English text is not what a German visitor sees, so it is not found.
    expect(fieldForText(entry, 'baseline', 'Gear for the long winter', german)).toBeNull();
  });

  it('finds a German text a personalization sets in its own German translation', () => {
    expect(fieldForText(entry, 'vip-welcome', 'Willkommen zurück', german)).toMatchObject({
      pointer: '/personalizations/0/translations/de-DE/headline',
      translation: { at: '/personalizations/0/translations', borrowed: false },
    });
  });

  it('writes the German translation of an English text a German visitor sees as a fallback', () => {
    const field = fieldForText(entry, 'vip-welcome', 'Shop now', german);
    // The button text is the baseline's (the VIP patch does not set it): its German goes there.
    expect(field).toMatchObject({ pointer: '/translations/de-DE/cta/label', value: 'Shop now', translation: { borrowed: true } });
    const typed = applyText(entry, field as FieldAt, 'Jetzt kaufen') as { baseline: JsonValue; translations: JsonValue };
    expect(typed.translations).toEqual({ 'de-DE': { headline: 'Ausrüstung für den langen Winter', cta: { label: 'Jetzt kaufen' } } });
    expect(typed.baseline).toEqual((entry as { baseline: JsonValue }).baseline);
    // Taking the edit back leaves no German text, so the English shows again.
    expect(applyText(typed, field as FieldAt, undefined)).toEqual(entry);
  });

  it('creates the translations a variant does not have yet, for a locale whose chain borrows another’s', () => {
    const field = fieldForText(entry, 'vip-welcome', 'Willkommen zurück', { ...german, locale: 'de-CH' });
    // A Swiss visitor reads the German VIP text: the edit writes the Swiss one beside it.
    expect(field?.pointer).toBe('/personalizations/0/translations/de-CH/headline');
    const bare = { baseline: { headline: 'Hi' }, personalizations: [{ id: 'vip', patch: { headline: 'Hello VIP' } }] };
    const mine = fieldForText(bare, 'vip', 'Hello VIP', german) as FieldAt;
    expect(mine.pointer).toBe('/personalizations/0/translations/de-DE/headline');
    expect(applyText(bare, mine, 'Hallo VIP')).toEqual({
      baseline: { headline: 'Hi' },
      personalizations: [{ id: 'vip', patch: { headline: 'Hello VIP' }, translations: { 'de-DE': { headline: 'Hallo VIP' } } }],
    });
  });

  it('edits a field that is not translated in the content, as in the default language', () => {
    expect(fieldForText(entry, 'baseline', 'New season', german)).toEqual({ pointer: '/baseline/eyebrow', value: 'New season' });
    expect(fieldForText(entry, 'vip-welcome', 'New season', german)).toEqual({ pointer: '/personalizations/0/patch/eyebrow', value: 'New season' });
  });

  it('copies a list translated whole into the language before one of its items is edited', () => {
    const field = fieldForText(entry, 'baseline', 'Stay dry', german) as FieldAt;
    expect(field).toMatchObject({ pointer: '/translations/de-DE/tips/1', translation: { field: '/tips', inner: '/1', borrowed: true } });
    const typed = applyText(entry, field, 'Trocken bleiben') as { translations: JsonValue };
    expect(typed.translations).toEqual({ 'de-DE': { headline: 'Ausrüstung für den langen Winter', tips: ['Layer up', 'Trocken bleiben'] } });
  });

  it('removes a translation emptied in place, so the fallback shows again', () => {
    const field = fieldForText(entry, 'baseline', 'Ausrüstung für den langen Winter', german) as FieldAt;
    expect(applyText(entry, field, '')).not.toHaveProperty('translations');
  });

  it('reads the default language, or a workspace of one language, as the content', () => {
    expect(fieldForText(entry, 'baseline', 'Gear for the long winter', { ...german, locale: 'en-GB' })?.pointer).toBe('/baseline/headline');
    expect(fieldForText(entry, 'baseline', 'Gear for the long winter', { locale: null, locales: [], schema })?.pointer).toBe('/baseline/headline');
  });
});
