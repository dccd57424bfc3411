//! Use cases over the local store: create and import, edit, review, publish, history, audit.

use crate::error::StudioError;
use crate::files::read_workspace_dir;
use std::path::Path;
use vantage_store::{ChainStatus, ChangeSet, ChangeSetId, Release, Revision, Role, Store};

/// What a local workspace (no CMS sign-in) says about who is acting, wherever a person acts.
pub const LOCAL_IDENTITIES: &str =
    "local workspace: identities are not verified (anyone with this computer can act under any name of the team)";

/// Creates the store at `db` with `team` (the first one an admin) and imports `from`, all at once:
/// it is built beside `db` and moved into place only when complete, so a creation cut short
/// leaves no store, never an empty one in which anyone could make themselves the first admin.
pub fn init_store(db: &Path, team: &[(&str, Role)], from: Option<&Path>) -> Result<usize, StudioError> {
    let files = from.map(read_workspace_dir).transpose()?;
    init_store_with(db, team, files.as_ref())
}

/// [`init_store`] from files already read (opening a folder for the first time reads it once
/// for the store and the workspace both).
pub(crate) fn init_store_with(
    db: &Path,
    team: &[(&str, Role)],
    files: Option<&vantage_engine::load::SourceFiles>,
) -> Result<usize, StudioError> {
    if db.exists() {
        return Err(StudioError::bad_input(format!("{} already exists; open it instead of creating it", db.display())));
    }
    let Some(&(admin, Role::Admin)) = team.first() else {
        return Err(StudioError::bad_input("a new workspace's team starts with an admin"));
    };
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| StudioError::io(parent, &e))?;
    }
    let name = db.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "store.db".into());
    let building = db.with_file_name(format!(".{name}.creating-{}", std::process::id()));
    let remove_building = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
        }
    };
    remove_building();
    let built = (|| {
        let store = Store::open(&building)?;
        for (name, role) in team {
            store.add_user(admin, name, *role)?;
        }
        let imported = match files {
            Some(files) => store.import(admin, files)?,
            None => 0,
        };
        store.close()?;
        Ok::<_, StudioError>(imported)
    })();
    let placed = built.and_then(|imported| {
        // A hard link never replaces a store that appeared meanwhile; where links are not
        // supported, a rename after checking.
        match std::fs::hard_link(&building, db) {
            Ok(()) => Ok(imported),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(StudioError::bad_input(format!("{} already exists; open it instead of creating it", db.display())))
            }
            Err(_) if !db.exists() => std::fs::rename(&building, db).map(|()| imported).map_err(|e| StudioError::io(db, &e)),
            Err(e) => Err(StudioError::io(db, &e)),
        }
    });
    remove_building();
    placed
}

/// Opens an existing store.
pub fn open_store(db: &Path) -> Result<Store, StudioError> {
    if !db.exists() {
        return Err(StudioError::not_found(format!("{} does not exist; create it with `vantage init`", db.display())));
    }
    Ok(Store::open(db)?)
}

/// Writes the published workspace (no drafts, nothing under review) into the new folder `dir`.
pub fn export_store(store: &Store, dir: &Path) -> Result<usize, StudioError> {
    let files = store.published()?;
    crate::export::write_new_folder(dir, &files)?;
    Ok(files.len())
}

/// Adds `name` to the team (or changes their role), as `actor`, an admin. A store without a
/// team was never created completely (only `init_store` makes the first admin): nobody may
/// claim it.
pub fn add_user(store: &Store, actor: &str, name: &str, role: &str) -> Result<(), StudioError> {
    if store.users()?.is_empty() {
        return Err(StudioError::bad_input(
            "this store has no team: it was not created completely, so nobody may make themselves its admin; create it again with `vantage init`",
        ));
    }
    Ok(store.add_user(actor, name, Role::parse(role)?)?)
}

pub fn history(store: &Store, path: &str) -> Result<Vec<Revision>, StudioError> {
    let revisions = store.history(path)?;
    if revisions.is_empty() {
        return Err(StudioError::not_found(format!("there is no document {path}")));
    }
    Ok(revisions)
}

pub fn list_changes(store: &Store) -> Result<Vec<ChangeSet>, StudioError> {
    Ok(store.change_sets()?)
}

pub fn create_change(store: &Store, user: &str, title: &str) -> Result<ChangeSetId, StudioError> {
    Ok(store.create_change_set(user, title)?)
}

/// Writes `content` to `path` in a draft, based on the document's current revision.
pub fn edit_document(store: &Store, user: &str, change: ChangeSetId, path: &str, content: &str) -> Result<i64, StudioError> {
    let base = store.document(path)?.map(|(rev, _)| rev);
    Ok(store.write(user, change, path, content, base)?)
}

pub fn submit(store: &Store, user: &str, change: ChangeSetId) -> Result<(), StudioError> {
    crate::sync::submit_change(store, user, change, false)
}

pub fn approve(store: &Store, user: &str, change: ChangeSetId, comment: &str) -> Result<(), StudioError> {
    crate::sync::approve_change(store, user, change, comment, false)
}

pub fn reject(store: &Store, user: &str, change: ChangeSetId, comment: &str) -> Result<(), StudioError> {
    Ok(store.decide(user, change, false, comment)?)
}

pub fn publish(store: &Store, user: &str, change: ChangeSetId) -> Result<i64, StudioError> {
    Ok(store.publish(user, change)?)
}

pub fn schedule(store: &Store, user: &str, change: ChangeSetId, at: &str) -> Result<i64, StudioError> {
    if vantage_engine::time::parse_timestamp(at).is_none() {
        return Err(StudioError::bad_input(format!("`{at}` is not a time such as 2026-12-01T08:00:00Z")));
    }
    Ok(store.schedule_publish(user, change, at)?)
}

/// Fires the scheduled publishes due at `now`; each outcome is a release id or the refusal.
pub fn run_due(store: &Store, user: &str, now: &str) -> Result<Vec<vantage_store::ScheduledOutcome>, StudioError> {
    Ok(store.run_due(user, now)?)
}

/// Makes `release` live again; `None`: the workspace as it was imported.
pub fn rollback(store: &Store, user: &str, release: Option<i64>) -> Result<i64, StudioError> {
    let target = release.map_or(vantage_store::RollbackTarget::Imported, vantage_store::RollbackTarget::Release);
    Ok(store.rollback_to(user, target)?)
}

pub fn releases(store: &Store) -> Result<Vec<Release>, StudioError> {
    Ok(store.releases()?)
}

/// Checks the audit log's chain and the head every release recorded (offline).
pub fn verify_audit(store: &Store) -> Result<ChainStatus, StudioError> {
    Ok(store.verify_audit()?)
}

/// What a chain check found, in one sentence for people, saying how far the check reaches.
pub fn chain_sentence(status: &ChainStatus) -> String {
    match status {
        ChainStatus::Intact { entries, anchors: 0, .. } => format!(
            "All {entries} entries link up: none was altered. Nothing outside this computer has recorded the log yet, so entries cut from its end would not show."
        ),
        ChainStatus::Intact { entries, anchors, anchored_through } if anchored_through >= entries => {
            format!("All {entries} entries are intact and match the {anchors} records of the log kept outside it.")
        }
        ChainStatus::Intact { entries, anchors, anchored_through } => format!(
            "All {entries} entries link up and match the {anchors} records of the log kept outside it (up to entry {anchored_through}); entries after {anchored_through} are recorded on the CMS at the next sync, and until then entries cut from the end would not show."
        ),
        ChainStatus::Broken { seq, reason } => format!("Entry {seq} does not hold: {reason}"),
    }
}

pub fn audit_log(
    store: &Store,
    actor: Option<&str>,
    action: Option<&str>,
    limit: usize,
) -> Result<Vec<vantage_store::AuditEntry>, StudioError> {
    Ok(store.audit_log(actor, action, limit)?)
}

/// Records that `user` read a visitor profile's data to preview a page (audited).
pub fn record_profile_read(store: &Store, user: &str, profile: &str) -> Result<(), StudioError> {
    record_profile_reads(store, user, &[profile], "preview")
}

/// Every read of visitor data for a preview is audited: which profiles, by whom, for what.
pub fn record_profile_reads(store: &Store, user: &str, profiles: &[&str], purpose: &str) -> Result<(), StudioError> {
    let paths: Vec<String> = profiles.iter().map(|p| format!("profiles/{p}.json")).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    Ok(store.record_profile_reads(user, &paths, purpose)?)
}

/// Comments on a change set, or on one document of it.
pub fn comment(store: &Store, user: &str, change: ChangeSetId, path: Option<&str>, text: &str) -> Result<i64, StudioError> {
    if text.trim().is_empty() {
        return Err(StudioError::bad_input("a comment needs some text"));
    }
    Ok(store.comment(user, Some(change), path, text)?)
}

pub fn comments(store: &Store, change: ChangeSetId) -> Result<Vec<vantage_store::Comment>, StudioError> {
    Ok(store.comments(change)?)
}

/// What is waiting to reach the CMS, the last confirmed send and the newest standing error.
pub fn sync_status(store: &Store) -> Result<vantage_store::OutboxStatus, StudioError> {
    Ok(store.outbox_status()?)
}
