//! One function per user action.

use crate::error::StudioError;
use crate::files::{read_bundle_or_workspace, read_workspace_dir, BundleFile, BUNDLE_FORMAT};
use serde::Serialize;
use std::path::Path;
use vantage_engine::bundle::{source_hash, Bundle, Diagnostic, Severity};
use vantage_engine::compose::{profile_context, ComposedPage};
use vantage_engine::explain::SlotExplanation;
use vantage_engine::impact::Impact;
use vantage_engine::load::{load, SourceFiles};
use vantage_engine::matrix::PageMatrix;
use vantage_engine::render::Templates;

/// An open workspace: its sources and the compiled bundle.
pub struct OpenWorkspace {
    pub sources: SourceFiles,
    pub bundle: Bundle,
}

fn compile(sources: SourceFiles) -> Result<OpenWorkspace, StudioError> {
    let hash = source_hash(&sources);
    let workspace = load(&sources).map_err(|e| StudioError::bad_input(e.to_string()))?;
    Ok(OpenWorkspace { bundle: Bundle::compile(workspace, hash), sources })
}

/// Opens the workspace folder at `dir`.
pub fn open_workspace(dir: &Path) -> Result<OpenWorkspace, StudioError> {
    compile(read_workspace_dir(dir)?)
}

/// Opens a workspace folder or a bundle file.
pub fn open_bundle_or_workspace(path: &Path) -> Result<OpenWorkspace, StudioError> {
    compile(read_bundle_or_workspace(path)?)
}

pub(crate) fn check_time(at: &str) -> Result<(), StudioError> {
    vantage_engine::time::parse_timestamp(at)
        .map(|_| ())
        .ok_or_else(|| StudioError::bad_input(format!("`{at}` is not a time such as 2026-11-20T12:00:00Z")))
}

/// Lint findings and how many are errors.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub findings: Vec<Diagnostic>,
    pub errors: usize,
}

/// Lints the workspace over its simulated population, checking feeds as of `at`.
pub fn lint(ws: &OpenWorkspace, at: &str) -> Result<LintReport, StudioError> {
    check_time(at)?;
    let settings = &ws.bundle.workspace.settings.population;
    let population = vantage_engine::population::generate(&ws.bundle.workspace, settings.size, settings.seed, at);
    let findings = vantage_engine::lint::lint(&ws.bundle, &population, at);
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    Ok(LintReport { findings, errors })
}

/// A page as one profile sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub composed: ComposedPage,
    pub html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<SlotExplanation>>,
}

/// Previews `page` as `profile` sees it at `at`, optionally explaining every decision.
pub fn preview(ws: &OpenWorkspace, page: &str, profile: &str, at: &str, explain: bool) -> Result<Preview, StudioError> {
    check_time(at)?;
    let model = &ws.bundle.workspace;
    let meta = model.pages.get(page).ok_or_else(|| {
        StudioError::not_found(format!("no page `{page}`; pages: {}", model.pages.keys().cloned().collect::<Vec<_>>().join(", ")))
    })?;
    let visitor = model.profiles.get(profile).ok_or_else(|| {
        StudioError::not_found(format!(
            "no profile `{profile}`; profiles: {}",
            model.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let compiled = ws.bundle.page(page).ok_or_else(|| StudioError::not_found(format!("page `{page}` did not compile")))?;
    let flat = profile_context(model, visitor, meta, at);
    let composed = ws.bundle.compose(compiled, &flat);
    let html = Templates::new(model).render_page(&composed, &model.theme);
    let explanation = explain.then(|| ws.bundle.explain(compiled, &flat));
    Ok(Preview { composed, html, explanation })
}

/// The coverage matrix of every page for every named profile at `at`.
pub fn matrix(ws: &OpenWorkspace, at: &str) -> Result<Vec<PageMatrix>, StudioError> {
    check_time(at)?;
    Ok(vantage_engine::matrix::matrix(&ws.bundle, at))
}

/// The bundle file for the open workspace (what `vantage bundle` writes).
pub fn bundle_file(ws: &OpenWorkspace) -> BundleFile {
    BundleFile { format: BUNDLE_FORMAT.into(), hash: ws.bundle.hash.clone(), files: ws.sources.clone() }
}

/// Impact of going from `old` to `new` (folders or bundle files) at `at`.
pub fn impact(old: &Path, new: &Path, at: &str) -> Result<(Impact, Vec<vantage_engine::diff::Change>), StudioError> {
    check_time(at)?;
    let (old, new) = (open_bundle_or_workspace(old)?, open_bundle_or_workspace(new)?);
    let settings = &new.bundle.workspace.settings.population;
    let population = vantage_engine::population::generate(&new.bundle.workspace, settings.size, settings.seed, at);
    let report = vantage_engine::impact::impact(&old.bundle, &new.bundle, &population, at);
    let changes = vantage_engine::diff::diff(&old.bundle.workspace, &new.bundle.workspace);
    Ok((report, changes))
}

/// Results of running conformance case files.
#[derive(Debug, Clone, Serialize)]
pub struct ConformReport {
    pub files: Vec<ConformFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConformFile {
    pub path: String,
    pub passed: usize,
    pub failures: Vec<ConformFailure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConformFailure {
    pub name: String,
    pub expected: String,
    pub actual: String,
}

/// Runs conformance case files and reports every case whose result differs.
pub fn conform(paths: &[&Path]) -> Result<ConformReport, StudioError> {
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| StudioError::io(path, &e))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| StudioError::bad_input(format!("{}:{}:{}: not valid JSON", path.display(), e.line(), e.column())))?;
        let report = vantage_engine::conformance::run(&value).map_err(|e| StudioError::bad_input(format!("{}: {e}", path.display())))?;
        files.push(ConformFile {
            path: path.display().to_string(),
            passed: report.passed,
            failures: report
                .failures
                .into_iter()
                .map(|f| ConformFailure { name: f.name, expected: f.expected, actual: f.actual })
                .collect(),
        });
    }
    Ok(ConformReport { files })
}
