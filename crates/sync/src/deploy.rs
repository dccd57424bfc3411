//! Sends a release to a delivery target (`vantage serve`, or the edge Worker): `PUT
//! {target}/release` with the release file, its SHA-256 in `x-vantage-release-sha256` and the
//! deploy token as a bearer. The target verifies the hash before it switches; this client checks
//! the target names the same release back. The token only travels to https or loopback
//! addresses, never through a redirect. Unreachable targets and 5xx/429 answers are retried with
//! backoff; a refusal (4xx) is not.

use crate::retry::Backoff;
use reqwest::{Client, StatusCode};
use std::time::Duration;

/// The environment variable holding the deploy token.
pub const DEPLOY_TOKEN_VAR: &str = "VANTAGE_DEPLOY_TOKEN";

/// Why a deploy did not land.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    /// The target answered and refused (bad token, a release it could not verify): not retried.
    #[error("{target} refused release {release}: {message}")]
    Refused { target: String, release: String, message: String },
    /// The target could not be reached or kept failing: it is behind, try again later.
    #[error("{target} could not be reached ({message}), so it still serves an older release; it is tried again on the next publish or with Deploy now")]
    Unreachable { target: String, message: String },
}

/// Deploys `release_text` (a release file whose hash is `hash`) to `target`, trying up to
/// `backoff.attempts` times. Returns the release the target now serves (always `hash`).
pub async fn deploy(target: &str, release_text: &str, hash: &str, token: &str, backoff: Backoff) -> Result<String, DeployError> {
    let refused = |message: String| DeployError::Refused { target: target.to_owned(), release: hash.to_owned(), message };
    crate::check_cms_url(target).map_err(|e| refused(e.replace("CMS address", "deploy target")))?;
    let url = format!("{}/release", target.trim_end_matches('/'));
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| refused(format!("cannot build the HTTP client: {e}")))?;
    let mut attempt = 0;
    loop {
        let sent = client
            .put(&url)
            .bearer_auth(token)
            .header("x-vantage-release-sha256", hash)
            .header("content-type", "application/json")
            .body(release_text.to_owned())
            .send()
            .await;
        let failure = match sent {
            Ok(answer) if answer.status() == StatusCode::OK => {
                let body: serde_json::Value = answer.json().await.map_err(|e| refused(format!("its answer is not JSON: {e}")))?;
                return match body.get("release").and_then(serde_json::Value::as_str) {
                    Some(served) if served == hash => Ok(served.to_owned()),
                    other => Err(refused(format!("it reports serving {other:?} instead"))),
                };
            }
            Ok(answer) if answer.status().is_server_error() || answer.status() == StatusCode::TOO_MANY_REQUESTS => {
                format!("it answered {}", answer.status())
            }
            Ok(answer) => {
                let status = answer.status();
                let body: serde_json::Value = answer.json().await.unwrap_or_default();
                let message = body.pointer("/error/message").and_then(serde_json::Value::as_str).unwrap_or("no reason given");
                return Err(refused(format!("{status}: {message}")));
            }
            Err(e) if e.is_connect() => "nothing answered there".to_owned(),
            Err(e) if e.is_timeout() => "it took too long to answer".to_owned(),
            Err(e) => e.to_string(),
        };
        attempt += 1;
        match backoff.delay(attempt, 0.5 + 0.5 * jitter(attempt), None) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => return Err(DeployError::Unreachable { target: target.to_owned(), message: failure }),
        }
    }
}

/// A spread in 0..1 that differs per attempt and per process (no randomness crate needed for
/// spreading retries).
fn jitter(attempt: u32) -> f64 {
    let seed = std::process::id().wrapping_mul(2_654_435_761).wrapping_add(attempt.wrapping_mul(40_503));
    f64::from(seed % 1000) / 1000.0
}
