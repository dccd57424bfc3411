//! The app's side of delivery: the deploy targets of the workspace's store and their status,
//! adding and removing them (admins), and deploying the published release to them (publishers;
//! on its own connection, never holding the session's lock: a target may be slow or down).

use super::views::{CdpMembershipsView, DeployTargetView, StaticExportView};
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

/// Exports the published release as static pages per segment into a new folder beside the
/// workspace (`<name>-static-<release>-<moment>`), for a CDN; pages with slots left to the client
/// tier ask the first delivery target that can serve the client script.
pub fn export_static_pages(dir: &Path) -> Result<StaticExportView, StudioError> {
    let store = open(dir)?;
    let files = store.published()?;
    let hash = source_hash(&files);
    let workspace =
        vantage_engine::load::load(&files).map_err(|e| StudioError::bad_input(format!("the published release does not load: {e}")))?;
    let bundle = vantage_engine::bundle::Bundle::compile(workspace, hash.clone());
    // A target serving this very release answers the client tier as the pages expect.
    let mut targets = store.deploy_targets()?;
    targets.sort_by_key(|t| t.serving.as_deref() != Some(hash.as_str()));
    let decide_url = targets.iter().find_map(|t| vantage_engine::static_tier::check_decide_url(&t.url).ok());
    let moment = crate::visits::clock();
    let name = dir.file_name().map_or_else(|| "workspace".to_owned(), |n| n.to_string_lossy().into_owned());
    let stamp: String = moment.chars().filter(char::is_ascii_digit).take(12).collect();
    let out = dir.with_file_name(format!("{name}-static-{}-{stamp}", &hash[..hash.len().min(8)]));
    let done = crate::static_export::export_bundle(&bundle, &out, Some(&moment), decide_url.as_deref())?;
    let report = &done.report;
    let title = |id: &str| bundle.workspace.pages.get(id).map_or_else(|| id.to_owned(), |p| p.title.clone());
    Ok(StaticExportView {
        folder: done.out,
        pages: report.pages as u32,
        static_pages: report.static_pages as u32,
        files: report.files as u32,
        bytes: report.bytes as f64,
        client_slots: report.client_slots as u32,
        page_per_segment: report.page_per_segment as f64,
        server_pages: report.fallbacks.iter().map(|(page, why)| format!("{}: {why}", title(page))).collect(),
        decide_url,
    })
}
