//! Shared by Vantage's tests and benchmarks: the demo workspace (`fixtures/demo-store`) as a map
//! of its files, or as a private copy in a temporary folder. Test code: it panics on a missing
//! fixture, which is how a test fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod http;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository's root: found from the running test's own crate (cargo sets
/// `CARGO_MANIFEST_DIR` when it runs a test), so a build cached from another checkout of the
/// repository still reads this checkout's fixtures.
pub fn repo() -> PathBuf {
    let here = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    here.ancestors()
        .find(|dir| dir.join("fixtures/demo-store").is_dir())
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), Path::to_path_buf)
}

/// The demo workspace in the repository.
pub fn demo_dir() -> PathBuf {
    repo().join("fixtures/demo-store")
}

/// Every workspace file of the demo (JSON, templates, the theme) by its workspace-relative path
/// with forward slashes, as the engine and the store take them.
pub fn demo_files() -> BTreeMap<String, String> {
    let dir = demo_dir();
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json" || x == "html" || x == "css") {
                let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
                files.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    files
}

/// Copies the folder `from` into `to`, recursively.
/// Changes the JSON document `path` of `files` in place (a test's variation of the demo).
pub fn edit_json(files: &mut BTreeMap<String, String>, path: &str, change: impl FnOnce(&mut serde_json::Value)) {
    let mut doc: serde_json::Value = serde_json::from_str(&files[path]).unwrap_or_else(|e| panic!("{path}: {e}"));
    change(&mut doc);
    files.insert(path.into(), serde_json::to_string_pretty(&doc).unwrap_or_else(|e| panic!("{path}: {e}")));
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A fresh copy of the demo workspace in a temporary folder (kept while the guard lives).
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo-store");
    copy_dir(&demo_dir(), &dir);
    (tmp, dir)
}

/// Writes into `dir` (which must not exist) the demo workspace grown to `pages` more pages and
/// `entries` more entries: each new entry is a copy of one of the demo's home, sale, category or
/// site entries under a new id (`<original>-<n>`), and each new page (`page-<n>`, 10 slots)
/// shows ten of them. For measuring how a large workspace opens and stays responsive.
pub fn grown_demo(dir: &Path, pages: usize, entries: usize) {
    copy_dir(&demo_dir(), dir);
    let mut originals: Vec<(String, String)> = std::fs::read_dir(demo_dir().join("entries"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().strip_suffix(".json")?.to_owned();
            // Product-detail entries need a product page; the new pages are not.
            (!name.starts_with("pdp-")).then(|| (name.clone(), std::fs::read_to_string(e.path()).unwrap()))
        })
        .collect();
    originals.sort();
    let mut ids = Vec::with_capacity(entries);
    for n in 0..entries {
        let (original, text) = &originals[n % originals.len()];
        let id = format!("{original}-{n:05}");
        let renamed = text.replacen(&format!("\"id\": \"{original}\""), &format!("\"id\": \"{id}\""), 1);
        std::fs::write(dir.join("entries").join(format!("{id}.json")), renamed).unwrap();
        ids.push(id);
    }
    for p in 0..pages {
        let slots: Vec<String> = (0..10)
            .filter_map(|s| ids.get((p * 10 + s) % ids.len().max(1)).map(|e| format!("{{\"id\": \"slot-{s}\", \"entry\": \"{e}\"}}")))
            .collect();
        let page = format!(
            "{{\"id\": \"page-{p:04}\", \"title\": \"Landing page {p}\", \"path\": \"/landing/{p}\", \"product_page\": false, \"slots\": [{}]}}\n",
            slots.join(", ")
        );
        std::fs::write(dir.join("pages").join(format!("page-{p:04}.json")), page).unwrap();
    }
}
