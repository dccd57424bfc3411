//! # vantage-sync
//!
//! Syncing a workspace's store with a remote CMS. The parts that decide what to do are kept
//! pure so they are tested on cases: the sync planner (`plan`: what to push, pull, delete, or
//! show as a conflict), the field-level diff shown for a conflict (`field_diff`), the retry
//! policy (exponential backoff with jitter, honouring `Retry-After`), and the adapter trait a
//! CMS client implements. Around them: `push`, which drains the store's outbox through an
//! adapter in order; `pull` and `resolve`, which bring the CMS's changes in without
//! overwriting local edits; [`StrapiAdapter`], the client for the Strapi 5 project in
//! `cms/strapi`; and `secrets`, the API token from the OS keyring or `$VANTAGE_CMS_TOKEN`.
//!
//! The CMS URL is a store setting (`sync_settings.cms_url`, see [`CMS_URL_SETTING`]).
//!
//! ```
//! use vantage_sync::{plan, Base, LocalDoc, RemoteDoc, SyncOp};
//! let local = [LocalDoc { path: "audiences.json".into(), hash: Some("h2".into()), base: Some(Base { version: "7".into(), hash: "h1".into() }) }];
//! let remote = [RemoteDoc { path: "audiences.json".into(), version: "7".into(), hash: Some("h1".into()) }];
//! assert_eq!(plan(&local, &remote), vec![SyncOp::Push { path: "audiences.json".into(), expected: Some("7".into()) }]);
//! ```

mod adapter;
mod anchor;
mod cms_url;
pub mod deploy;
mod diff;
mod plan;
mod pull;
mod push;
mod retry;
mod review;
pub mod secrets;
pub mod segments;
mod session;
mod strapi;

pub use adapter::{CmsAdapter, CmsError, ReleaseBasis, RemoteAnchor, RemoteChange, RemoteIdentity, RemotePage, RemoteProposal};
pub use anchor::{anchor_audit_log, cms_anchors, verify_with_cms};
pub use cms_url::{check_cms_url, set_cms_url};
pub use diff::{field_diff, FieldDiff};
pub use plan::{plan, Base, ConflictKind, LocalDoc, RemoteDoc, SyncOp};
pub use pull::{conflict_diff, pull, push_and_record, resolve, workspace_id, PullReport, Resolution, Resolved, StoreVersions, SyncError};
pub use push::{push, Jitter, PushOutcome, Versions};
pub use retry::{retry_after, Backoff};
pub use review::{approve_with_cms, proposal_hash, proposal_of, submit_for_review, Proposal};
pub use session::{connect_strapi, kept_sign_in, sign_in, sign_out, CA_FILE_ENV};
pub use strapi::StrapiAdapter;

/// The store setting that holds the CMS's URL.
pub const CMS_URL_SETTING: &str = "cms_url";
/// The store setting that holds this workspace's sync id (namespaces idempotency keys).
pub const WORKSPACE_ID_SETTING: &str = "workspace_id";
