//! Declares the app's own commands to Tauri's permission system, so the window's capability
//! (`capabilities/main.json`) must grant each one by name: nothing is callable by default.

// The one list of command names, shared with the app (`vantage_app::COMMANDS`); a test checks
// it against the commands registered with tauri-specta and the window's capability.
include!("src/command_names.rs");

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}
