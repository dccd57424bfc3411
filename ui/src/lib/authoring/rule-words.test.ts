import { describe, expect, it } from 'vitest';
import type { AudienceView, JsonValue } from '$lib/api';
import { attributeLabel, conditionWords } from './rule-words';

const audiences = [{ id: 'vip', name: 'VIP customers', description: '', condition: {} }] as unknown as AudienceView[];

describe('rules in words', () => {
  it('names attributes by their label, or their path in words', () => {
    expect(attributeLabel('request.country')).toBe('Country');
    expect(attributeLabel('profile.lifetime_value')).toBe('Lifetime value');
    expect(attributeLabel('profile.ltv', 'Lifetime value')).toBe('Lifetime value');
  });
  it('reads a condition as one sentence, audiences by name', () => {
    const c: JsonValue = { all: [{ attr: 'request.country', op: 'in', value: ['GB', 'NL', 'IE'] }, { audience: 'vip' }] };
    expect(conditionWords(c, audiences)).toBe('Country is one of GB, NL or IE and in the audience “VIP customers”');
    expect(conditionWords({ any: [{ audience: 'vip' }, { not: { attr: 'profile.orders', op: 'gte', value: 1 } }] }, audiences)).toBe(
      'in the audience “VIP customers” or not Orders is at least 1',
    );
    expect(conditionWords({ any: [] }, audiences)).toBe('nobody');
  });
});
