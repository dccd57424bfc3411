//! # vantage-store
//!
//! The local store of a workspace: one SQLite file (WAL, foreign keys, versioned migrations).
//! A workspace's documents are its files, keyed by their workspace-relative path; every write
//! is an append-only revision made in one immediate transaction together with its audit entry.
//! Roles are checked here, on every call, not in the UI; approval is four-eyes.
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
mod db;
mod documents;
mod error;
mod outbox;
mod roles;

pub use audit::{AuditEntry, ChainStatus};
pub use change_sets::{ChangeSet, ChangeSetState, Comment, Release, ScheduledOutcome};
pub use db::{Store, SCHEMA_VERSION};
pub use documents::Revision;
pub use error::{ErrorCode, StoreError};
pub use outbox::{OutboxEntry, OutboxStatus};
pub use roles::Role;

/// A revision's id (increasing; later writes have larger ids).
pub type RevisionId = i64;
/// A change set's id.
pub type ChangeSetId = i64;
