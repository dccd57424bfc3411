//! Delivery's use cases: which release to serve or deploy (a release file, or what a store has
//! published), and deploying it to a target.

use crate::error::StudioError;
use std::path::Path;
use vantage_engine::release::ReleaseFile;
use vantage_sync::deploy::{deploy, DeployError, DEPLOY_TOKEN_VAR};
use vantage_sync::segments::{segments_of, LookupError};
use vantage_sync::Backoff;

pub use vantage_store::DeployTarget;

/// A release file may be at most this large (what a delivery target accepts).
pub const RELEASE_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A release ready to send: the file and its text.
#[derive(Debug, Clone)]
pub struct ReleaseToSend {
    pub file: ReleaseFile,
    pub text: String,
}

/// The release in the file at `path` (its hash verified), or else what the store at `db` has
/// published (its latest release, or the workspace as imported before any).
pub fn release_to_send(path: Option<&Path>, db: &Path) -> Result<ReleaseToSend, StudioError> {
    let file = match path {
        Some(path) => {
            let size = std::fs::metadata(path).map_err(|e| StudioError::io(path, &e))?.len();
            if size > RELEASE_MAX_BYTES {
                return Err(StudioError::bad_input(format!(
                    "{}: a release file is at most {} MB",
                    path.display(),
                    RELEASE_MAX_BYTES >> 20
                )));
            }
            let text = std::fs::read_to_string(path).map_err(|e| StudioError::io(path, &e))?;
            ReleaseFile::parse(&text).map_err(|e| StudioError::bad_input(format!("{}: {e}", path.display())))?
        }
        None => {
            if !db.exists() {
                return Err(StudioError::not_found(format!("there is no store at {}: give a release file with --release", db.display())));
            }
            ReleaseFile::of(crate::open_store(db)?.published()?)
        }
    };
    ReleaseToSend::of(file)
}

impl ReleaseToSend {
    pub fn of(file: ReleaseFile) -> Result<ReleaseToSend, StudioError> {
        let text = serde_json::to_string(&file).map_err(|e| StudioError::bad_input(e.to_string()))?;
        Ok(ReleaseToSend { file, text })
    }
}

/// The deploy token from `$VANTAGE_DEPLOY_TOKEN`.
fn deploy_token() -> Result<String, StudioError> {
    std::env::var(DEPLOY_TOKEN_VAR)
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| StudioError::bad_input(format!("set {DEPLOY_TOKEN_VAR} to the token the target was started with")))
}

fn runtime() -> Result<tokio::runtime::Runtime, StudioError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StudioError::bad_input(format!("cannot start the runtime: {e}")))
}

/// The CDP segments `target` holds for the visitor `unit` now (asked with the deploy token).
pub fn segments_at(target: &str, unit: &str) -> Result<Vec<String>, StudioError> {
    let token = deploy_token()?;
    runtime()?.block_on(segments_of(target, unit, &token)).map_err(|e| match e {
        LookupError::Refused(_) => StudioError::bad_input(e.to_string()),
        LookupError::Unreachable { .. } => StudioError::new(crate::ErrorCode::Io, e.to_string()),
    })
}

/// Deploys `release` to `target` with the token from `$VANTAGE_DEPLOY_TOKEN`, retrying an
/// unreachable target `attempts` times. Returns the hash the target now serves.
pub fn deploy_to(target: &str, release: &ReleaseToSend, attempts: u32) -> Result<String, StudioError> {
    let token = deploy_token()?;
    let runtime = runtime()?;
    let backoff = Backoff { attempts, ..Backoff::default() };
    runtime.block_on(deploy(target, &release.text, &release.file.hash, &token, backoff)).map_err(|e| match e {
        DeployError::Refused { .. } => StudioError::new(crate::ErrorCode::Forbidden, e.to_string()),
        DeployError::Unreachable { .. } => StudioError::new(crate::ErrorCode::Io, e.to_string()),
    })
}

/// Adds a deploy target as `user` (admins only), after checking a token may go there (https,
/// or http to this machine).
pub fn add_deploy_target(store: &vantage_store::Store, user: &str, url: &str) -> Result<(), StudioError> {
    vantage_sync::check_cms_url(url)
        .map_err(|e| StudioError::bad_input(e.replace("CMS address", "deploy target").replace("a CMS", "a deploy target")))?;
    Ok(store.add_deploy_target(user, url.trim_end_matches('/'))?)
}

/// Deploys the published release to every configured target as `user` (whoever may publish),
/// recording each one's outcome; a target that is down is recorded as behind and never stops
/// the others. Returns the targets as they now stand.
pub fn deploy_published(store: &vantage_store::Store, user: &str, attempts: u32) -> Result<Vec<vantage_store::DeployTarget>, StudioError> {
    deploy_published_where(store, user, attempts, |_, _| true)
}

/// Like [`deploy_published`], only to the targets that do not serve the published release yet
/// (what retrying a target that was down does).
pub fn deploy_published_to_those_behind(
    store: &vantage_store::Store,
    user: &str,
    attempts: u32,
) -> Result<Vec<vantage_store::DeployTarget>, StudioError> {
    deploy_published_where(store, user, attempts, |target, hash| target.serving.as_deref() != Some(hash))
}

fn deploy_published_where(
    store: &vantage_store::Store,
    user: &str,
    attempts: u32,
    wanted: impl Fn(&vantage_store::DeployTarget, &str) -> bool,
) -> Result<Vec<vantage_store::DeployTarget>, StudioError> {
    store.check_may_deploy(user)?;
    let targets = store.deploy_targets()?;
    if targets.is_empty() {
        return Ok(targets);
    }
    let release = ReleaseToSend::of(ReleaseFile::of(store.published()?))?;
    for target in targets.iter().filter(|t| wanted(t, &release.file.hash)) {
        let outcome = deploy_to(&target.url, &release, attempts).map(|_| ()).map_err(|e| e.message);
        store.record_deploy(user, &target.url, &release.file.hash, outcome)?;
    }
    Ok(store.deploy_targets()?)
}
