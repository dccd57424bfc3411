//! Syncing with the CMS, for the CLI and the app alike: send what publishing queued, bring
//! others' changes back, list conflicts and settle them, keep the API token. Each call opens the
//! CMS client from the store's settings, blocks on a small runtime of its own (run it off a UI
//! thread), and works on the connection it is given, so the app can run it on a connection of
//! its own while the user keeps working (then `Session::refresh_from_store`).

use crate::error::{ErrorCode, StudioError};
use std::time::Duration;
use vantage_store::{Store, SyncConflict};
use vantage_sync::{Backoff, CmsError, PushOutcome, StrapiAdapter, SyncError};
pub use vantage_sync::{PullReport, Resolution, Resolved};

/// How long one request to the CMS may take, unless the caller says otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to sync with: the CMS URL (kept in the store for next time when given) and the
/// per-request timeout.
#[derive(Debug, Clone, Copy)]
pub struct Remote<'a> {
    pub cms_url: Option<&'a str>,
    pub timeout: Duration,
}

impl Default for Remote<'_> {
    fn default() -> Self {
        Remote { cms_url: None, timeout: REQUEST_TIMEOUT }
    }
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct PushReport {
    pub sent: usize,
    /// Why it stopped before the queue was empty (a conflict, a refusal, or the CMS being away).
    pub stopped: Option<String>,
    /// What the pull after a stop at a conflict brought in.
    pub pulled: Option<PullReport>,
    /// Where the API token came from, in plain words.
    pub token_source: String,
}

fn failed(e: SyncError) -> StudioError {
    match e {
        SyncError::Store(e) => e.into(),
        SyncError::Cms(CmsError::Conflict { path, current }) => {
            StudioError::new(ErrorCode::Conflict, format!("{path} changed on the CMS (now version {current}); resolve the conflict first"))
        }
        SyncError::Cms(e) if e.is_retryable() => {
            StudioError::new(ErrorCode::Io, format!("{e}. Your work is safe here and will be sent when the CMS is back."))
        }
        // A refusal stays a refusal on retry (four eyes, a role, a wrong password): say so.
        SyncError::Cms(e @ CmsError::Permanent(_)) if e.to_string().contains("HTTP 403") => {
            StudioError::new(ErrorCode::Forbidden, format!("{e}. Nothing was written on the CMS; your work is kept here."))
        }
        SyncError::Cms(e) => StudioError::new(ErrorCode::Io, format!("{e}. Nothing was written on the CMS; your work is kept here.")),
        SyncError::Invalid(message) => StudioError::bad_input(message),
        SyncError::AuditLog(message) => StudioError::new(ErrorCode::Conflict, message),
    }
}

/// Retries spread by the clock's nanoseconds: random enough, and no generator to seed.
fn jitter() -> impl FnMut() -> f64 {
    || f64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs() % 1000) / 1000.0
}

fn runtime() -> Result<tokio::runtime::Runtime, StudioError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StudioError::new(ErrorCode::Io, format!("cannot start the sync: {e}")))
}

/// Runs sync work for a caller that is not async. The app calls reviews from its async
/// commands, where a runtime cannot be started on the same thread: there it runs on a thread of
/// its own.
fn run<T: Send>(work: impl std::future::Future<Output = Result<T, SyncError>> + Send) -> Result<T, StudioError> {
    let runtime = runtime()?;
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime.block_on(work).map_err(failed);
    }
    std::thread::scope(|scope| scope.spawn(move || runtime.block_on(work)).join())
        .map_err(|_| StudioError::new(ErrorCode::Io, "talking to the CMS stopped unexpectedly"))?
        .map_err(failed)
}

fn connect(store: &Store, user: &str, remote: Remote<'_>) -> Result<(StrapiAdapter, String), StudioError> {
    if remote.cms_url.is_none() && store.sync_setting(vantage_sync::CMS_URL_SETTING)?.is_none() {
        return Err(StudioError::bad_input(
            "no CMS address for this workspace yet: give it (for example http://127.0.0.1:1337) the first time you sync",
        ));
    }
    vantage_sync::connect_strapi(store, remote.cms_url, user, remote.timeout).map_err(failed)
}

/// Sends every queued change to the CMS in order (`on_progress(sent, pending)`); a conflict
/// stops it, and what the CMS changed is then pulled so the conflict can be settled.
pub fn push(store: &Store, user: &str, remote: Remote<'_>, on_progress: impl FnMut(usize, usize)) -> Result<PushReport, StudioError> {
    let (cms, token_source) = connect(store, user, remote)?;
    let (outcome, pulled) =
        runtime()?.block_on(vantage_sync::push_and_record(store, &cms, Backoff::default(), &mut jitter(), on_progress)).map_err(failed)?;
    let (sent, stopped) = match outcome {
        PushOutcome::Done { sent } => (sent, None),
        PushOutcome::Stopped { sent, error, .. } | PushOutcome::GaveUp { sent, error, .. } => (sent, Some(error.to_string())),
    };
    Ok(PushReport { sent, stopped, pulled, token_source })
}

/// Brings the CMS's changes in; documents changed here too become conflicts.
pub fn pull(store: &Store, user: &str, remote: Remote<'_>) -> Result<PullReport, StudioError> {
    let (cms, _) = connect(store, user, remote)?;
    runtime()?.block_on(vantage_sync::pull(store, &cms, Backoff::default(), &mut jitter())).map_err(failed)
}

/// Documents changed both here and on the CMS, with both versions and a field diff.
pub fn conflicts(store: &Store) -> Result<Vec<SyncConflict>, StudioError> {
    Ok(store.sync_conflicts()?)
}

/// Checks the audit log against its chain, every release and every record of it on the CMS.
pub fn verify_audit_with_cms(store: &Store, user: &str, remote: Remote<'_>) -> Result<vantage_store::ChainStatus, StudioError> {
    let (cms, _) = connect(store, user, remote)?;
    runtime()?.block_on(vantage_sync::verify_with_cms(store, &cms, Backoff::default(), &mut jitter())).map_err(failed)
}

/// Takes the code change from the CMS held for `path` into a new change set of `user`'s, for
/// review.
pub fn take_held(store: &Store, user: &str, path: &str) -> Result<vantage_store::ChangeSetId, StudioError> {
    Ok(store.take_held(user, path)?)
}

/// Documents the CMS sent that were refused (a path outside the workspace, bad JSON, too big)
/// and not yet replaced by a valid version.
pub fn refused(store: &Store) -> Result<Vec<vantage_store::Quarantined>, StudioError> {
    Ok(store.sync_quarantine()?)
}

/// Settles the conflict on `path`: keep mine (send it), take theirs, or write a merged text on
/// both sides.
pub fn resolve(store: &Store, user: &str, path: &str, resolution: Resolution, remote: Remote<'_>) -> Result<Resolved, StudioError> {
    let (cms, _) = connect(store, user, remote)?;
    runtime()?.block_on(vantage_sync::resolve(store, &cms, user, path, resolution, Backoff::default(), &mut jitter())).map_err(failed)
}

/// Keeps `token` for the workspace's CMS (`cms_url` sets it first) in the OS keyring; returns
/// the CMS URL it is kept for.
pub fn login(store: &Store, user: &str, cms_url: Option<&str>, token: &str) -> Result<String, StudioError> {
    if let Some(url) = cms_url {
        vantage_sync::set_cms_url(store, user, url).map_err(failed)?;
    }
    let url = store
        .sync_setting(vantage_sync::CMS_URL_SETTING)?
        .ok_or_else(|| StudioError::bad_input("no CMS URL for this workspace: give it with the token"))?;
    vantage_sync::secrets::save_token(&url, token.trim()).map_err(|e| StudioError::new(ErrorCode::Io, e.to_string()))?;
    Ok(url)
}

/// Someone signed in at the workspace's CMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub name: String,
    pub role: vantage_store::Role,
    /// The sign-in lasts only until this program ends (there is no OS keyring here).
    pub this_run_only: bool,
}

/// Signs `name` in at the workspace's CMS with their own account and password and mirrors them
/// into the local team with the role the CMS gives them (never more). The sign-in is kept in the
/// OS keyring, or for this run only where there is none.
pub fn sign_in(store: &Store, user: &str, remote: Remote<'_>, name: &str, password: &str) -> Result<SignedIn, StudioError> {
    let password = password.trim_end_matches(['\r', '\n']);
    let (me, kept) = vantage_sync::sign_in(store, user, remote.cms_url, name, password, remote.timeout).map_err(|e| match e {
        SyncError::Cms(CmsError::Permanent(why)) if why.contains("did not accept") => {
            StudioError::bad_input("The CMS did not accept that user name and password. Check them and try again.")
        }
        other => failed(other),
    })?;
    let Some(role) = me.role.as_deref().and_then(|r| vantage_store::Role::parse(r).ok()) else {
        let _ = vantage_sync::sign_out(store);
        return Err(StudioError::new(
            ErrorCode::Forbidden,
            format!("{} has no Vantage role on the CMS yet: a CMS admin gives them one (marketer, QA, reviewer or admin)", me.username),
        ));
    };
    store.mirror_cms_user(&me.username, role)?;
    Ok(SignedIn { name: me.username, role, this_run_only: kept == vantage_sync::secrets::TokenSource::ThisRun })
}

/// Who is signed in at the workspace's CMS on this computer, if anyone (asks nothing of the CMS).
pub fn kept_sign_in(store: &Store) -> Result<Option<String>, StudioError> {
    vantage_sync::kept_sign_in(store).map_err(failed)
}

/// Forgets the sign-in kept on this computer for the workspace's CMS.
pub fn sign_out(store: &Store) -> Result<(), StudioError> {
    vantage_sync::sign_out(store).map_err(failed)
}

/// The CMS as the signed-in person, when this workspace is connected and someone signed in there
/// (`vantage sync login --name`); `None` for a local workspace or an API token only.
/// The CMS records the person the sign-in belongs to, so acting under another name here is
/// refused rather than recorded under the wrong one.
fn signed_in(store: &Store, user: &str) -> Result<Option<StrapiAdapter>, StudioError> {
    let Some(url) = store.sync_setting(vantage_sync::CMS_URL_SETTING)? else { return Ok(None) };
    match vantage_sync::secrets::load_token(&url) {
        Ok(token) if token.refresh_token().is_some() => {
            let (cms, _) = vantage_sync::connect_strapi(store, None, user, Remote::default().timeout).map_err(failed)?;
            let me = run(async { cms.whoami().await.map_err(SyncError::from) })?;
            if me.username != user {
                return Err(StudioError::new(
                    ErrorCode::Forbidden,
                    format!("you are signed in at the CMS as {}, not as {user}: sign in as {user}, or act as {}", me.username, me.username),
                ));
            }
            Ok(Some(cms))
        }
        _ => Ok(None),
    }
}

/// The CMS as the signed-in person; with `must` (the app knows someone signed in), a sign-in
/// that can no longer be read is an error rather than a silent fall back to this computer's
/// names.
fn reviewer_cms(store: &Store, user: &str, must: bool) -> Result<Option<StrapiAdapter>, StudioError> {
    match signed_in(store, user)? {
        None if must => Err(StudioError::new(
            ErrorCode::Forbidden,
            "your sign-in at the CMS can no longer be read on this computer: sign in again, so that the CMS records this under your name",
        )),
        found => Ok(found),
    }
}

/// Submits a change set for review: here, and on the CMS as the signed-in person when the
/// workspace is connected, so that the CMS knows who wrote it. `signed_in`: the caller knows
/// someone signed in (the app), so the CMS must be used.
pub fn submit_change(store: &Store, user: &str, change: i64, signed_in: bool) -> Result<(), StudioError> {
    match reviewer_cms(store, user, signed_in)? {
        Some(cms) => run(vantage_sync::submit_for_review(store, &cms, user, change)).map(|_| ()),
        None => Ok(store.submit(user, change)?),
    }
}

/// Approves a change set: on the CMS first as the signed-in person when the workspace is
/// connected (the CMS refuses its authors), then here. `signed_in` as for [`submit_change`].
pub fn approve_change(store: &Store, user: &str, change: i64, comment: &str, signed_in: bool) -> Result<(), StudioError> {
    match reviewer_cms(store, user, signed_in)? {
        Some(cms) => run(vantage_sync::approve_with_cms(store, &cms, user, change, comment)).map(|_| ()),
        None => Ok(store.decide(user, change, true, comment)?),
    }
}
