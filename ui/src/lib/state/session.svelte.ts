import { call, commands, failureMessage, type FileProblem, type PermissionAction, type Saved, type Session } from '$lib/api';
import { notices } from './notices.svelte';

/** The open workspace and the acting user, as the backend last described them. */
class SessionState {
  // Raw, not deeply reactive: the backend's description is replaced whole, never changed in
  // place, and proxying the tree of a workspace of 10,000 entries slowed the start.
  current = $state.raw<Session | null>(null);
  loading = $state(false);
  loadError = $state<string | null>(null);
  /** Problems reported by the watcher since the session was loaded (replace the session's). */
  liveProblems = $state<FileProblem[] | null>(null);

  problems = $derived<FileProblem[]>(this.liveProblems ?? this.current?.problems ?? []);

  async load(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    try {
      this.set(await call(commands.getSession()));
    } catch (e) {
      this.loadError = failureMessage(e);
    } finally {
      this.loading = false;
    }
  }

  /** Re-reads the session after files that it summarises changed (pages, audiences, …). */
  async refresh(): Promise<void> {
    try {
      this.current = await call(commands.getSession());
    } catch {
      // Keep what we have; the problems banner reports broken files.
    }
  }

  /** Takes a save's news of its entries' translation gaps into the tree, without a re-read. */
  followGaps(saved: Pick<Saved, 'untranslated'>): void {
    const current = this.current;
    if (!current || saved.untranslated.length === 0) return;
    const gaps = new Map(saved.untranslated.map((g) => [g.entry, g.gaps]));
    // Replaced whole (the state is raw): only the pages showing a saved entry are copied.
    const pages = current.pages.map((page) =>
      page.slots.some((s) => gaps.has(s.entry.id))
        ? { ...page, slots: page.slots.map((s) => (gaps.has(s.entry.id) ? { ...s, entry: { ...s.entry, untranslated: gaps.get(s.entry.id) ?? [] } } : s)) }
        : page,
    );
    this.current = { ...current, pages };
  }

  set(session: Session): void {
    // When the workspace first arrived, for the start-up report of the end-to-end run.
    if (!this.current) performance.mark('vantage-session-arrived');
    this.current = session;
    this.liveProblems = null;
  }

  async openWorkspace(): Promise<boolean> {
    this.loading = true;
    try {
      const picked = await call(commands.pickWorkspace());
      if (picked) {
        this.set(picked);
        notices.success(`Opened “${picked.workspace.name}”.`);
        return true;
      }
      return false;
    } catch (e) {
      notices.error(failureMessage(e));
      return false;
    } finally {
      this.loading = false;
    }
  }

  async switchUser(name: string): Promise<void> {
    try {
      this.set(await call(commands.switchUser(name)));
      notices.info(`You are now working as ${name}.`);
    } catch (e) {
      notices.error(failureMessage(e));
    }
  }

  /**
   * Signs a person in at the workspace's CMS with their own account. Returns the error to show
   * beside the form, or null when signed in.
   */
  async signIn(name: string, password: string, cmsUrl: string | null): Promise<string | null> {
    try {
      const signed = await call(commands.signIn(cmsUrl, name, password));
      this.set(signed);
      const who = signed.cms?.signedIn;
      notices.success(who ? `Signed in as ${who.name} (${who.role}).` : 'Signed in.');
      return null;
    } catch (e) {
      return failureMessage(e);
    }
  }

  async signOut(): Promise<void> {
    try {
      this.set(await call(commands.signOut()));
      notices.info('Signed out. Names in this workspace are not verified until someone signs in.');
    } catch (e) {
      notices.error(failureMessage(e));
    }
  }

  /** Whether the acting user may take an action, and if not, why (plain words). */
  permission(action: PermissionAction): { allowed: boolean; reason: string | null } {
    const p = this.current?.permissions.find((x) => x.action === action);
    if (!p) return { allowed: false, reason: 'Your role does not allow this.' };
    return { allowed: p.allowed, reason: p.allowed ? null : (p.reason ?? 'Your role does not allow this.') };
  }
}

export const session = new SessionState();
