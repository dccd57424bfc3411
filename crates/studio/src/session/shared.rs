//! The session as the app shares it between its commands, its folder watcher and its worker
//! threads. Quick actions (a keystroke's preview, a save) lock the [`Session`]; heavy ones (a
//! review, coverage, lint) take what they need under the lock, an `Arc` of an immutable bundle
//! or a change set's sources, and compute without it, so typing never waits behind them.

use super::preview;
use super::review::{self, ReviewStage};
use super::views::{CoveragePage, Finding, PagePreview, PreviewRequest, RecordedCoverageView, Review, Side};
use super::Session;
use crate::bundle_cache::BundleCache;
use crate::error::StudioError;
use std::sync::{Mutex, MutexGuard};

pub struct SharedSession {
    session: Mutex<Session>,
    bundles: BundleCache,
}

impl SharedSession {
    pub fn new(session: Session) -> SharedSession {
        SharedSession { session: Mutex::new(session), bundles: BundleCache::default() }
    }

    /// The session, for quick actions.
    pub fn lock(&self) -> MutexGuard<'_, Session> {
        // A panic in one command must not lock the user out of their work.
        self.session.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens another workspace in place of this one.
    pub fn replace(&self, session: Session) {
        *self.lock() = session;
    }

    /// A reviewer's view of change set `id` (see [`review::review_change`]); `on_stage` hears
    /// each step as it starts.
    pub fn review_change(&self, id: i64, at: Option<&str>, on_stage: impl FnMut(ReviewStage)) -> Result<Review, StudioError> {
        let inputs = {
            let session = self.lock();
            session.record_all_reads("review impact")?;
            session.review_inputs(id)?
        };
        review::review_change(&inputs, at, &self.bundles, on_stage)
    }

    /// `page` before or after change set `id`, as `view` sees it.
    pub fn render_review_page(&self, id: i64, side: Side, page: &str, view: &PreviewRequest) -> Result<PagePreview, StudioError> {
        let inputs = {
            let session = self.lock();
            session.record_reads(std::slice::from_ref(view), "review")?;
            session.review_inputs(id)?
        };
        review::review_page(&inputs, side, page, view, &self.bundles)
    }

    /// `page` before or after change set `id`, as recorded visitor `row` (0-based) sees it.
    pub fn render_review_recorded(&self, id: i64, side: Side, page: &str, row: u32) -> Result<PagePreview, StudioError> {
        let inputs = {
            let session = self.lock();
            session.record_recorded_read(row)?;
            session.review_inputs(id)?
        };
        review::review_recorded_page(&inputs, side, page, row, &self.bundles)
    }

    /// The coverage matrix's "nobody sees this" on the recorded visitors, for the workspace as
    /// it is now.
    pub fn coverage_on_traffic(&self) -> Result<RecordedCoverageView, StudioError> {
        let (bundle, db) = {
            let session = self.lock();
            (session.bundle(), super::store_path(session.dir()))
        };
        preview::coverage_on_traffic(&bundle, &db)
    }

    /// The coverage matrix of the workspace as it is now.
    pub fn coverage(&self, at: Option<&str>) -> Result<Vec<CoveragePage>, StudioError> {
        let bundle = {
            let session = self.lock();
            session.record_all_reads("coverage")?;
            session.bundle()
        };
        preview::coverage(&bundle, at)
    }

    /// Lint of the workspace as it is now.
    pub fn lint(&self, at: Option<&str>) -> Result<Vec<Finding>, StudioError> {
        let bundle = self.lock().bundle();
        preview::lint(&bundle, at)
    }
}
