//! The CMS address a workspace syncs with, which decides where its API token is sent: only an
//! admin changes it, the change is in the audit log, and an address is used only if it is safe
//! to send a token to: `https://`, or plain `http://` to this machine (loopback) alone, with no
//! credentials, query or fragment in it. A stored address is checked again before every use, so
//! one edited into the database sends no token either.

use crate::SyncError;
use vantage_store::{ErrorCode, Role, Store, StoreError};

/// Whether `url` may receive the workspace's API token; the error says why not, in plain words.
pub fn check_cms_url(url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a web address ({e}); write it like https://cms.example.com"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(format!("`{url}` is plain http to another machine: the API token would travel readable; use https")),
        other => return Err(format!("`{url}` uses `{other}`; a CMS address starts with https://")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("a CMS address must not carry a user name or password; sign in with `vantage sync login` instead".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("`{url}` has a query or fragment; give the CMS's base address only"));
    }
    Ok(())
}

/// Sets the workspace's CMS address as `user` (admins only), after checking it; the change is
/// recorded in the audit log. Setting the address it already has changes nothing.
pub fn set_cms_url(store: &Store, user: &str, url: &str) -> Result<(), SyncError> {
    let current = store.sync_setting(crate::CMS_URL_SETTING)?;
    if current.as_deref() == Some(url) {
        return Ok(());
    }
    if store.role(user)? != Role::Admin {
        return Err(SyncError::Store(StoreError::new(
            ErrorCode::Forbidden,
            "only an admin may change the CMS address: it decides where the workspace's API token is sent",
        )));
    }
    check_cms_url(url).map_err(SyncError::Invalid)?;
    store.set_sync_setting(crate::CMS_URL_SETTING, url)?;
    store.record_sync_event(user, "cms_url", &serde_json::json!({"from": current, "to": url}))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_goes_only_over_https_or_to_this_machine() {
        for ok in [
            "https://cms.example.com",
            "https://cms.example.com:8443/base",
            "http://127.0.0.1:1337",
            "http://localhost:1337",
            "http://[::1]:1337",
        ] {
            assert!(check_cms_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://cms.example.com",
            "http://10.0.0.5:1337",
            "ftp://cms.example.com",
            "file:///etc/passwd",
            "https://user:secret@cms.example.com",
            "https://cms.example.com/?next=evil",
            "cms.example.com",
            "",
        ] {
            assert!(check_cms_url(bad).is_err(), "{bad}");
        }
    }
}
