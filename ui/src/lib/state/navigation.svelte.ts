export type Screen = 'author' | 'preview' | 'review' | 'history' | 'audit';
export const SCREENS: { id: Screen; label: string; key: string }[] = [
  { id: 'author', label: 'Author', key: '1' },
  { id: 'preview', label: 'Preview', key: '2' },
  { id: 'review', label: 'Review', key: '3' },
  { id: 'history', label: 'History', key: '4' },
  { id: 'audit', label: 'Audit', key: '5' },
];

export type AuthorTab = 'entries' | 'audiences' | 'experiments';

/** What the user is looking at: shared by the screens so a click in one can open another. */
class Navigation {
  screen = $state<Screen>('author');
  authorTab = $state<AuthorTab>('entries');
  /** The page whose preview is shown (Author and Preview screens). */
  pageId = $state<string | null>(null);
  /** The entry open in the editor. */
  entryId = $state<string | null>(null);
  /** The slot selected in a preview (for the why panel). */
  slotId = $state<string | null>(null);
  /** The profile whose frame the slot was selected in. */
  whyProfileIndex = $state(0);
  /**
   * The preview moment, shared by every preview: `null` ("Now") shows each visitor at their own
   * time, else the clock; an RFC 3339 moment picked in the moment picker wins over the
   * visitor's own time.
   */
  at = $state<string | null>(null);

  go(screen: Screen): void {
    this.screen = screen;
  }

  openEntry(pageId: string, slotId: string, entryId: string): void {
    this.pageId = pageId;
    this.slotId = slotId;
    this.entryId = entryId;
    this.authorTab = 'entries';
  }
}

export const nav = new Navigation();
