import { describe, expect, it } from 'vitest';
import { get, join, set, tokens } from './pointer';

describe('JSON pointer helpers', () => {
  it('escapes and splits tokens', () => {
    expect(join('/a', 'b/c~d')).toBe('/a/b~1c~0d');
    expect(tokens('/a/b~1c~0d')).toEqual(['a', 'b/c~d']);
    expect(tokens('')).toEqual([]);
  });

  it('reads nested values', () => {
    const doc = { cta: { label: 'Go' }, items: [{ text: 'x' }] };
    expect(get(doc, '/cta/label')).toBe('Go');
    expect(get(doc, '/items/0/text')).toBe('x');
    expect(get(doc, '/missing/x')).toBeUndefined();
  });

  it('sets without mutating and creates containers', () => {
    const doc = { baseline: { headline: 'a' } };
    const next = set(doc, '/personalizations/0/patch/cta/label', 'Buy');
    expect(doc).toEqual({ baseline: { headline: 'a' } });
    expect(next).toEqual({ baseline: { headline: 'a' }, personalizations: [{ patch: { cta: { label: 'Buy' } } }] });
  });

  it('removes keys and array items with undefined', () => {
    expect(set({ a: 1, b: 2 }, '/a', undefined)).toEqual({ b: 2 });
    expect(set({ l: [1, 2, 3] }, '/l/1', undefined)).toEqual({ l: [1, 3] });
  });
});
