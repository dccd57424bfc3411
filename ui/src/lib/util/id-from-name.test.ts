import { describe, expect, it } from 'vitest';
import { idFromName, idProblem } from './id-from-name';

describe('idFromName', () => {
  it('makes a readable id from a name, accents and punctuation included', () => {
    expect(idFromName('Rainy-day shoppers (GB, NL & IE)', [])).toBe('rainy-day-shoppers-gb-nl-ie');
    expect(idFromName('Café Zürich', [])).toBe('cafe-zurich');
  });
  it('never gives a taken id, nor an empty one', () => {
    expect(idFromName('VIP', ['vip', 'vip-2'])).toBe('vip-3');
    expect(idFromName('!!!', [], 'audience')).toBe('audience');
  });
  it('gives ids the backend accepts', () => {
    expect(idProblem(idFromName('x'.repeat(200), []), [])).toBeNull();
    expect(idProblem('Rainy Day', [])).not.toBeNull();
    expect(idProblem('vip', ['vip'])).toBe('This id is taken.');
  });
});
