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
    let options = vantage_serve::ServeOptions { config, deploy_token, state_dir: state, max_in_flight, ..Default::default() };
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
