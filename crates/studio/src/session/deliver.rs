//! The app's side of delivery: the deploy targets of the workspace's store and their status,
//! adding and removing them (admins), and deploying the published release to them (publishers;
//! on its own connection, never holding the session's lock: a target may be slow or down).

use super::views::DeployTargetView;
use crate::error::StudioError;
use std::path::Path;
use vantage_engine::bundle::source_hash;

fn open(dir: &Path) -> Result<vantage_store::Store, StudioError> {
    Ok(vantage_store::Store::open(&super::store_path(dir))?)
}

fn views(store: &vantage_store::Store, targets: Vec<vantage_store::DeployTarget>) -> Result<Vec<DeployTargetView>, StudioError> {
    let published = source_hash(&store.published()?);
    Ok(targets
        .into_iter()
        .map(|t| DeployTargetView {
            up_to_date: t.serving.as_deref() == Some(published.as_str()),
            url: t.url,
            state: t.state,
            detail: t.detail,
            checked_at: t.checked_at,
        })
        .collect())
}

/// The deploy targets and what each serves.
pub fn deploy_targets(dir: &Path) -> Result<Vec<DeployTargetView>, StudioError> {
    let store = open(dir)?;
    let targets = store.deploy_targets()?;
    views(&store, targets)
}

/// Adds a deploy target as `user` (admins only; https, or http to this machine).
pub fn add_deploy_target(dir: &Path, user: &str, url: &str) -> Result<Vec<DeployTargetView>, StudioError> {
    let store = open(dir)?;
    crate::deliver::add_deploy_target(&store, user, url.trim())?;
    let targets = store.deploy_targets()?;
    views(&store, targets)
}

/// Removes a deploy target as `user` (admins only).
pub fn remove_deploy_target(dir: &Path, user: &str, url: &str) -> Result<Vec<DeployTargetView>, StudioError> {
    let store = open(dir)?;
    store.remove_deploy_target(user, url)?;
    let targets = store.deploy_targets()?;
    views(&store, targets)
}

/// Deploys the published release to every target as `user`; each one that is down is recorded
/// as behind, with the reason.
pub fn deploy_now(dir: &Path, user: &str) -> Result<Vec<DeployTargetView>, StudioError> {
    let store = open(dir)?;
    let targets = crate::deliver::deploy_published(&store, user, 3)?;
    views(&store, targets)
}

/// Deploys the published release again to the targets that are behind, as `user`.
pub fn redeploy_behind(dir: &Path, user: &str) -> Result<Vec<DeployTargetView>, StudioError> {
    let store = open(dir)?;
    let targets = crate::deliver::deploy_published_to_those_behind(&store, user, 1)?;
    views(&store, targets)
}
