//! The answer to a visitor's request, whole (status, headers, body), for both tiers:
//! `GET /pages/{page}` is the composed HTML, `POST /decide` the decisions and the composed page
//! as JSON for any channel. Both go through the engine's one visit ([`Bundle::visit`]), the
//! same call the studio's previews make, so a preview is what a visitor gets.

use crate::config::Config;
use crate::http::{json_type, no_store, Request, Response};
use crate::release::{LiveRelease, Rendered};
use crate::segments::{NoSegments, SegmentSource};
use crate::visitor::{add_browser_facts, is_id, printable, read_visitor, FieldError, VisitorInput};
use serde::Deserialize;
use vantage_engine::bundle::Choice;
use vantage_engine::visit::{Moment, Render, VisitError, VisitRequest, Visitor};

/// A `/decide` body larger than this is refused.
pub const DECIDE_BODY_MAX_BYTES: usize = 64 * 1024;

/// The moment a tier received a request, and a random id for a visitor without one.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub now_ms: i64,
    pub fresh_unit: String,
}

/// What a request got, for the tier's metrics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub page: Option<String>,
    /// `(slot, variant)` for every slot decided.
    pub variants: Vec<(String, String)>,
}

/// The answer and its outcome.
#[derive(Debug, Clone)]
pub struct Answer {
    pub response: Response,
    pub outcome: Outcome,
}

/// The body of `POST /decide`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    page: String,
    #[serde(default)]
    product: Option<String>,
    /// What the browser holds (the cart), by catalog path: the client tier sends it.
    #[serde(default)]
    facts: serde_json::Map<String, serde_json::Value>,
    /// Whether to answer each slot's rendered `<section>` too (for the client tier to patch in).
    #[serde(default)]
    sections: bool,
}

/// The client tier's script, served by both tiers at [`CLIENT_SCRIPT_PATH`].
pub const CLIENT_SCRIPT: &str = include_str!("../../client/vantage-client.js");
pub const CLIENT_SCRIPT_PATH: &str = "/vantage-client.js";

/// Answers `request` from `release`, for a tier that keeps no CDP memberships.
pub fn respond(release: &LiveRelease, config: &Config, request: &Request, arrival: &Arrival) -> Answer {
    respond_with(release, config, request, arrival, &NoSegments)
}

/// Answers `request` from `release`, adding the memberships `segments` holds for a visitor
/// who granted their purpose. A storefront origin the operator allowed may ask `POST /decide`
/// from the browser (CORS, with credentials).
pub fn respond_with(release: &LiveRelease, config: &Config, request: &Request, arrival: &Arrival, segments: &dyn SegmentSource) -> Answer {
    let plain = |response| Answer { response, outcome: Outcome::default() };
    let origin = config.allowed_origin(request.header("origin"));
    match (request.method.as_str(), request.path.strip_prefix("/pages/")) {
        ("GET", Some(page)) => {
            let product = request.query_param("product").map(|sku| (sku, "parameter product"));
            page_or_decisions(release, config, request, arrival, segments, (page, product), Decide::Page)
        }
        (_, Some(_)) => plain(Response::error(405, "method", "pages are read with GET")),
        ("POST", None) if request.path == "/decide" => {
            let mut answer = decide(release, config, request, arrival, segments);
            allow_origin(&mut answer.response, origin);
            answer
        }
        ("OPTIONS", None) if request.path == "/decide" => plain(preflight(origin)),
        (_, None) if request.path == "/decide" => plain(Response::error(405, "method", "decisions are asked for with POST")),
        ("GET", None) if request.path == CLIENT_SCRIPT_PATH => plain(Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/javascript; charset=utf-8".into()),
                ("cache-control".into(), "public, max-age=300".into()),
            ],
            body: CLIENT_SCRIPT.to_owned(),
        }),
        _ => plain(Response::error(404, "path", &format!("nothing is served at `{}`", printable(&request.path)))),
    }
}

/// The unit id whose pushed memberships `request` may use, for a tier that reads them before
/// answering (the edge): `None` unless the request is one that reads a visitor (a page, a
/// decision) and the visitor granted the segment list's purpose with a valid unit cookie. The
/// answer ([`respond_with`]) checks the consent again before it reads any.
pub fn segments_to_look_up<'r>(release: &LiveRelease, config: &Config, request: &'r Request) -> Option<&'r str> {
    let reads_visitor = match request.method.as_str() {
        "GET" => request.path.starts_with("/pages/"),
        "POST" => request.path == "/decide",
        _ => false,
    };
    reads_visitor.then(|| crate::visitor::segments_unit_of(&release.bundle, config, request)).flatten()
}

fn decide(release: &LiveRelease, config: &Config, request: &Request, arrival: &Arrival, segments: &dyn SegmentSource) -> Answer {
    let plain = |response| Answer { response, outcome: Outcome::default() };
    if request.body.len() > DECIDE_BODY_MAX_BYTES {
        return plain(Response::error(413, "body", &format!("is larger than {DECIDE_BODY_MAX_BYTES} bytes")));
    }
    match serde_json::from_str::<DecideBody>(&request.body) {
        Ok(body) => {
            let product = body.product.as_deref().map(|sku| (sku, "body product"));
            let kind = Decide::Decisions { facts: &body.facts, sections: body.sections };
            page_or_decisions(release, config, request, arrival, segments, (&body.page, product), kind)
        }
        Err(e) => plain(Response::error(400, "body", &format!("line {}, column {}: {e}", e.line(), e.column()))),
    }
}

/// The answer to a browser's preflight for `POST /decide`: allowed for the operator's
/// storefront origins only.
fn preflight(origin: Option<&str>) -> Response {
    let Some(origin) = origin else {
        return Response::error(
            403,
            "header origin",
            &format!("this origin may not ask for decisions (see {})", crate::config::ALLOWED_ORIGINS_VAR),
        );
    };
    let mut response = Response { status: 204, headers: Vec::new(), body: String::new() };
    response.headers.extend([
        ("access-control-allow-methods".to_owned(), "POST".to_owned()),
        ("access-control-allow-headers".to_owned(), "content-type, x-vantage-consents".to_owned()),
        ("access-control-max-age".to_owned(), "600".to_owned()),
    ]);
    allow_origin(&mut response, Some(origin));
    response
}

fn allow_origin(response: &mut Response, origin: Option<&str>) {
    response.headers.push(("vary".into(), "origin".into()));
    if let Some(origin) = origin {
        response.headers.push(("access-control-allow-origin".into(), origin.to_owned()));
        response.headers.push(("access-control-allow-credentials".into(), "true".into()));
    }
}

/// What a visitor asked for: the page, or the decisions (with what their browser holds).
#[derive(Clone, Copy)]
enum Decide<'b> {
    Page,
    Decisions { facts: &'b serde_json::Map<String, serde_json::Value>, sections: bool },
}

fn page_or_decisions(
    release: &LiveRelease,
    config: &Config,
    request: &Request,
    arrival: &Arrival,
    segments: &dyn SegmentSource,
    (page, product): (&str, Option<(&str, &str)>),
    kind: Decide<'_>,
) -> Answer {
    let refused = |status, e: FieldError| Answer { response: Response::error(status, &e.field, &e.message), outcome: Outcome::default() };
    let bundle = &release.bundle;
    let page_field = if matches!(kind, Decide::Page) { "path" } else { "body page" };
    let Some(meta) = bundle.workspace.pages.get(page).filter(|_| is_id(page)) else {
        return refused(404, FieldError { field: page_field.into(), message: format!("there is no page `{}`", printable(page)) });
    };
    if let Some((sku, field)) = product.filter(|(sku, _)| !is_id(sku)) {
        return refused(400, FieldError { field: field.into(), message: format!("`{}` is not a product id", printable(sku)) });
    }
    let mut visitor = match read_visitor(bundle, config, request, meta, product, arrival, segments) {
        Ok(visitor) => visitor,
        Err(e) => return refused(400, e),
    };
    if let Decide::Decisions { facts, .. } = kind {
        if let Err(e) = add_browser_facts(&mut visitor, &bundle.workspace.catalog, facts) {
            return refused(400, e);
        }
    }
    let clock = moment_of(arrival.now_ms);
    let visit_request = VisitRequest {
        page,
        visitor: Visitor::Context(&visitor.flat),
        moment: visitor.moment.as_deref(),
        clock: &clock,
        overrides: None,
        render: Render::Page,
        trace: false,
    };
    let decided = match bundle.decide_visit(&visit_request) {
        Ok(decided) => decided,
        Err(e @ VisitError::BadMoment(_)) => return refused(400, FieldError { field: "profile token: at".into(), message: e.to_string() }),
        Err(e) => return refused(404, FieldError { field: page_field.into(), message: e.to_string() }),
    };
    let rendered = release.rendered(&decided);
    let outcome = Outcome {
        page: Some(page.to_owned()),
        variants: rendered.composed.slots.iter().map(|s| (s.slot.clone(), s.variant.clone())).collect(),
    };
    let response = match kind {
        Decide::Page => {
            let bucketed = decided.decisions.iter().any(|d| matches!(d.choice, Choice::Arm(_) | Choice::Holdout));
            page_response(release, config, request, &visitor, &rendered, bucketed)
        }
        Decide::Decisions { sections, .. } => decisions_response(release, &visitor, &decided.moment, &rendered, sections),
    };
    Answer { response, outcome }
}

fn page_response(
    release: &LiveRelease,
    config: &Config,
    request: &Request,
    visitor: &VisitorInput,
    rendered: &Rendered,
    bucketed: bool,
) -> Response {
    let etag = rendered.etag.clone();
    let mut headers = vec![("content-type".to_owned(), "text/html; charset=utf-8".to_owned()), ("etag".to_owned(), etag.clone())];
    headers.push(("x-vantage-release".into(), release.hash().to_owned()));
    headers.extend(caching_headers(config, visitor.individual || bucketed));
    if let Some(unit) = &visitor.new_unit {
        headers.push((
            "set-cookie".into(),
            format!("{}={unit}; Path=/; Max-Age=31536000; HttpOnly; Secure; SameSite=Lax", config.unit_cookie),
        ));
    }
    if request.header("if-none-match").is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag)) {
        return Response { status: 304, headers, body: String::new() };
    }
    Response { status: 200, headers, body: rendered.html.clone() }
}

/// `Cache-Control` and `Vary`: a shared cache may keep a page per combination of the request
/// facts and consents it varies on, but never one that read a token, a cookie or an experiment's
/// bucket: that page is one visitor's.
fn caching_headers(config: &Config, individual: bool) -> Vec<(String, String)> {
    if individual {
        return vec![("cache-control".into(), "private, no-store".into()), ("vary".into(), "*".into())];
    }
    let mut vary: Vec<&str> = config.fact_headers.iter().map(|(_, h)| h.as_str()).collect();
    vary.extend([config.consent_header.as_str(), config.profile_header.as_str(), "cookie"]);
    vec![("cache-control".into(), "public, max-age=60".into()), ("vary".into(), vary.join(", "))]
}

/// `POST /decide`'s body, keys in order: the composed page, each slot's decision, the format,
/// the moment, the release, each slot's section when asked for, and the unit id given to a
/// visitor who had none.
fn decisions_response(release: &LiveRelease, visitor: &VisitorInput, moment: &Moment, rendered: &Rendered, sections: bool) -> Response {
    let sections = if sections { format!("\"sections\":{},", rendered.sections_json) } else { String::new() };
    let body = format!(
        "{{\"composed\":{},\"decisions\":{},\"format\":\"vantage-decision/1\",\"moment\":{},\"release\":{},{sections}\"unit\":{}}}",
        rendered.composed_json,
        rendered.decisions_json,
        json_text(moment),
        json_text(&release.hash()),
        json_text(&visitor.new_unit),
    );
    Response { status: 200, headers: vec![json_type(), no_store(), ("x-vantage-release".into(), release.hash().to_owned())], body }
}

/// A value as compact JSON.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// `now_ms` as RFC 3339 to the second, the form the engine's clock takes.
pub fn moment_of(now_ms: i64) -> String {
    jiff::Timestamp::from_second(now_ms.div_euclid(1000))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}
