//! Recorded traffic's use cases: importing a CDP or warehouse export beside the store (recorded
//! in it by hash and row count, by QA or an admin), and measuring a change's impact on it. The
//! file is checked against the store's record before every replay: a file changed outside
//! Vantage is refused, never measured.

use crate::error::StudioError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vantage_engine::bundle::Bundle;
use vantage_engine::impact::Impact;
use vantage_engine::tally::Tally;
use vantage_traffic::import::ImportReport;

/// The typed traffic file beside the store at `db`.
pub fn traffic_path(db: &Path) -> PathBuf {
    db.with_file_name("traffic.parquet")
}

fn traffic_error(e: vantage_traffic::TrafficError) -> StudioError {
    StudioError::bad_input(e.to_string())
}

/// Imports `file` (Parquet or CSV) for `catalog`'s attributes as `user`, with an optional
/// mapping file (`{"column": "catalog.attribute"}`), replacing the traffic in use only when the
/// whole file imports.
pub fn import_traffic(
    db: &Path,
    user: &str,
    catalog: &vantage_engine::catalog::Catalog,
    file: &Path,
    mapping: Option<&Path>,
) -> Result<ImportReport, StudioError> {
    let store = vantage_store::Store::open(db)?;
    // Refused before any work when the person may not import.
    // The same rule as the store's record (QA and admins, not the marketers whose changes the
    // traffic measures), checked before the file in use is touched.
    let role = store.users()?.into_iter().find(|(name, _)| name == user).map(|(_, role)| role);
    if !matches!(role, Some(vantage_store::Role::Qa | vantage_store::Role::Admin)) {
        return Err(StudioError::new(
            crate::ErrorCode::Forbidden,
            format!("{user} may not import recorded traffic: QA and admins keep the team's test data"),
        ));
    }
    let mapping: BTreeMap<String, String> = match mapping {
        Some(path) => {
            let text = crate::files::read_workspace_file(path).map_err(|e| {
                let why = match e {
                    crate::files::Unreadable::Missing => "there is no such file".to_owned(),
                    crate::files::Unreadable::Refused(why) => why,
                };
                StudioError::bad_input(format!("{}: {why}", path.display()))
            })?;
            let bad =
                |e: String| StudioError::bad_input(format!("{}: a mapping is {{\"column\": \"catalog.attribute\"}}: {e}", path.display()));
            let value = vantage_engine::strict_json::parse(&text).map_err(|e| bad(e.to_string()))?;
            serde_json::from_value(value).map_err(|e| bad(e.to_string()))?
        }
        None => BTreeMap::new(),
    };
    // Imported beside the file in use, which is replaced only once the store has recorded the new
    // one: a refusal anywhere leaves the traffic in use whole.
    let pending = db.with_file_name("traffic.parquet.importing");
    let imported = vantage_traffic::import::import(file, &pending, catalog, &mapping).map_err(traffic_error).and_then(|report| {
        let source = file.file_name().map_or_else(|| "traffic".into(), |n| n.to_string_lossy().into_owned());
        let summary = serde_json::to_string(&report).map_err(|e| StudioError::bad_input(e.to_string()))?;
        store.record_traffic_import(user, &report.sha256, report.rows_kept, &source, &summary)?;
        Ok(report)
    });
    match imported {
        Ok(report) => {
            let kept = traffic_path(db);
            std::fs::rename(&pending, &kept).map_err(|e| StudioError::io(&kept, &e))?;
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&pending);
            Err(e)
        }
    }
}

/// The recorded traffic in use, checked against the store's record.
#[derive(Debug, Clone, Serialize)]
pub struct TrafficInUse {
    pub file: PathBuf,
    pub rows: u64,
    pub source: String,
    pub imported_at: String,
    pub sha256: String,
}

/// The traffic in use beside `db`, its file checked against the store's record; `None` when
/// none was imported.
pub fn traffic_in_use(db: &Path) -> Result<Option<TrafficInUse>, StudioError> {
    if !db.exists() {
        return Ok(None);
    }
    let store = vantage_store::Store::open(db)?;
    let Some(record) = store.latest_traffic_import()? else { return Ok(None) };
    let file = traffic_path(db);
    let (sha256, _) = vantage_traffic::kept::sha256_of(&file).map_err(traffic_error)?;
    if sha256 != record.sha256 {
        return Err(StudioError::bad_input(format!(
            "{} is not the traffic imported on {} (its SHA-256 differs): import it again",
            file.display(),
            record.imported_at
        )));
    }
    Ok(Some(TrafficInUse { file, rows: record.rows, source: record.source, imported_at: record.imported_at, sha256 }))
}

/// The impact of `old` -> `new` on the traffic in use, at the population's moment (as the
/// simulated impact), or a clear error when there is none.
pub fn traffic_impact(old: &Bundle, new: &Bundle, db: &Path) -> Result<(Impact, TrafficInUse), StudioError> {
    let traffic = in_use_or_explain(db)?;
    let moment = &new.workspace.settings.population.now;
    let impact = vantage_traffic::replay::impact(old, new, &traffic.file, moment).map_err(traffic_error)?;
    Ok((impact, traffic))
}

/// Who the rules of `bundle` reach among the recorded visitors in use (every one living at the
/// population's moment, as impact measures), or a clear error when there are none.
pub fn traffic_tally(bundle: &Bundle, db: &Path) -> Result<(Tally, TrafficInUse), StudioError> {
    let traffic = in_use_or_explain(db)?;
    let moment = &bundle.workspace.settings.population.now;
    let tally = vantage_traffic::tally::tally(bundle, &traffic.file, moment).map_err(traffic_error)?;
    Ok((tally, traffic))
}

fn in_use_or_explain(db: &Path) -> Result<TrafficInUse, StudioError> {
    traffic_in_use(db)?.ok_or_else(|| StudioError::bad_input("no recorded traffic was imported: `vantage traffic import FILE` first"))
}
