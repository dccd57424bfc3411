import { describe, expect, it } from 'vitest';
import { intentOf, moveCursor, revealScroll } from './slot-cursor';

describe('intentOf', () => {
  it('reads arrows as moves, both directions each', () => {
    expect(intentOf({ key: 'ArrowDown' })).toBe('next');
    expect(intentOf({ key: 'ArrowRight' })).toBe('next');
    expect(intentOf({ key: 'ArrowUp' })).toBe('previous');
    expect(intentOf({ key: 'ArrowLeft' })).toBe('previous');
    expect(intentOf({ key: 'Home' })).toBe('first');
    expect(intentOf({ key: 'End' })).toBe('last');
  });
  it('reads Enter and Space as choosing, Escape as clearing', () => {
    expect(intentOf({ key: 'Enter' })).toBe('choose');
    expect(intentOf({ key: ' ' })).toBe('choose');
    expect(intentOf({ key: 'Escape' })).toBe('clear');
  });
  it('leaves other keys and the app shortcuts alone', () => {
    expect(intentOf({ key: 'a' })).toBeNull();
    expect(intentOf({ key: 'Tab' })).toBeNull();
    expect(intentOf({ key: 'ArrowDown', ctrlKey: true })).toBeNull();
    expect(intentOf({ key: 'Enter', altKey: true })).toBeNull();
    expect(intentOf({ key: 'ArrowUp', metaKey: true })).toBeNull();
  });
});

describe('moveCursor', () => {
  it('starts at the first component going forward and the last going back', () => {
    expect(moveCursor(null, 5, 'next')).toBe(0);
    expect(moveCursor(null, 5, 'previous')).toBe(4);
  });
  it('steps one component at a time in page order', () => {
    expect(moveCursor(0, 5, 'next')).toBe(1);
    expect(moveCursor(3, 5, 'previous')).toBe(2);
  });
  it('stays at either end unless asked to wrap', () => {
    expect(moveCursor(4, 5, 'next')).toBe(4);
    expect(moveCursor(0, 5, 'previous')).toBe(0);
    expect(moveCursor(4, 5, 'next', true)).toBe(0);
    expect(moveCursor(0, 5, 'previous', true)).toBe(4);
  });
  it('jumps to the first and last', () => {
    expect(moveCursor(2, 5, 'first')).toBe(0);
    expect(moveCursor(2, 5, 'last')).toBe(4);
  });
  it('treats a position no longer on the page as none, and an empty page as nothing to highlight', () => {
    expect(moveCursor(7, 5, 'next')).toBe(0);
    expect(moveCursor(-1, 5, 'previous')).toBe(4);
    expect(moveCursor(null, 0, 'next')).toBeNull();
    expect(moveCursor(2, 0, 'last')).toBeNull();
  });
  it('handles a page of one component', () => {
    expect(moveCursor(0, 1, 'next')).toBe(0);
    expect(moveCursor(0, 1, 'previous', true)).toBe(0);
  });
});

describe('revealScroll', () => {
  it('leaves a component already in view where it is', () => {
    expect(revealScroll(100, 500, 10, 300)).toBeNull();
  });
  it('scrolls down just enough to show a component below the view', () => {
    expect(revealScroll(100, 500, 600, 700)).toBe(100 + 700 - 500 + 16);
  });
  it('scrolls up to a component above the view', () => {
    expect(revealScroll(800, 500, -300, -100)).toBe(800 - 300 - 16);
  });
  it('shows the top of a component taller than the view', () => {
    expect(revealScroll(0, 500, 200, 1200)).toBe(184);
  });
  it('never scrolls above the page', () => {
    expect(revealScroll(5, 500, -20, 40)).toBe(0);
  });
});
