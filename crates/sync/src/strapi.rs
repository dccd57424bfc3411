//! The Strapi 5 adapter: the sync API of `cms/strapi` (custom routes under `/api/vantage`)
//! spoken over HTTPS (certificates verified against the platform's trust store), or plain HTTP
//! to this machine only, with an API token. Redirects are not followed, and answers are read up
//! to a bound.
//!
//! Every request has a timeout. Answers map onto [`CmsError`]: 409 and 412 are conflicts (with
//! the CMS's current version), 429 is rate limiting (with `Retry-After`), refused connections,
//! timeouts, cut-off answers and 5xx are transient, and other 4xx or malformed answers are
//! permanent. The token is sent as a bearer token and never printed (`Debug` hides it).

use crate::adapter::{CmsAdapter, CmsError, ReleaseBasis, RemoteAnchor, RemoteChange, RemoteIdentity, RemotePage, RemoteProposal};
use crate::retry::retry_after;
use reqwest::{Client, Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// How many changes one page of the feed asks for.
const PAGE: usize = 500;
/// The largest answer read from the CMS. A page of the feed that would be larger is asked for
/// again with fewer changes, so a hostile or huge answer never grows memory without bound.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// A client for the Strapi sync API.
#[derive(Clone)]
pub struct StrapiAdapter {
    client: Client,
    base: Url,
    token: String,
    timeout: Duration,
    /// Prefixed to idempotency keys so that two workspaces syncing with one CMS never share one.
    namespace: String,
    /// The workspace's sync id, named in proposals and in the warrant of every write.
    workspace: String,
}

impl std::fmt::Debug for StrapiAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrapiAdapter")
            .field("base", &self.base.as_str())
            .field("token", &"<hidden>")
            .field("workspace", &self.workspace)
            .finish()
    }
}

#[derive(Deserialize)]
struct Written {
    version: Option<Value>,
}

#[derive(Deserialize)]
struct Change {
    path: String,
    version: Value,
    content: Option<String>,
    #[serde(default)]
    deleted: bool,
    author: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    changes: Vec<Change>,
    cursor: Value,
    more: bool,
}

#[derive(Deserialize)]
struct Anchor {
    seq: i64,
    hash: String,
    #[serde(default)]
    at: Value,
}

#[derive(Deserialize)]
struct Anchors {
    anchors: Vec<Anchor>,
}

#[derive(Deserialize)]
struct Me {
    username: String,
    role: Option<String>,
}

#[derive(Deserialize)]
struct Proposal {
    change_set: i64,
    hash: String,
    state: String,
    submitted_by: String,
    approved_by: Option<String>,
}

fn proposal_of(answer: Value, what: &str) -> Result<RemoteProposal, CmsError> {
    let p: Proposal = serde_json::from_value(answer).map_err(|e| CmsError::Permanent(format!("{what}: unexpected answer: {e}")))?;
    Ok(RemoteProposal { change_set: p.change_set, hash: p.hash, state: p.state, submitted_by: p.submitted_by, approved_by: p.approved_by })
}

#[derive(Deserialize)]
struct Document {
    version: Value,
    content: Option<String>,
}

/// A version or cursor as text, whether the CMS sent a number or a string.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl StrapiAdapter {
    /// A client for the Strapi at `base_url` (for example `https://cms.example.com`, or
    /// `http://127.0.0.1:1337` on this machine), sending `token` (a person's access token from
    /// [`StrapiAdapter::sign_in`], or an API token, which may only read), each request limited to
    /// `timeout`. Certificates are checked against the platform's trust store. Writes are
    /// recorded on the CMS as made by whoever the token belongs to.
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<StrapiAdapter, CmsError> {
        Self::build(base_url, token, timeout, Vec::new())
    }

    /// Like [`StrapiAdapter::new`], also trusting the certificate authorities in `ca_pem` (a
    /// company's own CA, or a test CA), on top of the platform's trust store.
    pub fn trusting(base_url: &str, token: &str, timeout: Duration, ca_pem: &[u8]) -> Result<StrapiAdapter, CmsError> {
        let roots = reqwest::Certificate::from_pem_bundle(ca_pem)
            .map_err(|e| CmsError::Permanent(format!("the extra certificate authority is not a PEM certificate: {e}")))?;
        if roots.is_empty() {
            return Err(CmsError::Permanent("the extra certificate authority file holds no certificate".into()));
        }
        Self::build(base_url, token, timeout, roots)
    }

    fn build(base_url: &str, token: &str, timeout: Duration, roots: Vec<reqwest::Certificate>) -> Result<StrapiAdapter, CmsError> {
        // The token only goes where the address is safe (https, or http to this machine).
        crate::check_cms_url(base_url).map_err(CmsError::Permanent)?;
        let mut base = Url::parse(base_url).map_err(|e| CmsError::Permanent(format!("CMS URL `{base_url}`: {e}")))?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            // A redirect could carry the token to another address: the sync API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(base.scheme() == "https")
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| CmsError::Permanent(format!("cannot build the HTTP client: {e}")))?;
        Ok(StrapiAdapter { client, base, token: token.to_owned(), timeout, namespace: String::new(), workspace: String::new() })
    }

    /// Prefixes every idempotency key with `namespace` (a workspace's sync id): keys such as
    /// `release-3:catalog.json` are only unique within one workspace.
    pub fn with_key_namespace(mut self, namespace: &str) -> StrapiAdapter {
        self.namespace = if namespace.is_empty() { String::new() } else { format!("{namespace}/") };
        self.workspace = namespace.to_owned();
        self
    }

    /// The same client with another credential (a refreshed access token).
    pub fn with_token(mut self, token: &str) -> StrapiAdapter {
        self.token = token.to_owned();
        self
    }

    /// Signs a person in with their own CMS account: `(access token, refresh token)`. The access
    /// token is short-lived; [`StrapiAdapter::refresh`] trades the refresh token for new ones.
    pub async fn sign_in(&self, identifier: &str, password: &str) -> Result<(String, String), CmsError> {
        let url = self.base.join("api/auth/local").map_err(|e| CmsError::Permanent(format!("CMS URL {}: {e}", self.base)))?;
        let body = json!({"identifier": identifier, "password": password});
        let answer = match self.send(Method::POST, url, Some(body), "(sign-in)", false).await {
            Err(CmsError::Permanent(why)) if why.contains("HTTP 400") || why.contains("HTTP 401") => {
                return Err(CmsError::Permanent(format!("the CMS did not accept that name and password ({why})")))
            }
            other => other?,
        };
        tokens_of(answer, "POST /api/auth/local")
    }

    /// New tokens for a refresh token (which the CMS rotates: the old one stops working).
    pub async fn refresh(&self, refresh_token: &str) -> Result<(String, String), CmsError> {
        let url = self.base.join("api/auth/refresh").map_err(|e| CmsError::Permanent(format!("CMS URL {}: {e}", self.base)))?;
        let answer = self.send(Method::POST, url, Some(json!({"refreshToken": refresh_token})), "(sign-in)", false).await?;
        tokens_of(answer, "POST /api/auth/refresh")
    }

    /// What allows a write under `basis`, as the CMS checks it (`services/review.js`).
    fn warrant(&self, basis: &ReleaseBasis) -> Value {
        match basis {
            ReleaseBasis::First => json!({"workspace": self.workspace, "adoption": true}),
            ReleaseBasis::ChangeSet { change_set } => json!({"workspace": self.workspace, "change_set": change_set}),
            ReleaseBasis::Rollback { hash } => json!({"workspace": self.workspace, "rollback": hash}),
        }
    }

    /// Who this adapter's credential belongs to, and their Vantage role on the CMS.
    pub async fn whoami(&self) -> Result<RemoteIdentity, CmsError> {
        let answer = self
            .call(Method::GET, self.endpoint("me")?, None, "(sign-in)")
            .await?
            .ok_or_else(|| CmsError::Permanent("GET /api/vantage/me: this CMS does not sign people in (404)".into()))?;
        let me: Me =
            serde_json::from_value(answer).map_err(|e| CmsError::Permanent(format!("GET /api/vantage/me: unexpected answer: {e}")))?;
        Ok(RemoteIdentity { username: me.username, role: me.role })
    }

    /// The proposal the CMS holds for change set `change_set`, if it was submitted there.
    pub async fn proposal(&self, change_set: i64) -> Result<Option<RemoteProposal>, CmsError> {
        let mut url = self.endpoint("proposal")?;
        url.query_pairs_mut().append_pair("workspace", &self.workspace).append_pair("change_set", &change_set.to_string());
        match self.call(Method::GET, url, None, "(review)").await? {
            None => Ok(None),
            Some(answer) => proposal_of(answer, "GET /api/vantage/proposal").map(Some),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.namespace)
    }

    /// The CMS's base URL.
    pub fn url(&self) -> &str {
        self.base.as_str()
    }

    fn endpoint(&self, tail: &str) -> Result<Url, CmsError> {
        self.base.join(&format!("api/vantage/{tail}")).map_err(|e| CmsError::Permanent(format!("CMS URL {}: {e}", self.base)))
    }

    /// Sends one request with the credential; `Ok(None)` for 404, the parsed JSON body for 2xx.
    async fn call(&self, method: Method, url: Url, body: Option<Value>, path: &str) -> Result<Option<Value>, CmsError> {
        self.send(method, url, body, path, true).await
    }

    /// Sends one request, with the credential or (signing in) without; see [`Self::call`].
    async fn send(&self, method: Method, url: Url, body: Option<Value>, path: &str, credential: bool) -> Result<Option<Value>, CmsError> {
        let what = format!("{method} {}", url.path());
        let mut request = self.client.request(method, url).timeout(self.timeout);
        if credential && !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| classify_send(&what, &e))?;
        let status = response.status();
        let retry = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = read_bounded(response, &what).await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| CmsError::Permanent(format!("{what}: the answer is not the expected JSON ({e}) at line {}", e.line())));
        }
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let message = answer.pointer("/error/message").and_then(Value::as_str).unwrap_or("").to_owned();
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED => Err(CmsError::Conflict {
                path: path.to_owned(),
                current: answer.pointer("/error/details/current").map(text).filter(|c| c != "null").unwrap_or_default(),
            }),
            StatusCode::TOO_MANY_REQUESTS => {
                Err(CmsError::RateLimited { retry_after: retry.as_deref().and_then(|h| retry_after(h, jiff::Timestamp::now())) })
            }
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => Err(CmsError::Transient(format!("{what}: HTTP {s} {message}"))),
            s => Err(CmsError::Permanent(format!("{what} for {path}: HTTP {s} {message}"))),
        }
    }

    fn written(answer: Option<Value>, what: &str) -> Result<Written, CmsError> {
        let answer = answer
            .ok_or_else(|| CmsError::Permanent(format!("{what}: the sync API is missing (404); is this the Vantage Strapi project?")))?;
        serde_json::from_value(answer).map_err(|e| CmsError::Permanent(format!("{what}: unexpected answer: {e}")))
    }
}

/// The answer's body, at most [`MAX_ANSWER_BYTES`]; a larger one is a permanent error.
async fn read_bounded(mut response: reqwest::Response, what: &str) -> Result<Vec<u8>, CmsError> {
    if response.content_length().is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
        return Err(too_large(what));
    }
    let mut body = Vec::new();
    // A connection cut while the body arrives is transient like any dropped connection.
    while let Some(chunk) = response.chunk().await.map_err(|e| CmsError::Transient(format!("{what}: answer cut off: {e}")))? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large(what));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Deserialize)]
struct Tokens {
    jwt: String,
    #[serde(rename = "refreshToken")]
    refresh_token: String,
}

fn tokens_of(answer: Option<Value>, what: &str) -> Result<(String, String), CmsError> {
    let answer = answer.ok_or_else(|| CmsError::Permanent(format!("{what}: this CMS does not sign people in (404)")))?;
    let tokens: Tokens = serde_json::from_value(answer).map_err(|e| {
        CmsError::Permanent(format!("{what}: the answer holds no access and refresh token ({e}); is jwtManagement 'refresh' configured?"))
    })?;
    Ok((tokens.jwt, tokens.refresh_token))
}

fn no_reviews(what: &str) -> CmsError {
    CmsError::Permanent(format!("{what}: this CMS keeps no reviews (404); update the Vantage Strapi project"))
}

fn too_large(what: &str) -> CmsError {
    CmsError::TooLarge(format!("{what}: more than {} MB", MAX_ANSWER_BYTES / 1_048_576))
}

fn classify_send(what: &str, e: &reqwest::Error) -> CmsError {
    // The whole chain: the TLS stack's reason sits a few sources down.
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    // A certificate that does not verify will not verify on a retry either, and says that the
    // address may not be the CMS it claims to be: stop, say so, send nothing.
    if chain.to_ascii_lowercase().contains("certificate") {
        return CmsError::Permanent(format!(
            "{what}: the CMS's certificate is not trusted, so nothing was sent (is the address right? a company CA can be added with $VANTAGE_CMS_CA_FILE): {chain}"
        ));
    }
    // Whatever else fails before an answer arrives (refused, reset, timed out) is worth
    // retrying; only a request reqwest cannot even build is permanent.
    if e.is_builder() {
        CmsError::Permanent(format!("{what}: {chain}"))
    } else {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot connect"
        } else {
            "request failed"
        };
        CmsError::Transient(format!("{what}: {kind}: {chain}"))
    }
}

impl CmsAdapter for StrapiAdapter {
    async fn changes_since(&self, cursor: Option<&str>) -> Result<RemotePage, CmsError> {
        // Fewer changes per page while a page is too large to read (large documents).
        let mut limit = PAGE;
        let answer = loop {
            let mut url = self.endpoint("changes")?;
            url.query_pairs_mut().append_pair("since", cursor.unwrap_or("0")).append_pair("limit", &limit.to_string());
            match self.call(Method::GET, url, None, "(changes feed)").await {
                Err(CmsError::TooLarge(_)) if limit > 1 => limit = (limit / 8).max(1),
                other => break other?,
            }
        };
        let answer = answer.ok_or_else(|| CmsError::Permanent("GET /api/vantage/changes: the sync API is missing (404)".into()))?;
        let page: Page =
            serde_json::from_value(answer).map_err(|e| CmsError::Permanent(format!("GET /api/vantage/changes: unexpected answer: {e}")))?;
        Ok(RemotePage {
            changes: page
                .changes
                .into_iter()
                .map(|c| RemoteChange {
                    path: c.path,
                    version: text(&c.version),
                    content: if c.deleted { None } else { c.content },
                    author: c.author.unwrap_or_else(|| "cms".into()),
                })
                .collect(),
            cursor: text(&page.cursor),
            more: page.more,
        })
    }

    async fn read(&self, path: &str) -> Result<Option<(String, String)>, CmsError> {
        let mut url = self.endpoint("document")?;
        url.query_pairs_mut().append_pair("path", path);
        match self.call(Method::GET, url, None, path).await? {
            None => Ok(None),
            Some(answer) => {
                let doc: Document =
                    serde_json::from_value(answer).map_err(|e| CmsError::Permanent(format!("GET {path}: unexpected answer: {e}")))?;
                Ok(doc.content.map(|c| (c, text(&doc.version))))
            }
        }
    }

    async fn put(
        &self,
        path: &str,
        content: &str,
        expected: Option<&str>,
        idempotency_key: &str,
        basis: &ReleaseBasis,
    ) -> Result<String, CmsError> {
        let body = json!({"path": path, "content": content, "expected": expected, "key": self.key(idempotency_key), "warrant": self.warrant(basis)});
        let answer = self.call(Method::PUT, self.endpoint("document")?, Some(body), path).await?;
        let written = Self::written(answer, &format!("PUT {path}"))?;
        written.version.as_ref().map(text).ok_or_else(|| CmsError::Permanent(format!("PUT {path}: the answer has no version")))
    }

    async fn delete(&self, path: &str, expected: &str, idempotency_key: &str, basis: &ReleaseBasis) -> Result<(), CmsError> {
        let body = json!({"path": path, "expected": expected, "key": self.key(idempotency_key), "warrant": self.warrant(basis)});
        let answer = self.call(Method::POST, self.endpoint("document/delete")?, Some(body), path).await?;
        Self::written(answer, &format!("DELETE {path}")).map(|_| ())
    }

    async fn publish_release(&self, hash: &str, idempotency_key: &str, basis: &ReleaseBasis) -> Result<(), CmsError> {
        let body = json!({"hash": hash, "key": self.key(idempotency_key), "warrant": self.warrant(basis)});
        let answer = self.call(Method::POST, self.endpoint("releases")?, Some(body), "(release)").await?;
        answer.map(|_| ()).ok_or_else(|| CmsError::Permanent("POST /api/vantage/releases: the sync API is missing (404)".into()))
    }

    async fn submit_proposal(
        &self,
        change_set: i64,
        changes: &BTreeMap<String, Option<String>>,
        from_cms: bool,
    ) -> Result<RemoteProposal, CmsError> {
        let body = json!({"workspace": self.workspace, "change_set": change_set, "changes": changes, "from_cms": from_cms});
        let answer = self.call(Method::POST, self.endpoint("proposals")?, Some(body), "(review)").await?;
        proposal_of(answer.ok_or_else(|| no_reviews("POST /api/vantage/proposals"))?, "POST /api/vantage/proposals")
    }

    async fn approve_proposal(&self, change_set: i64, hash: &str) -> Result<RemoteProposal, CmsError> {
        let body = json!({"workspace": self.workspace, "change_set": change_set, "hash": hash});
        let answer = self.call(Method::POST, self.endpoint("proposals/approve")?, Some(body), "(review)").await?;
        proposal_of(answer.ok_or_else(|| no_reviews("POST /api/vantage/proposals/approve"))?, "POST /api/vantage/proposals/approve")
    }

    async fn anchor_audit(&self, workspace: &str, seq: i64, hash: &str) -> Result<(), CmsError> {
        let body = json!({"workspace": workspace, "seq": seq, "hash": hash});
        let answer = self.call(Method::POST, self.endpoint("audit-anchors")?, Some(body), "(audit log)").await?;
        answer.map(|_| ()).ok_or_else(|| {
            CmsError::Permanent(
                "POST /api/vantage/audit-anchors: this CMS keeps no audit anchors (404); update the Vantage Strapi project".into(),
            )
        })
    }

    async fn audit_anchors(&self, workspace: &str) -> Result<Vec<RemoteAnchor>, CmsError> {
        let mut url = self.endpoint("audit-anchors")?;
        url.query_pairs_mut().append_pair("workspace", workspace);
        let answer = self
            .call(Method::GET, url, None, "(audit log)")
            .await?
            .ok_or_else(|| CmsError::Permanent("GET /api/vantage/audit-anchors: this CMS keeps no audit anchors (404)".into()))?;
        let list: Anchors = serde_json::from_value(answer)
            .map_err(|e| CmsError::Permanent(format!("GET /api/vantage/audit-anchors: unexpected answer: {e}")))?;
        Ok(list.anchors.into_iter().map(|a| RemoteAnchor { seq: a.seq, hash: a.hash, at: text(&a.at) }).collect())
    }
}
