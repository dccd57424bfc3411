//! The CMS API token: from the OS keyring (service `vantage-cms`, account = the CMS URL), or,
//! where there is no keyring entry or no keyring at all (CI, containers without a session
//! keyring), from the environment variable `VANTAGE_CMS_TOKEN`. Either way a token is bound to
//! the address it was issued for: the keyring keys it by address, and the environment's token
//! is used only for the address in `VANTAGE_CMS_TOKEN_URL`, so changing the workspace's CMS
//! address never sends an old token to the new one. The caller is told which source was used
//! and why; the token itself is never printed (`Debug` and `Display` hide it).

/// The keyring service name tokens are stored under.
pub const KEYRING_SERVICE: &str = "vantage-cms";
/// The environment variable read when the keyring has no token.
pub const TOKEN_ENV: &str = "VANTAGE_CMS_TOKEN";
/// The CMS address the environment's token was issued for; the token goes nowhere else.
pub const TOKEN_URL_ENV: &str = "VANTAGE_CMS_TOKEN_URL";

/// Marks a keyring entry that holds a person's sign-in (a refresh token) rather than an API token.
const SESSION_PREFIX: &str = "session:";

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Keyring,
    /// This process's own copy of a sign-in it made (the newest, rotated one). As a result of
    /// [`save_session`]: the OS keyring did not keep it (some containers and remote sessions
    /// have none), so the sign-in lasts until the program ends.
    ThisRun,
    Env,
}

/// Sign-ins this process made, by CMS address: the newest (rotated) refresh token of each. The
/// OS keyring keeps a copy for the next run where it can.
static THIS_RUN: std::sync::Mutex<std::collections::BTreeMap<String, String>> = std::sync::Mutex::new(std::collections::BTreeMap::new());

fn this_run() -> std::sync::MutexGuard<'static, std::collections::BTreeMap<String, String>> {
    THIS_RUN.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An API token. Its text is reachable only through [`CmsToken::expose`].
#[derive(Clone)]
pub struct CmsToken {
    secret: String,
    pub source: TokenSource,
    /// Why the keyring was not used, when the token came from the environment.
    pub note: Option<String>,
}

impl std::fmt::Debug for CmsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CmsToken").field("secret", &"<hidden>").field("source", &self.source).field("note", &self.note).finish()
    }
}

impl CmsToken {
    /// The token text, to put in a request header. Never log it.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// The refresh token, when this is a person's sign-in (`vantage sync login`).
    pub fn refresh_token(&self) -> Option<&str> {
        let kept = self.secret.strip_prefix(SESSION_PREFIX)?;
        Some(kept.split_once('\n').map_or(kept, |(_, refresh)| refresh))
    }

    /// Who signed in, as the CMS named them at sign-in (no secret).
    pub fn person(&self) -> Option<&str> {
        self.secret.strip_prefix(SESSION_PREFIX)?.split_once('\n').map(|(person, _)| person)
    }

    /// One line saying where the token came from (no secret in it).
    pub fn describe(&self) -> String {
        match (self.source, &self.note) {
            (TokenSource::Keyring, _) if self.refresh_token().is_some() => {
                format!("your sign-in, kept in the OS keyring (service {KEYRING_SERVICE})")
            }
            (TokenSource::Keyring, _) => format!("API token from the OS keyring (service {KEYRING_SERVICE})"),
            (TokenSource::ThisRun, _) => "your sign-in".to_owned(),
            (TokenSource::Env, Some(note)) => format!("API token from ${TOKEN_ENV} ({note})"),
            (TokenSource::Env, None) => format!("API token from ${TOKEN_ENV}"),
        }
    }
}

/// No token anywhere, or the keyring refused to store one.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);

fn keyring_token(cms_url: &str) -> Result<Option<String>, String> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, cms_url).map_err(|e| format!("the OS keyring is unavailable: {e}"))?;
    match entry.get_password() {
        Ok(token) if !token.is_empty() => Ok(Some(token)),
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(format!("the OS keyring is unavailable: {e}")),
    }
}

/// The API token for the CMS at `cms_url`: the keyring first, then `$VANTAGE_CMS_TOKEN` if
/// `$VANTAGE_CMS_TOKEN_URL` names this same address.
pub fn load_token(cms_url: &str) -> Result<CmsToken, SecretError> {
    load_token_with(cms_url, std::env::var(TOKEN_ENV).ok(), std::env::var(TOKEN_URL_ENV).ok())
}

/// Two spellings of one address (`https://cms.example.com` and `https://cms.example.com/`) are
/// the same address.
fn same_address(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a.trim()), reqwest::Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a == b || (a.origin() == b.origin() && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')),
        _ => false,
    }
}

fn load_token_with(cms_url: &str, env: Option<String>, env_url: Option<String>) -> Result<CmsToken, SecretError> {
    // This run's own sign-in first: it holds the newest (rotated) refresh token, and some
    // keyrings do not give a secret back to every thread of the process that stored it.
    if let Some(secret) = this_run().get(cms_url).cloned() {
        return Ok(CmsToken { secret, source: TokenSource::ThisRun, note: None });
    }
    let note = match keyring_token(cms_url) {
        Ok(Some(secret)) => return Ok(CmsToken { secret, source: TokenSource::Keyring, note: None }),
        Ok(None) => format!("no token for {cms_url} in the OS keyring"),
        Err(why) => why,
    };
    let Some(secret) = env.filter(|t| !t.trim().is_empty()) else {
        return Err(SecretError(format!(
            "no CMS API token: {note}, and ${TOKEN_ENV} is not set; store one with `vantage sync login` or set ${TOKEN_ENV} and ${TOKEN_URL_ENV}"
        )));
    };
    match env_url {
        Some(url) if same_address(&url, cms_url) => {
            Ok(CmsToken { secret: secret.trim().to_owned(), source: TokenSource::Env, note: Some(note) })
        }
        Some(url) => {
            Err(SecretError(format!("${TOKEN_ENV} was issued for {}, not for {cms_url}: it is not sent there ({note})", url.trim())))
        }
        None => Err(SecretError(format!(
            "${TOKEN_ENV} is set but ${TOKEN_URL_ENV} does not say which CMS address it is for, so it is not sent ({note})"
        ))),
    }
}

/// Keeps `person`'s sign-in (their refresh token) for `cms_url` in this process's memory and
/// in the OS keyring (for the next run), replacing what was there. Says whether the keyring
/// kept it.
pub fn save_session(cms_url: &str, person: &str, refresh_token: &str) -> TokenSource {
    // One line for the person (a name has no line break: the CMS's names are checked), then the
    // token.
    let person: String = person.chars().filter(|c| !c.is_control()).collect();
    let secret = format!("{SESSION_PREFIX}{person}\n{refresh_token}");
    // Read back: some keyrings accept a secret they do not give back (a session keyring the
    // next call does not see), and a sign-in that cannot be read is no sign-in.
    let kept = save_token(cms_url, &secret).is_ok() && keyring_token(cms_url).ok().flatten().as_deref() == Some(secret.as_str());
    this_run().insert(cms_url.to_owned(), secret);
    if kept {
        TokenSource::Keyring
    } else {
        TokenSource::ThisRun
    }
}

/// Forgets the sign-in (or API token) kept for `cms_url`: in the keyring and for this run.
pub fn forget(cms_url: &str) -> Result<(), SecretError> {
    this_run().remove(cms_url);
    let entry = keyring::Entry::new(KEYRING_SERVICE, cms_url).map_err(|e| SecretError(format!("the OS keyring is unavailable: {e}")))?;
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        // Nothing can have been kept where there is no keyring.
        Err(keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_)) => Ok(()),
        Err(e) => Err(SecretError(format!("cannot remove the sign-in from the OS keyring: {e}"))),
    }
}

/// Stores `token` for `cms_url` in the OS keyring.
pub fn save_token(cms_url: &str, token: &str) -> Result<(), SecretError> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, cms_url).map_err(|e| SecretError(format!("the OS keyring is unavailable: {e}")))?;
    entry.set_password(token).map_err(|e| SecretError(format!("cannot store the token in the OS keyring: {e}; use ${TOKEN_ENV} instead")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_the_fallback_and_the_token_never_shows() {
        // A URL no keyring holds an entry for.
        let url = "http://127.0.0.1:9/vantage-secrets-test";
        let token = load_token_with(url, Some("s3cret-token".into()), Some(format!("{url}/"))).unwrap();
        assert_eq!(token.expose(), "s3cret-token");
        if token.source == TokenSource::Env {
            assert!(token.describe().contains(TOKEN_ENV));
        }
        assert!(!format!("{token:?}").contains("s3cret"));
        assert!(!token.describe().contains("s3cret"));
        let missing = load_token_with(url, None, None).unwrap_err().to_string();
        assert!(missing.contains(TOKEN_ENV), "{missing}");
    }

    #[test]
    fn a_kept_sign_in_names_its_person_and_gives_the_refresh_token_alone() {
        let url = "http://127.0.0.1:9/vantage-session-test";
        save_session(url, "maria\nrita", "refresh-secret");
        let token = load_token_with(url, None, None).unwrap();
        assert_eq!((token.person(), token.refresh_token()), (Some("mariarita"), Some("refresh-secret")));
        assert!(!token.describe().contains("refresh-secret"));
        forget(url).unwrap();
        assert!(load_token_with(url, None, None).is_err(), "signed out, nothing is kept");
    }

    #[test]
    fn the_environment_s_token_goes_only_to_the_address_it_was_issued_for() {
        let url = "https://evil.example.net/vantage-secrets-test";
        let elsewhere = load_token_with(url, Some("s3cret".into()), Some("https://cms.example.com".into())).unwrap_err().to_string();
        assert!(elsewhere.contains("issued for https://cms.example.com") && !elsewhere.contains("s3cret"), "{elsewhere}");
        let unbound = load_token_with(url, Some("s3cret".into()), None).unwrap_err().to_string();
        assert!(unbound.contains(TOKEN_URL_ENV), "{unbound}");
        // Same host, other port or scheme: another address.
        assert!(!same_address("https://cms.example.com", "https://cms.example.com:8443"));
        assert!(!same_address("https://cms.example.com", "http://cms.example.com"));
        assert!(same_address("https://cms.example.com", "https://cms.example.com/"));
    }
}
