//! Static pages per segment (`vantage export static`): the engine's [`static_tier::export`] of
//! the open workspace at one moment, written as a new folder of content-addressed HTML files
//! and `manifest.json`, all at once.

use crate::error::StudioError;
use crate::usecases::OpenWorkspace;
use serde::Serialize;
use std::path::Path;
use vantage_engine::bundle::Bundle;
use vantage_engine::load::SourceFiles;
use vantage_engine::static_tier;

/// The manifest's file name in the folder.
pub const MANIFEST: &str = "manifest.json";

/// What an export wrote, and the figures.
#[derive(Debug, Clone, Serialize)]
pub struct StaticExport {
    pub out: String,
    pub moment: String,
    pub release: String,
    pub report: static_tier::Report,
}

/// Exports `ws`'s pages as decided at `at` (else now, by the clock) into the new folder `out`;
/// with `decide_url`, pages with client-tier slots load the client script from that decision
/// service and may ask it.
pub fn export_static(ws: &OpenWorkspace, out: &Path, at: Option<&str>, decide_url: Option<&str>) -> Result<StaticExport, StudioError> {
    export_bundle(&ws.bundle, out, at, decide_url)
}

/// [`export_static`] of a compiled bundle (the app exports what is published).
pub fn export_bundle(bundle: &Bundle, out: &Path, at: Option<&str>, decide_url: Option<&str>) -> Result<StaticExport, StudioError> {
    let moment = crate::usecases::moment_or_clock(at)?;
    let decide_url = decide_url.map(static_tier::check_decide_url).transpose().map_err(StudioError::bad_input)?;
    let export = static_tier::export_bounded(bundle, &moment, static_tier::MAX_COMBINATIONS, decide_url.as_deref())
        .map_err(crate::visits::visit_error)?;
    let mut files: SourceFiles = export.files;
    files.insert(MANIFEST.into(), export.manifest_json);
    crate::export::write_new_export(out, &files)?;
    Ok(StaticExport { out: out.display().to_string(), moment, release: bundle.hash.clone(), report: export.report })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn export_static_writes_the_files_and_manifest_as_a_new_folder_and_refuses_a_full_one() {
        let ws = crate::open_workspace(&vantage_test_support::demo_dir()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("static");
        let done = export_static(&ws, &out, Some("2026-11-20T12:00:00Z"), None).unwrap();
        let names: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names.len(), done.report.files + 1);
        let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(manifest["format"], static_tier::FORMAT);
        for route in manifest["pages"]["home"]["routes"].as_array().unwrap() {
            assert!(out.join(route["file"].as_str().unwrap()).is_file());
        }
        let again = export_static(&ws, &out, Some("2026-11-20T12:00:00Z"), None).unwrap_err();
        let bad = export_static(&ws, &tmp.path().join("other"), None, Some("http://decide.shop.example")).unwrap_err();
        assert!(bad.to_string().contains("http only to this machine"), "{bad}");
        assert!(again.to_string().contains("not empty"), "{again}");
    }
}
