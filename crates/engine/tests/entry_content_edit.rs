//! A keystroke in an entry's content (not its rules) builds the next bundle from the last one,
//! re-merging that entry only: the result must be exactly what compiling everything gives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use serde_json::Value;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::{load, load_one_changed};

/// Every string of `v` edited as a person typing would, and every https link turned into a
/// script link (which the merged variants must neutralise either way).
fn edit_strings(v: &mut Value) {
    match v {
        Value::String(s) => *s = format!("{} (edited)", s.replace("https://", "javascript:alert(1)//")),
        Value::Array(items) => items.iter_mut().for_each(edit_strings),
        Value::Object(fields) => fields.values_mut().for_each(edit_strings),
        _ => {}
    }
}

fn edit_content(text: &str) -> String {
    let mut doc: Value = serde_json::from_str(text).unwrap();
    edit_strings(&mut doc["baseline"]);
    if let Some(ps) = doc["personalizations"].as_array_mut() {
        for p in ps {
            edit_strings(&mut p["patch"]);
            edit_strings(&mut p["name"]);
        }
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn a_content_edit_of_each_entry_gives_the_bundle_a_full_compile_gives() {
    let files = vantage_test_support::demo_files();
    let before = Bundle::compile(load(&files).unwrap(), source_hash(&files));
    let mut checked = 0;
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with("entries/")) {
        let id = path.trim_start_matches("entries/").trim_end_matches(".json");
        let edited = edit_content(text);
        let workspace = load_one_changed(&before.workspace, path, &edited).unwrap().unwrap();
        assert!(before.only_entry_content_changed(&workspace, id), "{path}: only content was edited");
        let quick = before.with_entry_content(workspace.clone(), "h".into(), id);
        let full = Bundle::compile(workspace, "h".into());
        assert_ne!(quick.contents.get(id), before.contents.get(id), "{path}: the edit changed what the entry shows");
        assert_eq!(quick.contents, full.contents, "{path}: merged variants");
        assert_eq!(quick.diagnostics, full.diagnostics, "{path}: diagnostics");
        assert_eq!(format!("{:?}", quick.decisions.pages), format!("{:?}", full.decisions.pages), "{path}: compiled pages");
        checked += 1;
    }
    assert_eq!(checked, before.workspace.entries.len(), "every demo entry was edited");
}

/// A change made to an entry document.
type Edit = fn(&mut Value);

#[test]
fn an_edit_of_rules_or_of_more_than_the_entry_is_not_a_content_edit() {
    let files = vantage_test_support::demo_files();
    let before = Bundle::compile(load(&files).unwrap(), source_hash(&files));
    let path = "entries/home-hero.json";
    let doc: Value = serde_json::from_str(&files[path]).unwrap();
    let rule_edits: [(&str, Edit); 4] = [
        ("a condition", |d| {
            d["personalizations"][0]["condition"] = serde_json::json!({"attr": "request.device", "op": "eq", "value": "tablet"})
        }),
        ("a personalization's id", |d| d["personalizations"][0]["id"] = "renamed".into()),
        ("the priority order", |d| d["personalizations"].as_array_mut().unwrap().reverse()),
        ("the component type", |d| d["type"] = "promo-banner".into()),
    ];
    for (what, edit) in rule_edits {
        let mut changed = doc.clone();
        edit(&mut changed);
        let workspace = load_one_changed(&before.workspace, path, &changed.to_string()).unwrap().unwrap();
        assert!(!before.only_entry_content_changed(&workspace, "home-hero"), "changing {what} changes rules");
    }
    // Content edited, but another entry differs too (the bundle is older than the workspace).
    let mut workspace = load_one_changed(&before.workspace, path, &edit_content(&files[path])).unwrap().unwrap();
    let other = "entries/home-promo.json";
    workspace = load_one_changed(&workspace, other, &edit_content(&files[other])).unwrap().unwrap();
    assert!(!before.only_entry_content_changed(&workspace, "home-hero"));
}
