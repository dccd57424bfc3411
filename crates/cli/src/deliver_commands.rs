//! `vantage serve` and `vantage deploy`: thin over `vantage-serve` and `studio::deliver`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vantage_studio::deliver::{deploy_to, release_to_send};
use vantage_studio::{ErrorCode, StudioError};

pub fn serve(
    release: Option<&Path>,
    db: &Path,
    listen: std::net::SocketAddr,
    state: Option<PathBuf>,
    max_in_flight: usize,
) -> Result<ExitCode, StudioError> {
    let config = vantage_delivery::Config::from_vars(|name| std::env::var(name).ok()).map_err(StudioError::bad_input)?;
    let deploy_token = std::env::var(vantage_serve::DEPLOY_TOKEN_VAR).ok().filter(|t| !t.is_empty());
    // With a state folder, an earlier deploy may be all there is to serve.
    let initial = match release_to_send(release, db) {
        Ok(release) => Some(release.text),
        Err(e) if state.is_some() && release.is_none() && e.code == ErrorCode::NotFound => None,
        Err(e) => return Err(e),
    };
    let webhook_secret = match std::env::var(vantage_delivery::segments::WEBHOOK_SECRET_VAR).ok().filter(|s| !s.is_empty()) {
        Some(secret) => Some(vantage_serve::WebhookSecret::new(&secret).map_err(StudioError::bad_input)?),
        None => None,
    };
    let options =
        vantage_serve::ServeOptions { config, deploy_token, state_dir: state, max_in_flight, webhook_secret, ..Default::default() };
    vantage_serve::serve_blocking(listen, options, initial.as_deref()).map_err(StudioError::bad_input)?;
    Ok(ExitCode::SUCCESS)
}

pub fn deploy(targets: &[String], release: Option<&Path>, db: &Path, attempts: u32) -> Result<ExitCode, StudioError> {
    let release = release_to_send(release, db)?;
    let mut behind = 0;
    for target in targets {
        match deploy_to(target, &release, attempts) {
            Ok(hash) => crate::emit(&format!("{target}: serving release {hash}\n"))?,
            Err(e) => {
                behind += 1;
                eprintln!("{target}: behind: {}", crate::terminal_safe(&e.message));
            }
        }
    }
    Ok(if behind == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[derive(clap::Subcommand)]
pub enum TargetsCommand {
    /// Adds a target (https, or http to this machine).
    Add { url: String },
    /// Removes a target.
    Remove { url: String },
    /// Lists the targets and what each serves.
    List,
}

pub fn targets(db: &Path, user: &str, command: &TargetsCommand) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    match command {
        TargetsCommand::Add { url } => {
            vantage_studio::deliver::add_deploy_target(&store, user, url)?;
            crate::emit(&format!("added deploy target {url}\n"))?;
        }
        TargetsCommand::Remove { url } => {
            store.remove_deploy_target(user, url)?;
            crate::emit(&format!("removed deploy target {url}\n"))?;
        }
        TargetsCommand::List => crate::emit(&target_lines(&store.deploy_targets()?))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn target_lines(targets: &[vantage_studio::deliver::DeployTarget]) -> String {
    if targets.is_empty() {
        return "no deploy targets (add one with `vantage targets add URL`)\n".into();
    }
    targets
        .iter()
        .map(|t| {
            let serving = t.serving.as_deref().map_or_else(|| "nothing yet".to_owned(), |h| format!("release {}", &h[..h.len().min(12)]));
            match t.state.as_str() {
                "behind" => format!("{}  behind (serves {serving}): {}\n", t.url, t.detail.as_deref().unwrap_or("")),
                "serving" => format!("{}  serving {serving}\n", t.url),
                _ => format!("{}  not deployed to yet\n", t.url),
            }
        })
        .collect()
}

pub fn deploy_configured(db: &Path, user: &str, attempts: u32) -> Result<ExitCode, StudioError> {
    let store = vantage_studio::open_store(db)?;
    let targets = vantage_studio::deliver::deploy_published(&store, user, attempts)?;
    crate::emit(&target_lines(&targets))?;
    Ok(if targets.iter().any(|t| t.state != "serving") { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// After a publish or rollback: deploys to the configured targets and says how each stands. A
/// target that is down never undoes or blocks the publish; it is reported behind.
pub fn deploy_after_publish(store: &vantage_studio::Store, user: &str) -> String {
    match store.deploy_targets() {
        Ok(targets) if targets.is_empty() => String::new(),
        _ => match vantage_studio::deliver::deploy_published(store, user, 3) {
            Ok(targets) => target_lines(&targets),
            Err(e) => format!("not deployed: {}\n", e.message),
        },
    }
}
