//! The release being served and how it changes. Every request takes the current release once
//! (an `Arc`), so it sees the old release or the new one, never a mix; a deploy verifies and
//! compiles the new release first, writes it to the state folder atomically (temporary file,
//! fsync, rename), and only then switches. A crash at any point leaves a whole release on disk.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use vantage_delivery::LiveRelease;

/// A release being served, with the text it came from (what `GET /release` hands on).
pub struct Served {
    pub release: LiveRelease,
    pub text: Arc<str>,
}

/// The current release (none before the first deploy) and where it is kept.
pub struct Current {
    served: RwLock<Option<Arc<Served>>>,
    state_dir: Option<PathBuf>,
}

/// The file in the state folder holding the release being served.
const CURRENT_FILE: &str = "current-release.json";

impl Current {
    pub fn new(state_dir: Option<PathBuf>) -> Current {
        Current { served: RwLock::new(None), state_dir }
    }

    pub fn get(&self) -> Option<Arc<Served>> {
        self.served.read().ok().and_then(|s| s.clone())
    }

    /// The release kept in the state folder by an earlier run, if there is a whole one.
    pub fn kept(&self) -> Result<Option<String>, String> {
        let Some(dir) = &self.state_dir else { return Ok(None) };
        let path = dir.join(CURRENT_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Verifies, compiles, keeps and switches to the release in `text`; returns its hash and
    /// the previous one. A release that fails any step changes nothing.
    pub fn switch(&self, text: &str, expected_hash: Option<&str>) -> Result<(String, Option<String>), String> {
        let release = vantage_delivery::release::checked_release(text, expected_hash)?;
        let hash = release.hash().to_owned();
        if let Some(dir) = &self.state_dir {
            keep(dir, text).map_err(|e| format!("release {hash} could not be kept in {}: {e}", dir.display()))?;
        }
        let served = Arc::new(Served { release, text: Arc::from(text) });
        let mut slot = self.served.write().map_err(|_| "the release lock is poisoned".to_owned())?;
        let previous = slot.replace(served).map(|old| old.release.hash().to_owned());
        Ok((hash, previous))
    }
}

fn keep(dir: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!("{CURRENT_FILE}.{}.partial", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, dir.join(CURRENT_FILE))?;
    // The rename itself is durable once the folder is synced.
    std::fs::File::open(dir)?.sync_all()
}
