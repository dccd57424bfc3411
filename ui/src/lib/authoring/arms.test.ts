import { describe, expect, it } from 'vitest';
import { checkWeights, cleanPatch, patchSummary, patchWith, weightProblem, weightsBlocker } from './arms';
import type { FieldSchema } from './schema';
import type { JsonValue } from '$lib/api';

describe('checkWeights', () => {
  it('says how much is left to assign as the person types', () => {
    const c = checkWeights([50, 40]);
    expect(c).toMatchObject({ total: 90, left: 10, ok: false });
    expect(c.message).toBe('Weights add up to 90 of 100 — 10 left to assign.');
  });
  it('says how much is too many', () => {
    expect(checkWeights([60, 50]).message).toBe('Weights add up to 110 of 100 — 10 too many.');
  });
  it('is satisfied by whole numbers adding up to 100, zero weights included', () => {
    const c = checkWeights([34, 33, 33, 0]);
    expect(c).toMatchObject({ total: 100, left: 0, ok: true, arms: [null, null, null, null] });
    expect(c.message).toBe('Weights add up to 100 of 100.');
  });
  it('counts a missing weight as 0 and names what is wrong with each arm', () => {
    const c = checkWeights([100, undefined]);
    expect(c.total).toBe(100);
    expect(c.ok).toBe(false);
    expect(c.arms[0]).toBeNull();
    expect(c.arms[1]).toMatch(/Give this arm a weight/);
  });
  it('refuses fractions and negative weights even when the sum is 100', () => {
    expect(checkWeights([50.5, 49.5]).ok).toBe(false);
    expect(checkWeights([50.5, 49.5]).arms).toEqual(['Use a whole number.', 'Use a whole number.']);
    expect(checkWeights([110, -10]).ok).toBe(false);
    expect(weightProblem(-10)).toBe('A weight cannot be below 0.');
  });
  it('shows fractions in the total to two decimals', () => {
    expect(checkWeights([33.333, 33.333]).message).toBe('Weights add up to 66.67 of 100 — 33.33 left to assign.');
  });
});

describe('weightsBlocker', () => {
  // A missing weight is no key at all, as the editor stores it.
  const exp = (name: string, weights: (number | undefined)[]): JsonValue => ({
    key: 'k',
    name,
    arms: weights.map((w, i): JsonValue => (w === undefined ? { name: `arm-${i + 1}`, patch: {} } : { name: `arm-${i + 1}`, weight: w, patch: {} })),
  });
  it('lets experiments whose weights add up to 100 be saved', () => {
    expect(weightsBlocker([exp('A', [50, 50]), exp('B', [100, 0])])).toBeNull();
  });
  it('names the first experiment whose weights are wrong', () => {
    expect(weightsBlocker([exp('A', [50, 50]), exp('Hero copy', [50, 40])])).toBe('The weights of “Hero copy” add up to 90; they must add up to 100.');
  });
  it('names the arm whose weight is missing or not a whole number', () => {
    expect(weightsBlocker([exp('Hero copy', [100, undefined])])).toBe('The arm “arm-2” of “Hero copy” needs a whole-number weight.');
  });
});

describe('arm patches', () => {
  it('takes a field left empty out of the patch, so the baseline shows', () => {
    const patch = { headline: 'Adventure', subline: 'Tested in the Alps' };
    expect(patchWith(patch, '/headline', undefined)).toEqual({ subline: 'Tested in the Alps' });
    expect(patchWith(patch, '/headline', '')).toEqual({ subline: 'Tested in the Alps' });
    expect(patch).toEqual({ headline: 'Adventure', subline: 'Tested in the Alps' });
  });
  it('sets nested fields and drops objects left empty', () => {
    const withLabel = patchWith({}, '/cta/label', 'Go');
    expect(withLabel).toEqual({ cta: { label: 'Go' } });
    expect(patchWith(withLabel, '/cta/label', undefined)).toEqual({});
  });
  it('keeps null, which removes the baseline field for this arm, and lists as they are', () => {
    expect(cleanPatch({ link: null, code: '', items: [], tags: ['', 'a'], cta: {} })).toEqual({ link: null, items: [], tags: ['', 'a'] });
    expect(cleanPatch(null)).toEqual({});
  });
});

describe('patchSummary', () => {
  const schema: FieldSchema = { properties: { text: { title: 'Offer text' }, code: { title: 'Voucher code' }, link: { title: 'Link' }, link_label: {} } };
  it('calls an empty patch the control', () => {
    expect(patchSummary({}, schema)).toBe('Shows the entry as it is (a control).');
  });
  it('names changed and removed fields by their labels', () => {
    expect(patchSummary({ text: 'x', code: 'TEN', link: null, link_label: null }, schema)).toBe('Changes Offer text and Voucher code; removes Link and Link label.');
    expect(patchSummary({ link: null }, schema)).toBe('Removes Link.');
  });
});
