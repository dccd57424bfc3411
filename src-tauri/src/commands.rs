//! The commands the UI calls. Each is thin: it locks the session, calls one method, tells the UI
//! what changed, and returns the result or a typed [`StudioError`].

use crate::state::AppState;
use tauri::State;
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event;
use vantage_studio::session::views::*;
use vantage_studio::StudioError;

type Reply<T> = Result<T, StudioError>;

/// Runs slow, blocking work (sync, review, coverage, lint) on a worker thread, without the
/// session's lock, so previews of typing never wait behind it.
async fn off_the_ui_thread<T: Send + 'static>(work: impl FnOnce() -> Reply<T> + Send + 'static) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| StudioError::new(vantage_studio::ErrorCode::Io, format!("the work stopped unexpectedly: {e}")))?
}

#[tauri::command]
#[specta::specta]
pub async fn get_session(state: State<'_, AppState>) -> Reply<SessionView> {
    state.session().view()
}

/// Asks for a workspace folder with the system's folder dialog; `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_workspace(app: tauri::AppHandle, state: State<'_, AppState>) -> Reply<Option<SessionView>> {
    let Some(choice) = app.dialog().file().set_title("Open a Vantage workspace folder").blocking_pick_folder() else {
        return Ok(None);
    };
    let dir = choice.into_path().map_err(|e| StudioError::bad_input(format!("that folder cannot be opened: {e}")))?;
    state.open(&dir)?;
    state.session().view().map(Some)
}

#[tauri::command]
#[specta::specta]
pub async fn switch_user(state: State<'_, AppState>, name: String) -> Reply<SessionView> {
    let mut session = state.session();
    session.switch_user(&name)?;
    session.view()
}

/// Signs a person in at the workspace's CMS with their own account (`cms_url`, when given, is
/// kept for the workspace first); the app then acts as them only.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(state: State<'_, AppState>, cms_url: Option<String>, name: String, password: String) -> Reply<SessionView> {
    let mut session = state.session();
    session.sign_in(cms_url.as_deref(), &name, &password)?;
    session.view()
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>) -> Reply<SessionView> {
    let mut session = state.session();
    session.sign_out()?;
    session.view()
}

#[tauri::command]
#[specta::specta]
pub async fn read_document(state: State<'_, AppState>, path: String) -> Reply<DocumentView> {
    state.session().read_document(&path)
}

#[tauri::command]
#[specta::specta]
pub async fn preview_edit(state: State<'_, AppState>, edit: DocumentEdit, page: String, views: Vec<PreviewRequest>) -> Reply<EditPreview> {
    state.session().preview_edit(&edit, &page, &views)
}

#[tauri::command]
#[specta::specta]
pub async fn save_document(
    state: State<'_, AppState>,
    path: String,
    content: Json,
    base_revision: Option<i32>,
    replace_disk: bool,
) -> Reply<Saved> {
    let (saved, events) = state.session().save_document(&path, &content.0, base_revision.map(i64::from), replace_disk)?;
    state.emit(&events);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn undo_document(state: State<'_, AppState>, path: String) -> Reply<Saved> {
    let (saved, events) = state.session().undo_document(&path)?;
    state.emit(&events);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn redo_document(state: State<'_, AppState>, path: String) -> Reply<Saved> {
    let (saved, events) = state.session().redo_document(&path)?;
    state.emit(&events);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn render_page(state: State<'_, AppState>, page: String, view: PreviewRequest) -> Reply<PagePreview> {
    state.session().render_page(&page, &view)
}

#[tauri::command]
#[specta::specta]
pub async fn render_slots(state: State<'_, AppState>, page: String, view: PreviewRequest, slots: Vec<String>) -> Reply<Vec<SlotPreview>> {
    state.session().render_slots(&page, &view, &slots)
}

#[tauri::command]
#[specta::specta]
pub async fn explain_slot(state: State<'_, AppState>, page: String, view: PreviewRequest, slot: String) -> Reply<SlotWhy> {
    state.session().explain_slot(&page, &view, &slot)
}

#[tauri::command]
#[specta::specta]
pub async fn coverage(state: State<'_, AppState>, at: Option<String>) -> Reply<Vec<CoveragePage>> {
    let shared = state.shared();
    off_the_ui_thread(move || shared.coverage(at.as_deref())).await
}

/// Which personalizations nobody among the recorded visitors sees.
#[tauri::command]
#[specta::specta]
pub async fn coverage_on_traffic(state: State<'_, AppState>) -> Reply<RecordedCoverageView> {
    let shared = state.shared();
    off_the_ui_thread(move || shared.coverage_on_traffic()).await
}

#[tauri::command]
#[specta::specta]
pub async fn lint(state: State<'_, AppState>, at: Option<String>) -> Reply<Vec<Finding>> {
    let shared = state.shared();
    off_the_ui_thread(move || shared.lint(at.as_deref())).await
}

#[tauri::command]
#[specta::specta]
pub async fn condition_text(condition: Json) -> Reply<String> {
    vantage_studio::session::condition_text(&condition.0)
}

#[tauri::command]
#[specta::specta]
pub async fn save_profile(
    state: State<'_, AppState>,
    id: String,
    name: String,
    attributes: Json,
    consents: Vec<String>,
) -> Reply<ProfileView> {
    let (profile, events) = state.session().save_profile(&id, &name, &attributes.0, &consents)?;
    state.emit(&events);
    Ok(profile)
}

#[tauri::command]
#[specta::specta]
pub async fn change_sets(state: State<'_, AppState>) -> Reply<Vec<ChangeSetView>> {
    state.session().change_sets()
}

#[tauri::command]
#[specta::specta]
pub async fn submit_change(state: State<'_, AppState>, id: i32, title: Option<String>) -> Reply<ChangeSetView> {
    state.session().submit_change(id.into(), title.as_deref())
}

#[tauri::command]
#[specta::specta]
pub async fn decide_change(state: State<'_, AppState>, id: i32, approve: bool, comment: String) -> Reply<ChangeSetView> {
    let (change, events) = state.session().decide_change(id.into(), approve, &comment)?;
    state.emit(&events);
    Ok(change)
}

#[tauri::command]
#[specta::specta]
pub async fn publish_change(app: tauri::AppHandle, state: State<'_, AppState>, id: i32) -> Reply<i32> {
    let (release, events) = state.session().publish_change(id.into())?;
    state.emit(&events);
    deploy_in_background(app, &state);
    Ok(release as i32)
}

/// Deploys what is now published to the workspace's targets, off the UI thread, and reports each
/// target's state as a `deploy-status` event; publishing never waits for it or fails by it. A
/// target left behind is tried again, at growing intervals, for about a quarter of an hour.
fn deploy_in_background(app: tauri::AppHandle, state: &AppState) {
    let (dir, user) = state.dir_and_user();
    tauri::async_runtime::spawn_blocking(move || {
        let report = |outcome: Result<Vec<DeployTargetView>, StudioError>| {
            let status = match outcome {
                Ok(targets) => DeployStatusView { targets, problem: None },
                Err(e) => DeployStatusView {
                    targets: vantage_studio::session::deploy_targets(&dir).unwrap_or_default(),
                    problem: Some(e.message),
                },
            };
            let behind = status.problem.is_none() && status.targets.iter().any(|t| !t.up_to_date);
            let _ = crate::events::DeployStatus(status).emit(&app);
            behind
        };
        match vantage_studio::session::deploy_targets(&dir) {
            Ok(targets) if targets.is_empty() => return,
            _ => {}
        }
        let mut behind = report(vantage_studio::session::deploy_now(&dir, &user));
        for wait in [15, 30, 60, 120, 240, 480] {
            if !behind {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(wait));
            behind = report(vantage_studio::session::redeploy_behind(&dir, &user));
        }
    });
}

/// The delivery targets and what each serves.
#[tauri::command]
#[specta::specta]
pub async fn deploy_targets(state: State<'_, AppState>) -> Reply<Vec<DeployTargetView>> {
    let dir = state.session().dir().to_path_buf();
    off_the_ui_thread(move || vantage_studio::session::deploy_targets(&dir)).await
}

/// Adds a delivery target (admins only).
#[tauri::command]
#[specta::specta]
pub async fn add_deploy_target(state: State<'_, AppState>, url: String) -> Reply<Vec<DeployTargetView>> {
    let (dir, user) = state.dir_and_user();
    off_the_ui_thread(move || vantage_studio::session::add_deploy_target(&dir, &user, &url)).await
}

/// Removes a delivery target (admins only).
#[tauri::command]
#[specta::specta]
pub async fn remove_deploy_target(state: State<'_, AppState>, url: String) -> Reply<Vec<DeployTargetView>> {
    let (dir, user) = state.dir_and_user();
    off_the_ui_thread(move || vantage_studio::session::remove_deploy_target(&dir, &user, &url)).await
}

/// The CDP segments the delivery service holds for a visitor id now (QA's "as the CDP sees
/// them now").
#[tauri::command]
#[specta::specta]
pub async fn cdp_memberships(state: State<'_, AppState>, unit: String) -> Reply<CdpMembershipsView> {
    let dir = state.session().dir().to_path_buf();
    off_the_ui_thread(move || vantage_studio::session::cdp_memberships(&dir, &unit)).await
}

/// Exports the published release as static pages per segment into a new folder beside the
/// workspace.
#[tauri::command]
#[specta::specta]
pub async fn export_static_pages(state: State<'_, AppState>) -> Reply<StaticExportView> {
    let dir = state.session().dir().to_path_buf();
    off_the_ui_thread(move || vantage_studio::session::export_static_pages(&dir)).await
}

/// The recorded traffic reviews measure impact on, in words.
#[tauri::command]
#[specta::specta]
pub async fn traffic_status(state: State<'_, AppState>) -> Reply<TrafficStatusView> {
    let dir = state.session().dir().to_path_buf();
    off_the_ui_thread(move || vantage_studio::session::traffic_status(&dir)).await
}

/// QA or an admin chooses an export of recorded visitors (Parquet or CSV) and imports it; `None`
/// when the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn import_traffic(app: tauri::AppHandle, state: State<'_, AppState>) -> Reply<Option<TrafficImportView>> {
    let dialog = app.dialog().file().set_title("Import recorded visitors").add_filter("Parquet or CSV", &["parquet", "csv"]);
    let Some(choice) = dialog.blocking_pick_file() else { return Ok(None) };
    let file = choice.into_path().map_err(|e| StudioError::bad_input(format!("that file cannot be opened: {e}")))?;
    let (dir, user) = state.dir_and_user();
    let catalog = state.session().bundle().workspace.catalog.clone();
    off_the_ui_thread(move || vantage_studio::session::import_traffic(&dir, &user, &catalog, &file).map(Some)).await
}

/// Deploys the published release to every target now (publishers).
#[tauri::command]
#[specta::specta]
pub async fn deploy_now(state: State<'_, AppState>) -> Reply<Vec<DeployTargetView>> {
    let (dir, user) = state.dir_and_user();
    off_the_ui_thread(move || vantage_studio::session::deploy_now(&dir, &user)).await
}

#[tauri::command]
#[specta::specta]
pub async fn review_change(app: tauri::AppHandle, state: State<'_, AppState>, id: i32, at: Option<String>) -> Reply<Review> {
    let shared = state.shared();
    off_the_ui_thread(move || {
        shared.review_change(id.into(), at.as_deref(), |stage| {
            // Progress is a courtesy; a closed window must not stop the review.
            let _ = crate::events::ReviewProgress(stage.progress(id.into())).emit(&app);
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn render_review_page(state: State<'_, AppState>, id: i32, side: Side, page: String, view: PreviewRequest) -> Reply<PagePreview> {
    let shared = state.shared();
    off_the_ui_thread(move || shared.render_review_page(id.into(), side, &page, &view)).await
}

/// `page` before or after change set `id` as recorded visitor `row` (0-based) sees it.
#[tauri::command]
#[specta::specta]
pub async fn render_review_recorded(state: State<'_, AppState>, id: i32, side: Side, page: String, row: u32) -> Reply<PagePreview> {
    let shared = state.shared();
    off_the_ui_thread(move || shared.render_review_recorded(id.into(), side, &page, row)).await
}

#[tauri::command]
#[specta::specta]
pub async fn comments(state: State<'_, AppState>, change_id: i32) -> Reply<Vec<CommentView>> {
    state.session().comments(change_id.into())
}

#[tauri::command]
#[specta::specta]
pub async fn add_comment(state: State<'_, AppState>, change_id: i32, text: String) -> Reply<()> {
    state.session().add_comment(change_id.into(), &text)
}

#[tauri::command]
#[specta::specta]
pub async fn releases(state: State<'_, AppState>) -> Reply<Vec<ReleaseView>> {
    state.session().releases()
}

#[tauri::command]
#[specta::specta]
pub async fn rollback(app: tauri::AppHandle, state: State<'_, AppState>, release_id: Option<i32>) -> Reply<i32> {
    let (release, events) = state.session().rollback(release_id.map(i64::from))?;
    state.emit(&events);
    deploy_in_background(app, &state);
    Ok(release as i32)
}

/// How far each personalization of the entry being edited reaches (unsaved edits included).
#[tauri::command]
#[specta::specta]
pub async fn personalization_reach(state: State<'_, AppState>, edit: DocumentEdit) -> Reply<Vec<ReachView>> {
    state.session().personalization_reach(&edit)
}

/// Adds an audience, named by a person (the id is derived from the name by the UI).
#[tauri::command]
#[specta::specta]
pub async fn create_audience(
    state: State<'_, AppState>,
    id: String,
    name: String,
    description: String,
    condition: Json,
) -> Reply<AudienceView> {
    let (audience, events) = state.session().create_audience(&id, &name, &description, &condition.0)?;
    state.emit(&events);
    Ok(audience)
}

/// `release_id` `None`: the workspace as it was imported.
#[tauri::command]
#[specta::specta]
pub async fn rollback_preview(state: State<'_, AppState>, release_id: Option<i32>) -> Reply<RollbackPreview> {
    state.session().rollback_preview(release_id.map(i64::from))
}

#[tauri::command]
#[specta::specta]
pub async fn audit_log(state: State<'_, AppState>, actor: Option<String>, action: Option<String>, limit: u32) -> Reply<AuditView> {
    state.session().audit_log(actor.as_deref(), action.as_deref(), limit as usize)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> Reply<SyncStatusView> {
    state.session().sync_status()
}

/// Sends queued changes to the CMS and brings others' back, reporting progress as it goes.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(app: tauri::AppHandle, state: State<'_, AppState>, cms_url: Option<String>) -> Reply<SyncSummary> {
    let (dir, user) = state.dir_and_user();
    let summary = off_the_ui_thread(move || {
        vantage_studio::session::sync_now(&dir, &user, cms_url.as_deref(), |sent, pending| {
            let progress = SyncProgressView { sent: sent as u32, pending: pending as u32 };
            // Progress is a courtesy; a closed window must not stop the push.
            let _ = crate::events::SyncProgress(progress).emit(&app);
        })
    })
    .await?;
    let events = state.session().refresh_from_store()?;
    state.emit(&events);
    Ok(summary)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_conflicts(state: State<'_, AppState>) -> Reply<Vec<SyncConflictView>> {
    let dir = state.session().dir().to_path_buf();
    vantage_studio::session::sync_conflicts(&dir)
}

/// What the CMS sent that was not applied: code changes held for review, refused documents.
#[tauri::command]
#[specta::specta]
pub async fn sync_waiting(state: State<'_, AppState>) -> Reply<Vec<SyncWaitingView>> {
    let dir = state.session().dir().to_path_buf();
    vantage_studio::session::sync_waiting(&dir)
}

/// Takes a code change held from the CMS into a new change of the current user's, for review;
/// returns the change's id.
#[tauri::command]
#[specta::specta]
pub async fn take_from_cms(state: State<'_, AppState>, path: String) -> Reply<i32> {
    let (dir, user) = state.dir_and_user();
    let change = off_the_ui_thread(move || vantage_studio::session::take_from_cms(&dir, &user, &path)).await?;
    let events = state.session().refresh_from_store()?;
    state.emit(&events);
    Ok(change as i32)
}

/// Settles a sync conflict: `take` is `mine`, `theirs` or `merged` (with `merged` content).
#[tauri::command]
#[specta::specta]
pub async fn resolve_conflict(state: State<'_, AppState>, path: String, take: String, merged: Option<String>) -> Reply<()> {
    let (dir, user) = state.dir_and_user();
    off_the_ui_thread(move || vantage_studio::session::resolve_conflict(&dir, &user, &path, &take, merged)).await?;
    let events = state.session().refresh_from_store()?;
    state.emit(&events);
    Ok(())
}
