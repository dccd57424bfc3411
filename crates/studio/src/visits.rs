//! The studio's one door to the engine's visit ([`Bundle::visit`]): the CLI's preview, the
//! app's page and slot previews, live edits, the why trace, coverage and a review's before and
//! after all come through here, so they all see the same page. This is also where the clock is
//! read (the engine reads none).

use crate::error::StudioError;
use serde_json::{Map, Value};
use vantage_engine::bundle::Bundle;
use vantage_engine::visit::{Render, Visit, VisitError, VisitRequest, Visitor};

/// The clock's time to the second, for visits that name no moment.
pub fn clock() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How one preview is asked for: who, when (`None`: the visitor's own time, else the clock), and
/// which attribute values are laid over the visitor's.
#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    pub visitor: Visitor<'a>,
    pub moment: Option<&'a str>,
    pub overrides: Option<&'a Map<String, Value>>,
}

impl<'a> Look<'a> {
    pub fn profile(profile: &'a str, moment: Option<&'a str>) -> Look<'a> {
        Look { visitor: Visitor::Profile(profile), moment, overrides: None }
    }
}

/// Sees `page` of `bundle` as `look` says, rendering `render` and tracing on request.
pub fn visit(bundle: &Bundle, page: &str, look: Look<'_>, render: Render<'_>, trace: bool) -> Result<Visit, StudioError> {
    let clock = clock();
    let request =
        VisitRequest { page, visitor: look.visitor, moment: look.moment, clock: &clock, overrides: look.overrides, render, trace };
    bundle.visit(&request).map_err(visit_error)
}

pub(crate) fn visit_error(e: VisitError) -> StudioError {
    match e {
        VisitError::NoPage { .. } | VisitError::NoProfile { .. } => StudioError::not_found(e.to_string()),
        VisitError::BadMoment(_) => StudioError::bad_input(e.to_string()),
    }
}
