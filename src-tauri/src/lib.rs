//! # vantage-app
//!
//! The desktop app: a Tauri window over `vantage-studio`. Each command is a few lines that call
//! one method of [`vantage_studio::Session`] and hand back its result or its typed error; the
//! UI's TypeScript bindings are generated from these signatures (`--export-bindings`).

mod command_names;
mod commands;
mod demo;
mod events;
mod rendering;
mod state;

pub use command_names::COMMANDS;
use state::AppState;
use tauri_specta::{collect_commands, collect_events, Builder};

/// The commands and events the UI may use, with their types.
pub fn specta_builder() -> Builder<tauri::Wry> {
    use commands::*;
    Builder::<tauri::Wry>::new()
        // One TypeScript type per Rust type (no separate read and write shapes).
        .disable_serde_phases()
        .commands(collect_commands![
            get_session,
            pick_workspace,
            switch_user,
            sign_in,
            sign_out,
            read_document,
            preview_edit,
            save_document,
            undo_document,
            redo_document,
            render_page,
            render_slots,
            explain_slot,
            coverage,
            coverage_on_traffic,
            lint,
            condition_text,
            save_profile,
            change_sets,
            submit_change,
            decide_change,
            publish_change,
            review_change,
            render_review_page,
            render_review_recorded,
            traffic_status,
            import_traffic,
            comments,
            add_comment,
            releases,
            rollback,
            rollback_preview,
            create_audience,
            personalization_reach,
            audit_log,
            sync_status,
            sync_now,
            sync_conflicts,
            sync_waiting,
            take_from_cms,
            resolve_conflict,
            deploy_targets,
            add_deploy_target,
            remove_deploy_target,
            deploy_now,
            cdp_memberships,
            export_static_pages,
        ])
        .events(collect_events![
            events::WorkspaceChanged,
            events::WorkspaceProblems,
            events::SyncProgress,
            events::ReviewProgress,
            events::DeployStatus
        ])
}

/// The bindings file header: generated, and exempt from the UI's lint rules.
const BINDINGS_HEADER: &str =
    "// Generated from the Rust command and view types by `vantage-app --export-bindings`; do not edit.\n/* eslint-disable */\n";

/// Writes the UI's TypeScript bindings to `file`.
pub fn export_bindings(file: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(specta_typescript::Typescript::default().header(BINDINGS_HEADER), file)
        .map_err(|e| format!("cannot write the bindings to {}: {e}", file.display()))
}

/// Starts the app on `workspace`, else the folder in `VANTAGE_WORKSPACE`, else the last one
/// opened, else the bundled demo.
pub fn run(workspace: Option<std::path::PathBuf>) -> Result<(), String> {
    rendering::paint_directly_without_gpu();
    let builder = specta_builder();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = AppState::start(app.handle(), workspace.clone())?;
            use tauri::Manager;
            app.manage(state);
            Ok(())
        })
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}
