import { describe, expect, it } from 'vitest';
import { gapBadge } from './locale-gaps';
import type { Locale } from './locales';

const locales: Locale[] = [
  { code: 'en-GB', name: 'English', fallback: [] },
  { code: 'de-DE', name: 'German', fallback: ['en-GB'] },
  { code: 'fr-FR', name: 'French', fallback: ['en-GB'] },
];

describe('the entry tree’s untranslated badge', () => {
  it('is absent when every language is complete', () => {
    expect(gapBadge(locales, [])).toBeNull();
    expect(gapBadge(locales, [{ locale: 'fr-FR', texts: 0 }])).toBeNull();
  });

  it('names the one language with gaps and how many texts', () => {
    expect(gapBadge(locales, [{ locale: 'fr-FR', texts: 2 }])).toEqual({
      text: 'French: 2 untranslated',
      label: 'Not translated yet: French 2 texts (their visitors read another language there).',
    });
  });

  it('counts several languages and lists each, in the workspace’s order, for the tooltip', () => {
    const badge = gapBadge(locales, [
      { locale: 'fr-FR', texts: 2 },
      { locale: 'de-DE', texts: 1 },
    ]);
    expect(badge?.text).toBe('2 languages incomplete');
    expect(badge?.label).toBe('Not translated yet: German 1 text, French 2 texts (their visitors read another language there).');
  });
});
