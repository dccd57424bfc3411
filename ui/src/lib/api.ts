// The one door to the backend. Types are derived from the generated bindings so that the
// UI keeps compiling whatever the generator calls its type aliases.
import { commands, events } from '$lib/bindings';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Ok<F> = F extends (...args: any[]) => Promise<infer R> ? (R extends { status: 'ok'; data: infer T } ? T : never) : never;
type Err<F> = F extends (...args: any[]) => Promise<infer R> ? (R extends { status: 'error'; error: infer E } ? E : never) : never;
type Payload<E> = E extends { listen: (cb: (event: { payload: infer P }) => void) => unknown } ? P : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

type C = typeof commands;
export type JsonValue = Parameters<C['saveDocument']>[1];
export type AppError = Err<C['getSession']>;
export type Session = NonNullable<Ok<C['getSession']>>;
export type User = Session['user'];
export type Permission = Session['permissions'][number];
export type PermissionAction = Permission['action'];
export type PageNode = Session['pages'][number];
export type SlotNode = PageNode['slots'][number];
export type ProfileView = Session['profiles'][number];
export type ComponentView = Session['components'][number];
export type AudienceView = Session['audiences'][number];
export type AttributeView = Session['catalog'][number];
export type FileProblem = Session['problems'][number];
export type DocumentView = Ok<C['readDocument']>;
export type DiskView = DocumentView['disk'];
export type Saved = Ok<C['saveDocument']>;
export type PreviewRequest = Parameters<C['renderPage']>[1];
export type EditPreview = Ok<C['previewEdit']>;
export type FieldError = EditPreview['fieldErrors'][number];
export type PagePreview = Ok<C['renderPage']>;
export type SlotPreview = Ok<C['renderSlots']>[number];
export type SlotRef = Saved['affected'][number];
export type SlotWhy = Ok<C['explainSlot']>;
export type CoveragePage = Ok<C['coverage']>[number];
export type Finding = Ok<C['lint']>[number];
export type ChangeSetView = Ok<C['changeSets']>[number];
export type Review = Ok<C['reviewChange']>;
export type Comment = Ok<C['comments']>[number];
export type Release = Ok<C['releases']>[number];
export type RollbackPreview = Ok<C['rollbackPreview']>;
export type Reach = Ok<C['personalizationReach']>[number];
export type AuditPage = Ok<C['auditLog']>;
export type AuditEntry = AuditPage['entries'][number];
export type SyncStatus = Ok<C['syncStatus']>;
export type SyncSummary = Ok<C['syncNow']>;
export type SyncConflict = Ok<C['syncConflicts']>[number];
export type SyncWaiting = Ok<C['syncWaiting']>[number];
export type DeployTarget = Ok<C['deployTargets']>[number];
export type CdpMembershipsView = Ok<C['cdpMemberships']>;
export type StaticExportView = Ok<C['exportStaticPages']>;
export type TrafficStatusView = Ok<C['trafficStatus']>;
export type RecordedCoverageView = Ok<C['coverageOnTraffic']>;
export type TrafficImportView = NonNullable<Ok<C['importTraffic']>>;
export type SyncProgress = Payload<(typeof events)['syncProgress']>;
export type AffectedVisitor = Review['impact']['slots'][number]['samples'][number];
export type ReviewProgress = Payload<(typeof events)['reviewProgress']>;
export type WorkspaceChanged = Payload<(typeof events)['workspaceChanged']>;
export type WorkspaceProblems = Payload<(typeof events)['workspaceProblems']>;

/** A refused or failed command, carrying the backend's code and plain-words message. */
export class Failure extends Error {
  readonly code: string;
  constructor(error: { code: string; message: string }) {
    super(error.message);
    this.code = error.code;
    this.name = 'Failure';
  }
}

/** Unwraps a command's Result: resolves with the data, rejects with a {@link Failure}. */
export async function call<T>(
  pending: Promise<{ status: 'ok'; data: T } | { status: 'error'; error: { code: string; message: string } }>,
): Promise<T> {
  let result;
  try {
    result = await pending;
  } catch (e) {
    // Transport failure (e.g. no backend): still plain words for the user.
    throw new Failure({ code: 'io', message: e instanceof Error ? e.message : String(e) });
  }
  if (result.status === 'ok') return result.data;
  throw new Failure(result.error);
}

export function failureMessage(e: unknown): string {
  if (e instanceof Failure) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function failureCode(e: unknown): string | null {
  return e instanceof Failure ? e.code : null;
}

export { commands, events };
