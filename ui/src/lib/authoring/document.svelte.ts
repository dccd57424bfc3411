// One workspace document being edited: its content, undo history, save state and the field
// errors the backend reports for the unsaved content. Live preview goes through preview/live.
import { call, commands, failureCode, failureMessage, type DiskView, type DocumentView, type FieldError, type JsonValue } from '$lib/api';
import { snapshot } from '$lib/util/snapshot.svelte';
import { sameJson } from '$lib/util/same-json';
import { notices } from '$lib/state/notices.svelte';
import { session } from '$lib/state/session.svelte';
import { nav } from '$lib/state/navigation.svelte';
import { previewEdit } from '$lib/preview/live';

const AUTOSAVE_MS = 900;
const COALESCE_MS = 1200;

export type SaveState = 'saved' | 'saving' | 'unsaved' | 'error' | 'conflict' | 'disk';

export class DocumentSession {
  readonly path: string;
  content = $state<JsonValue>(null);
  revision = $state<number | null>(null);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  saving = $state(false);
  saveError = $state<string | null>(null);
  conflict = $state(false);
  fieldErrors = $state<FieldError[]>([]);
  /** Why the file on disk cannot be followed (changed outside the app into something unreadable). */
  diskBroken = $state<string | null>(null);
  /** The file's own version, when it changed outside the app while this editor had unsaved edits. */
  diskVersion = $state<JsonValue | null>(null);
  /** Translations whose original changed after they were written, as last read (entries only). */
  stale = $state.raw<DocumentView['stale']>([]);
  /** The content `stale` was read with: a mark whose text is edited since goes (stale.ts). */
  staleRead = $state.raw<JsonValue>(null);
  private savedJson = $state('null');
  private undoStack: { content: JsonValue; key: string | null }[] = [];
  private redoStack: JsonValue[] = [];
  private lastKey: string | null = null;
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private savingPromise: Promise<boolean> | null = null;
  /**
   * Why the content on screen may not be saved yet (checked before every save, automatic or
   * not; e.g. experiment weights that do not add up to 100), or null.
   */
  blockedBy: (content: JsonValue) => string | null = () => null;

  // Getters, not $derived: a session may be read after its component is gone (final save).
  get dirty(): boolean {
    return JSON.stringify(this.content) !== this.savedJson;
  }

  /** Why the content on screen may not be saved yet, or null (see `blockedBy`). */
  get blocked(): string | null {
    return this.loaded ? this.blockedBy(this.content) : null;
  }

  get state(): SaveState {
    if (this.diskBroken !== null || this.diskVersion !== null) return 'disk';
    return this.conflict ? 'conflict' : this.saving ? 'saving' : this.saveError ? 'error' : this.dirty ? 'unsaved' : 'saved';
  }

  constructor(path: string) {
    this.path = path;
  }

  async load(): Promise<void> {
    try {
      const doc = await call(commands.readDocument(this.path));
      this.content = doc.content;
      this.revision = doc.revision;
      this.savedJson = JSON.stringify(doc.content);
      this.loaded = true;
      this.loadError = null;
      this.conflict = false;
      this.saveError = null;
      this.fieldErrors = [];
      this.readStale(doc);
      this.followDiskView(doc.disk);
    } catch (e) {
      this.loadError = failureMessage(e);
    }
  }

  /**
   * Re-reads the document after its file changed on disk or the workspace's problems changed:
   * the editor follows the file, and never writes over a file it did not load.
   */
  async followDisk(): Promise<void> {
    if (!this.loaded) return;
    try {
      const doc = await call(commands.readDocument(this.path));
      // Someone else's save or undo moved the store's head: show it unless edits are pending.
      if (doc.revision !== this.revision && !this.dirty && !this.saving) {
        this.content = doc.content;
        this.revision = doc.revision;
        this.savedJson = JSON.stringify(doc.content);
        void this.refreshPreview();
      }
      // The list fits the content on screen only when nothing is unsaved.
      if (!this.dirty && !this.saving) this.readStale(doc);
      this.followDiskView(doc.disk);
    } catch {
      // The next save reports what is wrong.
    }
  }

  /** A save may leave translations behind their new original: learn which, from history. */
  private async refreshStale(): Promise<void> {
    try {
      const doc = await call(commands.readDocument(this.path));
      if (!this.dirty && !this.saving && JSON.stringify(doc.content) === this.savedJson) this.readStale(doc);
    } catch {
      // The marks stay as they were; the next load reads them again.
    }
  }

  private readStale(doc: DocumentView): void {
    this.stale = doc.stale ?? [];
    this.staleRead = structuredClone(doc.content);
  }

  private followDiskView(disk: DiskView): void {
    switch (disk.kind) {
      case 'inStep':
        this.diskBroken = null;
        this.diskVersion = null;
        break;
      case 'missing':
        this.diskBroken = `${this.path} was deleted outside Vantage.`;
        this.diskVersion = null;
        break;
      case 'broken':
        this.diskBroken = disk.problem;
        this.diskVersion = null;
        break;
      case 'changed':
        this.diskBroken = null;
        if (sameJson(disk.content, this.content)) {
          // Already followed (two events can report one change); the save is on its way.
          this.diskVersion = null;
        } else if (this.dirty) {
          this.diskVersion = disk.content;
        } else {
          // Nothing unsaved here: follow the file, as an undoable edit saved into the draft.
          this.diskVersion = null;
          this.update(disk.content, null);
          notices.info(`${this.path} was changed outside Vantage; the editor now shows the file's version.`);
        }
        break;
    }
  }

  /** Keeps the editor's version, replacing the file that changed outside the app. */
  async keepMine(): Promise<boolean> {
    this.diskBroken = null;
    this.diskVersion = null;
    return this.save(true, true);
  }

  /** Takes the version of the file that changed outside the app (undo brings mine back). */
  takeFile(): void {
    const file = this.diskVersion;
    if (file === null) return;
    this.diskVersion = null;
    this.update(file, null);
  }

  /**
   * Applies an edit. `key` groups fast consecutive edits of one field into one undo step.
   * `startedAt` is the input event's `performance.now()` (for the latency metric).
   */
  update(next: JsonValue, key: string | null = null, startedAt = performance.now()): void {
    const now = Date.now();
    if (!(key && key === this.lastKey && now - this.lastAt < COALESCE_MS)) {
      this.undoStack.push({ content: snapshot(this.content), key });
      if (this.undoStack.length > 200) this.undoStack.shift();
    }
    this.lastKey = key;
    this.lastAt = now;
    this.redoStack = [];
    this.apply(next, startedAt);
  }

  private apply(next: JsonValue, startedAt: number): void {
    this.content = next;
    this.saveError = null;
    void this.refreshPreview(startedAt);
    this.scheduleSave();
  }

  async refreshPreview(startedAt = performance.now()): Promise<void> {
    const errors = await previewEdit(this.path, snapshot(this.content), nav.pageId, startedAt);
    // A new but equal list would re-run every field's error display on each keystroke.
    if (errors && !sameJson(errors, this.fieldErrors)) this.fieldErrors = errors;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  undo(): void {
    const prev = this.undoStack.pop();
    if (prev === undefined) {
      void this.serverStep('undo');
      return;
    }
    this.redoStack.push(snapshot(this.content));
    this.lastKey = null;
    this.apply(prev.content, performance.now());
  }

  redo(): void {
    const next = this.redoStack.pop();
    if (next === undefined) {
      void this.serverStep('redo');
      return;
    }
    this.undoStack.push({ content: snapshot(this.content), key: null });
    this.lastKey = null;
    this.apply(next, performance.now());
  }

  /** With no local history left, steps through the saved revisions of the document. */
  private async serverStep(kind: 'undo' | 'redo'): Promise<void> {
    // Never step past edits that may not be saved yet: loading the revision would lose them.
    if (this.dirty && this.blocked !== null) {
      notices.error(`${kind === 'undo' ? 'Undo' : 'Redo'} stops here until your changes can be saved. ${this.blocked}`);
      return;
    }
    if (this.dirty) await this.save();
    try {
      session.followGaps(await call(kind === 'undo' ? commands.undoDocument(this.path) : commands.redoDocument(this.path)));
      await this.load();
      notices.info(kind === 'undo' ? 'Undid the last saved change.' : 'Redid the change.');
    } catch (e) {
      notices.info(kind === 'undo' ? `Nothing to undo. ${failureMessage(e)}` : `Nothing to redo. ${failureMessage(e)}`);
    }
  }

  private scheduleSave(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Content the backend reports as invalid waits for the author (Ctrl+S still tries).
      if (this.fieldErrors.length === 0 && this.blocked === null) void this.save(false);
    }, AUTOSAVE_MS);
  }

  /** Saves now. Resolves true when the content on screen is committed. */
  async save(loud = true, replaceDisk = false): Promise<boolean> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.savingPromise) {
      await this.savingPromise;
    }
    if (!this.dirty || this.conflict) return !this.dirty;
    if (!replaceDisk && (this.diskBroken !== null || this.diskVersion !== null)) return false;
    const blocked = this.blocked;
    if (blocked !== null) {
      if (loud) notices.error(`Not saved: ${blocked}`);
      return false;
    }
    const json = JSON.stringify(this.content);
    const content = JSON.parse(json) as JsonValue;
    this.saving = true;
    this.savingPromise = (async () => {
      try {
        const saved = await call(commands.saveDocument(this.path, content, this.revision, replaceDisk));
        this.revision = saved.revision;
        session.followGaps(saved);
        this.savedJson = json;
        this.saveError = null;
        return true;
      } catch (e) {
        if (failureCode(e) === 'conflict') {
          this.conflict = true;
          this.saveError = failureMessage(e);
        } else if (failureCode(e) === 'changed_on_disk') {
          // Learn what the file holds now; the editor then offers the choice.
          void this.followDisk();
        } else {
          this.saveError = failureMessage(e);
          if (loud) notices.error(`Not saved: ${failureMessage(e)}`);
        }
        return false;
      } finally {
        this.saving = false;
        this.savingPromise = null;
      }
    })();
    const ok = await this.savingPromise;
    // Typing may have continued while saving.
    if (ok && this.dirty) this.scheduleSave();
    else if (ok) void this.refreshStale();
    return ok;
  }

  /** Throws away local edits and loads the latest version (after a conflict). */
  async reload(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.undoStack = [];
    this.redoStack = [];
    await this.load();
    void this.refreshPreview();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  errorsAt(pointer: string): FieldError[] {
    return this.fieldErrors.filter((e) => e.pointer === pointer);
  }
}

/**
 * The document the keyboard shortcuts and the top bar's save state refer to: the most recently
 * opened of the documents whose editors are on screen (robust to the order in which an old
 * editor is destroyed and a new one created).
 */
class Editing {
  active = $state<DocumentSession | null>(null);
  private open: DocumentSession[] = [];

  /** Call when an editor for `doc` appears; returns the function to call when it goes. */
  /** Tells the open editors their files may have changed (`paths` null: any of them). */
  followDisk(paths: string[] | null): void {
    for (const doc of this.open) if (paths === null || paths.includes(doc.path)) void doc.followDisk();
  }

  attach(doc: DocumentSession): () => void {
    this.open = [...this.open.filter((d) => d !== doc), doc];
    this.active = doc;
    return () => {
      this.open = this.open.filter((d) => d !== doc);
      if (this.active === doc) this.active = this.open[this.open.length - 1] ?? null;
    };
  }
}

export const editing = new Editing();
