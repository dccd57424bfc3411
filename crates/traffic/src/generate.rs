//! Recorded-looking traffic for tests and benchmarks: the workspace's own simulated population
//! (its catalog's distributions), drawn batch by batch from a seed so that the same seed writes
//! the same file, each visitor with an id of its own (`v-<row>`).

use crate::batch::from_flats;
use crate::kept::{write_whole, Written};
use crate::TrafficError;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use vantage_engine::model::Workspace;

/// Visitors drawn at once: memory stays bounded by this, not by the file.
const BATCH: usize = 8192;

/// Writes `rows` visitors drawn from `workspace`'s catalog with `seed` to the Parquet file `out`.
pub fn generate(workspace: &Workspace, rows: usize, seed: u64, out: &Path) -> Result<Written, TrafficError> {
    let schema = Arc::new(crate::columns::schema(&workspace.catalog));
    let now = workspace.settings.population.now.clone();
    let has_id = workspace.catalog.attributes.contains_key("profile.id");
    let mut done = 0usize;
    write_whole(out, schema, || {
        if done >= rows {
            return Ok(None);
        }
        let n = BATCH.min(rows - done);
        let batch_seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(done as u64);
        let mut visitors = vantage_engine::population::generate(workspace, n, batch_seed, &now);
        for (i, visitor) in visitors.iter_mut().enumerate() {
            visitor.remove(vantage_engine::catalog::NOW);
            if has_id {
                visitor.insert("profile.id".into(), Value::String(format!("v-{}", done + i)));
            }
        }
        done += n;
        from_flats(&workspace.catalog, &visitors).map(Some).map_err(|e| TrafficError::Arrow(e.to_string()))
    })
}
