//! Tier 1, static pages per segment: for each page, the slots whose decisions depend only on
//! facts a CDN can key on (request headers, the segment list, consents) are decided for every
//! combination of the values their rules tell apart, and each distinct decision vector is
//! rendered once, as a content-addressed file (`{sha256}.html`). A routing manifest
//! (`vantage-static/1`, `docs/delivery.md`) maps each page's key to its file.
//!
//! The values come from the conditions themselves, not from sampling: a string attribute tested
//! by `eq`/`neq`/`in`/`not_in`/`exists` takes each mentioned value, another value or none; the
//! segment list takes every subset of the mentioned segments or none; a consent purpose gating
//! a dimension is granted or not. Any other test of a dimension (a pattern, a prefix, a version
//! order) cannot be enumerated, and a page past [`MAX_COMBINATIONS`] is not listed: such a page
//! is left to the server tier, with the reason. So is a product page (the product in view is
//! part of the page).
//!
//! Slots that read anything particular to one visitor (other profile, cart or product
//! attributes, the time zone, a rollout or experiment bucketing by the unit id) are the client
//! tier's: the file shows their baseline, and their `<section>` carries `data-vantage-client=""`.
//! Every file is the engine's one visit ([`Bundle::decide_visit`] at the export's moment, then
//! [`Bundle::finish_visit`] with those slots' decisions set to the baseline), so a page with no
//! client-tier slot is byte for byte what the server tier renders for that visitor.
//!
//! Pure: the moment is given, the files are returned, not written.

mod dims;
mod reads;

pub use dims::{encode, Dimension, DimensionKind, ABSENT, OTHER};

use crate::bundle::{Bundle, Choice, CompiledPage, CompiledSlot};
use crate::model::DataBinding;
use crate::visit::{Decided, Render, VisitError, VisitRequest, Visitor};
use dims::{combinations, dimensions, enumerate, naive_per_page, purposes};
use reads::{DimensionTest, Reader, SlotReads};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use vantage_core::time::parse_timestamp;
use vantage_core::Decision;

/// The manifest's format name.
pub const FORMAT: &str = "vantage-static/1";
/// The most combinations one page's dimensions may have (in each language it is written in)
/// before it is left to the server tier.
pub const MAX_COMBINATIONS: u128 = 4096;
/// The segment list attribute (the CDP's memberships), keyed on beside the request facts.
pub const SEGMENTS: &str = "profile.segments";
/// The attribute that marks a client-tier slot's section.
pub const CLIENT_MARK: &str = "data-vantage-client=\"\"";

/// The routing manifest: what an edge or CDN needs to serve each page's file.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub format: String,
    /// The bundle's source hash.
    pub release: String,
    /// The moment every page was decided at.
    pub moment: String,
    /// The earliest moment after `moment` at which a static slot's time rule changes its
    /// answer: export again by then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub pages: BTreeMap<String, PageRoutes>,
}

/// How one page is served.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "tier", rename_all = "snake_case")]
pub enum PageRoutes {
    Static(StaticPage),
    /// Decided per request by the server tier, and why.
    Server {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct StaticPage {
    pub path: String,
    pub dimensions: Vec<Dimension>,
    /// Consent purposes in the key (`consent.<purpose>=1|0`).
    pub consents: Vec<String>,
    /// Slots the file shows at their baseline, for the client tier.
    pub client_slots: Vec<String>,
    pub routes: Vec<Route>,
}

/// One key and the file it routes to.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub key: String,
    pub file: String,
}

/// The figures of an export.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub pages: usize,
    pub static_pages: usize,
    pub fallback_pages: usize,
    pub static_slots: usize,
    pub client_slots: usize,
    /// Keys listed in the manifest (every combination of every static page).
    pub keys: usize,
    /// Distinct pages (decision vectors, in each language a page is written in), summed over pages.
    pub vectors: usize,
    /// HTML files written (identical ones once).
    pub files: usize,
    /// Bytes of the HTML files.
    pub bytes: u64,
    /// Bytes of the manifest.
    pub manifest_bytes: u64,
    /// The page variants rendering a page per segment would need: pages times the combinations
    /// of every dimension the workspace's rules mention ([`naive_per_page`]).
    pub page_per_segment: u128,
    /// Pages left to the server tier, with the reason.
    pub fallbacks: Vec<(String, String)>,
}

/// An export: the manifest, its JSON text, the files by name and the figures.
#[derive(Debug, Clone)]
pub struct Export {
    pub manifest: Manifest,
    pub manifest_json: String,
    pub files: BTreeMap<String, String>,
    pub report: Report,
}

/// Exports every page of `bundle` as decided at `moment` (RFC 3339).
pub fn export(bundle: &Bundle, moment: &str) -> Result<Export, VisitError> {
    export_bounded(bundle, moment, MAX_COMBINATIONS, None)
}

/// [`export`] with another bound on a page's combinations, and optionally the decision service
/// the client tier asks (`decide_url`, checked by [`check_decide_url`]): pages with client-tier
/// slots then load its `vantage-client.js`, and their CSP lets them reach it and nothing else.
pub fn export_bounded(bundle: &Bundle, moment: &str, max_combinations: u128, decide_url: Option<&str>) -> Result<Export, VisitError> {
    let at = parse_timestamp(moment).ok_or_else(|| VisitError::BadMoment(moment.to_owned()))?;
    let audiences = bundle.workspace.audience_conditions();
    let reader = Reader { catalog: &bundle.workspace.catalog, audiences: &audiences, segments: SEGMENTS };
    let mut files = BTreeMap::new();
    let mut pages = BTreeMap::new();
    let mut report = Report::default();
    let mut valid_until: Option<(vantage_core::time::Instant, String)> = None;
    for page in &bundle.decisions.pages {
        report.pages += 1;
        let routes = match plan_page(bundle, &reader, page, max_combinations) {
            Err(reason) => {
                report.fallback_pages += 1;
                report.fallbacks.push((page.id.clone(), reason.clone()));
                PageRoutes::Server { reason }
            }
            Ok(plan) => {
                for instant in &plan.instants {
                    if let Some(t) = parse_timestamp(instant).filter(|t| *t > at) {
                        if valid_until.as_ref().is_none_or(|(v, _)| t < *v) {
                            valid_until = Some((t, instant.clone()));
                        }
                    }
                }
                let routes = render_page(bundle, page, &plan, (moment, decide_url), &mut files, &mut report)?;
                report.static_pages += 1;
                report.static_slots += page.slots.len() - plan.client.len();
                report.client_slots += plan.client.len();
                PageRoutes::Static(routes)
            }
        };
        pages.insert(page.id.clone(), routes);
    }
    report.files = files.len();
    report.bytes = files.values().map(|f: &String| f.len() as u64).sum();
    report.page_per_segment =
        (report.pages as u128).saturating_mul(naive_per_page(&bundle.workspace.catalog, &workspace_tests(bundle, &reader)));
    let manifest = Manifest {
        format: FORMAT.into(),
        release: bundle.hash.clone(),
        moment: moment.to_owned(),
        valid_until: valid_until.map(|(_, s)| s),
        pages,
    };
    let manifest_json = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    report.manifest_bytes = manifest_json.len() as u64;
    Ok(Export { manifest, manifest_json, files, report })
}

/// A static page's plan: which slots are the client tier's, the dimensions, the time rules.
struct Plan {
    client: Vec<usize>,
    dims: Vec<Dimension>,
    purposes: Vec<String>,
    instants: Vec<String>,
}

fn plan_page(bundle: &Bundle, reader: &Reader<'_>, page: &CompiledPage, max: u128) -> Result<Plan, String> {
    let ws = &bundle.workspace;
    let product_bound = page.slots.iter().any(|s| {
        let component = ws.entries.get(&s.entry).and_then(|e| ws.components.get(&e.component));
        component.is_some_and(|c| c.data == DataBinding::Product)
    });
    if ws.pages.get(&page.id).is_some_and(|p| p.product_page) || product_bound {
        return Err("a product page: what it shows depends on the product in view".into());
    }
    let mut client = Vec::new();
    let mut tests = Vec::new();
    let mut instants = Vec::new();
    for (i, slot) in page.slots.iter().enumerate() {
        let reads = slot_reads(bundle, reader, slot);
        if reads.per_visitor.is_some() {
            client.push(i);
        } else {
            tests.extend(reads.tests);
            instants.extend(reads.instants);
        }
    }
    let mut dims = dimensions(&ws.catalog, &tests)?;
    let purposes = purposes(&dims);
    // The bound is per language: a page written in three languages has three times the files.
    let n = combinations(&dims, &purposes);
    if n > max {
        let names: Vec<&str> = dims.iter().map(|d| d.attribute.as_str()).collect();
        return Err(format!("{n} combinations of {} (and consents): more than the {max} a page may have", names.join(", ")));
    }
    if let Some(locale) = locale_dimension(bundle, page) {
        if dims.iter().any(|d| d.attribute == locale.attribute) {
            return Err("its rules read the visitor's language and its texts are translated: decided per request".into());
        }
        dims.push(locale);
    }
    Ok(Plan { client, dims, purposes, instants })
}

/// A page's language, every slot's variants and every slot's component words in one locale.
type PageTexts<'b> = (String, Vec<Option<&'b Vec<serde_json::Value>>>, Vec<Option<&'b serde_json::Value>>);

/// The locale dimension of `page` when its texts differ between the declared locales: each
/// locale whose texts on this page are an earlier one's is keyed as that one, so a page gets a
/// file per language it is actually written in.
fn locale_dimension(bundle: &Bundle, page: &CompiledPage) -> Option<Dimension> {
    let codes: Vec<String> = bundle.workspace.settings.locales.iter().map(|l| l.code.clone()).collect();
    // What a page in `code` shows: its language (`<html lang>`) and every slot's variants.
    let texts = |code: &str| -> PageTexts<'_> {
        let variants =
            page.slots.iter().map(|s| bundle.contents.get(&s.entry).map(|v| v.localized.get(code).unwrap_or(&v.default))).collect();
        let words = page
            .slots
            .iter()
            .map(|s| bundle.workspace.entries.get(&s.entry).and_then(|e| bundle.templates.messages(&e.component, Some(code))))
            .collect();
        (crate::locales::language(code).to_ascii_lowercase(), variants, words)
    };
    let mut kept: Vec<(&String, PageTexts<'_>)> = Vec::new();
    let mut same_as = BTreeMap::new();
    for code in &codes {
        let mine = texts(code);
        match kept.iter().find(|(_, theirs)| *theirs == mine) {
            Some((first, _)) => {
                same_as.insert(code.clone(), (*first).clone());
            }
            None => kept.push((code, mine)),
        }
    }
    (kept.len() > 1).then(|| Dimension::locale(crate::locales::LOCALE, codes.clone(), same_as))
}

/// What `slot`'s compiled rules read (its experiment makes it the client tier's).
fn slot_reads(bundle: &Bundle, reader: &Reader<'_>, slot: &CompiledSlot) -> SlotReads {
    let mut out = SlotReads::default();
    if let Some(x) = &slot.experiment {
        out.per_visitor = Some(format!("experiment `{}` buckets visitors by their unit id", x.key));
        return out;
    }
    let Some(entry) = bundle.workspace.entries.get(&slot.entry) else { return out };
    for rule in &slot.rules {
        if let Some(p) = entry.personalizations.get(rule.personalization as usize) {
            reader.read(&p.condition, &format!("rule `{}` of entry `{}`", p.id, entry.id), &mut out);
        }
    }
    out
}

/// Every dimension test of every rule in the workspace, for the page-per-segment count.
fn workspace_tests(bundle: &Bundle, reader: &Reader<'_>) -> Vec<DimensionTest> {
    let mut out = SlotReads::default();
    for entry in bundle.workspace.entries.values() {
        for p in &entry.personalizations {
            reader.read(&p.condition, "", &mut out);
        }
    }
    for x in &bundle.workspace.experiments {
        reader.read(&x.eligibility, "", &mut out);
    }
    out.tests
}

/// Decides every combination of `plan`, renders each distinct vector once into `files`.
fn render_page(
    bundle: &Bundle,
    page: &CompiledPage,
    plan: &Plan,
    (moment, decide_url): (&str, Option<&str>),
    files: &mut BTreeMap<String, String>,
    report: &mut Report,
) -> Result<StaticPage, VisitError> {
    // A file per decision vector and locale: the same decisions read in German are another page.
    let mut by_vector: HashMap<(Vec<Decision>, Option<String>), String> = HashMap::new();
    let mut routes = Vec::new();
    for (key, flat) in enumerate(&plan.dims, &plan.purposes, moment) {
        let request = VisitRequest {
            page: &page.id,
            visitor: Visitor::Context(&flat),
            moment: Some(moment),
            clock: moment,
            overrides: None,
            render: Render::Nothing,
            trace: false,
        };
        let mut decided = bundle.decide_visit(&request)?;
        for &i in &plan.client {
            decided.decisions[i] = Decision { choice: Choice::Baseline, content: 0 };
        }
        let vector = (decided.decisions.clone(), bundle.locale_of(&decided.flat).map(str::to_owned));
        let file = match by_vector.get(&vector) {
            Some(file) => file.clone(),
            None => {
                let mut html = page_html(bundle, &decided, &plan.client);
                if let Some(url) = decide_url.filter(|_| !plan.client.is_empty()) {
                    html = with_client_script(&html, url);
                }
                let file = format!("{}.html", hex(&Sha256::digest(html.as_bytes())));
                files.entry(file.clone()).or_insert(html);
                by_vector.insert(vector, file.clone());
                file
            }
        };
        routes.push(Route { key, file });
    }
    report.keys += routes.len();
    report.vectors += by_vector.len();
    Ok(StaticPage {
        path: bundle.workspace.pages.get(&page.id).map(|p| p.path.clone()).unwrap_or_default(),
        dimensions: plan.dims.clone(),
        consents: plan.purposes.clone(),
        client_slots: plan.client.iter().map(|&i| page.slots[i].slot.clone()).collect(),
        routes,
    })
}

/// The page as the visit renders it, with the client tier's sections marked.
fn page_html(bundle: &Bundle, decided: &Decided<'_>, client: &[usize]) -> String {
    let visit = bundle.finish_visit(decided, Render::Page, false);
    if client.is_empty() {
        return visit.html.unwrap_or_default();
    }
    let sections: Vec<String> = visit
        .sections
        .iter()
        .enumerate()
        .map(
            |(i, s)| {
                if client.contains(&i) {
                    s.html.replacen("<section ", &format!("<section {CLIENT_MARK} "), 1)
                } else {
                    s.html.clone()
                }
            },
        )
        .collect();
    bundle.templates.document(&visit.composed, &bundle.workspace.theme, sections.iter().map(String::as_str))
}

/// The decision service's address as the client tier may use it: `https://host[:port]`, or
/// `http://` to this machine (tests, a local proxy); nothing that could leave an HTML attribute
/// or a CSP source list.
pub fn check_decide_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let host = url.strip_prefix("https://").or_else(|| {
        url.strip_prefix("http://").filter(|h| {
            let name = h.rsplit_once(':').map_or(*h, |(n, _)| n);
            matches!(name, "127.0.0.1" | "localhost" | "[::1]")
        })
    });
    match host {
        Some(h) if !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) => Ok(url.to_owned()),
        _ => Err(format!("`{url}` is not a decision service address such as https://decide.shop.example (http only to this machine)")),
    }
}

/// `html` with the client tier's script from `url` (checked) and a CSP that lets the page load
/// that script and ask that service, and nothing more.
fn with_client_script(html: &str, url: &str) -> String {
    let csp = crate::render::PREVIEW_CSP;
    let html = html.replacen(
        &format!("content=\"{csp}\""),
        &format!("content=\"{csp}; script-src {url}/vantage-client.js; connect-src {url}\""),
        1,
    );
    let script = format!("<script src=\"{url}/vantage-client.js\" data-endpoint=\"{url}\" defer></script>\n");
    match html.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &html[..at], &html[at..]),
        None => html + &script,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
