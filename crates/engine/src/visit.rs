//! A visit: the one way to see a page as a visitor sees it. The CLI, the app's previews, its
//! coverage matrix, a review's before and after, and the delivery runtime all go through
//! [`Bundle::visit`], so they cannot disagree.
//!
//! **Which moment applies.** An explicit moment (the CLI's `--at`, the app's moment picker)
//! wins; else the visitor's own `request.now` (a profile pinned to a moment, or an override);
//! else the clock. [`Moment::source`] says which, and the trace shows it.

use crate::bundle::{Bundle, CompiledPage};
use crate::compose::{profile_context, ComposedPage};
use crate::explain::SlotExplanation;
use serde::Serialize;
use serde_json::{Map, Value};
use vantage_core::catalog::NOW;
use vantage_core::context::Context;
use vantage_core::eval::Scratch;
use vantage_core::Decision;

/// Who visits.
#[derive(Debug, Clone, Copy)]
pub enum Visitor<'a> {
    /// A named profile of the workspace (on a product page, with the product they look at).
    Profile(&'a str),
    /// A raw flat context, as a request at the edge brings it.
    Context(&'a Map<String, Value>),
}

/// What to render besides the decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render<'a> {
    /// Decisions and the composed page only.
    Nothing,
    /// The whole preview document (and every slot's section).
    Page,
    /// Only these slots' sections.
    Slots(&'a [String]),
}

/// One visit to one page.
#[derive(Debug, Clone, Copy)]
pub struct VisitRequest<'a> {
    pub page: &'a str,
    pub visitor: Visitor<'a>,
    /// An explicit moment (RFC 3339): wins over the visitor's own and the clock.
    pub moment: Option<&'a str>,
    /// The clock's time (RFC 3339), used when nobody names a moment. The engine reads no clock.
    pub clock: &'a str,
    /// Attribute values laid over the visitor's (QA's adjustments).
    pub overrides: Option<&'a Map<String, Value>>,
    pub render: Render<'a>,
    /// Whether to explain every slot's decision (costly: the reference interpreter runs).
    pub trace: bool,
}

impl<'a> VisitRequest<'a> {
    /// A visit that decides and renders the whole page, with no explicit moment or overrides.
    pub fn page(page: &'a str, visitor: Visitor<'a>, clock: &'a str) -> VisitRequest<'a> {
        VisitRequest { page, visitor, moment: None, clock, overrides: None, render: Render::Page, trace: false }
    }
}

/// Where the moment of a visit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MomentSource {
    /// Chosen for this visit (`--at`, the moment picker).
    Explicit,
    /// The visitor's own `request.now`.
    Visitor,
    /// Nobody named one: the clock's time.
    Clock,
}

/// The moment a page was decided at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moment {
    pub at: String,
    pub source: MomentSource,
}

impl Moment {
    /// A plain sentence, for traces.
    pub fn describe(&self) -> String {
        let why = match self.source {
            MomentSource::Explicit => "the moment chosen for this preview",
            MomentSource::Visitor => "this visitor's own time",
            MomentSource::Clock => "now, by the clock",
        };
        format!("as of {} ({why})", self.at)
    }
}

/// One rendered slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub slot: String,
    pub entry: String,
    pub variant: String,
    /// The slot's `<section data-…>` element.
    pub html: String,
}

/// What a visitor sees: the decisions, the composed page, the HTML asked for, and the trace.
#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub moment: Moment,
    #[serde(skip)]
    pub decisions: Vec<Decision>,
    pub composed: ComposedPage,
    /// The whole preview document, when [`Render::Page`] was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// The rendered slots: every slot for [`Render::Page`], the asked ones for [`Render::Slots`].
    #[serde(skip)]
    pub sections: Vec<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<SlotExplanation>>,
}

/// A visit decided but not yet composed ([`Bundle::decide_visit`]).
#[derive(Debug, Clone)]
pub struct Decided<'b> {
    pub page: &'b CompiledPage,
    pub flat: Map<String, Value>,
    pub moment: Moment,
    pub decisions: Vec<Decision>,
}

impl Decided<'_> {
    /// Everything of the visitor that composing and rendering read: each slot's decision, the
    /// product in view and the locale. Two visits with equal keys on one bundle get the same page.
    pub fn composition_key(&self, bundle: &Bundle) -> CompositionKey {
        CompositionKey {
            page: self.page.id.clone(),
            decisions: self.decisions.clone(),
            sku: self.flat.get("product.sku").and_then(Value::as_str).map(str::to_owned),
            locale: bundle.locale_of(&self.flat).map(str::to_owned),
        }
    }
}

/// See [`Decided::composition_key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompositionKey {
    pub page: String,
    pub decisions: Vec<Decision>,
    pub sku: Option<String>,
    pub locale: Option<String>,
}

/// Why a visit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("there is no page `{page}`; pages: {known}")]
    NoPage { page: String, known: String },
    #[error("there is no profile `{profile}`; profiles: {known}")]
    NoProfile { profile: String, known: String },
    #[error("`{0}` is not a time such as 2026-11-20T12:00:00Z")]
    BadMoment(String),
}

impl Bundle {
    /// Sees `request.page` as `request.visitor` does: the flat context (profile, product in
    /// view, overrides, moment), the decisions, the composed page and what was asked to be
    /// rendered or explained. It is [`Bundle::decide_visit`] then [`Bundle::finish_visit`].
    pub fn visit(&self, request: &VisitRequest<'_>) -> Result<Visit, VisitError> {
        let decided = self.decide_visit(request)?;
        Ok(self.finish_visit(&decided, request.render, request.trace))
    }

    /// The first half of a visit: the visitor's context, the moment and each slot's decision.
    pub fn decide_visit<'b>(&'b self, request: &VisitRequest<'_>) -> Result<Decided<'b>, VisitError> {
        let (page, flat, moment) = self.visit_context(request)?;
        let ctx = Context::from_flat(&self.decisions.program, &flat);
        let mut scratch = Scratch::for_program(&self.decisions.program);
        let mut decisions = Vec::with_capacity(page.slots.len());
        self.decisions.decide(page, &ctx, &mut scratch, &mut decisions);
        Ok(Decided { page, flat, moment, decisions })
    }

    /// The second half: the composed page and what `render` asks for (and the trace). What it
    /// produces depends on the visitor only through the decisions and the product in view
    /// ([`Decided::composition_key`]), so a caller may keep it by that key.
    pub fn finish_visit(&self, decided: &Decided<'_>, render: Render<'_>, trace: bool) -> Visit {
        let Decided { page, flat, moment, decisions } = decided;
        let composed = self.compose_decided(page, decisions, flat);
        let sections: Vec<Section> = match render {
            Render::Nothing => Vec::new(),
            Render::Page => composed.slots.iter().map(|s| self.section(&composed, s)).collect(),
            Render::Slots(only) => composed.slots.iter().filter(|s| only.contains(&s.slot)).map(|s| self.section(&composed, s)).collect(),
        };
        let html = (render == Render::Page)
            .then(|| self.templates.document(&composed, &self.workspace.theme, sections.iter().map(|s| s.html.as_str())));
        let trace = trace.then(|| self.explain(page, flat));
        Visit { moment: moment.clone(), decisions: decisions.clone(), composed, html, sections, trace }
    }

    /// The page, the visitor's flat context and the moment that applies.
    fn visit_context(&self, request: &VisitRequest<'_>) -> Result<(&CompiledPage, Map<String, Value>, Moment), VisitError> {
        let ws = &self.workspace;
        let known = |keys: Vec<&String>| keys.into_iter().map(String::as_str).collect::<Vec<_>>().join(", ");
        let no_page = || VisitError::NoPage { page: request.page.to_owned(), known: known(ws.pages.keys().collect()) };
        let meta = ws.pages.get(request.page).ok_or_else(no_page)?;
        let page = self.page(request.page).ok_or_else(no_page)?;
        let mut flat = match request.visitor {
            Visitor::Profile(id) => {
                let profile = ws
                    .profiles
                    .get(id)
                    .ok_or_else(|| VisitError::NoProfile { profile: id.to_owned(), known: known(ws.profiles.keys().collect()) })?;
                profile_context(ws, profile, meta)
            }
            Visitor::Context(flat) => flat.clone(),
        };
        if let Some(overrides) = request.overrides {
            flat.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let moment = match (request.moment, flat.get(NOW).and_then(Value::as_str)) {
            (Some(at), _) => Moment { at: checked(at)?, source: MomentSource::Explicit },
            (None, Some(own)) => Moment { at: own.to_owned(), source: MomentSource::Visitor },
            (None, None) => Moment { at: checked(request.clock)?, source: MomentSource::Clock },
        };
        flat.insert(NOW.into(), Value::String(moment.at.clone()));
        Ok((page, flat, moment))
    }

    fn section(&self, composed: &ComposedPage, slot: &crate::compose::ComposedSlot) -> Section {
        Section {
            slot: slot.slot.clone(),
            entry: slot.entry.clone(),
            variant: slot.variant.clone(),
            html: self.templates.render_section(&composed.page, composed.locale.as_deref(), slot),
        }
    }
}

fn checked(at: &str) -> Result<String, VisitError> {
    vantage_core::time::parse_timestamp(at).map(|_| at.to_owned()).ok_or_else(|| VisitError::BadMoment(at.to_owned()))
}
