// An audit log entry as a sentence people read; the raw detail stays available on demand.

interface Entry {
  actor: string;
  action: string;
  subject: string;
  detail: string;
}

function field(detail: string, key: string): unknown {
  try {
    const parsed: unknown = JSON.parse(detail);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** "maria edited entries/home-hero.json", "rita approved change 3", … */
export function auditSentence(e: Entry): string {
  const who = e.actor;
  const s = e.subject;
  switch (e.action) {
    case 'import':
      return `${who} imported the workspace (${String(field(e.detail, 'files') ?? '?')} files)`;
    case 'create_change_set':
      return `${who} started change ${s}`;
    case 'rename':
      return `${who} named change ${s}`;
    case 'edit':
      return `${who} edited ${s}`;
    case 'delete':
      return `${who} deleted ${s}`;
    case 'undo':
      return `${who} undid an edit of ${s}`;
    case 'redo':
      return `${who} redid an edit of ${s}`;
    case 'submit':
      return `${who} sent change ${s} for review`;
    case 'approve':
      return `${who} approved change ${s}`;
    case 'reject':
      return `${who} sent change ${s} back for changes`;
    case 'comment':
      return `${who} commented on change ${s}`;
    case 'publish':
      return `${who} published release ${s}`;
    case 'publish_refused':
      return `Publishing change ${s} was refused (checks failed)`;
    case 'schedule_publish':
      return `${who} scheduled change ${s} to publish`;
    case 'rollback': {
      const to = field(e.detail, 'to');
      return `${who} rolled back to ${to === 'imported' ? 'the workspace as imported' : `release ${String(to)}`} (release ${s})`;
    }
    case 'reset':
      return `${s} went back to what is live`;
    case 'deploy_target_added':
      return `${who} added ${s} as a place visitors get releases from`;
    case 'deploy_target_removed':
      return `${who} removed ${s} from the places visitors get releases from`;
    case 'deployed':
      return `${who} deployed the published release to ${s}`;
    case 'deploy_failed':
      return `Deploying to ${s} did not reach it (${String(field(e.detail, 'reason') ?? 'no reason given')})`;
    case 'profile_read':
      return `${who} looked at visitor data (${s})`;
    case 'user':
      return `${who} changed the team: ${s}`;
    case 'sync':
      return `${who} changed how this workspace syncs: ${s}`;
    case 'cms_version':
      return `The CMS confirmed ${s}`;
    default:
      return `${who}: ${e.action.replace(/_/g, ' ')} ${s}`;
  }
}
