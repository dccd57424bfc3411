//! Recorded traffic from the app: what is in use (in words), and QA importing a warehouse or CDP
//! export chosen in a file dialog, so nobody needs the terminal. The import runs off the
//! session's lock; a refused file leaves the traffic in use as it was.

use super::views::{TrafficImportView, TrafficStatusView};
use crate::error::StudioError;
use std::path::Path;

/// "7 Dec 2026, 17:39 UTC" for a stored RFC 3339 moment (as stored when it does not parse).
pub(crate) fn moment_for_people(moment: &str) -> String {
    moment.parse::<jiff::Timestamp>().map_or_else(|_| moment.to_owned(), |t| t.strftime("%-d %b %Y, %H:%M UTC").to_string())
}

/// The recorded traffic of the workspace at `dir`: none, in use, or there but not usable (its file
/// changed outside Vantage), said so.
pub fn traffic_status(dir: &Path) -> Result<TrafficStatusView, StudioError> {
    let db = super::store_path(dir);
    Ok(match crate::traffic::traffic_in_use(&db) {
        Ok(None) => TrafficStatusView {
            visitors: 0,
            summary: "No recorded traffic yet: impact is measured on simulated visitors".into(),
            problem: None,
        },
        Ok(Some(t)) => TrafficStatusView {
            visitors: count(t.rows),
            summary: format!("{} recorded visitors from {}, imported {}", t.rows, t.source, moment_for_people(&t.imported_at)),
            problem: None,
        },
        Err(e) => TrafficStatusView {
            visitors: 0,
            summary: "The recorded traffic cannot be used: impact is measured on simulated visitors".into(),
            problem: Some(e.message),
        },
    })
}

/// Imports `file` (Parquet or CSV) as `user` for the workspace at `dir`, with its catalog as it
/// is now; what was left out is reported by column and reason.
pub fn import_traffic(
    dir: &Path,
    user: &str,
    catalog: &vantage_engine::catalog::Catalog,
    file: &Path,
) -> Result<TrafficImportView, StudioError> {
    let db = super::store_path(dir);
    let report = crate::traffic::import_traffic(&db, user, catalog, file, None)?;
    let mut left_out: Vec<String> = report
        .rows_left_out
        .iter()
        .map(|(why, rows)| format!("{rows} {} left out: {why}", if *rows == 1 { "visitor" } else { "visitors" }))
        .collect();
    left_out.extend(report.columns_left_out.iter().map(|(column, why)| format!("Column “{column}” not imported: {why}")));
    Ok(TrafficImportView {
        read: count(report.rows_read),
        kept: count(report.rows_kept),
        left_out,
        missing: report.attributes_absent.clone(),
        status: traffic_status(dir)?,
    })
}

/// A count for the app (files hold far fewer than four billion visitors: at most 1 GB is read).
fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
