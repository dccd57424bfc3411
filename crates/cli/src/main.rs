//! `vantage`: the command-line face of Vantage. Each subcommand parses its arguments, calls one
//! studio use case and prints the result. Exit codes: 0 ok, 1 lint errors or failed cases,
//! 2 bad input.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use vantage_studio::{ErrorCode, StudioError};

#[derive(Parser)]
#[command(name = "vantage", version, about = "Component-level personalization: lint, preview and compare a workspace")]
struct Cli {
    /// The workspace folder.
    #[arg(short, long, global = true, default_value = ".")]
    workspace: PathBuf,
    /// The moment to evaluate at (RFC 3339); defaults to now.
    #[arg(long, global = true)]
    at: Option<String>,
    /// The workspace's store (SQLite file).
    #[arg(long, global = true, default_value = ".vantage/store.db")]
    db: PathBuf,
    /// Who is acting (store commands): else $VANTAGE_USER, then $USER; never assumed. A local
    /// workspace does not verify it.
    #[arg(long = "as", global = true)]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Whose visitors an impact, lint's reachability or the matrix's "nobody sees" is measured on.
#[derive(Clone, Copy, ValueEnum)]
enum Population {
    Simulated,
    Traffic,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Html,
}

#[derive(Subcommand)]
enum Command {
    /// Check rules, content, consent, experiments and brand rules.
    Lint {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Whose visitors judge unreached and shadowed rules: the simulated population, or the
        /// recorded traffic imported beside the store (`vantage traffic import`).
        #[arg(long, value_enum, default_value = "simulated")]
        population: Population,
    },
    /// Show a page as one profile sees it.
    Preview {
        #[arg(long)]
        page: String,
        #[arg(long)]
        profile: String,
        /// Explain why each slot shows what it shows.
        #[arg(long)]
        explain: bool,
        #[arg(long, value_enum, default_value = "html")]
        format: Format,
        /// See the page in this locale (a browser's language tag such as de-CH), not the profile's.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Slots x profiles -> the variant each profile sees.
    Matrix {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// With `traffic`, also the personalizations nobody among the recorded visitors sees.
        #[arg(long, value_enum, default_value = "simulated")]
        population: Population,
        /// Every profile in this locale (a language tag such as fr-FR), not each its own.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Write the compiled, content-hashed bundle.
    Bundle {
        /// Where to write it (standard output if absent).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Who sees something different between two workspaces or bundles.
    Impact {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Whose visitors: the workspace's simulated population, or the recorded traffic
        /// imported beside the store (`vantage traffic import`).
        #[arg(long, value_enum, default_value = "simulated")]
        population: Population,
    },
    /// Run conformance case files and report every case that differs.
    Conform {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Create the store (--db) with you as admin, importing a workspace folder.
    Init {
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Manage the store's users.
    Users {
        #[command(subcommand)]
        command: store_commands::UsersCommand,
    },
    /// Write the store's current documents into a new folder (`export DIR`), or static pages
    /// per segment with their routing manifest (`export static --out DIR`).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Export {
        #[command(subcommand)]
        what: Option<ExportCommand>,
        /// The new folder for the store's documents.
        #[arg(required = true)]
        out: Option<PathBuf>,
    },
    /// Every revision of one document, newest first.
    History { path: String },
    /// Change sets: create, edit, submit, approve, reject, publish, schedule, rollback.
    Changes {
        #[command(subcommand)]
        command: store_commands::ChangesCommand,
    },
    /// Recorded traffic for impact on real visitors: import, generate, status.
    Traffic {
        #[command(subcommand)]
        command: traffic_commands::TrafficCommand,
    },
    /// Sync with the remote CMS: status, push, pull, conflicts, resolve, login.
    Sync {
        #[command(subcommand)]
        command: sync_commands::SyncCommand,
    },
    /// The audit log and its hash chain.
    Audit {
        #[command(subcommand)]
        command: store_commands::AuditCommand,
    },
    /// The delivery targets publishing deploys to (admins add and remove them).
    Targets {
        #[command(subcommand)]
        command: deliver_commands::TargetsCommand,
    },
    /// Serves visitors the release in FILE, or the store's published workspace (`--db`):
    /// `GET /pages/{page}`, `POST /decide`, `/vantage-client.js`, `/healthz`, `/metrics`, deploys
    /// with $VANTAGE_DEPLOY_TOKEN, and CDP segment webhooks with $VANTAGE_WEBHOOK_SECRET.
    /// Request format: docs/delivery.md.
    Serve {
        #[arg(long)]
        release: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Where the release being served is kept across restarts.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Requests answered at once beyond which new ones get 503.
        #[arg(long, default_value_t = 256)]
        max_in_flight: usize,
    },
    /// Deploys the release in FILE, or the store's published workspace, to delivery targets
    /// (`--to`, else the store's configured targets) with $VANTAGE_DEPLOY_TOKEN; each verifies
    /// its SHA-256 before switching. Exits 1 when a target is left behind.
    Deploy {
        #[arg(long = "to")]
        targets: Vec<String>,
        #[arg(long)]
        release: Option<PathBuf>,
        /// Tries per target before reporting it behind.
        #[arg(long, default_value_t = 5)]
        attempts: u32,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// One HTML file per distinct decision of each page's segment-only slots, and the manifest
    /// routing a CDN's key to it (docs/delivery.md), decided at --at (else now).
    Static {
        /// The new folder to write them into.
        #[arg(long)]
        out: PathBuf,
        /// The decision service the client tier asks (https, or http to this machine): pages
        /// with slots left to it load its vantage-client.js.
        #[arg(long)]
        decide_url: Option<String>,
    },
}

mod deliver_commands;
mod output;
mod store_commands;
mod sync_commands;
mod traffic_commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli, cli.at.as_deref()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", terminal_safe(&e.to_string()));
            match e.code {
                ErrorCode::LintFailed => ExitCode::from(1),
                ErrorCode::BadInput
                | ErrorCode::NotFound
                | ErrorCode::Io
                | ErrorCode::Conflict
                | ErrorCode::ChangedOnDisk
                | ErrorCode::Forbidden
                | ErrorCode::Storage => ExitCode::from(2),
            }
        }
    }
}

/// Prints text for a terminal: control characters other than newlines and tabs (which a change
/// title, a user name or a document could carry to retitle or repaint the terminal) are shown
/// escaped, never sent.
pub(crate) fn emit(text: &str) -> Result<(), StudioError> {
    emit_raw(&terminal_safe(text))
}

/// Prints a document as it is (preview HTML): the bytes a visitor would get.
pub(crate) fn emit_raw(text: &str) -> Result<(), StudioError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| StudioError::io(std::path::Path::new("<stdout>"), &e))
}

/// `text` with every control character but newline and tab escaped (`\u{1b}`).
pub(crate) fn terminal_safe(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return text.to_owned();
    }
    text.chars().map(|c| if c.is_control() && c != '\n' && c != '\t' { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String, StudioError> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| StudioError::bad_input(e.to_string()))
}

/// Who is acting: `--as`, else `$VANTAGE_USER`, else `$USER`. Never a default: a command that
/// acts as someone says so, and in a local workspace the name is a claim nobody verifies.
fn user(cli: &Cli) -> Result<String, StudioError> {
    // In a workspace whose CMS someone signed in at here (`vantage sync login --name`), that
    // person acts: `--as` names someone only in a local workspace.
    if cli.db.exists() {
        let store = vantage_studio::open_store(&cli.db)?;
        if let Some(me) = vantage_studio::sync::kept_sign_in(&store)? {
            return match &cli.user {
                Some(claimed) if claimed != &me => Err(StudioError::new(
                    vantage_studio::ErrorCode::Forbidden,
                    format!("you are signed in at this workspace's CMS as {me}: --as {claimed} is for local workspaces (sign out with `vantage sync logout` first)"),
                )),
                _ => Ok(me),
            };
        }
    }
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    cli.user.clone().or_else(|| from_env("VANTAGE_USER")).or_else(|| from_env("USER")).ok_or_else(|| {
        StudioError::bad_input(
            "say who is acting: --as NAME or $VANTAGE_USER (this is a local workspace: names are not verified, and none is assumed)",
        )
    })
}

/// `at`, the moment a command evaluates at: explicit (`--at`) or absent (previews then use each
/// profile's own moment, else now; store commands and lint use now).
fn run(cli: &Cli, at: Option<&str>) -> Result<ExitCode, StudioError> {
    let db = cli.db.as_path();
    match &cli.command {
        Command::Init { from } => store_commands::init(db, &user(cli)?, from.as_deref()),
        Command::Users { command } => store_commands::users(db, &user(cli)?, command),
        Command::Export { what: Some(ExportCommand::Static { out, decide_url }), .. } => {
            let ws = vantage_studio::open_workspace(&cli.workspace)?;
            emit(&output::static_export_text(&vantage_studio::export_static(&ws, out, at, decide_url.as_deref())?))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { out: Some(out), .. } => store_commands::export(db, out),
        Command::Export { .. } => Err(StudioError::bad_input("say where: `vantage export DIR` or `vantage export static --out DIR`")),
        Command::History { path } => store_commands::history(db, path),
        Command::Changes { command } => store_commands::changes(db, &user(cli)?, &vantage_studio::moment_or_clock(at)?, command),
        Command::Audit { command } => store_commands::audit(db, &user(cli)?, command),
        Command::Sync { command } => sync_commands::sync(db, &user(cli)?, command),
        Command::Lint { format, population } => {
            let ws = vantage_studio::open_workspace(&cli.workspace)?;
            let (report, traffic) = match population {
                Population::Simulated => (vantage_studio::lint(&ws, at)?, None),
                Population::Traffic => {
                    let (report, traffic) = vantage_studio::lint_on_traffic(&ws, at, db)?;
                    (report, Some(traffic))
                }
            };
            emit(&match (format, &traffic) {
                (Format::Json, None) => json(&report)?,
                (Format::Json, Some(traffic)) => {
                    json(&serde_json::json!({"findings": report.findings, "errors": report.errors, "traffic": traffic}))?
                }
                (_, None) => vantage_engine::lint::to_text(&report.findings),
                (_, Some(traffic)) => format!("{}\n{}", output::traffic_line(traffic), vantage_engine::lint::to_text(&report.findings)),
            })?;
            Ok(if report.errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Preview { page, profile, explain, format, locale } => {
            let ws = vantage_studio::open_workspace(&cli.workspace)?;
            let preview = vantage_studio::preview(&ws, page, profile, at, locale.as_deref(), *explain)?;
            // Reading a visitor's data for a preview is audited wherever there is a store.
            if cli.db.exists() {
                vantage_studio::record_profile_read(&vantage_studio::open_store(&cli.db)?, &user(cli)?, profile)?;
            }
            match format {
                Format::Json => emit(&json(&preview.composed)?)?,
                _ => emit_raw(&preview.html)?,
            }
            if let Some(explanation) = &preview.explanation {
                match format {
                    Format::Json => emit(&json(&serde_json::json!({"moment": preview.moment, "slots": explanation}))?)?,
                    _ => eprint!("{}", terminal_safe(&vantage_engine::explain::to_text(&preview.moment, explanation))),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Matrix { format, population, locale } => {
            let ws = vantage_studio::open_workspace(&cli.workspace)?;
            let matrix = match population {
                Population::Simulated => vantage_studio::matrix(&ws, at, locale.as_deref())?,
                Population::Traffic if locale.is_none() => vantage_studio::matrix_on_traffic(&ws, at, db)?.0,
                Population::Traffic => return Err(StudioError::bad_input("--locale: recorded visitors keep their own locales")),
            };
            // The matrix reads every named visitor's data: audited wherever there is a store.
            if cli.db.exists() {
                let profiles: Vec<&str> = ws.bundle.workspace.profiles.keys().map(String::as_str).collect();
                vantage_studio::record_profile_reads(&vantage_studio::open_store(&cli.db)?, &user(cli)?, &profiles, "coverage")?;
            }
            emit(&match format {
                Format::Json => json(&matrix)?,
                _ => output::matrix_text(&matrix),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bundle { out } => {
            let ws = vantage_studio::open_workspace(&cli.workspace)?;
            let text = json(&vantage_studio::bundle_file(&ws))?;
            match out {
                Some(path) => {
                    std::fs::write(path, text).map_err(|e| StudioError::io(path, &e))?;
                    eprintln!("wrote bundle {} to {}", ws.bundle.hash, path.display());
                }
                None => emit(&text)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Impact { old, new, format, population: Population::Traffic } => {
            let (impact, changes, traffic) = vantage_studio::impact_on_traffic(old, new, db)?;
            emit(&match format {
                Format::Json => json(&serde_json::json!({"changes": changes, "impact": impact, "traffic": traffic}))?,
                _ => format!("{}\n{}", output::traffic_line(&traffic), output::impact_text(&impact, &changes)),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Traffic { command } => traffic_commands::traffic(&cli.workspace, db, &user(cli), command),
        Command::Impact { old, new, format, population: Population::Simulated } => {
            let (impact, changes) = vantage_studio::impact(old, new)?;
            emit(&match format {
                Format::Json => json(&serde_json::json!({"changes": changes, "impact": impact}))?,
                _ => output::impact_text(&impact, &changes),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { release, listen, state, max_in_flight } => {
            deliver_commands::serve(release.as_deref(), db, *listen, state.clone(), *max_in_flight)
        }
        Command::Deploy { targets, release, attempts } if targets.is_empty() && release.is_none() => {
            deliver_commands::deploy_configured(db, &user(cli)?, *attempts)
        }
        Command::Deploy { targets, release, attempts } => deliver_commands::deploy(targets, release.as_deref(), db, *attempts),
        Command::Targets { command } => deliver_commands::targets(db, &user(cli)?, command),
        Command::Conform { files } => {
            let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
            let report = vantage_studio::conform(&paths)?;
            let text = output::conform_text(&report);
            emit(&text)?;
            let failed = report.files.iter().any(|f| !f.failures.is_empty());
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
