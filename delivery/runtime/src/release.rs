//! A release ready to serve: its file checked (format, SHA-256), its workspace loaded and
//! compiled once. A release that fails any step is refused with its hash named, and whatever
//! served before keeps serving.
//!
//! A visitor's page depends on them only through each slot's decision and the product in view
//! (`Decided::composition_key`), so the composed page, its HTML and its JSON are kept per key:
//! the next visitor with the same decisions costs a lookup, not a composition and a render.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use vantage_engine::bundle::Bundle;
use vantage_engine::compose::ComposedPage;
use vantage_engine::release::ReleaseFile;
use vantage_engine::visit::{CompositionKey, Decided, Render};

/// At most this many composed pages are kept per release (then the keeper starts over).
pub const COMPOSED_KEPT: usize = 1024;

/// A page composed and rendered for one composition key.
#[derive(Debug)]
pub struct Rendered {
    pub composed: ComposedPage,
    pub html: String,
    /// `composed` as JSON, and each slot's decision as JSON (`POST /decide`'s parts).
    pub composed_json: String,
    pub decisions_json: String,
    /// Each slot's `<section>` by slot id, as a JSON object (for the client tier to patch in).
    pub sections_json: String,
    /// The page's validator: the release, the product in view and every slot's variant.
    pub etag: String,
}

/// A compiled release.
#[derive(Debug)]
pub struct LiveRelease {
    pub bundle: Bundle,
    kept: Mutex<HashMap<CompositionKey, Arc<Rendered>>>,
}

impl LiveRelease {
    /// Reads, verifies and compiles a release file's text.
    pub fn from_text(text: &str) -> Result<LiveRelease, String> {
        checked_release(text, None)
    }

    /// Compiles a release file already verified.
    pub fn from_file(file: ReleaseFile) -> Result<LiveRelease, String> {
        let workspace = vantage_engine::load::load(&file.files).map_err(|e| format!("release {} does not load: {e}", file.hash))?;
        Ok(LiveRelease { bundle: Bundle::compile(workspace, file.hash), kept: Mutex::new(HashMap::new()) })
    }

    pub fn hash(&self) -> &str {
        &self.bundle.hash
    }

    /// The composed and rendered page for a decided visit: kept, or made now and kept.
    pub fn rendered(&self, decided: &Decided<'_>) -> Arc<Rendered> {
        let key = decided.composition_key(&self.bundle);
        if let Some(found) = self.kept.lock().ok().and_then(|kept| kept.get(&key).cloned()) {
            return found;
        }
        let visit = self.bundle.finish_visit(decided, Render::Page, false);
        let decisions: Vec<_> = visit
            .composed
            .slots
            .iter()
            .zip(&visit.decisions)
            .map(|(slot, decision)| {
                let choice = match decision.choice {
                    vantage_engine::bundle::Choice::Baseline => "baseline",
                    vantage_engine::bundle::Choice::Personalization(_) => "personalization",
                    vantage_engine::bundle::Choice::Arm(_) => "experiment",
                    vantage_engine::bundle::Choice::Holdout => "holdout",
                };
                serde_json::json!({ "slot": slot.slot, "entry": slot.entry, "variant": slot.variant, "choice": choice })
            })
            .collect();
        let sections: serde_json::Map<String, serde_json::Value> =
            visit.sections.iter().map(|s| (s.slot.clone(), serde_json::Value::String(s.html.clone()))).collect();
        let rendered = Arc::new(Rendered {
            sections_json: serde_json::Value::Object(sections).to_string(),
            composed_json: serde_json::to_string(&visit.composed).unwrap_or_default(),
            decisions_json: serde_json::Value::Array(decisions).to_string(),
            etag: etag(self.hash(), key.sku.as_deref(), &visit.composed),
            html: visit.html.unwrap_or_default(),
            composed: visit.composed,
        });
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= COMPOSED_KEPT {
                kept.clear();
            }
            kept.insert(key, Arc::clone(&rendered));
        }
        rendered
    }
}

fn etag(release: &str, product: Option<&str>, composed: &ComposedPage) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(release.as_bytes());
    hasher.update(format!("\n{}\n{}\n", product.unwrap_or(""), composed.locale.as_deref().unwrap_or("")).as_bytes());
    for slot in &composed.slots {
        hasher.update(format!("{}={}\n", slot.slot, slot.variant).as_bytes());
    }
    let digest: String = hasher.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{}-{digest}\"", &release[..release.len().min(12)])
}

/// The release in `text`, verified (format, SHA-256, and the hash it was announced as) and
/// compiled: what a deploy does before it switches, in either tier.
pub fn checked_release(text: &str, expected_hash: Option<&str>) -> Result<LiveRelease, String> {
    let file = ReleaseFile::parse(text).map_err(|e| e.to_string())?;
    if let Some(expected) = expected_hash.filter(|e| *e != file.hash) {
        return Err(format!("release {} was announced as {expected}: refused", file.hash));
    }
    LiveRelease::from_file(file)
}
