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

/// `request.locale` laid over a visitor's, for a preview asked in `locale` (a browser's tag, as
/// a visitor's would be: `de-AT` reads the workspace's German). `None` keeps the visitor's own.
pub fn locale_override(bundle: &Bundle, locale: Option<&str>) -> Result<Option<Map<String, Value>>, StudioError> {
    let Some(tag) = locale else { return Ok(None) };
    let declared = &bundle.workspace.settings.locales;
    let well_formed = (2..=35).contains(&tag.len())
        && tag.split(['-', '_']).all(|part| !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(StudioError::bad_input(format!("locale: `{}` is not a language tag such as de-DE", tag.escape_debug())));
    }
    if declared.is_empty() {
        return Err(StudioError::bad_input("locale: this workspace declares no locales (vantage.json `locales`)"));
    }
    Ok(Some([(vantage_engine::locales::LOCALE.to_owned(), Value::String(tag.to_owned()))].into_iter().collect()))
}
