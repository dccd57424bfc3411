//! Asks a delivery target which CDP segments it holds for a visitor (`GET {target}/segments/{unit}`
//! with the deploy token), for QA's "as the CDP sees them now". The token only travels to https
//! or loopback addresses, never through a redirect, and what the target answers is checked like
//! any input: a list of at most 256 segment names of 1 to 64 letters, digits, `-` or `_`.

use reqwest::{Client, StatusCode};
use std::time::Duration;

/// A visitor's memberships can name at most this many segments.
const SEGMENTS_MAX: usize = 256;

/// Why the lookup failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("{0}")]
    Refused(String),
    #[error("{target} could not be reached ({message})")]
    Unreachable { target: String, message: String },
}

/// 1 to 64 ASCII letters, digits, `-` or `_`: a unit id or a segment name.
pub fn is_plain_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The segments `target` holds for `unit`.
pub async fn segments_of(target: &str, unit: &str, token: &str) -> Result<Vec<String>, LookupError> {
    crate::check_cms_url(target).map_err(|e| LookupError::Refused(e.replace("CMS address", "delivery target")))?;
    if !is_plain_id(unit) {
        return Err(LookupError::Refused("a visitor id is 1 to 64 letters, digits, - or _".into()));
    }
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| LookupError::Refused(format!("cannot build the HTTP client: {e}")))?;
    let url = format!("{}/segments/{unit}", target.trim_end_matches('/'));
    let unreachable = |message: String| LookupError::Unreachable { target: target.to_owned(), message };
    let answer = client.get(&url).bearer_auth(token).send().await.map_err(|e| {
        unreachable(if e.is_connect() {
            "nothing answered there".into()
        } else if e.is_timeout() {
            "it took too long to answer".into()
        } else {
            e.to_string()
        })
    })?;
    let status = answer.status();
    let body = answer.bytes().await.map_err(|e| unreachable(e.to_string()))?;
    if body.len() > 64 * 1024 {
        return Err(LookupError::Refused(format!("{target} answered more than 64 KB")));
    }
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if status != StatusCode::OK {
        let message = body.pointer("/error/message").and_then(serde_json::Value::as_str).unwrap_or("no reason given");
        let message: String = message.chars().filter(|c| !c.is_control()).take(200).collect();
        return Err(LookupError::Refused(format!("{target} answered {status}: {message}")));
    }
    let segments = body
        .get("segments")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| LookupError::Refused(format!("{target} did not answer a list of segments")))?;
    if segments.len() > SEGMENTS_MAX {
        return Err(LookupError::Refused(format!("{target} answered more than {SEGMENTS_MAX} segments")));
    }
    segments
        .iter()
        .map(|s| match s.as_str() {
            Some(name) if is_plain_id(name) => Ok(name.to_owned()),
            _ => Err(LookupError::Refused(format!("{target} answered a segment name that is not plain letters, digits, - or _"))),
        })
        .collect()
}
