/**
 * The id a new thing gets from the name a person gave it: lower-case letters, digits and dashes
 * (what the backend accepts), at most 64 characters, and not one of `taken` ("-2", "-3", …).
 */
export function idFromName(name: string, taken: readonly string[], fallback = 'item'): string {
  const slug =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56)
      .replace(/-+$/, '') || fallback;
  if (!taken.includes(slug)) return slug;
  let n = 2;
  while (taken.includes(`${slug}-${n}`)) n++;
  return `${slug}-${n}`;
}

/** Why `id` cannot be used, in plain words, or null when it can. */
export function idProblem(id: string, taken: readonly string[]): string | null {
  if (id === '') return 'An id is needed.';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id) || id.length > 64) return 'Use up to 64 lower-case letters, digits and dashes, e.g. rainy-day-shoppers.';
  if (taken.includes(id)) return 'This id is taken.';
  return null;
}
