//! The CMS adapter: the few operations sync needs, so that Strapi, Contentful, Storyblok or
//! Sanity can each be one implementation. Versions are opaque strings (a revision number, an
//! ETag, a `sys.version`); a write names the version it replaces and the CMS refuses it if the
//! document moved on.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;
pub use vantage_store::ReleaseBasis;

/// A change set as a CMS that keeps four eyes itself holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteProposal {
    pub change_set: i64,
    /// The proposal's hash ([`crate::proposal_hash`]).
    pub hash: String,
    /// `submitted`, `approved` or `released`.
    pub state: String,
    pub submitted_by: String,
    pub approved_by: Option<String>,
}

/// Who a credential belongs to, as the CMS says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteIdentity {
    pub username: String,
    /// The Vantage role the CMS gives them (`marketer`, `qa`, `reviewer`, `admin`), if any.
    pub role: Option<String>,
}

/// A document changed remotely since a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteChange {
    pub path: String,
    pub version: String,
    /// `None` when it was deleted.
    pub content: Option<String>,
    pub author: String,
}

/// The audit log's head as the CMS recorded it for a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteAnchor {
    pub seq: i64,
    pub hash: String,
    /// When the CMS recorded it, as the CMS says (for people only).
    pub at: String,
}

/// One page of remote changes and the cursor to continue from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePage {
    pub changes: Vec<RemoteChange>,
    pub cursor: String,
    pub more: bool,
}

/// What can go wrong talking to a CMS, classified for the retry policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    /// The document is not at the expected version (HTTP 409/412): a conflict, never retried.
    #[error("{path} changed on the CMS (now at version {current})")]
    Conflict { path: String, current: String },
    /// Too many requests (429), with the server's wait if it gave one.
    #[error("the CMS asks to slow down")]
    RateLimited { retry_after: Option<Duration> },
    /// Timeouts, refused connections and 5xx: worth retrying.
    #[error("the CMS is unreachable or failing: {0}")]
    Transient(String),
    /// An answer larger than the client reads (a page of very large documents, or a hostile
    /// CMS): asked again in smaller pages where that helps, never read whole.
    #[error("the CMS's answer is too large: {0}")]
    TooLarge(String),
    /// Anything retrying will not fix (401, 403, 400, a malformed answer).
    #[error("the CMS refused the request: {0}")]
    Permanent(String),
}

impl CmsError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, CmsError::RateLimited { .. } | CmsError::Transient(_))
    }
}

/// The operations sync needs from a CMS.
pub trait CmsAdapter {
    /// Changes since `cursor` (`None`: from the beginning).
    fn changes_since(&self, cursor: Option<&str>) -> impl Future<Output = Result<RemotePage, CmsError>> + Send;
    /// A document's current content and version, if it exists.
    fn read(&self, path: &str) -> impl Future<Output = Result<Option<(String, String)>, CmsError>> + Send;
    /// Creates (`expected` = `None`) or replaces the document at version `expected`. The
    /// `idempotency_key` makes a retried request apply once; `basis` is what the release rests
    /// on, which a CMS that keeps four eyes checks. Returns the new version.
    fn put(
        &self,
        path: &str,
        content: &str,
        expected: Option<&str>,
        idempotency_key: &str,
        basis: &ReleaseBasis,
    ) -> impl Future<Output = Result<String, CmsError>> + Send;
    /// Deletes the document if it is still at version `expected`.
    fn delete(
        &self,
        path: &str,
        expected: &str,
        idempotency_key: &str,
        basis: &ReleaseBasis,
    ) -> impl Future<Output = Result<(), CmsError>> + Send;
    /// Records a published release (its content hash) on the CMS.
    fn publish_release(&self, hash: &str, idempotency_key: &str, basis: &ReleaseBasis)
        -> impl Future<Output = Result<(), CmsError>> + Send;
    /// Records on the CMS, under the caller's own credential, that change set `change_set`
    /// proposes `changes` (path -> SHA-256 of the new content, `None` for a deletion). With
    /// `from_cms`, the changes are edits made in the CMS itself: the CMS checks that it holds
    /// them and records their authors as the editors.
    fn submit_proposal(
        &self,
        change_set: i64,
        changes: &BTreeMap<String, Option<String>>,
        from_cms: bool,
    ) -> impl Future<Output = Result<RemoteProposal, CmsError>> + Send {
        let _ = (change_set, changes, from_cms);
        async { Err(CmsError::Permanent("this CMS keeps no reviews".into())) }
    }
    /// Records the caller's approval of the proposal with `hash` (what they looked at).
    fn approve_proposal(&self, change_set: i64, hash: &str) -> impl Future<Output = Result<RemoteProposal, CmsError>> + Send {
        let _ = (change_set, hash);
        async { Err(CmsError::Permanent("this CMS keeps no reviews".into())) }
    }
    /// Records that `workspace`'s audit log had `hash` at entry `seq`. The CMS keeps anchors
    /// append-only and refuses, as a [`CmsError::Conflict`], one that contradicts what it holds
    /// (the same entry with another hash, or an entry older than its newest anchor). Recording
    /// the same anchor twice is fine.
    fn anchor_audit(&self, workspace: &str, seq: i64, hash: &str) -> impl Future<Output = Result<(), CmsError>> + Send;
    /// The anchors the CMS holds for `workspace`, oldest first.
    fn audit_anchors(&self, workspace: &str) -> impl Future<Output = Result<Vec<RemoteAnchor>, CmsError>> + Send;
}
