//! Shared by the studio's integration tests: a private copy of the demo workspace.

use std::path::{Path, PathBuf};

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

/// A fresh copy of `fixtures/demo-store` in a temporary folder (kept while the guard lives).
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo-store");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-store"), &dir);
    (tmp, dir)
}
