//! Starting a real Strapi for a test, its people, and stores to sync with it.

#![allow(dead_code)] // each test file uses part of it

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vantage_store::{Role, Store};
use vantage_sync::{Backoff, CmsError, StrapiAdapter};
use vantage_test_support::demo_files;

pub const NEEDS: &str = "needs Strapi: run scripts/test-strapi";
pub const ADMIN_EMAIL: &str = "admin@vantage.test";
pub const ADMIN_PASSWORD: &str = "Vantage-Admin-1";
// ---------------------------------------------------------------------------------------------
// The Strapi process

pub struct Strapi {
    pub home: PathBuf,
    pub data: tempfile::TempDir,
    pub port: u16,
    pub child: Option<Child>,
    pub token: String,
    /// The admin's session (JWT), for edits made in the Strapi admin.
    pub admin: String,
    /// Each person's access token, signed in with their own account (see `PEOPLE`).
    pub people: BTreeMap<String, String>,
}

/// The people with CMS accounts, and their Vantage roles there (the same names as in the stores).
pub const PEOPLE: [(&str, &str); 4] =
    [("ada", "vantage-admin"), ("mia", "vantage-marketer"), ("rita", "vantage-marketer"), ("ravi", "vantage-reviewer")];
pub const PERSON_PASSWORD: &str = "Vantage-Person-1";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn health(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    if s.write_all(format!("GET /_health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 204") || answer.starts_with("HTTP/1.1 200")
}

impl Strapi {
    /// Starts a fresh Strapi and provisions an admin and an API token for sync.
    pub async fn start() -> Strapi {
        let home = PathBuf::from(
            std::env::var("VANTAGE_STRAPI_HOME").expect("VANTAGE_STRAPI_HOME: the Strapi install dir (scripts/strapi install prints it)"),
        );
        assert!(home.join(".vantage-installed").exists(), "{} is not a finished `scripts/strapi install`", home.display());
        let mut strapi = Strapi {
            home,
            data: tempfile::tempdir().unwrap(),
            port: free_port(),
            child: None,
            token: String::new(),
            admin: String::new(),
            people: BTreeMap::new(),
        };
        strapi.launch();
        (strapi.admin, strapi.token) = strapi.provision().await;
        for (name, role) in PEOPLE {
            strapi.add_person(name, role).await;
            let (access, _) = strapi.sign_in(name, PERSON_PASSWORD).await.unwrap();
            strapi.people.insert(name.to_owned(), access);
        }
        strapi
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn db(&self) -> PathBuf {
        self.data.path().join("data.db")
    }

    /// Starts the process (again) on the same data dir, port and secrets; waits for /_health.
    pub fn launch(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.data.path().join("strapi.log")).unwrap();
        let started = Instant::now();
        let child = Command::new("node")
            .arg("node_modules/@strapi/strapi/bin/strapi.js")
            .arg("start")
            .current_dir(&self.home)
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string())
            .env("NODE_ENV", "production")
            .env("DATABASE_FILENAME", self.db())
            .env("STRAPI_TELEMETRY_DISABLED", "true")
            .env("STRAPI_LOG_LEVEL", "warn")
            // Fixed per data dir: API tokens must stay valid across a restart.
            .env("APP_KEYS", "test-key-one,test-key-two")
            .env("API_TOKEN_SALT", "test-api-token-salt")
            .env("ADMIN_JWT_SECRET", "test-admin-jwt-secret")
            .env("TRANSFER_TOKEN_SALT", "test-transfer-token-salt")
            .env("JWT_SECRET", "test-jwt-secret")
            .env("ENCRYPTION_KEY", "test-encryption-key-0123456789abcdef")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("node must be on PATH");
        self.child = Some(child);
        while !health(self.port) {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("Strapi exited ({status}) while starting:\n{}", self.log_tail());
            }
            assert!(started.elapsed() < Duration::from_secs(120), "Strapi not healthy after 120 s:\n{}", self.log_tail());
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("strapi: healthy on port {} after {:.1} s", self.port, started.elapsed().as_secs_f64());
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data.path().join("strapi.log")).unwrap_or_default();
        log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM by pid, then SIGKILL if it lingers.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The first admin (register-admin), then an API token allowed the sync actions only.
    pub async fn provision(&self) -> (String, String) {
        let http = reqwest::Client::new();
        let admin: serde_json::Value = http
            .post(format!("{}/admin/register-admin", self.url()))
            .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "firstname": "Vantage", "lastname": "Test"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let jwt = admin["data"]["token"].as_str().unwrap_or_else(|| panic!("register-admin: {admin}")).to_owned();
        let token: serde_json::Value = http
            .post(format!("{}/admin/api-tokens", self.url()))
            .bearer_auth(&jwt)
            .json(&serde_json::json!({
                "name": "vantage-test", "description": "Vantage sync tests", "type": "custom", "lifespan": null,
                "permissions": ["api::document.sync.changes", "api::document.sync.read", "api::document.sync.put",
                                "api::document.sync.remove", "api::document.sync.publish",
                                "api::document.sync.anchor", "api::document.sync.anchors"]
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (jwt, token["data"]["accessKey"].as_str().unwrap_or_else(|| panic!("api-tokens: {token}")).to_owned())
    }

    /// A CMS account for `name` with the users-permissions role of type `role`, made by the
    /// Strapi admin as they would in the admin panel.
    pub async fn add_person(&self, name: &str, role: &str) {
        let http = reqwest::Client::new();
        let roles: serde_json::Value = http
            .get(format!("{}/users-permissions/roles", self.url()))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = roles["roles"].as_array().unwrap().iter().find(|r| r["type"] == role).unwrap_or_else(|| panic!("role {role}: {roles}"))
            ["id"]
            .clone();
        let answer = http
            .post(format!("{}/content-manager/collection-types/plugin::users-permissions.user", self.url()))
            .bearer_auth(&self.admin)
            .json(&serde_json::json!({"username": name, "email": format!("{name}@vantage.test"), "password": PERSON_PASSWORD,
                                      "confirmed": true, "blocked": false, "role": id}))
            .send()
            .await
            .unwrap();
        let status = answer.status();
        assert!(status.is_success(), "creating {name}: {status} {}", answer.text().await.unwrap());
    }

    pub async fn sign_in(&self, name: &str, password: &str) -> Result<(String, String), CmsError> {
        StrapiAdapter::new(&self.url(), "", Duration::from_secs(10)).unwrap().sign_in(name, password).await
    }

    /// Writes a document the way the Strapi admin panel does (content-manager API, as the
    /// admin): creates it, or replaces its content.
    pub async fn admin_write(&self, path: &str, content: &str) {
        let http = reqwest::Client::new();
        let base = format!("{}/content-manager/collection-types/api::document.document", self.url());
        let mut url = reqwest::Url::parse(&base).unwrap();
        url.query_pairs_mut().append_pair("filters[path][$eq]", path);
        let found: serde_json::Value = http.get(url).bearer_auth(&self.admin).send().await.unwrap().json().await.unwrap();
        let answer = match found["results"][0]["documentId"].as_str() {
            Some(id) => http.put(format!("{base}/{id}")).bearer_auth(&self.admin).json(&serde_json::json!({"content": content})),
            None => http.post(&base).bearer_auth(&self.admin).json(&serde_json::json!({"path": path, "content": content})),
        }
        .send()
        .await
        .unwrap();
        let status = answer.status();
        assert!(status.is_success(), "content-manager write of {path}: {status} {}", answer.text().await.unwrap());
    }

    /// Edits a document the way the Strapi admin panel does (content-manager API, as the admin).
    pub async fn admin_edit(&self, path: &str, content: &str) {
        let http = reqwest::Client::new();
        let base = format!("{}/content-manager/collection-types/api::document.document", self.url());
        let mut url = reqwest::Url::parse(&base).unwrap();
        url.query_pairs_mut().append_pair("filters[path][$eq]", path);
        let found: serde_json::Value = http.get(url).bearer_auth(&self.admin).send().await.unwrap().json().await.unwrap();
        let id = found["results"][0]["documentId"].as_str().unwrap_or_else(|| panic!("{path} in the content manager: {found}")).to_owned();
        let answer =
            http.put(format!("{base}/{id}")).bearer_auth(&self.admin).json(&serde_json::json!({"content": content})).send().await.unwrap();
        let status = answer.status();
        assert!(status.is_success(), "content-manager update of {path}: {status} {}", answer.text().await.unwrap());
    }

    /// A client signed in as `person` (one of `PEOPLE`).
    pub fn adapter(&self, person: &str) -> StrapiAdapter {
        self.adapter_at(&self.url(), person, Duration::from_secs(10))
    }

    pub fn adapter_at(&self, url: &str, person: &str, timeout: Duration) -> StrapiAdapter {
        let token = self.people.get(person).unwrap_or_else(|| panic!("{person} has no CMS account here"));
        StrapiAdapter::new(url, token, timeout).unwrap().with_key_namespace("test-workspace")
    }

    /// A client with the API token (no person).
    pub fn token_adapter(&self) -> StrapiAdapter {
        StrapiAdapter::new(&self.url(), &self.token, Duration::from_secs(10)).unwrap().with_key_namespace("test-workspace")
    }

    /// Every document row on the CMS: path -> (version, content, deleted).
    pub fn rows(&self) -> BTreeMap<String, (i64, Option<String>, bool)> {
        let conn = rusqlite::Connection::open_with_flags(self.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut stmt = conn.prepare("SELECT path, version, content, deleted FROM vantage_documents").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get::<_, bool>(3)?)))).unwrap();
        rows.map(Result::unwrap).collect()
    }

    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open_with_flags(self.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

impl Drop for Strapi {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Stores

/// A store whose first release is published (its outbox holds every document and a marker),
/// with `extra` more visitor profiles to make a large push.
pub fn published_store(dir: &Path, extra: usize) -> Store {
    let store = Store::open(&dir.join("s.db")).unwrap();
    store.add_user("ada", "ada", Role::Admin).unwrap();
    store.add_user("ada", "mia", Role::Marketer).unwrap();
    let mut files = demo_files();
    for i in 0..extra {
        files.insert(
            format!("profiles/load-{i:04}.json"),
            format!("{{\"id\": \"load-{i:04}\", \"name\": \"Load test visitor {i}\", \"attributes\": {{}}, \"consents\": []}}"),
        );
    }
    store.import("ada", &files).unwrap();
    let cs = store.create_change_set("mia", "fix the promo").unwrap();
    edit(&store, cs, "entries/sale-promo.json", "Cheap outdoor gear that does not feel cheap", "Outdoor gear at outlet prices");
    store.submit("mia", cs).unwrap();
    store.decide("ada", cs, true, "ok").unwrap();
    store.publish("ada", cs).unwrap();
    store
}

pub fn edit(store: &Store, cs: i64, path: &str, from: &str, to: &str) {
    let (rev, text) = store.document(path).unwrap().unwrap();
    assert!(text.contains(from), "{path} does not contain {from:?}");
    store.write("mia", cs, path, &text.replacen(from, to, 1), Some(rev)).unwrap();
}

/// Change set `cs` submitted by mia and approved by ada, here and on the CMS, each with their own
/// account; then published by ada.
pub async fn review_and_publish(cms: &Strapi, store: &Store, cs: i64) {
    vantage_sync::submit_for_review(store, &cms.adapter("mia"), "mia", cs).await.unwrap();
    vantage_sync::approve_with_cms(store, &cms.adapter("ada"), "ada", cs, "ok").await.unwrap();
    store.publish("ada", cs).unwrap();
}

pub fn fast() -> Backoff {
    Backoff { base: Duration::from_millis(50), max: Duration::from_secs(2), attempts: 12 }
}

pub fn no_jitter() -> impl FnMut() -> f64 {
    || 1.0
}

pub fn empty_store(dir: &Path, name: &str) -> Store {
    let store = Store::open(&dir.join(name)).unwrap();
    store.add_user("bo", "bo", Role::Admin).unwrap();
    store
}

/// The CMS holds exactly the store's documents, each created once (version 1).
pub fn assert_cms_holds_once(cms: &Strapi, store: &Store) {
    let rows = cms.rows();
    let files = store.export().unwrap();
    assert_eq!(rows.len(), files.len(), "one row per document");
    for (path, content) in &files {
        let (version, remote, deleted) = &rows[path];
        assert!(!deleted, "{path} is not deleted");
        assert_eq!(remote.as_deref(), Some(content.as_str()), "{path} content");
        assert_eq!(*version, 1, "{path} was written exactly once");
    }
    assert_eq!(cms.count("SELECT COUNT(*) FROM vantage_releases"), 1, "the release marker arrived once");
}
