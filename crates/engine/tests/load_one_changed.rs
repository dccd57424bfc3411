//! Loading one changed entry or page file on top of the loaded workspace gives exactly what
//! loading every file again gives: the same workspace, or the same problems.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use vantage_engine::load::{load, load_one_changed};

/// Each demo entry and page file changed in three ways: a harmless edit, an id that no longer
/// matches the file name, and broken JSON.
#[test]
fn one_changed_file_loads_as_the_whole_folder_would() {
    let files = vantage_test_support::demo_files();
    let loaded = load(&files).unwrap();
    let mut checked = 0;
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with("entries/") || p.starts_with("pages/")) {
        let stem = path.rsplit('/').next().unwrap().trim_end_matches(".json");
        let edits = [
            text.replacen('{', "{\n  ", 1).replacen("\"description\": \"", "\"description\": \"Changed: ", 1),
            text.replacen(&format!("\"id\": \"{stem}\""), "\"id\": \"someone-else\"", 1),
            text.replacen('{', "{,", 1),
        ];
        for edited in edits {
            let mut all = files.clone();
            all.insert(path.clone(), edited.clone());
            let whole = load(&all).map_err(|e| e.0);
            let one = load_one_changed(&loaded, path, &edited).expect("entries and pages load one by one").map_err(|e| e.0);
            assert_eq!(one, whole, "{path} changed to:\n{edited}");
            checked += 1;
        }
    }
    assert!(checked >= 3 * 30, "every entry and page was checked: {checked}");
}

#[test]
fn other_files_are_loaded_with_the_whole_folder() {
    let files = vantage_test_support::demo_files();
    let loaded = load(&files).unwrap();
    for path in ["catalog.json", "audiences.json", "vantage.json", "components/hero/schema.json", "profiles/vip-anna.json"] {
        assert!(load_one_changed(&loaded, path, "{}").is_none(), "{path}");
    }
}
