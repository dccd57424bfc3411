//! What an operator configures about requests: which headers carry which request facts, the
//! cookie and header names, and the key that signs profile tokens. Both tiers read it from the
//! same environment variables (`Config::from_vars`), documented in `docs/delivery.md`.

use std::fmt;

/// How a tier reads visitors out of requests.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// `(attribute, header)`: request facts the operator's CDN or proxy sets.
    pub fact_headers: Vec<(String, String)>,
    /// The cookie holding the visitor's stable unit id, and the attribute it fills.
    pub unit_cookie: String,
    pub unit_attribute: String,
    /// Where the visitor's consents come from: this header, else this cookie.
    pub consent_header: String,
    pub consent_cookie: String,
    /// Where a signed profile token comes from: this header, else this cookie.
    pub profile_header: String,
    pub profile_cookie: String,
    /// The HMAC-SHA256 key profile tokens are signed with; without one, tokens are refused.
    pub profile_key: Option<Vec<u8>>,
    /// The catalog's segment list, which the CDP's pushed memberships fill.
    pub segment_attribute: String,
    /// Storefront origins (`https://shop.example`) whose pages may ask `POST /decide` from the
    /// browser (the client tier), with the visitor's cookies.
    pub allowed_origins: Vec<String>,
}

/// The environment variable holding the profile token key.
pub const PROFILE_KEY_VAR: &str = "VANTAGE_PROFILE_KEY";
/// The environment variable mapping request facts to headers (`attr=header,attr=header`).
pub const FACT_HEADERS_VAR: &str = "VANTAGE_FACT_HEADERS";

/// The environment variable listing the storefront origins the client tier runs on.
pub const ALLOWED_ORIGINS_VAR: &str = "VANTAGE_ALLOWED_ORIGINS";

/// A key shorter than this is refused: it could be guessed.
pub const PROFILE_KEY_MIN_BYTES: usize = 32;

impl Default for Config {
    fn default() -> Config {
        let facts = [
            ("request.country", "cf-ipcountry"),
            ("request.device", "x-vantage-device"),
            ("request.locale", "x-vantage-locale"),
            ("request.timezone", "x-vantage-timezone"),
            ("request.referrer", "referer"),
        ];
        Config {
            fact_headers: facts.iter().map(|(a, h)| ((*a).to_owned(), (*h).to_owned())).collect(),
            unit_cookie: "vantage_uid".into(),
            unit_attribute: "profile.id".into(),
            consent_header: "x-vantage-consents".into(),
            consent_cookie: "vantage_consents".into(),
            profile_header: "x-vantage-profile".into(),
            profile_cookie: "vantage_profile".into(),
            profile_key: None,
            segment_attribute: "profile.segments".into(),
            allowed_origins: Vec::new(),
        }
    }
}

// The key never reaches a log through `{:?}`.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("fact_headers", &self.fact_headers)
            .field("unit_cookie", &self.unit_cookie)
            .field("profile_key", &self.profile_key.as_ref().map(|_| "(set)"))
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Every request header the runtime reads (lower case): a tier may pass only these.
    pub fn headers_read(&self) -> Vec<String> {
        let mut names: Vec<String> = self.fact_headers.iter().map(|(_, header)| header.clone()).collect();
        names.extend([self.consent_header.clone(), self.profile_header.clone(), "cookie".into(), "if-none-match".into(), "origin".into()]);
        names.sort();
        names.dedup();
        names
    }

    /// The configuration from environment variables, looked up through `var` (so the Worker can
    /// hand over its bindings): [`PROFILE_KEY_VAR`] and [`FACT_HEADERS_VAR`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut config = Config::default();
        if let Some(key) = var(PROFILE_KEY_VAR).filter(|k| !k.is_empty()) {
            if key.len() < PROFILE_KEY_MIN_BYTES {
                return Err(format!("{PROFILE_KEY_VAR} is {} bytes; a signing key needs at least {PROFILE_KEY_MIN_BYTES}", key.len()));
            }
            config.profile_key = Some(key.into_bytes());
        }
        if let Some(map) = var(FACT_HEADERS_VAR).filter(|m| !m.trim().is_empty()) {
            config.fact_headers = parse_fact_headers(&map)?;
        }
        if let Some(list) = var(ALLOWED_ORIGINS_VAR).filter(|l| !l.trim().is_empty()) {
            config.allowed_origins = parse_origins(&list)?;
        }
        Ok(config)
    }

    /// The request's `Origin` when it is one the operator allowed.
    pub fn allowed_origin<'r>(&self, origin: Option<&'r str>) -> Option<&'r str> {
        origin.filter(|o| self.allowed_origins.iter().any(|allowed| allowed == o))
    }
}

/// `https://shop.example,http://127.0.0.1:8080`: scheme, host and port only, as browsers send
/// them in `Origin`.
fn parse_origins(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(|origin| {
            let origin = origin.trim();
            let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) => {
                    Ok(origin.to_owned())
                }
                _ => Err(format!("{ALLOWED_ORIGINS_VAR}: `{origin}` is not an origin such as https://shop.example")),
            }
        })
        .collect()
}

fn parse_fact_headers(map: &str) -> Result<Vec<(String, String)>, String> {
    map.split(',')
        .map(|pair| {
            let (attr, header) =
                pair.trim().split_once('=').ok_or_else(|| format!("{FACT_HEADERS_VAR}: `{pair}` is not attribute=header"))?;
            let (attr, header) = (attr.trim(), header.trim().to_ascii_lowercase());
            if !attr.starts_with("request.") || header.is_empty() || !header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!("{FACT_HEADERS_VAR}: `{pair}` must map a request.* attribute to a header name"));
            }
            Ok((attr.to_owned(), header))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_key_or_a_malformed_mapping_is_refused_at_start() {
        let short = Config::from_vars(|v| (v == PROFILE_KEY_VAR).then(|| "short".to_owned()));
        assert!(short.is_err_and(|e| e.contains("at least 32")));
        let bad = Config::from_vars(|v| (v == FACT_HEADERS_VAR).then(|| "profile.tier=x-tier".to_owned()));
        assert!(bad.is_err_and(|e| e.contains("request.*")));
    }

    #[test]
    fn the_operator_maps_facts_to_their_own_headers() {
        let config = Config::from_vars(|v| (v == FACT_HEADERS_VAR).then(|| "request.country = X-Geo-Country".to_owned()));
        assert_eq!(config.map(|c| c.fact_headers), Ok(vec![("request.country".to_owned(), "x-geo-country".to_owned())]));
    }

    #[test]
    fn the_headers_read_are_the_facts_consents_token_cookie_and_validator() {
        let read = Config::default().headers_read();
        for name in ["cf-ipcountry", "x-vantage-consents", "x-vantage-profile", "cookie", "if-none-match"] {
            assert!(read.iter().any(|h| h == name), "{name} missing from {read:?}");
        }
        assert!(!read.iter().any(|h| h == "user-agent"));
    }

    #[test]
    fn allowed_origins_are_exact_origins_and_nothing_else_is_allowed() {
        let config = Config::from_vars(|v| (v == ALLOWED_ORIGINS_VAR).then(|| "https://shop.example, http://127.0.0.1:8080".to_owned()));
        let config = config.unwrap_or_default();
        assert_eq!(config.allowed_origin(Some("https://shop.example")), Some("https://shop.example"));
        assert_eq!(config.allowed_origin(Some("https://shop.example.evil")), None);
        assert_eq!(config.allowed_origin(Some("null")), None);
        for bad in ["shop.example", "https://shop.example/path", "javascript:alert(1)", "*"] {
            assert!(Config::from_vars(|v| (v == ALLOWED_ORIGINS_VAR).then(|| bad.to_owned())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_key_is_not_printed() {
        let config = Config { profile_key: Some(b"0123456789abcdef0123456789abcdef".to_vec()), ..Config::default() };
        assert!(!format!("{config:?}").contains("0123"));
    }
}
