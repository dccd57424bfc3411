//! Subcommands over the local store: init, users, export, history, changes, audit.

use crate::{emit, json};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vantage_studio::{ChainStatus, StudioError};

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a user (or change their role): marketer, qa, reviewer or admin.
    Add { name: String, role: String },
}

#[derive(Subcommand)]
pub enum ChangesCommand {
    /// List change sets.
    List,
    /// Start a draft change set.
    Create { title: String },
    /// Write a document in a draft from a file.
    Edit { id: i64, path: String, file: PathBuf },
    /// Submit a draft for review (refused while lint finds errors).
    Submit { id: i64 },
    /// Approve a submitted change set (not your own).
    Approve {
        id: i64,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject a submitted change set.
    Reject {
        id: i64,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Publish an approved change set as a new release.
    Publish { id: i64 },
    /// Publish an approved change set later; it is re-validated when it fires.
    Schedule {
        id: i64,
        #[arg(long)]
        when: String,
    },
    /// Fire the scheduled publishes that are due (at --at, default now; never later than now).
    /// Publishers only; exits 1 when a due schedule was refused.
    RunDue,
    /// Publish a new release equal to an earlier one, or to the workspace as imported.
    Rollback {
        #[arg(required_unless_present = "imported")]
        release: Option<i64>,
        /// Roll back to the workspace as it was imported (undoes the first release).
        #[arg(long, conflicts_with = "release")]
        imported: bool,
    },
    /// List releases.
    Releases,
    /// Comment on a change set, or on one of its documents with --path.
    Comment {
        id: i64,
        text: String,
        #[arg(long)]
        path: Option<String>,
    },
    /// Show a change set's comments.
    Comments { id: i64 },
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// What is waiting to reach the CMS, the last confirmed send and the last error.
    Status,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain, check it against the head every release recorded (and, with
    /// --with-cms, every record of it on the CMS), and name the first bad entry.
    Verify {
        /// Also check against the records of the log kept on the CMS (needs the CMS and a token).
        #[arg(long)]
        with_cms: bool,
    },
    /// Show the log, newest first.
    Log {
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

pub fn init(db: &Path, user: &str, from: Option<&Path>) -> Result<ExitCode, StudioError> {
    let imported = vantage_studio::init_store(db, &[(user, vantage_studio::Role::Admin)], from)?;
    emit(&format!("created {} with `{user}` as admin; imported {imported} files\n", db.display()))?;
    eprintln!("{}", vantage_studio::LOCAL_IDENTITIES);
    Ok(ExitCode::SUCCESS)
}

pub fn users(db: &Path, user: &str, command: &UsersCommand) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    match command {
        UsersCommand::Add { name, role } => {
            vantage_studio::add_user(&store, user, name, role)?;
            emit(&format!("{name} is now a {role}\n"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(db: &Path, out: &Path) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    let n = vantage_studio::export_store(&store, out)?;
    emit(&format!("wrote {n} files to {}\n", out.display()))?;
    Ok(ExitCode::SUCCESS)
}

pub fn history(db: &Path, path: &str) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    let mut text = String::new();
    for r in vantage_studio::history(&store, path)? {
        let kind = match (&r.content, r.is_edit) {
            (None, _) => "delete",
            (Some(_), true) => "edit",
            (Some(_), false) => "undo/redo",
        };
        let change = r.change_set.map_or_else(|| "import".to_owned(), |c| format!("change {c}"));
        text.push_str(&format!("{}  {}  {:<10} {:<9} {change}\n", r.id, r.at, r.author, kind));
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn changes(db: &Path, user: &str, at: &str, command: &ChangesCommand) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    let line = match command {
        ChangesCommand::List => {
            let mut text = String::new();
            for c in vantage_studio::list_changes(&store)? {
                text.push_str(&format!(
                    "{}  {:<9}  {}  by {}  ({} documents)\n",
                    c.id,
                    format!("{:?}", c.state).to_lowercase(),
                    c.title,
                    c.author,
                    c.documents.len()
                ));
            }
            if text.is_empty() {
                text = "no change sets yet\n".into();
            }
            text
        }
        ChangesCommand::Create { title } => format!("created draft change set {}\n", vantage_studio::create_change(&store, user, title)?),
        ChangesCommand::Edit { id, path, file } => {
            let content = std::fs::read_to_string(file).map_err(|e| StudioError::io(file, &e))?;
            format!("wrote revision {} of {path}\n", vantage_studio::edit_document(&store, user, *id, path, &content)?)
        }
        ChangesCommand::Submit { id } => {
            vantage_studio::submit(&store, user, *id)?;
            format!("submitted change set {id} for review\n")
        }
        ChangesCommand::Approve { id, comment } => {
            vantage_studio::approve(&store, user, *id, comment)?;
            format!("approved change set {id}\n")
        }
        ChangesCommand::Reject { id, comment } => {
            vantage_studio::reject(&store, user, *id, comment)?;
            format!("sent change set {id} back to its author for changes (it is a draft again; nothing was lost)\n")
        }
        ChangesCommand::Publish { id } => {
            let release = vantage_studio::publish(&store, user, *id)?;
            format!("published change set {id} as release {release}\n{}", crate::deliver_commands::deploy_after_publish(&store, user))
        }
        ChangesCommand::Schedule { id, when } => {
            format!("scheduled change set {id} for {when} (schedule {})\n", vantage_studio::schedule(&store, user, *id, when)?)
        }
        ChangesCommand::RunDue => {
            let mut text = String::new();
            let mut refused = false;
            for (schedule, outcome) in vantage_studio::run_due(&store, user, at)? {
                match outcome {
                    Ok(release) => text.push_str(&format!("schedule {schedule}: published as release {release}\n")),
                    Err(reason) => {
                        refused = true;
                        text.push_str(&format!("schedule {schedule}: refused: {reason}\n"));
                    }
                }
            }
            if text.is_empty() {
                text = "nothing is due\n".into();
            }
            // A refused schedule is a failure the caller (cron, CI) must notice.
            if refused {
                emit(&text)?;
                return Ok(ExitCode::from(1));
            }
            text
        }
        ChangesCommand::Rollback { release, .. } => {
            let new = vantage_studio::rollback(&store, user, *release)?;
            let deployed = crate::deliver_commands::deploy_after_publish(&store, user);
            match release {
                Some(release) => format!("rolled back to release {release} as release {new}\n{deployed}"),
                None => format!("rolled back to the workspace as imported, as release {new}\n{deployed}"),
            }
        }
        ChangesCommand::Comment { id, text, path } => {
            vantage_studio::comment(&store, user, *id, path.as_deref(), text)?;
            format!("commented on change set {id}\n")
        }
        ChangesCommand::Comments { id } => {
            let mut out = String::new();
            for c in vantage_studio::comments(&store, *id)? {
                let on = c.path.map(|p| format!(" on {p}")).unwrap_or_default();
                out.push_str(&format!("{}  {}{on}: {}\n", c.at, c.author, c.text));
            }
            if out.is_empty() {
                out = "no comments yet\n".into();
            }
            out
        }
        ChangesCommand::Releases => {
            let mut text = String::new();
            for r in vantage_studio::releases(&store)? {
                let origin = match (r.rollback_of, r.change_set) {
                    (Some(x), _) => format!("rollback to {x}"),
                    (None, _) if r.restores_import => "rollback to the import".to_owned(),
                    (None, Some(c)) => format!("change {c}"),
                    (None, None) => String::new(),
                };
                text.push_str(&format!("{}  {}  {}  by {}  {origin}\n", r.id, r.at, &r.hash[..12.min(r.hash.len())], r.published_by));
            }
            if text.is_empty() {
                text = "no releases yet\n".into();
            }
            text
        }
    };
    emit(&line)?;
    Ok(ExitCode::SUCCESS)
}

pub fn audit(db: &Path, user: &str, command: &AuditCommand) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    match command {
        AuditCommand::Verify { with_cms } => {
            let status = if *with_cms {
                vantage_studio::sync::verify_audit_with_cms(&store, user, vantage_studio::sync::Remote::default())?
            } else {
                vantage_studio::verify_audit(&store)?
            };
            emit(&format!("{}\n", vantage_studio::chain_sentence(&status)))?;
            Ok(if matches!(status, ChainStatus::Intact { .. }) { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        AuditCommand::Log { actor, action, limit } => {
            let entries = vantage_studio::audit_log(&store, actor.as_deref(), action.as_deref(), *limit)?;
            emit(&json(&entries)?)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn sync(db: &Path, command: &SyncCommand) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    match command {
        SyncCommand::Status => {
            let s = vantage_studio::sync_status(&store)?;
            let mut text = format!("{} changes waiting to reach the CMS\n", s.pending);
            text.push_str(&format!("last confirmed send: {}\n", s.last_success.as_deref().unwrap_or("never")));
            if let Some(e) = s.last_error {
                text.push_str(&format!("last error: {e}\n"));
            }
            emit(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
