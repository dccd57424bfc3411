//! The command list is written once (`src/command_names.rs`): the commands registered with
//! tauri-specta (`lib.rs`, which the bindings are generated from), the names declared to Tauri's
//! permission system (`build.rs` includes the list) and the permissions the window's capability
//! grants must all be exactly that list, so a command can be neither unreachable nor ungranted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

fn listed() -> BTreeSet<String> {
    vantage_app::COMMANDS.iter().map(|c| (*c).to_owned()).collect()
}

#[test]
fn every_registered_command_is_in_the_one_list_and_nothing_else_is() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bindings.ts");
    vantage_app::export_bindings(&file).unwrap();
    let bindings = std::fs::read_to_string(&file).unwrap();
    let registered: BTreeSet<String> =
        bindings.split("__TAURI_INVOKE(\"").skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect();
    assert_eq!(registered, listed(), "lib.rs's collect_commands! and src/command_names.rs differ");
    assert_eq!(vantage_app::COMMANDS.len(), listed().len(), "a command is listed twice");
}

#[test]
fn the_window_is_granted_exactly_the_listed_commands_and_event_listening() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
    let capability: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let permissions: Vec<&str> = capability["permissions"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
    let granted: BTreeSet<String> = permissions.iter().filter_map(|p| p.strip_prefix("allow-")).map(|c| c.replace('-', "_")).collect();
    assert_eq!(granted, listed(), "capabilities/main.json grants other commands than src/command_names.rs lists");
    let others: Vec<&&str> = permissions.iter().filter(|p| !p.starts_with("allow-")).collect();
    assert_eq!(others, [&"core:event:allow-listen", &"core:event:allow-unlisten"], "the window may only listen to events besides");
}
