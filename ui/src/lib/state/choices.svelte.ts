// The choices a person makes while working (the screen, page, entry and variant; the visitors
// and device of the previews), kept across screens and restarts, per workspace folder, in the
// window's local storage. What is read back is checked: anything unknown falls back to defaults.
import { DEVICES, type DeviceId } from '$lib/preview/devices';
import { nav, SCREENS, type AuthorTab, type Screen } from './navigation.svelte';

const COUNTS = [1, 2, 4] as const;
export type VisitorCount = (typeof COUNTS)[number];

const isDevice = (v: unknown): v is DeviceId => DEVICES.some((d) => d.id === v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 200;
const nameOrNull = (v: unknown): string | null => (isName(v) ? v : null);

class Choices {
  /** The variant open in the editor, per entry id: `baseline` or a personalization's id. */
  variants = $state<Record<string, string>>({});
  /** The live preview beside the editor. */
  live = $state<{ count: VisitorCount; picked: (string | null)[]; device: DeviceId | null }>({ count: 2, picked: [null, null, null, null], device: null });
  /** The Preview screen's visitors (by profile id) and device. */
  preview = $state<{ profiles: string[]; device: DeviceId }>({ profiles: [], device: 'desktop' });
  private key: string | null = null;

  /** Restores what was kept for the workspace in `dir`; every later choice is kept for it. */
  open(dir: string): void {
    const key = `vantage.choices:${dir}`;
    if (this.key === key) return;
    this.key = null;
    let kept: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? '{}');
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) kept = parsed as Record<string, unknown>;
    } catch {
      // A damaged entry is as good as none.
    }
    if (SCREENS.some((s) => s.id === kept.screen)) nav.screen = kept.screen as Screen;
    if (kept.authorTab === 'entries' || kept.authorTab === 'audiences' || kept.authorTab === 'experiments') nav.authorTab = kept.authorTab as AuthorTab;
    nav.pageId = nameOrNull(kept.pageId) ?? nav.pageId;
    nav.entryId = nameOrNull(kept.entryId) ?? nav.entryId;
    nav.slotId = nameOrNull(kept.slotId) ?? nav.slotId;
    const variants = kept.variants && typeof kept.variants === 'object' ? (kept.variants as Record<string, unknown>) : {};
    this.variants = Object.fromEntries(Object.entries(variants).filter(([k, v]) => isName(k) && isName(v))) as Record<string, string>;
    const live = (kept.live ?? {}) as Record<string, unknown>;
    this.live = {
      count: COUNTS.find((c) => c === live.count) ?? 2,
      picked: [0, 1, 2, 3].map((i) => (Array.isArray(live.picked) ? nameOrNull(live.picked[i]) : null)),
      device: isDevice(live.device) ? live.device : null,
    };
    const preview = (kept.preview ?? {}) as Record<string, unknown>;
    this.preview = {
      profiles: Array.isArray(preview.profiles) ? preview.profiles.filter(isName).slice(0, 4) : [],
      device: isDevice(preview.device) ? preview.device : 'desktop',
    };
    this.key = key;
  }

  /** Keeps the current choices (called whenever one changes). */
  save(): void {
    if (!this.key) return;
    const kept = {
      screen: nav.screen,
      authorTab: nav.authorTab,
      pageId: nav.pageId,
      entryId: nav.entryId,
      slotId: nav.slotId,
      variants: this.variants,
      live: this.live,
      preview: this.preview,
    };
    try {
      localStorage.setItem(this.key, JSON.stringify(kept));
    } catch {
      // Storage full or refused: the choices last for this run.
    }
  }
}

export const choices = new Choices();
