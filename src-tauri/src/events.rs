//! Events the backend sends the UI (typed like the commands).

use serde::{Deserialize, Serialize};
use vantage_studio::session::views::{DeployStatusView, ProblemList, ReviewProgressView, SyncProgressView, WorkspaceChange};

/// Workspace files changed (saved here or edited on disk): the slots to re-render.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct WorkspaceChanged(pub WorkspaceChange);

/// The files that currently fail to load (empty when all are good again).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct WorkspaceProblems(pub ProblemList);

/// How far a push to the CMS has got.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SyncProgress(pub SyncProgressView);

/// Which step a review's computation has reached.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ReviewProgress(pub ReviewProgressView);

/// Where the release just published (or rolled back to) was deployed, target by target.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DeployStatus(pub DeployStatusView);
