//! The app's state: the open session, the folder watcher feeding it, and which workspace to open.

use crate::events::{WorkspaceChanged, WorkspaceProblems};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use vantage_studio::session::views::{ProblemList, SlotRefView, WorkspaceChange};
use vantage_studio::SharedSession;
use vantage_studio::{Session, StudioError, WorkspaceEvent};

/// How long the watcher waits for a burst of file events to settle.
const DEBOUNCE: Duration = Duration::from_millis(20);

pub struct AppState {
    session: Arc<SharedSession>,
    watcher: Mutex<Option<vantage_watch::WatchHandle>>,
    app: AppHandle,
}

impl AppState {
    /// Opens the workspace to start on: the one asked for, else `VANTAGE_WORKSPACE`, else the
    /// last one opened, else the bundled demo.
    pub fn start(app: &AppHandle, requested: Option<PathBuf>) -> Result<AppState, Box<dyn std::error::Error>> {
        let (dir, is_demo) = match requested.or_else(|| std::env::var_os("VANTAGE_WORKSPACE").map(PathBuf::from)) {
            Some(dir) => (dir, false),
            None => match last_workspace(app).filter(|d| d.join("vantage.json").exists()) {
                Some(dir) => {
                    let demo = app.path().app_data_dir().ok().map(|d| d.join("demo-store"));
                    let is_demo = demo.as_deref() == Some(dir.as_path());
                    (dir, is_demo)
                }
                None => (crate::demo::ensure_demo(&app.path().app_data_dir()?)?, true),
            },
        };
        let session = Session::open(&dir, is_demo).map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
        let state = AppState { session: Arc::new(SharedSession::new(session)), watcher: Mutex::new(None), app: app.clone() };
        state.watch(&dir)?;
        Ok(state)
    }

    /// The session, locked: for quick actions only (see [`AppState::shared`]).
    pub fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock()
    }

    /// The workspace folder and the acting user, for work done on a connection of its own.
    pub fn dir_and_user(&self) -> (std::path::PathBuf, String) {
        let session = self.session();
        (session.dir().to_path_buf(), session.user().to_owned())
    }

    /// The shared session, for heavy work that must not hold the lock typing needs.
    pub fn shared(&self) -> Arc<SharedSession> {
        Arc::clone(&self.session)
    }

    /// Switches to the workspace folder `dir` and remembers it for the next start.
    pub fn open(&self, dir: &Path) -> Result<(), StudioError> {
        let session = Session::open(dir, false)?;
        self.session.replace(session);
        self.watch(dir).map_err(|e| StudioError::new(vantage_studio::ErrorCode::Io, e))?;
        if let Ok(config) = self.app.path().app_config_dir() {
            // Remembering is a convenience: failing to write it must not fail the open.
            let _ = std::fs::create_dir_all(&config)
                .and_then(|()| std::fs::write(config.join("last-workspace"), dir.as_os_str().as_encoded_bytes()));
        }
        Ok(())
    }

    /// Sends the UI what a batch of workspace events means for it.
    pub fn emit(&self, events: &[WorkspaceEvent]) {
        emit_events(&self.app, &self.session, events);
    }

    fn watch(&self, dir: &Path) -> Result<(), String> {
        let (handle, mut batches) = vantage_watch::watch(dir, DEBOUNCE).map_err(|e| e.to_string())?;
        *self.watcher.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(handle);
        let (session, app) = (Arc::clone(&self.session), self.app.clone());
        tauri::async_runtime::spawn(async move {
            while let Some(batch) = batches.recv().await {
                let events = {
                    let mut s = session.lock();
                    match batch {
                        Ok(paths) => s.apply_disk_changes(&paths),
                        Err(_) => s.rescan().unwrap_or_default(),
                    }
                };
                emit_events(&app, &session, &events);
            }
        });
        Ok(())
    }
}

fn emit_events(app: &AppHandle, session: &SharedSession, events: &[WorkspaceEvent]) {
    let mut problems_changed = false;
    for event in events {
        match event {
            WorkspaceEvent::Reloaded { changed, hash, affected } => {
                let change = WorkspaceChange {
                    changed: changed.clone(),
                    affected: affected.iter().map(|s| SlotRefView { page: s.page.clone(), slot: s.slot.clone() }).collect(),
                    hash: hash.clone(),
                };
                // The window may be closing; there is nobody to tell then.
                let _ = WorkspaceChanged(change).emit(app);
            }
            WorkspaceEvent::Invalid { .. } | WorkspaceEvent::Recovered { .. } => problems_changed = true,
        }
    }
    if problems_changed {
        let problems = session.lock().problems();
        let _ = WorkspaceProblems(ProblemList { problems }).emit(app);
    }
}

fn last_workspace(app: &AppHandle) -> Option<PathBuf> {
    let file = app.path().app_config_dir().ok()?.join("last-workspace");
    let text = std::fs::read_to_string(file).ok()?;
    Some(PathBuf::from(text.trim()))
}
