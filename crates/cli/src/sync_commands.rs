//! `vantage sync`: status, push, pull, conflicts, resolve and login. Thin: each calls
//! `vantage_studio::sync` and prints the result. The CMS URL is kept in the store (`--cms-url` sets it);
//! the API token comes from the OS keyring (`vantage sync login`) or `$VANTAGE_CMS_TOKEN`.

use crate::{emit, json};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use vantage_studio::sync::Resolution;
use vantage_studio::StudioError;

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
    /// Documents the CMS sent that were set aside (a path outside the workspace, bad JSON, too
    /// big) or held (code changes waiting for review), with the CMS's version and why (JSON).
    Refused,
    /// Take a code change from the CMS (a template, schema or the theme) into a new change of
    /// yours, to be reviewed like any other.
    Take { path: String },
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
    /// Sign out of the CMS on this computer: the kept sign-in is forgotten.
    Logout,
    /// Sign in at the CMS with your own account (`--name`; the password is read from standard
    /// input), or, without `--name`, store an API token (read from standard input), which may
    /// only read. Either is kept in the OS keyring.
    Login {
        /// Your user name on the CMS.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        remote: Remote,
    },
}

impl Remote {
    fn studio(&self) -> vantage_studio::sync::Remote<'_> {
        vantage_studio::sync::Remote { cms_url: self.cms_url.as_deref(), timeout: Duration::from_secs(self.timeout) }
    }
}

pub fn sync(db: &Path, user: &str, command: &SyncCommand) -> Result<ExitCode, StudioError> {
    if let SyncCommand::Status = command {
        return crate::store_commands::sync(db, &crate::store_commands::SyncCommand::Status);
    }
    let store = vantage_studio::open_store(db)?;
    match command {
        SyncCommand::Status => Ok(ExitCode::SUCCESS),
        SyncCommand::Push { remote } => {
            let report = vantage_studio::sync::push(&store, user, remote.studio(), |sent, total| {
                if sent % 100 == 0 {
                    eprintln!("pushed {sent} of {total}");
                }
            })?;
            eprintln!("{}", report.token_source);
            match (&report.stopped, &report.pulled) {
                (None, _) => {
                    emit(&format!("pushed {} changes; nothing is waiting\n", report.sent))?;
                    Ok(ExitCode::SUCCESS)
                }
                (Some(why), pulled) => {
                    let mut text = format!("pushed {} changes, then stopped: {why}; the rest stays queued\n", report.sent);
                    if let Some(pulled) = pulled {
                        text.push_str(&format!("pulled: {}\n", pull_summary(pulled)));
                    }
                    emit(&text)?;
                    Ok(ExitCode::from(1))
                }
            }
        }
        SyncCommand::Pull { remote } => {
            let report = vantage_studio::sync::pull(&store, user, remote.studio())?;
            emit(&format!("pulled {}\n", pull_summary(&report)))?;
            Ok(if report.conflicts.is_empty() && report.quarantined.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        SyncCommand::Conflicts => {
            emit(&json(&vantage_studio::sync::conflicts(&store)?)?)?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Refused => {
            emit(&json(&vantage_studio::sync::refused(&store)?)?)?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Take { path } => {
            let change = vantage_studio::sync::take_held(&store, user, path)?;
            emit(&format!("took the CMS's change to {path} into change {change}; submit it for review\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Resolve { path, take, merged, remote } => {
            let resolution = match (take, merged) {
                (_, Some(file)) => Resolution::Merged(std::fs::read_to_string(file).map_err(|e| StudioError::io(file, &e))?),
                (Some(Take::Mine), None) => Resolution::Mine,
                (Some(Take::Theirs), None) => Resolution::Theirs,
                (None, None) => return Err(StudioError::bad_input("say --take mine, --take theirs or --merged <file>")),
            };
            let done = vantage_studio::sync::resolve(&store, user, path, resolution, remote.studio())?;
            emit(&json(&done)?)?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Logout => {
            vantage_studio::sync::sign_out(&store)?;
            emit("signed out: names in this workspace are not verified until someone signs in again\n")?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Login { name, remote } => {
            let mut secret = String::new();
            std::io::stdin().read_line(&mut secret).map_err(|e| StudioError::io(Path::new("<stdin>"), &e))?;
            match name {
                Some(name) => {
                    let me = vantage_studio::sync::sign_in(&store, user, remote.studio(), name, &secret)?;
                    let kept = if me.this_run_only {
                        " (there is no OS keyring here, so the sign-in ends with this command: use the app, or a machine with a keyring)"
                    } else {
                        ""
                    };
                    emit(&format!("signed in as {} ({}){kept}\n", me.name, me.role.name()))?;
                }
                None => {
                    let url = vantage_studio::sync::login(&store, user, remote.cms_url.as_deref(), &secret)?;
                    emit(&format!("stored the API token for {url} in the OS keyring (an API token may read, never write)\n"))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a pull did, in one line: what it applied, the conflicts it found and what it set aside.
fn pull_summary(report: &vantage_studio::sync::PullReport) -> String {
    let mut text = format!("{} changes ({} already here)", report.applied, report.unchanged);
    if !report.conflicts.is_empty() {
        text.push_str(&format!("; conflicts on {} (see `vantage sync conflicts`)", report.conflicts.join(", ")));
    }
    if !report.held.is_empty() {
        text.push_str(&format!("; code changes held for review: {} (take one with `vantage sync take <path>`)", report.held.join(", ")));
    }
    if !report.quarantined.is_empty() {
        let refused: Vec<String> = report.quarantined.iter().map(|(path, why)| format!("{path} ({why})")).collect();
        text.push_str(&format!("; set aside from the CMS: {} (see `vantage sync refused`)", refused.join(", ")));
    }
    text
}
