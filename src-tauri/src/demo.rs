//! The demo workspace, built into the binary so the app has something to open on first start.

use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

static DEMO: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../fixtures/demo-store");

/// The demo's folder under `data_dir`, written there on first use (later edits are kept).
pub fn ensure_demo(data_dir: &Path) -> Result<PathBuf, String> {
    let dir = data_dir.join("demo-store");
    if !dir.join("vantage.json").exists() {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        DEMO.extract(&dir).map_err(|e| format!("cannot write the demo workspace to {}: {e}", dir.display()))?;
    }
    Ok(dir)
}
