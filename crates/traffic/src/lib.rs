//! # vantage-traffic
//!
//! Recorded traffic, so that a reviewer reads a change's impact on the team's own visitors
//! instead of a simulated population: [`import`] checks a CDP or warehouse export (Parquet or
//! CSV) against the catalog and keeps it as one typed Parquet file ([`columns`]), written whole
//! or not at all ([`kept`]); [`replay`] measures a change on it, deciding only the slots the
//! change touches, column-wise and streaming; [`tally`] counts who each rule reaches (for lint
//! and the coverage matrix on real visitors); [`visitor`] reads one recorded
//! visitor back for a before/after preview; [`generate`] writes such a file from the
//! workspace's own distributions for tests and benchmarks.
//!
//! No value of a visitor is ever put in an error, a report or a log: columns are named, values
//! are counted.

pub mod batch;
pub mod columns;
pub mod generate;
pub mod import;
pub mod kept;
mod layout;
pub mod replay;
pub mod tally;
pub mod visitor;

use std::path::Path;

/// Why traffic could not be imported, generated or replayed: the file, and the column or row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrafficError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}: {message}")]
    Read { file: String, message: String },
    #[error("{file}: {message}")]
    Parquet { file: String, message: String },
    #[error("{file}: no visitor could be imported ({read} rows read); the previous import stays in use")]
    Empty { file: String, read: u64 },
    #[error("the traffic could not be arranged in columns: {0}")]
    Arrow(String),
    #[error("`{0}` is not a time such as 2026-11-20T12:00:00Z")]
    Moment(String),
}

impl TrafficError {
    pub fn io(file: &Path, e: &std::io::Error) -> TrafficError {
        TrafficError::Io { file: file.display().to_string(), message: e.to_string() }
    }

    pub fn parquet(file: &Path, e: &parquet::errors::ParquetError) -> TrafficError {
        TrafficError::Parquet { file: file.display().to_string(), message: e.to_string() }
    }
}
