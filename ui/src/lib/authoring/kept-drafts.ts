// Documents whose editor closed while their content could not be saved yet (see
// `DocumentSession.blockedBy`, e.g. experiment weights that do not add up to 100): kept, with
// their undo history, until that editor opens again, so leaving a tab never drops edits.
import type { DocumentSession } from './document.svelte';

const kept = new Map<string, DocumentSession>();

const key = (workspace: string, path: string) => `${workspace}\u0000${path}`;

export function keepDraft(workspace: string, doc: DocumentSession): void {
  kept.set(key(workspace, doc.path), doc);
}

/** The draft kept for `path` of this workspace, taken out of keeping; null when none is. */
export function takeDraft(workspace: string, path: string): DocumentSession | null {
  const k = key(workspace, path);
  const doc = kept.get(k) ?? null;
  kept.delete(k);
  return doc;
}
