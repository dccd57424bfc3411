// The keyboard on one preview frame's box: the highlighted component (moved with the arrow keys
// in page order, see slot-cursor.ts), Enter choosing it as a click does, Escape clearing, and
// what the frame's live region says about it (slot-names.ts). PreviewFrame owns one.
import { markCursor, revealSlot, slotsIn } from './frames';
import { intentOf, moveCursor } from './slot-cursor';
import { componentName, describeSlot } from './slot-names';

export interface FrameKeysHost {
  frame(): HTMLIFrameElement | null;
  /** The component chosen in this frame (a click, Enter, another screen), by slot id. */
  selected(): string | null;
  loading(): boolean;
  /** The click path: absent, Enter does nothing (a review's before/after). */
  onselect?: (slot: string, entry: string | null) => void;
  /** Escape also forgets the chosen component. */
  onclear?: () => void;
  /** Said after Enter chose a component ("The why panel … explains it."). */
  chosenNote(): string;
}

export class FrameKeys {
  /** The highlighted component, by slot id. */
  cursor = $state<string | null>(null);
  focused = $state(false);
  /** What the live region says. */
  announcement = $state('');
  /** The highlighted component in words, shown over the frame while it has the focus. */
  caption = $state('');
  private seq = 0;
  private readonly host: FrameKeysHost;

  constructor(host: FrameKeysHost) {
    this.host = host;
  }

  /** Highlights a component (null: none) in the frame. */
  set(slot: string | null): void {
    this.cursor = slot;
    markCursor(this.host.frame(), slot);
    if (slot === null) {
      this.caption = '';
      this.seq++;
    }
  }

  /** A freshly loaded frame document gets the highlight back. */
  reapply(): void {
    markCursor(this.host.frame(), this.cursor);
  }

  /** Handles a key pressed on the frame's box; returns without touching keys it does not use. */
  key(e: KeyboardEvent): void {
    const intent = intentOf(e);
    if (!intent) return;
    const host = this.host;
    if (intent === 'clear') {
      if (this.cursor === null && (host.selected() === null || !host.onclear)) return;
      e.preventDefault();
      this.set(null);
      host.onclear?.();
      this.announcement = 'No component chosen.';
      return;
    }
    e.preventDefault();
    const list = slotsIn(host.frame());
    if (!list.length) {
      this.announcement = host.loading() ? 'The preview is still being drawn.' : 'This preview shows no components.';
      return;
    }
    if (intent === 'choose') {
      const chosen = list.find((s) => s.slot === (this.cursor ?? host.selected()));
      if (!chosen) {
        this.announcement = 'Use the arrow keys to highlight a component first.';
        return;
      }
      if (!host.onselect) return;
      host.onselect(chosen.slot, chosen.entry || null);
      this.announcement = `${componentName(chosen.component) || 'The component'} chosen. ${host.chosenNote()}`.trim();
      return;
    }
    const from = this.cursor ?? host.selected();
    const found = from === null ? -1 : list.findIndex((s) => s.slot === from);
    const current = found < 0 ? null : found;
    const next = moveCursor(current, list.length, intent);
    if (next === null) return;
    const stuck = next === current && (intent === 'next' || intent === 'previous');
    const end = !stuck ? '' : intent === 'next' ? 'That was the last component.' : 'That was the first component.';
    void this.highlight(list[next].slot, next + 1, list.length, end);
  }

  private async highlight(slot: string, position: number, count: number, end: string): Promise<void> {
    const frame = this.host.frame();
    this.set(slot);
    revealSlot(frame, slot);
    const mine = ++this.seq;
    const found = slotsIn(frame).find((s) => s.slot === slot);
    const words = found ? await describeSlot(found, position, count) : '';
    if (mine !== this.seq) return;
    this.caption = words;
    this.announcement = end ? `${end} ${words}` : words;
  }
}
