//! Connecting to the workspace's CMS as a person. `vantage sync login` signs in with the
//! person's own CMS account and keeps only the refresh token, in the OS keyring under the CMS's
//! address; each connection trades it for a short-lived access token (the CMS rotates the
//! refresh token, and the new one replaces it). Without a signed-in person, an API token from the
//! keyring or `$VANTAGE_CMS_TOKEN` may still read, and the CMS refuses its writes.

use crate::adapter::{CmsError, RemoteIdentity};
use crate::pull::{workspace_id, SyncError};
use crate::secrets::TokenSource;
use crate::StrapiAdapter;
use std::path::Path;
use std::time::Duration;
use vantage_store::Store;

/// A PEM file of extra certificate authorities to trust for the CMS (a company's own CA), on
/// top of the platform's trust store.
pub const CA_FILE_ENV: &str = "VANTAGE_CMS_CA_FILE";

/// A client for `url` with `token`, trusting `$VANTAGE_CMS_CA_FILE` as well when it is set.
fn client(url: &str, token: &str, timeout: Duration) -> Result<StrapiAdapter, SyncError> {
    match std::env::var_os(CA_FILE_ENV) {
        Some(file) => {
            let pem = std::fs::read(&file).map_err(|e| {
                SyncError::Invalid(format!("${CA_FILE_ENV} names {}, which cannot be read: {e}", Path::new(&file).display()))
            })?;
            Ok(StrapiAdapter::trusting(url, token, timeout, &pem)?)
        }
        None => Ok(StrapiAdapter::new(url, token, timeout)?),
    }
}

/// Runs a sign-in request to completion for a caller that is not async (the CLI, the app's
/// commands). Called from inside an async runtime, it runs on a thread of its own: a runtime
/// cannot be started on a thread that is already driving one.
pub(crate) fn block_on<T: Send>(work: impl std::future::Future<Output = Result<T, CmsError>> + Send) -> Result<T, SyncError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Invalid(format!("cannot start talking to the CMS: {e}")))?;
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(runtime.block_on(work)?);
    }
    std::thread::scope(|scope| scope.spawn(move || runtime.block_on(work)).join())
        .map_err(|_| SyncError::Invalid("talking to the CMS stopped unexpectedly".into()))?
        .map_err(SyncError::from)
}

/// The workspace's CMS address, checked (an address edited into the database gets no token).
fn cms_url(store: &Store, url: Option<&str>, user: &str) -> Result<String, SyncError> {
    if let Some(url) = url {
        crate::set_cms_url(store, user, url)?;
    }
    let url = store.sync_setting(crate::CMS_URL_SETTING)?.ok_or_else(|| {
        SyncError::Invalid("no CMS URL for this workspace: pass --cms-url http://127.0.0.1:1337 once (it is kept in the store)".into())
    })?;
    crate::check_cms_url(&url).map_err(SyncError::Invalid)?;
    Ok(url)
}

/// Signs `name` in at the workspace's CMS (`url`, when given, is stored first) with their own
/// password, keeps the refresh token (in the OS keyring, or for this run only where there is
/// none: which, it says), and says who the CMS knows them as.
pub fn sign_in(
    store: &Store,
    user: &str,
    url: Option<&str>,
    name: &str,
    password: &str,
    timeout: Duration,
) -> Result<(RemoteIdentity, TokenSource), SyncError> {
    let url = cms_url(store, url, user)?;
    let anonymous = client(&url, "", timeout)?;
    let (access, refresh) = block_on(anonymous.sign_in(name, password))?;
    let identity = block_on(anonymous.with_token(&access).whoami())?;
    Ok((identity.clone(), crate::secrets::save_session(&url, &identity.username, &refresh)))
}

/// Signs out of the workspace's CMS on this computer: the kept sign-in is forgotten.
pub fn sign_out(store: &Store) -> Result<(), SyncError> {
    match store.sync_setting(crate::CMS_URL_SETTING)? {
        Some(url) => crate::secrets::forget(&url).map_err(|e| SyncError::Invalid(e.to_string())),
        None => Ok(()),
    }
}

/// Who is signed in at the workspace's CMS on this computer, as the CMS named them at sign-in
/// (`None`: a local workspace, or nobody signed in). Asks nothing of the CMS.
pub fn kept_sign_in(store: &Store) -> Result<Option<String>, SyncError> {
    let Some(url) = store.sync_setting(crate::CMS_URL_SETTING)? else { return Ok(None) };
    Ok(crate::secrets::load_token(&url).ok().and_then(|token| token.person().map(str::to_owned)))
}

/// The Strapi client for this workspace (`url`, when given, is stored first: admins only,
/// checked and audited, see [`crate::set_cms_url`]): as the signed-in person when there is one,
/// else with an API token. Also returns where the credential came from (never the credential).
pub fn connect_strapi(store: &Store, url: Option<&str>, user: &str, timeout: Duration) -> Result<(StrapiAdapter, String), SyncError> {
    let url = cms_url(store, url, user)?;
    let token = crate::secrets::load_token(&url).map_err(|e| SyncError::Invalid(e.to_string()))?;
    let adapter = match token.refresh_token() {
        Some(refresh) => {
            let (access, rotated) = block_on(client(&url, "", timeout)?.refresh(refresh)).map_err(|e| {
                SyncError::Invalid(format!("your sign-in at {url} has ended or was revoked: sign in again with `vantage sync login` ({e})"))
            })?;
            crate::secrets::save_session(&url, token.person().unwrap_or_default(), &rotated);
            client(&url, &access, timeout)?
        }
        None => client(&url, token.expose(), timeout)?,
    };
    Ok((adapter.with_key_namespace(&workspace_id(store)?), token.describe()))
}
