//! `vantage sync`: status, push, pull, conflicts, resolve and login. Thin: each calls
//! vantage-sync and prints the result. The CMS URL is kept in the store (`--cms-url` sets it);
//! the API token comes from the OS keyring (`vantage sync login`) or `$VANTAGE_CMS_TOKEN`.

use crate::{emit, json};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use vantage_studio::{ErrorCode, StudioError};
use vantage_sync::{Backoff, CmsError, PushOutcome, Resolution, SyncError};

#[derive(Args)]
pub struct Remote {
    /// The CMS's URL (for example http://127.0.0.1:1337); kept in the store for next time.
    #[arg(long)]
    cms_url: Option<String>,
    /// Seconds each request may take.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Take {
    Mine,
    Theirs,
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// What is waiting to reach the CMS, the last confirmed send and the last error.
    Status,
    /// Send every pending change to the CMS, in order; a conflict stops it and is recorded.
    Push {
        #[command(flatten)]
        remote: Remote,
    },
    /// Bring the CMS's changes in; documents changed here too become conflicts.
    Pull {
        #[command(flatten)]
        remote: Remote,
    },
    /// Open conflicts with their field diffs (JSON).
    Conflicts,
    /// Settle the conflict on a document: keep mine, take theirs, or write a merged file.
    Resolve {
        path: String,
        #[arg(long, value_enum, conflicts_with = "merged", required_unless_present = "merged")]
        take: Option<Take>,
        /// A file with the merged content, written on both sides.
        #[arg(long)]
        merged: Option<PathBuf>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Store the CMS's API token (read from standard input) in the OS keyring.
    Login {
        #[arg(long)]
        cms_url: Option<String>,
    },
}

fn failed(e: SyncError) -> StudioError {
    match e {
        SyncError::Store(e) => e.into(),
        SyncError::Cms(CmsError::Conflict { path, current }) => StudioError::new(
            ErrorCode::Conflict,
            format!("{path} changed on the CMS (now version {current}); run `vantage sync pull` and resolve it"),
        ),
        SyncError::Cms(e) => StudioError::new(ErrorCode::Io, e.to_string()),
        SyncError::Invalid(message) => StudioError::bad_input(message),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, StudioError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StudioError::new(ErrorCode::Io, format!("cannot start the async runtime: {e}")))
}

fn jitter() -> impl FnMut() -> f64 {
    // Spread retries without a random generator: the clock's nanoseconds are random enough.
    || f64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs() % 1000) / 1000.0
}

pub fn sync(db: &Path, user: &str, command: &SyncCommand) -> Result<ExitCode, StudioError> {
    if let SyncCommand::Status = command {
        return crate::store_commands::sync(db, &crate::store_commands::SyncCommand::Status);
    }
    let store = vantage_studio::open_store(db)?;
    let connect = |remote: &Remote| {
        let (cms, source) =
            vantage_sync::connect_strapi(&store, remote.cms_url.as_deref(), user, Duration::from_secs(remote.timeout)).map_err(failed)?;
        eprintln!("{source}");
        Ok::<_, StudioError>(cms)
    };
    match command {
        SyncCommand::Status => Ok(ExitCode::SUCCESS),
        SyncCommand::Push { remote } => {
            let cms = connect(remote)?;
            let (outcome, pulled) = runtime()?
                .block_on(vantage_sync::push_and_record(&store, &cms, Backoff::default(), &mut jitter(), |sent, total| {
                    if sent % 100 == 0 {
                        eprintln!("pushed {sent} of {total}");
                    }
                }))
                .map_err(failed)?;
            match outcome {
                PushOutcome::Done { sent } => {
                    emit(&format!("pushed {sent} changes; nothing is waiting\n"))?;
                    Ok(ExitCode::SUCCESS)
                }
                PushOutcome::Stopped { sent, error, .. } => {
                    let mut text = format!("pushed {sent} changes, then stopped: {error}\n");
                    if let Some(report) = pulled {
                        text.push_str(&format!("pulled: conflicts on {}; see `vantage sync conflicts`\n", report.conflicts.join(", ")));
                    }
                    emit(&text)?;
                    Ok(ExitCode::from(1))
                }
                PushOutcome::GaveUp { sent, error, .. } => {
                    emit(&format!("pushed {sent} changes, then gave up for now: {error}; the rest stays queued\n"))?;
                    Ok(ExitCode::from(1))
                }
            }
        }
        SyncCommand::Pull { remote } => {
            let cms = connect(remote)?;
            let report = runtime()?.block_on(vantage_sync::pull(&store, &cms, Backoff::default(), &mut jitter())).map_err(failed)?;
            emit(&format!(
                "pulled {} changes ({} already here){}\n",
                report.applied,
                report.unchanged,
                if report.conflicts.is_empty() { String::new() } else { format!("; conflicts on {}", report.conflicts.join(", ")) }
            ))?;
            Ok(if report.conflicts.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        SyncCommand::Conflicts => {
            emit(&json(&store.sync_conflicts()?)?)?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Resolve { path, take, merged, remote } => {
            let resolution = match (take, merged) {
                (_, Some(file)) => Resolution::Merged(std::fs::read_to_string(file).map_err(|e| StudioError::io(file, &e))?),
                (Some(Take::Mine), None) => Resolution::Mine,
                (Some(Take::Theirs), None) => Resolution::Theirs,
                (None, None) => return Err(StudioError::bad_input("say --take mine, --take theirs or --merged <file>")),
            };
            let cms = connect(remote)?;
            let done = runtime()?
                .block_on(vantage_sync::resolve(&store, &cms, user, path, resolution, Backoff::default(), &mut jitter()))
                .map_err(failed)?;
            emit(&json(&done)?)?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Login { cms_url } => {
            if let Some(url) = cms_url {
                store.set_sync_setting(vantage_sync::CMS_URL_SETTING, url)?;
            }
            let url = store
                .sync_setting(vantage_sync::CMS_URL_SETTING)?
                .ok_or_else(|| StudioError::bad_input("no CMS URL for this workspace: pass --cms-url"))?;
            let mut token = String::new();
            std::io::stdin().read_line(&mut token).map_err(|e| StudioError::io(Path::new("<stdin>"), &e))?;
            vantage_sync::secrets::save_token(&url, token.trim()).map_err(|e| StudioError::new(ErrorCode::Io, e.to_string()))?;
            emit(&format!("stored the API token for {url} in the OS keyring\n"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
