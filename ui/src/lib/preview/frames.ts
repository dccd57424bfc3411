// Patching preview frames in place (see shared/notes/preview-updates.md).
// Frames are `sandbox="allow-same-origin"` without scripts; preview markup is ALWAYS parsed by
// the frame's own document, never by the app's document.
import type { SlotPreview } from '$lib/api';
import { noteFallback } from '$lib/state/metrics';
import { revealScroll } from './slot-cursor';

const SELECTED_ATTR = 'data-vantage-selected';
const HOVER_ATTR = 'data-vantage-hover';
/** The component highlighted from the keyboard (see PreviewFrame, slot-cursor.ts). */
const CURSOR_ATTR = 'data-vantage-cursor';
const STYLE_ID = 'vantage-preview-ui';

function slotSelector(slot: string): string {
  return `[data-slot="${CSS.escape(slot)}"]`;
}

/** The markup last put into each slot of each frame document (a reloaded frame is a new document). */
const applied = new WeakMap<Document, Map<string, string>>();

export interface Patched {
  /** False if the frame is not ready or a slot is not on the page (re-render the whole page). */
  ok: boolean;
  /** Whether any slot's markup changed (an unchanged frame has nothing to repaint). */
  changed: boolean;
}

/**
 * Replaces each slot's `<section data-slot>` with the new markup, keeping the scroll position.
 * A slot whose markup is what this frame already shows is left alone: the other visitors'
 * frames are not relaid out and repainted for an edit they do not see.
 */
export function patchSlots(frame: HTMLIFrameElement | null, slots: SlotPreview[], selected: string | null = null): Patched {
  const doc = frame?.contentDocument;
  if (!doc || !doc.body) return { ok: false, changed: false };
  const seen = applied.get(doc) ?? new Map<string, string>();
  applied.set(doc, seen);
  const scroller = doc.scrollingElement;
  let top = 0;
  let left = 0;
  let ok = true;
  let changed = false;
  for (const s of slots) {
    if (seen.get(s.slot) === s.html) continue;
    const el = doc.querySelector(slotSelector(s.slot));
    if (!el) {
      ok = false;
      continue;
    }
    if (!changed) {
      top = scroller?.scrollTop ?? 0;
      left = scroller?.scrollLeft ?? 0;
    }
    const t = doc.createElement('template');
    t.innerHTML = s.html;
    const highlighted = el.hasAttribute(CURSOR_ATTR);
    el.replaceWith(t.content);
    if (highlighted) doc.querySelector(slotSelector(s.slot))?.setAttribute(CURSOR_ATTR, '');
    seen.set(s.slot, s.html);
    changed = true;
  }
  if (!changed) return { ok, changed };
  if (selected) markSelected(frame, selected);
  if (scroller && (scroller.scrollTop !== top || scroller.scrollLeft !== left)) {
    scroller.scrollTop = top;
    scroller.scrollLeft = left;
  }
  return { ok, changed };
}

/** Adds the outline style for the selected component (a style element made by the frame's document). */
export function prepareFrame(frame: HTMLIFrameElement | null): void {
  const doc = frame?.contentDocument;
  if (!doc || !doc.head || doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent =
    `[${HOVER_ATTR}]{outline:2px dashed #2457d6;outline-offset:-2px}` +
    `[${SELECTED_ATTR}]{outline:3px solid #2457d6;outline-offset:-3px}` +
    `[${CURSOR_ATTR}]{outline:4px solid #b85c00;outline-offset:-4px;box-shadow:inset 0 0 0 9999px rgb(184 92 0 / 8%)}`;
  doc.head.append(style);
}

export function markSelected(frame: HTMLIFrameElement | null, slot: string | null): void {
  const doc = frame?.contentDocument;
  if (!doc) return;
  for (const el of doc.querySelectorAll(`[${SELECTED_ATTR}]`)) el.removeAttribute(SELECTED_ATTR);
  if (slot) doc.querySelector(slotSelector(slot))?.setAttribute(SELECTED_ATTR, '');
}

/** A component on a preview's page, as its markup names it (see render.rs's section wrapper). */
export interface SlotInFrame {
  slot: string;
  entry: string;
  /** `baseline`, a personalization's id, `<experiment>/<arm>` or `<experiment>/holdout`. */
  variant: string;
  /** The component type's id. */
  component: string;
}

/** The page's components in the frame, in page order (empty while the frame has no document). */
export function slotsIn(frame: HTMLIFrameElement | null): SlotInFrame[] {
  const doc = frame?.contentDocument;
  if (!doc) return [];
  return [...doc.querySelectorAll('[data-slot]')].map((el) => ({
    slot: el.getAttribute('data-slot') ?? '',
    entry: el.getAttribute('data-entry') ?? '',
    variant: el.getAttribute('data-variant') ?? '',
    component: el.getAttribute('data-component') ?? '',
  }));
}

/** Highlights the component chosen from the keyboard (null: none). */
export function markCursor(frame: HTMLIFrameElement | null, slot: string | null): void {
  const doc = frame?.contentDocument;
  if (!doc) return;
  for (const el of doc.querySelectorAll(`[${CURSOR_ATTR}]`)) el.removeAttribute(CURSOR_ATTR);
  if (slot) doc.querySelector(slotSelector(slot))?.setAttribute(CURSOR_ATTR, '');
}

/**
 * Scrolls the frame's own document so that a component is in view. Not `scrollIntoView`, which
 * would also scroll the app's boxes around the frame.
 */
export function revealSlot(frame: HTMLIFrameElement | null, slot: string): void {
  const doc = frame?.contentDocument;
  const el = doc?.querySelector(slotSelector(slot));
  const scroller = doc?.scrollingElement;
  if (!doc || !el || !scroller) return;
  const box = el.getBoundingClientRect();
  const view = frame?.contentWindow?.innerHeight ?? doc.documentElement.clientHeight;
  const top = revealScroll(scroller.scrollTop, view, box.top, box.bottom);
  if (top !== null) scroller.scrollTop = top;
}

/**
 * The element of the frame's document under a point given in the app's viewport coordinates.
 *
 * Pointer events never reach the frame itself (WebKit runs no event listener, not even the
 * app's, in a frame sandboxed without allow-scripts), so the app hit-tests the frame's
 * document: `elementFromPoint` of that document, with the frame's scale undone.
 */
function elementAt(frame: HTMLIFrameElement | null, clientX: number, clientY: number, scale: number): Element | null {
  const doc = frame?.contentDocument;
  if (!frame || !doc) return null;
  const rect = frame.getBoundingClientRect();
  const x = (clientX - rect.left) / (scale || 1);
  const y = (clientY - rect.top) / (scale || 1);
  if (x < 0 || y < 0 || x > frame.clientWidth || y > frame.clientHeight) return null;
  return doc.elementFromPoint(x, y);
}

/** The `<section data-slot>` under a point given in the app's viewport coordinates. */
export function sectionAt(frame: HTMLIFrameElement | null, clientX: number, clientY: number, scale: number): Element | null {
  return elementAt(frame, clientX, clientY, scale)?.closest('[data-slot]') ?? null;
}

export function markHover(frame: HTMLIFrameElement | null, section: Element | null): void {
  const doc = frame?.contentDocument;
  if (!doc) return;
  for (const el of doc.querySelectorAll(`[${HOVER_ATTR}]`)) if (el !== section) el.removeAttribute(HOVER_ATTR);
  section?.setAttribute(HOVER_ATTR, '');
}

/** Scrolls the frame's document for a wheel event that landed on its box. */
export function scrollFrame(frame: HTMLIFrameElement | null, e: WheelEvent, scale: number): void {
  const scroller = frame?.contentDocument?.scrollingElement;
  if (!scroller) return;
  const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? scroller.clientHeight : 1;
  scroller.scrollBy({ left: (e.deltaX * unit) / (scale || 1), top: (e.deltaY * unit) / (scale || 1) });
}

/**
 * Resolves after two animation frames of the frame's window (the patched markup has been
 * painted). Gives up after a second (counted in `__vantageMetrics.frameRafFallbacks`).
 */
export function afterTwoFrames(frame: HTMLIFrameElement | null): Promise<void> {
  const win = frame?.contentWindow ?? window;
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    try {
      win.requestAnimationFrame(() => win.requestAnimationFrame(finish));
    } catch {
      requestAnimationFrame(() => requestAnimationFrame(finish));
    }
    // Safety net only: the frame's window normally delivers its frames.
    setTimeout(() => {
      if (done) return;
      noteFallback();
      finish();
    }, 1000);
  });
}

/** A text shown in a slot, found under a point (see `sectionAt`), with its box in the frame. */
export interface TextAt {
  section: Element;
  element: HTMLElement;
  text: string;
  /** The element's box in the frame's own (unscaled) coordinates. */
  rect: DOMRect;
  fontSize: number;
}

/**
 * The innermost element under a point that holds text of its own (a headline, a button's label),
 * inside a slot; found from the app's side, as `sectionAt` does.
 */
export function textAt(frame: HTMLIFrameElement | null, clientX: number, clientY: number, scale: number): TextAt | null {
  const doc = frame?.contentDocument;
  if (!doc) return null;
  let el: Element | null = elementAt(frame, clientX, clientY, scale);
  const section = el?.closest('[data-slot]') ?? null;
  while (el && el !== section) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '');
    if (ownText && el instanceof (doc.defaultView?.HTMLElement ?? HTMLElement)) {
      const html = el as HTMLElement;
      const fontSize = parseFloat(doc.defaultView?.getComputedStyle(html).fontSize ?? '16') || 16;
      return { section: section as Element, element: html, text: html.innerText, rect: html.getBoundingClientRect(), fontSize };
    }
    el = el.parentElement;
  }
  return null;
}
