import { describe, expect, it } from 'vitest';
import type { JsonValue } from '$lib/api';
import { set } from '$lib/util/pointer';
import { armStale, staleAt, staleNow, type StaleText } from './stale';

const entry: JsonValue = {
  baseline: { headline: 'Built for the long way', cta: { label: 'Shop' } },
  translations: { 'de-DE': { headline: 'Gebaut für lange', cta: { label: 'Kaufen' } } },
  personalizations: [{ id: 'vip', patch: { headline: 'Welcome back' }, translations: { 'de-DE': { headline: 'Willkommen' } } }],
};

const stale: StaleText[] = [
  { pointer: '/translations/de-DE/headline', locale: 'de-DE', originalThen: 'Built to last' },
  { pointer: '/personalizations/0/translations/de-DE/headline', locale: 'de-DE', originalThen: 'Welcome' },
];

describe('stale translations', () => {
  it('belong to the row of their variant, locale and text', () => {
    expect(staleAt(stale, -1, 'de-DE', '/headline')?.originalThen).toBe('Built to last');
    expect(staleAt(stale, 0, 'de-DE', '/headline')?.originalThen).toBe('Welcome');
    expect(staleAt(stale, -1, 'de-DE', '/cta/label')).toBeUndefined();
    expect(staleAt(stale, -1, 'fr-FR', '/headline')).toBeUndefined();
  });

  it('stay while neither the translation nor its original is edited', () => {
    expect(staleNow(stale, entry, entry)).toEqual(stale);
    expect(staleNow(stale, entry, set(entry, '/translations/de-DE/cta/label', 'Los'))).toEqual(stale);
  });

  it('go when their translation is edited or removed', () => {
    expect(staleNow(stale, entry, set(entry, '/translations/de-DE/headline', 'Gebaut für den langen Weg')).map((s) => s.pointer)).toEqual([
      '/personalizations/0/translations/de-DE/headline',
    ]);
    expect(staleNow(stale, entry, set(entry, '/personalizations/0/translations', undefined)).map((s) => s.pointer)).toEqual(['/translations/de-DE/headline']);
  });

  it('go when their original is edited: the baseline’s for the baseline, the patch for a personalization', () => {
    expect(staleNow(stale, entry, set(entry, '/baseline/headline', 'Built to go far')).map((s) => s.pointer)).toEqual([
      '/personalizations/0/translations/de-DE/headline',
    ]);
    expect(staleNow(stale, entry, set(entry, '/personalizations/0/patch/headline', 'Hello again')).map((s) => s.pointer)).toEqual(['/translations/de-DE/headline']);
  });

  it('come back when an edit is undone', () => {
    const edited = set(entry, '/translations/de-DE/headline', 'Neu');
    expect(staleNow(stale, entry, edited)).toHaveLength(1);
    expect(staleNow(stale, entry, set(edited, '/translations/de-DE/headline', 'Gebaut für lange'))).toEqual(stale);
  });

  it('of an experiment arm stay until its translation or its own text is edited, and are read as the arm’s form reads them', () => {
    const experiments: JsonValue = {
      experiments: [{ key: 'x', entry: 'home-hero', arms: [{ name: 'control', patch: {} }, { name: 'adventure', patch: { headline: 'Go further than the map' }, translations: { 'de-DE': { headline: 'Weiter gehen' } } }] }],
    };
    const marks: StaleText[] = [{ pointer: '/experiments/0/arms/1/translations/de-DE/headline', locale: 'de-DE', originalThen: 'Go further' }];
    expect(staleNow(marks, experiments, experiments)).toEqual(marks);
    expect(staleNow(marks, experiments, set(experiments, '/experiments/0/arms/1/patch/headline', 'Go'))).toEqual([]);
    expect(staleNow(marks, experiments, set(experiments, '/experiments/0/arms/1/translations/de-DE/headline', 'Weiter als die Karte'))).toEqual([]);
    expect(armStale(marks, '/experiments/0/arms/1').map((s) => s.pointer)).toEqual(['/personalizations/0/translations/de-DE/headline']);
    expect(armStale(marks, '/experiments/0/arms/0')).toEqual([]);
  });
});
