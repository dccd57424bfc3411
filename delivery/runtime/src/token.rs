//! Signed profile tokens: what the operator's own backend knows about a visitor (their tier, their
//! orders) travels with the request as `v1.<payload>.<signature>`, both base64url, the signature
//! an HMAC-SHA256 over `v1.<payload>` with the key from the environment. A visitor can read a
//! token but not forge or extend one: the signature is checked in constant time and the expiry
//! against the clock before anything in it is used.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;

/// A token longer than this is refused unread.
pub const TOKEN_MAX_BYTES: usize = 8 * 1024;

/// What a profile token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileClaims {
    /// Seconds since 1970 after which the token is refused.
    pub exp: i64,
    /// Attribute values by catalog path (`profile.tier`).
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// A moment to decide at (RFC 3339): for QA's preview links, signed like the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Why a token was refused (the message a 400 carries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this service has no key to check profile tokens (set VANTAGE_PROFILE_KEY)")]
    NoKey,
    #[error("the token is longer than {TOKEN_MAX_BYTES} bytes")]
    TooLong,
    #[error("the token is not v1.<payload>.<signature>")]
    Shape,
    #[error("the token's signature does not match")]
    Signature,
    #[error("the token's payload is not valid: {0}")]
    Payload(String),
    #[error("the token expired")]
    Expired,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> Result<HmacSha256, TokenError> {
    // HMAC takes keys of any length; this cannot fail, but is not unwrapped.
    HmacSha256::new_from_slice(key).map_err(|_| TokenError::NoKey)
}

/// Signs `claims` with `key` (the operator's backend does this; so do tests and QA links).
pub fn sign(claims: &ProfileClaims, key: &[u8]) -> Result<String, TokenError> {
    let payload = serde_json::to_vec(claims).map_err(|e| TokenError::Payload(e.to_string()))?;
    let signed = format!("v1.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut mac = mac(key)?;
    mac.update(signed.as_bytes());
    Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())))
}

/// Checks `token`'s signature with `key` and its expiry against `now_seconds`, and returns what it
/// says.
pub fn verify(token: &str, key: Option<&[u8]>, now_seconds: i64) -> Result<ProfileClaims, TokenError> {
    let key = key.ok_or(TokenError::NoKey)?;
    if token.len() > TOKEN_MAX_BYTES {
        return Err(TokenError::TooLong);
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Shape)?;
    let payload = signed.strip_prefix("v1.").ok_or(TokenError::Shape)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Shape)?;
    let mut mac = mac(key)?;
    mac.update(signed.as_bytes());
    mac.verify_slice(&signature).map_err(|_| TokenError::Signature)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Shape)?;
    let claims: ProfileClaims = serde_json::from_slice(&payload).map_err(|e| TokenError::Payload(e.to_string()))?;
    if claims.exp <= now_seconds {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &[u8] = b"a key of at least thirty-two bytes!!";

    fn claims(exp: i64) -> ProfileClaims {
        let attributes = json!({"profile.tier": "vip"}).as_object().cloned().unwrap_or_default();
        ProfileClaims { exp, attributes, at: None }
    }

    #[test]
    fn a_signed_token_reads_back_until_it_expires() {
        let token = sign(&claims(1000), KEY).unwrap_or_default();
        assert_eq!(verify(&token, Some(KEY), 999), Ok(claims(1000)));
        assert_eq!(verify(&token, Some(KEY), 1000), Err(TokenError::Expired));
    }

    #[test]
    fn a_visitor_who_promotes_themself_to_vip_is_refused() {
        let token = sign(&claims(1000), KEY).unwrap_or_default();
        let (_, signature) = token.rsplit_once('.').unwrap_or_default();
        let forged_payload =
            URL_SAFE_NO_PAD.encode(br#"{"exp":9999999999,"attributes":{"profile.tier":"vip","profile.lifetime_value":99999}}"#);
        let forged = format!("v1.{forged_payload}.{signature}");
        assert_eq!(verify(&forged, Some(KEY), 0), Err(TokenError::Signature));
        let other_key = sign(&claims(1000), b"another key, also thirty-two bytes long").unwrap_or_default();
        assert_eq!(verify(&other_key, Some(KEY), 0), Err(TokenError::Signature));
    }

    #[test]
    fn malformed_oversized_and_unkeyed_tokens_are_refused() {
        assert_eq!(verify("nonsense", Some(KEY), 0), Err(TokenError::Shape));
        assert_eq!(verify("v2.abc.def", Some(KEY), 0), Err(TokenError::Shape));
        assert_eq!(verify(&"a".repeat(TOKEN_MAX_BYTES + 1), Some(KEY), 0), Err(TokenError::TooLong));
        assert_eq!(verify("v1.abc.def", None, 0), Err(TokenError::NoKey));
    }
}
