//! One function per user action.

use crate::error::StudioError;
use crate::files::{read_bundle_or_workspace, read_workspace_dir, BundleFile, BUNDLE_FORMAT};
use crate::visits::Look;
use serde::Serialize;
use std::path::Path;
use vantage_engine::bundle::{source_hash, Bundle, Diagnostic, Severity};
use vantage_engine::compose::ComposedPage;
use vantage_engine::explain::SlotExplanation;
use vantage_engine::impact::Impact;
use vantage_engine::load::{load, SourceFiles};
use vantage_engine::matrix::PageMatrix;
use vantage_engine::visit::{Moment, Render};

/// An open workspace: its sources and the compiled bundle.
pub struct OpenWorkspace {
    pub sources: SourceFiles,
    pub bundle: Bundle,
}

pub(crate) fn compile(sources: SourceFiles) -> Result<OpenWorkspace, StudioError> {
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

/// Lints the workspace over its own simulated population, checking feeds as of `at` (else now).
pub fn lint(ws: &OpenWorkspace, at: Option<&str>) -> Result<LintReport, StudioError> {
    let at = moment_or_clock(at)?;
    let findings = vantage_engine::lint::lint(&ws.bundle, &at);
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    Ok(LintReport { findings, errors })
}

/// [`lint`], judging unreached and shadowed rules on the recorded traffic imported beside the
/// store at `db` instead of the simulated population.
pub fn lint_on_traffic(ws: &OpenWorkspace, at: Option<&str>, db: &Path) -> Result<(LintReport, crate::traffic::TrafficInUse), StudioError> {
    let at = moment_or_clock(at)?;
    let (tally, traffic) = crate::traffic::traffic_tally(&ws.bundle, db)?;
    let findings = vantage_engine::lint::lint_on(&ws.bundle, &at, &tally);
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    Ok((LintReport { findings, errors }, traffic))
}

/// `at` checked, or the clock's time.
pub fn moment_or_clock(at: Option<&str>) -> Result<String, StudioError> {
    match at {
        Some(at) => check_time(at).map(|()| at.to_owned()),
        None => Ok(crate::visits::clock()),
    }
}

/// A page as one profile sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub moment: Moment,
    pub composed: ComposedPage,
    pub html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<SlotExplanation>>,
}

/// Previews `page` as `profile` sees it at `at` (else the profile's own moment, else now),
/// optionally explaining every decision.
pub fn preview(
    ws: &OpenWorkspace,
    page: &str,
    profile: &str,
    at: Option<&str>,
    locale: Option<&str>,
    explain: bool,
) -> Result<Preview, StudioError> {
    let overrides = crate::visits::locale_override(&ws.bundle, locale)?;
    let look = Look { overrides: overrides.as_ref(), ..Look::profile(profile, at) };
    let visit = crate::visits::visit(&ws.bundle, page, look, Render::Page, explain)?;
    Ok(Preview { moment: visit.moment, composed: visit.composed, html: visit.html.unwrap_or_default(), explanation: visit.trace })
}

/// The coverage matrix of every page for every named profile at `at` (else each profile's own
/// moment, else now), in `locale` (else each profile's own).
pub fn matrix(ws: &OpenWorkspace, at: Option<&str>, locale: Option<&str>) -> Result<Vec<PageMatrix>, StudioError> {
    crate::visits::locale_override(&ws.bundle, locale)?;
    vantage_engine::matrix::matrix(&ws.bundle, at, &crate::visits::clock(), locale).map_err(crate::visits::visit_error)
}

/// [`matrix`], with the personalizations nobody among the recorded visitors at `db` sees.
pub fn matrix_on_traffic(
    ws: &OpenWorkspace,
    at: Option<&str>,
    db: &Path,
) -> Result<(Vec<PageMatrix>, crate::traffic::TrafficInUse), StudioError> {
    let mut pages = matrix(ws, at, None)?;
    let (tally, traffic) = crate::traffic::traffic_tally(&ws.bundle, db)?;
    vantage_engine::matrix::with_population(&mut pages, &ws.bundle, &tally);
    Ok((pages, traffic))
}

/// The bundle file for the open workspace (what `vantage bundle` writes).
pub fn bundle_file(ws: &OpenWorkspace) -> BundleFile {
    BundleFile { format: BUNDLE_FORMAT.into(), hash: ws.bundle.hash.clone(), files: ws.sources.clone() }
}

/// Impact of going from `old` to `new` (folders or bundle files), over the new workspace's own
/// simulated population.
pub fn impact(old: &Path, new: &Path) -> Result<(Impact, Vec<vantage_engine::diff::Change>), StudioError> {
    let (old, new) = (open_bundle_or_workspace(old)?, open_bundle_or_workspace(new)?);
    let report = vantage_engine::impact::impact(&old.bundle, &new.bundle);
    let changes = vantage_engine::diff::diff(&old.bundle.workspace, &new.bundle.workspace);
    Ok((report, changes))
}

/// [`impact`] on the recorded traffic imported beside the store at `db`.
pub fn impact_on_traffic(
    old: &Path,
    new: &Path,
    db: &Path,
) -> Result<(Impact, Vec<vantage_engine::diff::Change>, crate::traffic::TrafficInUse), StudioError> {
    let (old, new) = (open_bundle_or_workspace(old)?, open_bundle_or_workspace(new)?);
    let (report, traffic) = crate::traffic::traffic_impact(&old.bundle, &new.bundle, db)?;
    let changes = vantage_engine::diff::diff(&old.bundle.workspace, &new.bundle.workspace);
    Ok((report, changes, traffic))
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
