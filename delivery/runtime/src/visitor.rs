//! Reads a visitor out of a request (format `vantage-request/1`, `docs/delivery.md`): request
//! facts from the headers the operator configured, consents from a header or cookie, the stable
//! unit id from a cookie, what the operator's backend signed into a profile token, and the product
//! in view from the query. Everything is checked against the release's catalog before the engine
//! sees it; a refusal names the header, cookie, parameter or attribute at fault.

use crate::config::Config;
use crate::http::Request;
use crate::respond::Arrival;
use crate::segments::{SegmentSource, SEGMENTS_PER_UNIT_MAX};
use crate::token::{verify, TokenError};
use serde_json::{Map, Value};
use vantage_engine::bundle::Bundle;
use vantage_engine::catalog::{AttrType, CONSENTS};
use vantage_engine::compose::product_attributes;
use vantage_engine::model::Page;

/// A header value longer than this is refused.
pub const FACT_MAX_BYTES: usize = 256;
/// At most this many consent purposes.
pub const CONSENTS_MAX: usize = 32;

/// A request's visitor, ready for the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitorInput {
    /// The flat context (`request.country`, `consents`, `profile.tier`, `product.sku`, ...).
    pub flat: Map<String, Value>,
    /// A moment signed into the profile token.
    pub moment: Option<String>,
    /// The unit id given to a visitor who had none (to be set as a cookie).
    pub new_unit: Option<String>,
    /// Whether anything particular to this visitor was read (a token, a cookie): then the answer
    /// is theirs alone and no shared cache may keep it.
    pub individual: bool,
}

/// A refusal: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

/// Reads the visitor of `request` for `page`, on a product page looking at `product` (its sku
/// and the field it came from; else the feed's first). The arrival's fresh unit is a random id from
/// the tier, used when the visitor brings none; its moment checks token expiry. `segments` holds
/// what the CDP pushed.
pub fn read_visitor(
    bundle: &Bundle,
    config: &Config,
    request: &Request,
    page: &Page,
    product: Option<(&str, &str)>,
    arrival: &Arrival,
    segments: &dyn SegmentSource,
) -> Result<VisitorInput, FieldError> {
    let (fresh_unit, now_seconds) = (arrival.fresh_unit.as_str(), arrival.now_ms.div_euclid(1000));
    let catalog = &bundle.workspace.catalog;
    let mut flat = Map::new();
    let mut individual = false;
    for (attr, header) in &config.fact_headers {
        let (Some(value), Some(spec)) = (request.header(header), catalog.get(attr)) else { continue };
        let field = format!("header {header}");
        if value.len() > FACT_MAX_BYTES || value.chars().any(char::is_control) {
            return Err(refuse(field, format!("must be at most {FACT_MAX_BYTES} printable characters")));
        }
        if spec.ty != AttrType::String {
            return Err(refuse(field, format!("{attr} is a {} and cannot come from a header", spec.ty.name())));
        }
        if attr == vantage_engine::catalog::TIMEZONE && jiff::tz::TimeZone::get(value).is_err() {
            return Err(refuse(field, format!("`{value}` is not a time zone such as Europe/Berlin")));
        }
        flat.insert(attr.clone(), Value::String(value.to_owned()));
    }

    let (consents, from_cookie) = read_consents(config, request)?;
    individual |= from_cookie;
    let granted = consents.clone();
    flat.insert(CONSENTS.into(), Value::Array(consents.into_iter().map(Value::String).collect()));

    let mut moment = None;
    let token = request
        .header(&config.profile_header)
        .map(|t| (t, "header"))
        .or_else(|| request.cookie(&config.profile_cookie).map(|t| (t, "cookie")));
    if let Some((token, place)) = token {
        let name = if place == "header" { &config.profile_header } else { &config.profile_cookie };
        let field = format!("{place} {name}");
        let claims =
            verify(token.trim(), config.profile_key.as_deref(), now_seconds).map_err(|e: TokenError| refuse(&field, e.to_string()))?;
        for (attr, value) in claims.attributes {
            let at = format!("{field}: attributes.{attr}");
            let spec = catalog.get(&attr).ok_or_else(|| refuse(&at, "is not an attribute of this release's catalog"))?;
            if !fits(spec.ty, &value) {
                return Err(refuse(&at, format!("must be a {}", spec.ty.name())));
            }
            flat.insert(attr, value);
        }
        moment = claims.at;
        individual = true;
    }

    if add_pushed_segments(&mut flat, catalog, config, request, &granted, segments) {
        individual = true;
    }

    // The unit id is read (and given to a visitor without one) only when the page buckets by it:
    // otherwise the page stays one a shared cache may keep.
    let mut new_unit = None;
    if reads_unit(bundle, config, &page.id) && !flat.contains_key(&config.unit_attribute) {
        let unit = match request.cookie(&config.unit_cookie) {
            Some(unit) if is_id(unit) => unit.to_owned(),
            Some(_) => return Err(refuse(format!("cookie {}", config.unit_cookie), "must be 1 to 64 letters, digits, - or _")),
            None => {
                new_unit = Some(fresh_unit.to_owned());
                fresh_unit.to_owned()
            }
        };
        flat.insert(config.unit_attribute.clone(), Value::String(unit));
        individual = true;
    }

    if page.product_page {
        let product = match product {
            Some((sku, field)) => {
                bundle.workspace.product(sku).ok_or_else(|| refuse(field, format!("there is no product `{}`", printable(sku))))?
            }
            None => bundle.workspace.products.products.first().ok_or_else(|| refuse("product", "this release's feed has no products"))?,
        };
        for (key, value) in product_attributes(product) {
            flat.entry(key).or_insert(value);
        }
    }
    Ok(VisitorInput { flat, moment, new_unit, individual })
}

/// At most this many browser facts per request.
pub const FACTS_MAX: usize = 64;

/// Adds what the visitor's browser holds (`POST /decide`'s `facts`: the cart) to the context.
/// Only attributes whose catalog source is `cart` may come from a browser: a visitor cannot
/// claim a loyalty tier or a country this way. Values the signed token carries win.
pub fn add_browser_facts(
    input: &mut VisitorInput,
    catalog: &vantage_engine::catalog::Catalog,
    facts: &Map<String, Value>,
) -> Result<(), FieldError> {
    if facts.len() > FACTS_MAX {
        return Err(refuse("body facts", format!("has more than {FACTS_MAX} facts")));
    }
    for (attr, value) in facts {
        let field = format!("body facts.{}", printable(attr));
        let spec = catalog.get(attr).ok_or_else(|| refuse(&field, "is not an attribute of this release's catalog"))?;
        if spec.source != Some(vantage_engine::catalog::Source::Cart) {
            return Err(refuse(&field, "only what the browser holds (the cart) may be sent as a fact"));
        }
        if !fits(spec.ty, value) {
            return Err(refuse(&field, format!("must be a {}", spec.ty.name())));
        }
        input.flat.entry(attr.clone()).or_insert_with(|| value.clone());
    }
    Ok(())
}

/// The consents the visitor granted (a header, else a cookie), and whether they came from the
/// cookie (then the answer is theirs alone).
fn read_consents(config: &Config, request: &Request) -> Result<(Vec<String>, bool), FieldError> {
    match request.header(&config.consent_header) {
        Some(list) => Ok((consent_list(list, &format!("header {}", config.consent_header))?, false)),
        None => match request.cookie(&config.consent_cookie) {
            Some(list) => Ok((consent_list(list, &format!("cookie {}", config.consent_cookie))?, true)),
            None => Ok((Vec::new(), false)),
        },
    }
}

/// The unit id whose pushed segments this visitor's decision may use: only when the catalog has
/// the segment list, the visitor granted its purpose and brings a valid unit cookie: the one
/// consent-first check, for both tiers.
fn segments_unit<'r>(
    catalog: &vantage_engine::catalog::Catalog,
    config: &Config,
    request: &'r Request,
    granted: &[String],
) -> Option<&'r str> {
    let spec = catalog.get(&config.segment_attribute).filter(|s| s.ty == AttrType::StringList)?;
    if spec.consent.as_ref().is_some_and(|purpose| !granted.contains(purpose)) {
        return None;
    }
    request.cookie(&config.unit_cookie).filter(|u| is_id(u))
}

/// The same check for a whole request, its consents read as [`read_visitor`] reads them
/// (consents it would refuse: `None`). A tier that fetches memberships before deciding (the
/// edge, from its Durable Object) asks this first and looks up nothing when it says `None`.
pub fn segments_unit_of<'r>(bundle: &Bundle, config: &Config, request: &'r Request) -> Option<&'r str> {
    let (granted, _) = read_consents(config, request).ok()?;
    segments_unit(&bundle.workspace.catalog, config, request, &granted)
}

/// Adds the segments the CDP pushed for the visitor's unit id to the segment list, only when
/// the visitor granted that attribute's consent purpose (otherwise nothing is looked up).
/// Returns whether any were added: the answer is then this visitor's alone.
fn add_pushed_segments(
    flat: &mut Map<String, Value>,
    catalog: &vantage_engine::catalog::Catalog,
    config: &Config,
    request: &Request,
    granted: &[String],
    segments: &dyn SegmentSource,
) -> bool {
    let Some(unit) = segments_unit(catalog, config, request, granted) else { return false };
    let pushed = segments.segments_of(unit);
    if pushed.is_empty() {
        return false;
    }
    let mut list: Vec<String> = match flat.get(&config.segment_attribute) {
        Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    };
    for segment in pushed {
        if !list.contains(&segment) && list.len() < SEGMENTS_PER_UNIT_MAX {
            list.push(segment);
        }
    }
    flat.insert(config.segment_attribute.clone(), Value::Array(list.into_iter().map(Value::String).collect()));
    flat.entry(config.unit_attribute.clone()).or_insert_with(|| Value::String(unit.to_owned()));
    true
}

/// Whether deciding `page` can read the unit id: an experiment on one of its slots, or a rule
/// anywhere in the release that reads the unit attribute (a rollout).
fn reads_unit(bundle: &Bundle, config: &Config, page: &str) -> bool {
    let decisions = &bundle.decisions;
    decisions.program.slot_of(&config.unit_attribute).is_some()
        || bundle.page(page).is_some_and(|p| p.slots.iter().any(|slot| slot.experiment.is_some()))
}

fn consent_list(list: &str, field: &str) -> Result<Vec<String>, FieldError> {
    let purposes: Vec<String> = list.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
    if purposes.len() > CONSENTS_MAX {
        return Err(refuse(field, format!("names more than {CONSENTS_MAX} purposes")));
    }
    match purposes.iter().find(|p| !is_id(p)) {
        Some(bad) => Err(refuse(field, format!("`{}` is not a consent purpose", printable(bad)))),
        None => Ok(purposes),
    }
}

/// 1 to 64 ASCII letters, digits, `-` or `_`.
pub fn is_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a visitor sent, safe to quote in an error: at most 64 characters, no controls.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// Whether `value` is of type `ty`.
fn fits(ty: AttrType, value: &Value) -> bool {
    match (ty, value) {
        (AttrType::String | AttrType::Semver, Value::String(s)) => s.len() <= 1024,
        (AttrType::Number, Value::Number(_)) | (AttrType::Bool, Value::Bool(_)) => true,
        (AttrType::StringList, Value::Array(items)) => {
            items.len() <= 256 && items.iter().all(|i| i.as_str().is_some_and(|s| s.len() <= 1024))
        }
        (AttrType::Timestamp, Value::String(s)) => vantage_engine::time::parse_timestamp(s).is_some(),
        _ => false,
    }
}
