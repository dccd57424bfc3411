//! The app's side of delivery: the deploy targets of the workspace's store and their status,
//! adding and removing them (admins), and deploying the published release to them (publishers;
//! on its own connection, never holding the session's lock: a target may be slow or down).

use super::views::{CdpMembershipsView, DeployTargetView};
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

/// What the CDP has pushed to the delivery service for the visitor `unit`, as the first
/// configured target that answers holds it (QA's "as the CDP sees them now").
pub fn cdp_memberships(dir: &Path, unit: &str) -> Result<CdpMembershipsView, StudioError> {
    let unit = unit.trim();
    if !vantage_sync::segments::is_plain_id(unit) {
        return Err(StudioError::bad_input(
            "a visitor id is 1 to 64 letters, digits, - or _, as the CDP and the vantage_uid cookie spell it",
        ));
    }
    let targets = open(dir)?.deploy_targets()?;
    if targets.is_empty() {
        return Err(StudioError::bad_input(
            "there is no delivery service to ask: an admin adds one in History, under Where visitors get it",
        ));
    }
    let mut failures = Vec::new();
    for target in targets {
        match crate::deliver::segments_at(&target.url, unit) {
            Ok(segments) => return Ok(CdpMembershipsView { unit: unit.to_owned(), segments, source: target.url }),
            Err(e) => failures.push(e.message),
        }
    }
    Err(StudioError::new(crate::ErrorCode::Io, failures.join("; ")))
}
