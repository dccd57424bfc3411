import { describe, expect, it } from 'vitest';
import { personalizationName, slotSentence, variantWords, type VariantNames } from './slot-words';

const names: VariantNames = {
  personalization: (id) => (id === 'vip-welcome' ? 'VIP welcome back' : null),
  experiment: (key) => (key === 'exp-home-hero-copy' ? 'Home hero copy' : null),
};

describe('variantWords', () => {
  it('names the baseline and personalizations by name', () => {
    expect(variantWords('baseline', names)).toBe('the baseline');
    expect(variantWords('vip-welcome', names)).toBe('“VIP welcome back”');
  });
  it('never reads out an id it cannot name', () => {
    expect(variantWords('rainy-day-7', names)).toBe('a personalized version');
    expect(variantWords('exp-gone/adventure', names)).toBe('the arm “adventure” of an experiment');
  });
  it('names experiment arms and the holdout by the experiment’s name', () => {
    expect(variantWords('exp-home-hero-copy/adventure', names)).toBe('the arm “adventure” of the experiment “Home hero copy”');
    expect(variantWords('exp-home-hero-copy/holdout', names)).toBe('the baseline, held out of the experiment “Home hero copy”');
  });
});

describe('slotSentence', () => {
  it('says the component, what it shows and where it is on the page', () => {
    expect(slotSentence('Hero banner', '“VIP welcome back”', 2, 9)).toBe('Hero banner — showing “VIP welcome back”. Component 2 of 9.');
    expect(slotSentence('', 'the baseline', 1, 1)).toBe('A component — showing the baseline. Component 1 of 1.');
  });
});

describe('personalizationName', () => {
  const entry = { baseline: {}, personalizations: [{ id: 'vip-welcome', name: ' VIP welcome back ' }, { id: 'unnamed', name: '' }] };
  it('finds the name a personalization was given', () => {
    expect(personalizationName(entry, 'vip-welcome')).toBe('VIP welcome back');
  });
  it('gives null for an unnamed or unknown personalization, or no entry', () => {
    expect(personalizationName(entry, 'unnamed')).toBeNull();
    expect(personalizationName(entry, 'other')).toBeNull();
    expect(personalizationName(null, 'vip-welcome')).toBeNull();
  });
});
