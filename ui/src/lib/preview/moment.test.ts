import { describe, expect, it } from 'vitest';
import { fromLocalInput } from '$lib/authoring/rules';
import { momentLabel } from './moment';

describe('the preview moment', () => {
  it('reads "now" when no moment is chosen', () => {
    expect(momentLabel(null)).toBe('now');
  });

  it('reads a chosen moment in UTC', () => {
    expect(momentLabel('2026-11-20T12:05:00Z')).toBe('20 Nov 2026, 12:05 UTC');
    expect(momentLabel('2026-11-20T23:30:00-02:00')).toBe('21 Nov 2026, 01:30 UTC');
  });

  it('picks a moment from the date and time field as RFC 3339 in UTC, and nothing from an empty field', () => {
    expect(fromLocalInput('2026-11-20T12:00')).toBe('2026-11-20T12:00:00Z');
    expect(fromLocalInput('')).toBeNull();
  });
});
