//! `vantage traffic`: importing recorded traffic beside the store, generating a file for tests
//! and benchmarks, and saying which traffic is in use. Thin over `studio::traffic`.

use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vantage_studio::StudioError;

#[derive(Subcommand)]
pub enum TrafficCommand {
    /// Import visitor profiles exported from a CDP or warehouse (Parquet, or CSV with a header
    /// row), one row per visitor; columns match catalog attributes by name or through --mapping.
    Import {
        file: PathBuf,
        /// A JSON file mapping the file's columns to catalog attributes: {"column": "attribute"}.
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
    /// Write ROWS visitors drawn from the workspace's own catalog distributions (same seed, same
    /// file) as Parquet, for tests and benchmarks.
    Generate {
        #[arg(long)]
        rows: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The recorded traffic in use (checked against the store's record).
    Status,
}

pub fn traffic(workspace: &Path, db: &Path, user: &Result<String, StudioError>, command: &TrafficCommand) -> Result<ExitCode, StudioError> {
    match command {
        TrafficCommand::Import { file, mapping } => {
            let user = user.clone()?;
            let ws = vantage_studio::open_workspace(workspace)?;
            let report = vantage_studio::traffic::import_traffic(db, &user, &ws.bundle.workspace.catalog, file, mapping.as_deref())?;
            crate::emit(&crate::output::traffic_import_text(&report))?;
        }
        TrafficCommand::Generate { rows, seed, out } => {
            let ws = vantage_studio::open_workspace(workspace)?;
            let written = vantage_traffic::generate::generate(&ws.bundle.workspace, *rows, *seed, out)
                .map_err(|e| StudioError::bad_input(e.to_string()))?;
            crate::emit(&format!(
                "wrote {} visitors to {} ({} bytes, SHA-256 {})\n",
                written.rows,
                out.display(),
                written.bytes,
                written.sha256
            ))?;
        }
        TrafficCommand::Status => match vantage_studio::traffic::traffic_in_use(db)? {
            Some(t) => crate::emit(&format!(
                "{} recorded visitors from {}, imported {} (SHA-256 {})\n",
                t.rows, t.source, t.imported_at, t.sha256
            ))?,
            None => crate::emit("no recorded traffic imported: impact and lint use the simulated population\n")?,
        },
    }
    Ok(ExitCode::SUCCESS)
}
