// Moving a highlighted selection between the components (slots) of a preview with the keyboard.
// Pure: the frame component reads the page's slots in order and applies the result.

export type CursorMove = 'next' | 'previous' | 'first' | 'last';
export type KeyIntent = CursorMove | 'choose' | 'clear';

/**
 * What a key pressed on a focused preview asks for, or null for keys the preview leaves alone
 * (with Ctrl, Alt or Meta: the app's shortcuts).
 */
export function intentOf(e: { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean }): KeyIntent | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  switch (e.key) {
    case 'ArrowDown':
    case 'ArrowRight':
      return 'next';
    case 'ArrowUp':
    case 'ArrowLeft':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'Enter':
    case ' ':
      return 'choose';
    case 'Escape':
      return 'clear';
    default:
      return null;
  }
}

/**
 * The index highlighted after `move` among `count` components, from `current` (null: nothing
 * highlighted yet, so "next" starts at the first and "previous" at the last). At either end it
 * stays put, or with `wrap` goes round. Null when there is nothing to highlight.
 */
export function moveCursor(current: number | null, count: number, move: CursorMove, wrap = false): number | null {
  if (count <= 0) return null;
  const at = current === null || current < 0 || current >= count ? null : current;
  switch (move) {
    case 'first':
      return 0;
    case 'last':
      return count - 1;
    case 'next':
      if (at === null) return 0;
      return at + 1 < count ? at + 1 : wrap ? 0 : at;
    case 'previous':
      if (at === null) return count - 1;
      return at > 0 ? at - 1 : wrap ? count - 1 : at;
  }
}

/**
 * Where to scroll a page of `viewHeight` now scrolled to `scrollTop` so that a component whose
 * box spans `top`..`bottom` (relative to the visible area) is seen, with `margin` around it;
 * its top wins when it is taller than the view. Null when it is already in view.
 */
export function revealScroll(scrollTop: number, viewHeight: number, top: number, bottom: number, margin = 16): number | null {
  if (top >= 0 && bottom <= viewHeight) return null;
  if (top < 0 || bottom - top + 2 * margin > viewHeight) return Math.max(0, scrollTop + top - margin);
  return Math.max(0, scrollTop + bottom - viewHeight + margin);
}
