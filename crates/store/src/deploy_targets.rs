//! Where published releases are delivered: the deploy targets an admin configured (each the
//! address of a `vantage serve` or an edge Worker), and what each was last seen serving. Sending
//! is the caller's (studio); the store keeps who may configure and deploy, the status, and the
//! audit trail of both.

use crate::audit::append;
use crate::db::Store;
use crate::documents::require;
use crate::error::{ErrorCode, Result, StoreError};
use crate::roles::Action;
use rusqlite::params;
use serde::Serialize;

/// A target and its last known state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployTarget {
    pub url: String,
    pub added_by: String,
    pub added_at: String,
    /// The release hash it last confirmed serving.
    pub serving: Option<String>,
    /// `new` (never deployed to), `serving` or `behind`.
    pub state: String,
    /// Why it is behind (unreachable, refused, ...).
    pub detail: Option<String>,
    pub checked_at: Option<String>,
}

/// A target may be at most this many characters long.
pub const TARGET_URL_MAX: usize = 512;

impl Store {
    /// Adds a deploy target as `user` (admins only: a target receives the deploy token). The
    /// caller checks the address is one a token may go to.
    pub fn add_deploy_target(&self, user: &str, url: &str) -> Result<()> {
        if url.is_empty() || url.len() > TARGET_URL_MAX || url.chars().any(char::is_control) {
            return Err(StoreError::new(
                ErrorCode::Invalid,
                format!("a deploy target is a web address of at most {TARGET_URL_MAX} characters"),
            ));
        }
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::ManageUsers, "add deploy targets")?;
            let added =
                tx.execute("INSERT OR IGNORE INTO deploy_targets (url, added_by, added_at) VALUES (?1, ?2, ?3)", params![url, user, at])?;
            if added == 1 {
                append(tx, &at, user, "deploy_target_added", url, &serde_json::json!({}))?;
            }
            Ok(())
        })
    }

    /// Removes a deploy target as `user` (admins only).
    pub fn remove_deploy_target(&self, user: &str, url: &str) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::ManageUsers, "remove deploy targets")?;
            if tx.execute("DELETE FROM deploy_targets WHERE url = ?1", [url])? == 0 {
                return Err(StoreError::new(ErrorCode::NotFound, format!("there is no deploy target {url}")));
            }
            append(tx, &at, user, "deploy_target_removed", url, &serde_json::json!({}))
        })
    }

    /// Every deploy target, by address.
    pub fn deploy_targets(&self) -> Result<Vec<DeployTarget>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT url, added_by, added_at, serving, state, detail, checked_at FROM deploy_targets ORDER BY url")?;
        let rows = stmt.query_map([], |r| {
            Ok(DeployTarget {
                url: r.get(0)?,
                added_by: r.get(1)?,
                added_at: r.get(2)?,
                serving: r.get(3)?,
                state: r.get(4)?,
                detail: r.get(5)?,
                checked_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Checks `user` may deploy the published release (whoever may publish).
    pub fn check_may_deploy(&self, user: &str) -> Result<()> {
        self.with_tx(|tx| require(tx, user, Action::Publish, "deploy releases").map(|_| ()))
    }

    /// Records what deploying release `hash` to `url` as `user` did: `Ok` (it serves it) or the
    /// reason it is behind. Audited.
    pub fn record_deploy(&self, user: &str, url: &str, hash: &str, outcome: std::result::Result<(), String>) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Publish, "deploy releases")?;
            let (action, detail) = match &outcome {
                Ok(()) => {
                    tx.execute(
                        "UPDATE deploy_targets SET serving = ?2, state = 'serving', detail = NULL, checked_at = ?3 WHERE url = ?1",
                        params![url, hash, at],
                    )?;
                    ("deployed", serde_json::json!({ "release": hash }))
                }
                Err(reason) => {
                    tx.execute(
                        "UPDATE deploy_targets SET state = 'behind', detail = ?2, checked_at = ?3 WHERE url = ?1",
                        params![url, reason, at],
                    )?;
                    ("deploy_failed", serde_json::json!({ "release": hash, "reason": reason }))
                }
            };
            append(tx, &at, user, action, url, &detail)
        })
    }
}
