// A component of a preview in words, for screen readers and the keyboard caption: its
// component's name and the variant it shows, by name, never by id.
import type { JsonValue } from '$lib/api';

/** The name a personalization of an entry document was given, or null. */
export function personalizationName(entry: JsonValue | undefined, id: string): string | null {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry) || !Array.isArray(entry.personalizations)) return null;
  for (const p of entry.personalizations) {
    if (p && typeof p === 'object' && !Array.isArray(p) && p.id === id) return typeof p.name === 'string' && p.name.trim() ? p.name.trim() : null;
  }
  return null;
}

export interface VariantNames {
  /** A personalization's name, by its id (null: not known). */
  personalization: (id: string) => string | null;
  /** An experiment's name, by its key (null: not known). */
  experiment: (key: string) => string | null;
}

/**
 * What a slot shows, as people say it: "the baseline", "“VIP welcome back”", "the arm
 * “adventure” of the experiment “Hero copy”". `variant` is the preview's `data-variant`:
 * `baseline`, a personalization's id, `<experiment>/<arm>` or `<experiment>/holdout`.
 */
export function variantWords(variant: string, names: VariantNames): string {
  if (variant === 'baseline' || variant === '') return 'the baseline';
  const slash = variant.lastIndexOf('/');
  if (slash >= 0 || variant === 'holdout') {
    const key = slash >= 0 ? variant.slice(0, slash) : '';
    const arm = slash >= 0 ? variant.slice(slash + 1) : variant;
    const name = key ? names.experiment(key) : null;
    const experiment = name ? `the experiment “${name}”` : 'an experiment';
    return arm === 'holdout' ? `the baseline, held out of ${experiment}` : `the arm “${arm}” of ${experiment}`;
  }
  const name = names.personalization(variant);
  return name ? `“${name}”` : 'a personalized version';
}

/** "Hero banner — showing “VIP welcome back”. Component 2 of 9." */
export function slotSentence(component: string, shows: string, position: number, count: number): string {
  return `${component || 'A component'} — showing ${shows}. Component ${position} of ${count}.`;
}
