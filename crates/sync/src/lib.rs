//! # vantage-sync
//!
//! The parts of syncing with a remote CMS that decide what to do, kept pure so they are tested
//! on cases: the sync planner (`plan`: what to push, pull, delete, or show as a conflict), the
//! field-level diff shown for a conflict (`field_diff`), the retry policy (exponential backoff
//! with jitter, honouring `Retry-After`), the adapter trait a CMS client implements, and
//! `push`, which drains the store's outbox through an adapter in order.
//!
//! ```
//! use vantage_sync::{plan, Base, LocalDoc, RemoteDoc, SyncOp};
//! let local = [LocalDoc { path: "audiences.json".into(), hash: Some("h2".into()), base: Some(Base { version: "7".into(), hash: "h1".into() }) }];
//! let remote = [RemoteDoc { path: "audiences.json".into(), version: "7".into(), hash: Some("h1".into()) }];
//! assert_eq!(plan(&local, &remote), vec![SyncOp::Push { path: "audiences.json".into(), expected: Some("7".into()) }]);
//! ```

mod adapter;
mod diff;
mod plan;
mod push;
mod retry;

pub use adapter::{CmsAdapter, CmsError, RemoteChange, RemotePage};
pub use diff::{field_diff, FieldDiff};
pub use plan::{plan, Base, ConflictKind, LocalDoc, RemoteDoc, SyncOp};
pub use push::{push, Jitter, PushOutcome, Versions};
pub use retry::{retry_after, Backoff};
