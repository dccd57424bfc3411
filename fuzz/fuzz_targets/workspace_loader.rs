//! The workspace loader never panics on any file content: the first byte picks which workspace
//! file the rest pretends to be; a loaded workspace must also compile and lint without panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vantage_engine::load::{load, SourceFiles};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/demo-store");

fn demo() -> SourceFiles {
    let mut files = SourceFiles::new();
    let mut stack = vec![std::path::PathBuf::from(DEMO)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let (Ok(text), Ok(rel)) = (std::fs::read_to_string(&path), path.strip_prefix(DEMO)) {
                files.insert(rel.to_string_lossy().into_owned(), text);
            }
        }
    }
    files
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut files = demo();
    let paths: Vec<String> = files.keys().cloned().collect();
    if paths.is_empty() {
        return;
    }
    let target = paths[which as usize % paths.len()].clone();
    files.insert(target, text.to_owned());
    if let Ok(workspace) = load(&files) {
        let bundle = vantage_engine::bundle::Bundle::compile(workspace, String::new());
        let _ = vantage_engine::lint::lint(&bundle, "2026-11-20T12:00:00Z");
    }
});
