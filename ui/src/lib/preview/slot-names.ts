// Names for what a preview's component shows: the component type from the session, a
// personalization's name from its entry (the one open in the editor, unsaved edits included,
// else as saved), an experiment's from the session. Worded by slot-words.ts.
import { call, commands, type JsonValue } from '$lib/api';
import { session } from '$lib/state/session.svelte';
import { editing } from '$lib/authoring/document.svelte';
import { personalizationName, slotSentence, variantWords } from './slot-words';
import type { SlotInFrame } from './frames';

/** The component type's name ("Hero banner"), or empty when the session does not know it. */
export function componentName(id: string): string {
  return session.current?.components.find((c) => c.id === id)?.name ?? '';
}

function entryPath(entry: string): string {
  for (const p of session.current?.pages ?? []) for (const s of p.slots) if (s.entry.id === entry) return s.entry.path;
  return `entries/${entry}.json`;
}

async function entryContent(entry: string): Promise<JsonValue | undefined> {
  const path = entryPath(entry);
  const open = editing.active;
  if (open && open.path === path && open.loaded) return open.content;
  try {
    return (await call(commands.readDocument(path))).content;
  } catch {
    return undefined;
  }
}

/** "Hero banner — showing “VIP welcome back”. Component 2 of 9." */
export async function describeSlot(s: SlotInFrame, position: number, count: number): Promise<string> {
  const personalized = s.variant !== 'baseline' && !s.variant.includes('/') && s.variant !== 'holdout';
  const content = personalized ? await entryContent(s.entry) : undefined;
  const shows = variantWords(s.variant, {
    personalization: (id) => personalizationName(content, id),
    experiment: (key) => session.current?.experiments.find((x) => x.id === key)?.name ?? null,
  });
  return slotSentence(componentName(s.component), shows, position, count);
}
