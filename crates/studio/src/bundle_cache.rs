//! Compiled bundles kept by the hash of their sources, so that a reviewer flipping between a
//! change's before and after, or several frames of the same review, compile each side once.

use crate::error::StudioError;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::{load, SourceFiles};

/// How many compiled bundles are kept (a review holds two; a few reviews stay warm).
const CAPACITY: usize = 8;

#[derive(Default)]
pub struct BundleCache {
    recent: Mutex<VecDeque<Arc<Bundle>>>,
}

impl BundleCache {
    /// The bundle of `sources`, compiled now unless a recent one has the same hash. `what` names
    /// the sources in an error ("the workspace before change set 3 does not load: …").
    pub fn get_or_compile(&self, sources: &SourceFiles, what: &str) -> Result<Arc<Bundle>, StudioError> {
        let hash = source_hash(sources);
        if let Some(bundle) = self.lock().iter().find(|b| b.hash == hash) {
            return Ok(Arc::clone(bundle));
        }
        // Compile without holding the lock: another review may be compiling too.
        let workspace = load(sources).map_err(|e| StudioError::bad_input(format!("the workspace {what} does not load: {e}")))?;
        let bundle = Arc::new(Bundle::compile(workspace, hash));
        let mut recent = self.lock();
        recent.push_back(Arc::clone(&bundle));
        while recent.len() > CAPACITY {
            recent.pop_front();
        }
        Ok(bundle)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Bundle>>> {
        // A panic while holding the lock leaves only a list of finished bundles behind.
        self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
