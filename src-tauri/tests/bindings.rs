//! The UI's TypeScript bindings are generated from the Rust commands and views; this test fails
//! when the checked-in file no longer matches, so the UI cannot drift from the backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn checked_in_ui_bindings_match_the_rust_commands() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    vantage_app::export_bindings(&fresh).unwrap();
    let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let expected = std::fs::read_to_string(&fresh).unwrap();
    let actual = std::fs::read_to_string(&checked_in).unwrap_or_default();
    assert!(expected == actual, "ui/src/lib/bindings.ts is stale: regenerate it with `scripts/bindings` and commit the result");
}
