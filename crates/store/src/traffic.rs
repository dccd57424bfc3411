//! Which recorded traffic is in use: each import's file hash, row count, source and report, by
//! whom and when (QA and admins, who keep the team's test data). The file itself lives beside the
//! store; its hash here is what a replay checks before it trusts it.

use crate::audit::append;
use crate::db::Store;
use crate::documents::require;
use crate::error::Result;
use crate::error::{ErrorCode, StoreError};
use crate::roles::{Action, Role};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// One import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficImport {
    pub id: i64,
    pub sha256: String,
    pub rows: u64,
    pub source: String,
    /// The import's report by column, as JSON (counts and reasons; never a visitor's value).
    pub report: String,
    pub imported_by: String,
    pub imported_at: String,
}

impl Store {
    /// Records an import as `user` (QA and admins, who keep the team's test data; not a
    /// marketer, whose changes the traffic measures), audited by its hash and row count.
    pub fn record_traffic_import(&self, user: &str, sha256: &str, rows: u64, source: &str, report: &str) -> Result<i64> {
        let at = self.now();
        self.with_tx(|tx| {
            let role = require(tx, user, Action::EditProfiles, "import recorded traffic")?;
            if !matches!(role, Role::Qa | Role::Admin) {
                return Err(StoreError::new(
                    ErrorCode::Forbidden,
                    format!("{user} may not import recorded traffic: QA and admins keep the traffic changes are measured on"),
                ));
            }
            tx.execute(
                "INSERT INTO traffic_imports (sha256, rows, source, report, imported_by, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![sha256, rows as i64, source, report, user, at],
            )?;
            let id = tx.last_insert_rowid();
            append(tx, &at, user, "traffic_imported", source, &serde_json::json!({"sha256": sha256, "rows": rows}))?;
            Ok(id)
        })
    }

    /// The traffic in use: the latest import.
    pub fn latest_traffic_import(&self) -> Result<Option<TrafficImport>> {
        self.with_tx(|tx| {
            Ok(tx
                .query_row(
                    "SELECT id, sha256, rows, source, report, imported_by, imported_at FROM traffic_imports ORDER BY id DESC LIMIT 1",
                    [],
                    |r| {
                        Ok(TrafficImport {
                            id: r.get(0)?,
                            sha256: r.get(1)?,
                            rows: r.get::<_, i64>(2)?.max(0) as u64,
                            source: r.get(3)?,
                            report: r.get(4)?,
                            imported_by: r.get(5)?,
                            imported_at: r.get(6)?,
                        })
                    },
                )
                .optional()?)
        })
    }
}
