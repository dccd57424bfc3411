import { describe, expect, it } from 'vitest';
import { fieldForText } from './in-place';

const hero = {
  baseline: { headline: 'Gear for the long winter', eyebrow: 'New season', cta: { label: 'Shop now', href: '/shop' } },
  personalizations: [{ id: 'vip-welcome', name: 'VIP', condition: { any: [] }, patch: { headline: 'Welcome back' } }],
};

describe('fieldForText', () => {
  it('finds a field the variant overrides, in its patch', () => {
    expect(fieldForText(hero, 'vip-welcome', ' Welcome  back ')).toEqual({ pointer: '/personalizations/0/patch/headline', value: 'Welcome back' });
  });
  it('writes an inherited field into the variant shown, so the baseline stays as it is', () => {
    expect(fieldForText(hero, 'vip-welcome', 'Shop now')).toEqual({ pointer: '/personalizations/0/patch/cta/label', value: 'Shop now' });
  });
  it('edits the baseline when the slot shows the baseline', () => {
    expect(fieldForText(hero, 'baseline', 'Gear for the long winter')?.pointer).toBe('/baseline/headline');
  });
  it('gives up on text no field holds, a text two fields hold, or a variant it does not know', () => {
    expect(fieldForText(hero, 'baseline', 'Welcome back')).toBeNull();
    expect(fieldForText({ baseline: { a: 'Same', b: 'Same' } }, 'baseline', 'Same')).toBeNull();
    expect(fieldForText(hero, 'exp-home-hero-copy/control', 'Gear for the long winter')).toBeNull();
  });
});
