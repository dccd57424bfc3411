import { describe, expect, it } from 'vitest';
import type { JsonValue } from '$lib/api';
import { print } from './condition-text';

describe('condition text form (mirrors crates/engine/src/condition/text.rs)', () => {
  it('prints the DESIGN.md example', () => {
    const c: JsonValue = {
      all: [
        { attr: 'profile.tier', op: 'eq', value: 'vip' },
        { any: [{ attr: 'profile.lifetime_value', op: 'gte', value: 1000 }, { audience: 'loyal' }] },
        { not: { attr: 'product.inventory', op: 'gte', value: 20 } },
      ],
    };
    expect(print(c)).toBe('profile.tier = "vip" and (profile.lifetime_value >= 1000 or audience loyal) and not product.inventory >= 20');
  });

  it('uses function forms for zero or one child and keeps grouping', () => {
    expect(print({ all: [] })).toBe('all()');
    expect(print({ any: [] })).toBe('any()');
    expect(print({ all: [{ attr: 'a', op: 'exists' }] })).toBe('all(a exists)');
    expect(print({ not: { all: [{ attr: 'a', op: 'exists' }] } })).toBe('not all(a exists)');
    expect(print({ any: [{ attr: 'a', op: 'exists' }, { all: [{ attr: 'b', op: 'exists' }, { attr: 'd', op: 'exists' }] }] })).toBe(
      'a exists or (b exists and d exists)',
    );
    expect(print({ all: [{ all: [{ attr: 'a', op: 'exists' }, { attr: 'b', op: 'exists' }] }, { attr: 'd', op: 'exists' }] })).toBe(
      '(a exists and b exists) and d exists',
    );
    expect(print({ not: { not: { attr: 'a', op: 'exists' } } })).toBe('not not a exists');
  });

  it('writes symbols for comparisons and names for other operators', () => {
    expect(print({ attr: 'a', op: 'neq', value: 1 })).toBe('a != 1');
    expect(print({ attr: 'a', op: 'lte', value: 2.5 })).toBe('a <= 2.5');
    expect(print({ attr: 'profile.tags', op: 'any_of', value: ['x', 'y'] })).toBe('profile.tags any_of ["x","y"]');
    expect(print({ attr: 'p.last', op: 'within_last', value: '180d' })).toBe('p.last within_last "180d"');
  });

  it('quotes paths and names that are not bare', () => {
    expect(print({ attr: 'weird path', op: 'exists' })).toBe('"weird path" exists');
    expect(print({ attr: 'and', op: 'exists' })).toBe('"and" exists');
    expect(print({ attr: 'eq', op: 'exists' })).toBe('"eq" exists');
    expect(print({ attr: 'a..b', op: 'exists' })).toBe('"a..b" exists');
    expect(print({ audience: 'big-spenders' })).toBe('audience big-spenders');
    expect(print({ audience: 'Big Spenders' })).toBe('audience "Big Spenders"');
    expect(print({ audience: 'not' })).toBe('audience "not"');
  });

  it('prints rollouts', () => {
    expect(print({ rollout: { unit: 'profile.id', salt: 's', percent: 12.5 } })).toBe('rollout(profile.id, "s", 12.5)');
  });
});
