// The preview moment in words. `null` is "now": each visitor's own time (from their profile),
// else the clock; a string is a moment the user picked, which wins over the profile's own time.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-20T12:00:00Z" -> "20 Nov 2026, 12:00 UTC"; `null` -> "now". */
export function momentLabel(at: string | null): string {
  if (at === null) return 'now';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}
