//! CDP segment memberships pushed by webhook (format `vantage-segments/1`, `docs/delivery.md`),
//! modelled on the audience events of Segment's Engage: one event per request,
//! `{"messageId", "type": "track", "event": "Audience Entered" | "Audience Exited", "userId",
//! "timestamp", "properties": {"audience_key"}}`, signed with HMAC-SHA256 over
//! `"{x-vantage-timestamp}.{body}"`. This module checks the signature, the signed moment's age
//! and the event's shape, and holds the one rule ([`decide`]) by which a tier applies an event to
//! what it has on record; the tier keeps memberships and seen event ids (it alone has storage:
//! SQLite in `vantage serve`, a Durable Object at the edge).
//!
//! Memberships reach decisions as the catalog's segment list (`profile.segments`), only for a
//! visitor whose consents grant that attribute's purpose: without it they are not even looked up.

use crate::http::Response;
use crate::visitor::is_id;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Header carrying the moment the sender signed (seconds since 1970).
pub const TIMESTAMP_HEADER: &str = "x-vantage-timestamp";
/// Header carrying `v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "x-vantage-signature";
/// The environment variable holding the webhook secret.
pub const WEBHOOK_SECRET_VAR: &str = "VANTAGE_WEBHOOK_SECRET";
/// A secret shorter than this is refused: it could be guessed.
pub const SECRET_MIN_BYTES: usize = 32;
/// A signed moment older (or further ahead) than this is stale: its replay window is closed.
pub const MAX_AGE_SECONDS: i64 = 5 * 60;
/// A webhook body larger than this is refused.
pub const WEBHOOK_BODY_MAX_BYTES: usize = 16 * 1024;
/// A unit may belong to at most this many segments (what a segment list attribute may hold).
pub const SEGMENTS_PER_UNIT_MAX: usize = 256;
/// Event ids are remembered this long: past it the signed moment is stale anyway.
pub const SEEN_SECONDS: i64 = 2 * MAX_AGE_SECONDS;

/// One membership change, checked. (Serialized only between the edge module and its Worker.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentEvent {
    /// The sender's id of this event: a second delivery of it is a replay.
    pub id: String,
    /// The visitor's stable unit id (the `vantage_uid` cookie, `profile.id`).
    pub unit: String,
    pub segment: String,
    pub entered: bool,
    /// When the change happened in the CDP (ms since 1970): a later change wins, whatever the
    /// order of arrival.
    pub at_ms: i64,
}

/// Why a webhook was refused. Signature and age failures are 401s; the rest 400s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("header {TIMESTAMP_HEADER} is missing or not seconds since 1970")]
    NoTimestamp,
    #[error("the signed moment is more than {MAX_AGE_SECONDS} seconds from now: a stale or replayed request")]
    Stale,
    #[error("header {SIGNATURE_HEADER} is missing or is not v1=<hex>")]
    NoSignature,
    #[error("the signature does not match")]
    Signature,
    #[error("{field}: {message}")]
    Body { field: String, message: String },
}

impl WebhookError {
    /// The answer the sender gets, the same from every tier.
    pub fn response(&self) -> Response {
        Response::error(self.status(), &self.field(), &self.to_string())
    }

    /// The status the sender gets.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::Body { .. } => 400,
            _ => 401,
        }
    }

    /// The field an error response names.
    pub fn field(&self) -> String {
        match self {
            WebhookError::NoTimestamp | WebhookError::Stale => format!("header {TIMESTAMP_HEADER}"),
            WebhookError::NoSignature | WebhookError::Signature => format!("header {SIGNATURE_HEADER}"),
            WebhookError::Body { field, .. } => format!("body {field}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    message_id: String,
    #[serde(rename = "type")]
    kind: String,
    event: String,
    user_id: String,
    timestamp: String,
    properties: RawProperties,
}

#[derive(Deserialize)]
struct RawProperties {
    audience_key: String,
}

type HmacSha256 = Hmac<Sha256>;

/// The signature header's value for `body` signed at `timestamp` with `secret` (what a sender
/// computes; tests and the documentation's example use it).
pub fn signature(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1={}", hex(&mac.finalize().into_bytes()))
}

/// Checks a webhook: the signed moment within [`MAX_AGE_SECONDS`] of `now_seconds`, the
/// signature (constant time), then the event. Nothing of the body is read before the signature
/// holds.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature_header: Option<&str>,
    body: &str,
    now_seconds: i64,
) -> Result<SegmentEvent, WebhookError> {
    let timestamp: i64 = timestamp.and_then(|t| t.trim().parse().ok()).ok_or(WebhookError::NoTimestamp)?;
    if (now_seconds - timestamp).abs() > MAX_AGE_SECONDS {
        return Err(WebhookError::Stale);
    }
    let presented = signature_header.and_then(|s| s.trim().strip_prefix("v1=")).and_then(unhex).ok_or(WebhookError::NoSignature)?;
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| WebhookError::Signature)?;
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    mac.verify_slice(&presented).map_err(|_| WebhookError::Signature)?;
    parse(body)
}

fn parse(body: &str) -> Result<SegmentEvent, WebhookError> {
    let bad = |field: &str, message: String| WebhookError::Body { field: field.to_owned(), message };
    let raw: RawEvent = serde_json::from_str(body).map_err(|e| bad("", format!("line {}, column {}: {e}", e.line(), e.column())))?;
    if raw.kind != "track" {
        return Err(bad("type", "must be \"track\"".into()));
    }
    let entered = match raw.event.as_str() {
        "Audience Entered" => true,
        "Audience Exited" => false,
        _ => return Err(bad("event", "must be \"Audience Entered\" or \"Audience Exited\"".into())),
    };
    for (field, value) in
        [("messageId", &raw.message_id), ("userId", &raw.user_id), ("properties.audience_key", &raw.properties.audience_key)]
    {
        if !is_id(value) {
            return Err(bad(field, "must be 1 to 64 letters, digits, - or _".into()));
        }
    }
    let at = vantage_engine::time::parse_timestamp(&raw.timestamp)
        .ok_or_else(|| bad("timestamp", "must be a time such as 2026-12-07T10:00:00Z".into()))?;
    Ok(SegmentEvent {
        id: raw.message_id,
        unit: raw.user_id,
        segment: raw.properties.audience_key,
        entered,
        at_ms: at.seconds.saturating_mul(1000).saturating_add(i64::from(at.nanos / 1_000_000)),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// What became of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applied {
    /// The membership changed (or was confirmed) and is kept.
    Changed,
    /// A later change of this membership is already on record: nothing changed.
    Outdated,
    /// This event id was received before.
    Replay,
    /// The unit already belongs to the most segments a visitor may have.
    Full,
}

impl Applied {
    /// The answer the sender gets, the same from every tier.
    pub fn response(self) -> Response {
        match self {
            Applied::Changed => Response::json(200, r#"{"applied":true}"#.to_owned()),
            Applied::Outdated => {
                Response::json(200, r#"{"applied":false,"reason":"a later change of this membership is on record"}"#.to_owned())
            }
            Applied::Replay => Response::error(401, "body messageId", "this event was received before: a replay"),
            Applied::Full => Response::error(422, "body userId", &format!("this visitor is already in {SEGMENTS_PER_UNIT_MAX} segments")),
        }
    }
}

/// One segment of one unit: in or out, as of when (the CDP's time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub entered: bool,
    pub at_ms: i64,
}

/// What a tier holds when an event arrives, read in the same transaction that applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OnRecord {
    /// Whether the event's id was received before (within [`SEEN_SECONDS`]).
    pub seen: bool,
    /// The event's unit and segment as on record.
    pub membership: Option<Membership>,
    /// How many segments the event's unit is in.
    pub member_count: usize,
}

/// The rule both tiers apply: a seen id is a replay; a change older than the one on record is
/// outdated (updates arriving out of order resolve by the CDP's time); an entry that would put
/// the unit in more than [`SEGMENTS_PER_UNIT_MAX`] segments is refused; anything else is kept.
/// Every id that is not a replay is remembered, whatever the outcome.
pub fn decide(event: &SegmentEvent, on_record: &OnRecord) -> Applied {
    let held = on_record.membership;
    if on_record.seen {
        Applied::Replay
    } else if held.is_some_and(|m| m.at_ms > event.at_ms) {
        Applied::Outdated
    } else if event.entered && !held.is_some_and(|m| m.entered) && on_record.member_count >= SEGMENTS_PER_UNIT_MAX {
        Applied::Full
    } else {
        Applied::Changed
    }
}

/// The refusal when a tier has no webhook secret.
pub fn webhooks_off(how_to_turn_on: &str) -> Response {
    Response::error(403, "webhook", &format!("webhooks are off: {how_to_turn_on}"))
}

/// Where a tier keeps the memberships webhooks pushed.
pub trait SegmentSource {
    /// The segments `unit` belongs to now (none known: empty).
    fn segments_of(&self, unit: &str) -> Vec<String>;
}

/// A tier without a segment store.
pub struct NoSegments;

impl SegmentSource for NoSegments {
    fn segments_of(&self, _unit: &str) -> Vec<String> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a webhook secret of at least 32 bytes";
    const NOW: i64 = 1_765_100_000;

    fn body(id: &str, event: &str) -> String {
        format!(
            r#"{{"messageId":"{id}","type":"track","event":"{event}","userId":"u-42","timestamp":"2026-12-07T10:00:00Z","properties":{{"audience_key":"vip"}}}}"#
        )
    }

    fn check(body: &str, signed_at: i64, now: i64) -> Result<SegmentEvent, WebhookError> {
        let sig = signature(SECRET, signed_at, body);
        verify(SECRET, Some(&signed_at.to_string()), Some(&sig), body, now)
    }

    #[test]
    fn a_signed_audience_entered_event_reads_as_a_membership() {
        let event = check(&body("evt-1", "Audience Entered"), NOW, NOW);
        assert_eq!(
            event,
            Ok(SegmentEvent { id: "evt-1".into(), unit: "u-42".into(), segment: "vip".into(), entered: true, at_ms: 1_796_637_600_000 })
        );
        assert_eq!(check(&body("evt-2", "Audience Exited"), NOW, NOW).map(|e| e.entered), Ok(false));
    }

    #[test]
    fn unsigned_wrongly_signed_and_tampered_webhooks_are_401s() {
        let text = body("evt-1", "Audience Entered");
        let unsigned = verify(SECRET, Some(&NOW.to_string()), None, &text, NOW);
        assert_eq!(unsigned, Err(WebhookError::NoSignature));
        let other = signature(b"another secret that is also 32 bytes!", NOW, &text);
        assert_eq!(verify(SECRET, Some(&NOW.to_string()), Some(&other), &text, NOW), Err(WebhookError::Signature));
        let sig = signature(SECRET, NOW, &text);
        let tampered = text.replace("u-42", "u-43");
        assert_eq!(verify(SECRET, Some(&NOW.to_string()), Some(&sig), &tampered, NOW), Err(WebhookError::Signature));
        // The moment is signed too: moving it forward breaks the signature.
        assert_eq!(verify(SECRET, Some(&(NOW + 1).to_string()), Some(&sig), &text, NOW), Err(WebhookError::Signature));
        assert_eq!(unsigned.map_err(|e| e.status()), Err(401));
    }

    #[test]
    fn a_webhook_signed_over_five_minutes_ago_or_ahead_is_stale() {
        let text = body("evt-1", "Audience Entered");
        assert_eq!(check(&text, NOW - MAX_AGE_SECONDS - 1, NOW), Err(WebhookError::Stale));
        assert_eq!(check(&text, NOW + MAX_AGE_SECONDS + 1, NOW), Err(WebhookError::Stale));
        assert!(check(&text, NOW - MAX_AGE_SECONDS, NOW).is_ok());
        assert_eq!(verify(SECRET, None, Some("v1=00"), &text, NOW), Err(WebhookError::NoTimestamp));
    }

    #[test]
    fn a_signed_but_malformed_event_names_its_field() {
        let wrong_event = body("evt-1", "Audience Joined");
        assert!(matches!(check(&wrong_event, NOW, NOW), Err(WebhookError::Body { field, .. }) if field == "event"));
        let bad_user = body("evt-1", "Audience Entered").replace("u-42", "u 42<script>");
        assert!(matches!(check(&bad_user, NOW, NOW), Err(WebhookError::Body { field, .. }) if field == "userId"));
        let bad_time = body("evt-1", "Audience Entered").replace("2026-12-07T10:00:00Z", "yesterday");
        assert!(matches!(check(&bad_time, NOW, NOW), Err(WebhookError::Body { field, .. }) if field == "timestamp"));
        assert_eq!(check("not json", NOW, NOW).map_err(|e| e.status()), Err(400));
    }

    #[test]
    fn the_rule_refuses_replays_resolves_by_the_cdps_time_and_bounds_the_segments() {
        let event = |entered, at_ms| SegmentEvent { id: "e".into(), unit: "u".into(), segment: "vip".into(), entered, at_ms };
        let held = |entered, at_ms| Some(Membership { entered, at_ms });
        let fresh = OnRecord::default();
        assert_eq!(decide(&event(true, 10), &fresh), Applied::Changed);
        assert_eq!(decide(&event(true, 10), &OnRecord { seen: true, ..fresh }), Applied::Replay);
        assert_eq!(decide(&event(true, 10), &OnRecord { membership: held(false, 20), ..fresh }), Applied::Outdated);
        // The same moment again is not older: it is kept (a CDP resending a state).
        assert_eq!(decide(&event(false, 20), &OnRecord { membership: held(true, 20), ..fresh }), Applied::Changed);
        let full = OnRecord { member_count: SEGMENTS_PER_UNIT_MAX, ..fresh };
        assert_eq!(decide(&event(true, 10), &full), Applied::Full);
        assert_eq!(decide(&event(false, 10), &full), Applied::Changed, "leaving is always possible");
        assert_eq!(decide(&event(true, 30), &OnRecord { membership: held(true, 20), ..full }), Applied::Changed, "already in");
        assert_eq!(Applied::Replay.response().status, 401);
        assert_eq!(serde_json::to_string(&Applied::Outdated).ok().as_deref(), Some("\"outdated\""));
    }
}
