// The entry tree's quiet note on an entry whose texts some readers get in another language
// (EntryRef.untranslated, counted by the backend as lint's missing translations are).
import type { SlotNode } from '$lib/api';
import { localeName, type Locale } from './locales';

export type LocaleGap = SlotNode['entry']['untranslated'][number];

export interface GapBadge {
  /** What the badge says: "French: 2 untranslated", or "2 languages incomplete". */
  text: string;
  /** Every language with its count, for the tooltip and screen readers. */
  label: string;
}

const texts = (n: number) => (n === 1 ? '1 text' : `${n.toLocaleString()} texts`);

/** The badge of an entry with gaps `gaps`, languages in the workspace's order; null when none. */
export function gapBadge(locales: Locale[], gaps: LocaleGap[]): GapBadge | null {
  const order = (code: string) => {
    const i = locales.findIndex((l) => l.code === code);
    return i < 0 ? locales.length : i;
  };
  const open = gaps.filter((g) => g.texts > 0).sort((a, b) => order(a.locale) - order(b.locale));
  if (open.length === 0) return null;
  const each = open.map((g) => `${localeName(locales, g.locale)} ${texts(g.texts)}`).join(', ');
  const label = `Not translated yet: ${each} (their visitors read another language there).`;
  if (open.length === 1) return { text: `${localeName(locales, open[0].locale)}: ${open[0].texts.toLocaleString()} untranslated`, label };
  return { text: `${open.length} languages incomplete`, label };
}
