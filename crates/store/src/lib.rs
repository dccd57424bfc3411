//! # vantage-store
//!
//! The local store of a workspace: one SQLite file (WAL, foreign keys, versioned migrations).
//! A workspace's documents are its files, keyed by their workspace-relative path; every write
//! is an append-only revision made in one immediate transaction together with its audit entry.
//! Roles are checked here, on every call, not in the UI; approval is four-eyes (nobody decides
//! on a change set they wrote or edited in).
//!
//! - **Conflicts.** A write names the revision it is based on; if the document moved on since,
//!   nothing is written and the `Conflict` names who wrote the current revision. A document with
//!   unpublished edits in one open change set cannot be edited from another until that one is
//!   published or rejected.
//! - **Releases** are the live workspace plus the published change set's own edits, never other
//!   drafts; they are immutable (SQL triggers refuse UPDATE and DELETE), and a rollback publishes
//!   a new release equal to an earlier one. Rejecting and rolling back give documents back their
//!   live content (see `live.rs` for the invariant).
//! - **Undo/redo** write new revisions: undo restores the content the latest edit was made on,
//!   redo re-applies the edit the last undo took back; a new edit after an undo drops the redo.
//! - **Time** is an input: the clock is replaceable ([`Store::with_clock`]) and scheduled
//!   publishing takes `now` ([`Store::run_due`]).
//!
//! ```no_run
//! use vantage_store::{Role, Store};
//! let store = Store::open(std::path::Path::new("workspace.db")).unwrap();
//! store.add_user("admin", "alice", Role::Marketer).unwrap();
//! let draft = store.create_change_set("alice", "Winter hero").unwrap();
//! store.write("alice", draft, "entries/home-hero.json", "{\"id\": \"home-hero\"}", None).unwrap();
//! ```

mod audit;
mod change_sets;
mod cms_inbox;
mod db;
mod deploy_targets;
mod documents;
mod error;
mod live;
mod outbox;
mod quarantine;
mod roles;
mod sync_state;
mod traffic;

pub use audit::{AuditAnchor, AuditEntry, ChainStatus};
pub use change_sets::{ChangeSet, ChangeSetState, Comment, Release, RollbackTarget, ScheduledOutcome};
pub use db::{Store, SCHEMA_VERSION};
pub use deploy_targets::DeployTarget;
pub use documents::{canonical, check_user_name, Revision, DOCUMENT_MAX_BYTES, USER_NAME_MAX};
pub use error::{ErrorCode, StoreError};
pub use outbox::{OutboxEntry, OutboxStatus, ReleaseBasis};
pub use quarantine::{is_code, remote_label, Quarantined};
pub use roles::{Action, Role};
pub use sync_state::{PullApplied, PulledChange, SyncBase, SyncConflict};
pub use traffic::TrafficImport;

/// A revision's id (increasing; later writes have larger ids).
pub type RevisionId = i64;
/// A change set's id.
pub type ChangeSetId = i64;
