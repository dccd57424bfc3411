//! Declares the app's own commands to Tauri's permission system, so the window's capability
//! (`capabilities/main.json`) must grant each one by name: nothing is callable by default.

/// Every command in `src/lib.rs` (`specta_builder`); the capability grants them to the main window.
const COMMANDS: &[&str] = &[
    "get_session",
    "pick_workspace",
    "switch_user",
    "read_document",
    "preview_edit",
    "save_document",
    "undo_document",
    "redo_document",
    "render_page",
    "render_slots",
    "explain_slot",
    "coverage",
    "lint",
    "condition_text",
    "save_profile",
    "change_sets",
    "submit_change",
    "decide_change",
    "publish_change",
    "review_change",
    "render_review_page",
    "comments",
    "add_comment",
    "releases",
    "rollback",
    "audit_log",
    "sync_status",
    "sync_now",
    "sync_conflicts",
    "resolve_conflict",
];

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}
