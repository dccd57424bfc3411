import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JsonValue } from '$lib/api';
import { followRuleText, type RuleTextState } from './rule-text';

/** A backend whose answers the test releases one by one. */
function fakeBackend() {
  const calls: { condition: JsonValue; resolve: (text: string) => void; reject: (e: Error) => void }[] = [];
  const fetchText = (condition: JsonValue) =>
    new Promise<string>((resolve, reject) => {
      calls.push({ condition, resolve, reject });
    });
  return { calls, fetchText };
}

const vip: JsonValue = { attr: 'profile.tier', op: 'eq', value: 'vip' };
const unfinished: JsonValue = { attr: 'profile.tier', op: 'eq' };

describe('the rule text follows the condition through the backend', () => {
  let states: RuleTextState[];
  const last = () => states[states.length - 1];

  beforeEach(() => {
    vi.useFakeTimers();
    states = [];
  });
  afterEach(() => vi.useRealTimers());

  it('asks at once the first time, then once typing pauses, and shows the answer', async () => {
    const backend = fakeBackend();
    const follower = followRuleText(backend.fetchText, (s) => states.push(s), { delayMs: 100 });
    follower.update(vip);
    expect(backend.calls).toHaveLength(1);
    expect(last()).toEqual({ text: null, problem: null, pending: true });
    backend.calls[0].resolve('profile.tier = "vip"');
    await vi.runAllTimersAsync();
    expect(last()).toEqual({ text: 'profile.tier = "vip"', problem: null, pending: false });

    follower.update({ attr: 'profile.tier', op: 'eq', value: 'v' });
    follower.update({ attr: 'profile.tier', op: 'eq', value: 'vi' });
    follower.update({ attr: 'profile.tier', op: 'eq', value: 'vip2' });
    expect(backend.calls).toHaveLength(1);
    expect(last()).toEqual({ text: 'profile.tier = "vip"', problem: null, pending: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.calls).toHaveLength(2);
    expect(backend.calls[1].condition).toEqual({ attr: 'profile.tier', op: 'eq', value: 'vip2' });
  });

  it('keeps the last good text and shows why the condition is incomplete', async () => {
    const backend = fakeBackend();
    const follower = followRuleText(backend.fetchText, (s) => states.push(s), { delayMs: 100 });
    follower.update(vip);
    backend.calls[0].resolve('profile.tier = "vip"');
    await vi.runAllTimersAsync();
    follower.update(unfinished);
    await vi.advanceTimersByTimeAsync(100);
    backend.calls[1].reject(new Error('This condition is not complete yet: enter a value.'));
    await vi.runAllTimersAsync();
    expect(last()).toEqual({ text: 'profile.tier = "vip"', problem: 'This condition is not complete yet: enter a value.', pending: false });

    follower.update(vip);
    await vi.advanceTimersByTimeAsync(100);
    backend.calls[2].resolve('profile.tier = "vip"');
    await vi.runAllTimersAsync();
    expect(last()).toEqual({ text: 'profile.tier = "vip"', problem: null, pending: false });
  });

  it('lets the latest answer win and ignores unchanged conditions', async () => {
    const backend = fakeBackend();
    const follower = followRuleText(backend.fetchText, (s) => states.push(s), { delayMs: 100 });
    follower.update(vip);
    follower.update({ ...vip, value: 'gold' });
    await vi.advanceTimersByTimeAsync(100);
    follower.update({ ...vip, value: 'gold' });
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.calls).toHaveLength(2);
    backend.calls[1].resolve('profile.tier = "gold"');
    await vi.runAllTimersAsync();
    backend.calls[0].resolve('profile.tier = "vip"');
    await vi.runAllTimersAsync();
    expect(last().text).toBe('profile.tier = "gold"');
  });

  it('stays pending while a newer condition waits, and stops when disposed', async () => {
    const backend = fakeBackend();
    const follower = followRuleText(backend.fetchText, (s) => states.push(s), { delayMs: 100 });
    follower.update(vip);
    follower.update(unfinished);
    backend.calls[0].resolve('profile.tier = "vip"');
    await Promise.resolve();
    await Promise.resolve();
    expect(last()).toEqual({ text: 'profile.tier = "vip"', problem: null, pending: true });
    follower.dispose();
    await vi.runAllTimersAsync();
    expect(backend.calls).toHaveLength(1);
  });

  it('sends a copy of the condition, not the object being edited', () => {
    const backend = fakeBackend();
    const follower = followRuleText(backend.fetchText, () => {});
    const live = { attr: 'profile.tier', op: 'eq', value: 'vip' };
    follower.update(live);
    live.value = 'gold';
    expect(backend.calls[0].condition).toEqual(vip);
  });
});
