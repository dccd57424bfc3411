// Every preview frame on screen registers here, so edits and workspace changes can patch
// exactly the slots they affect in every visible frame.
import { call, commands, failureMessage, type FieldError, type JsonValue, type PreviewRequest, type WorkspaceChanged } from '$lib/api';
import { recordEditToPreview } from '$lib/state/metrics';
import { notices } from '$lib/state/notices.svelte';
import { afterTwoFrames, patchSlots } from './frames';

export interface LiveFrame {
  /** The page shown (page id). */
  page(): string | null;
  view(): PreviewRequest | null;
  element(): HTMLIFrameElement | null;
  selected(): string | null;
  /** Reload the whole page into the frame (when a patch is not possible). */
  reload(): void;
  /** Whether edits of the document being authored should show here. */
  followsEdits: boolean;
}

const frames = new Set<LiveFrame>();

export function register(frame: LiveFrame): () => void {
  frames.add(frame);
  return () => frames.delete(frame);
}

let editSeq = 0;

/**
 * Previews an unsaved edit in every visible frame of `page` that follows edits, and returns the
 * field errors. `startedAt` is the `performance.now()` of the input event.
 */
export async function previewEdit(
  path: string,
  content: JsonValue,
  page: string | null,
  startedAt: number,
): Promise<FieldError[] | null> {
  const seq = ++editSeq;
  const targets = [...frames].filter((f) => f.followsEdits && page && f.page() === page && f.view() && f.element());
  const views = targets.map((f) => f.view()!) as PreviewRequest[];
  // What the window does while the call is out: the form's own update (the framework flushes
  // in a microtask queued before this one) and the window's next paint.
  let formUpdated = -1;
  let windowPainted = -1;
  queueMicrotask(() => (formUpdated = performance.now()));
  requestAnimationFrame(() => setTimeout(() => (windowPainted = performance.now()), 0));
  let result;
  const sent = performance.now();
  try {
    result = await call(commands.previewEdit({ path, content }, page ?? '', views));
  } catch (e) {
    if (seq === editSeq) notices.error(`The preview could not be updated: ${failureMessage(e)}`);
    return null;
  }
  if (seq !== editSeq) return null; // a newer edit is on its way
  const answered = performance.now();
  const patched: LiveFrame[] = [];
  targets.forEach((f, i) => {
    const frame = result.frames[i] ?? result.frames.find((x) => x.profile === f.view()?.profile);
    if (!frame || frame.slots.length === 0) return;
    const outcome = patchSlots(f.element(), frame.slots, f.selected());
    if (!outcome.ok) f.reload();
    else if (outcome.changed) patched.push(f);
  });
  // Latency is measured to the last changed frame's paint: unchanged frames repaint nothing.
  if (patched.length) {
    const applied = performance.now();
    await Promise.all(patched.map((f) => afterTwoFrames(f.element())));
    const painted = performance.now();
    recordEditToPreview(painted - startedAt, {
      beforeCall: sent - startedAt,
      call: answered - sent,
      patch: applied - answered,
      paint: painted - applied,
      formUpdated: formUpdated < 0 ? -1 : formUpdated - startedAt,
      windowPainted: windowPainted < 0 ? -1 : windowPainted - startedAt,
    });
  }
  return result.fieldErrors;
}

/** Re-renders only the affected slots of the visible frames. */
export async function workspaceChanged(change: WorkspaceChanged): Promise<void> {
  const byPage = new Map<string, string[]>();
  for (const a of change.affected) {
    const list = byPage.get(a.page) ?? [];
    if (!list.includes(a.slot)) list.push(a.slot);
    byPage.set(a.page, list);
  }
  await Promise.all(
    [...frames].map(async (f) => {
      const page = f.page();
      const view = f.view();
      if (!page || !view) return;
      const slots = byPage.get(page);
      if (!slots?.length) return;
      try {
        const rendered = await call(commands.renderSlots(page, view, slots));
        if (!patchSlots(f.element(), rendered, f.selected()).ok) f.reload();
      } catch {
        f.reload();
      }
    }),
  );
}

/** Re-renders every visible frame (e.g. after undo, a workspace switch or a reload). */
export function reloadAll(): void {
  for (const f of frames) f.reload();
}
