//! Drives the real Vantage window through WebDriver (tauri-driver in front of WebKitWebDriver),
//! on a private copy of the demo workspace. `scripts/e2e` builds the app, starts Xvfb and
//! tauri-driver, and runs the tests in `tests/`.
//!
//! Environment: `VANTAGE_APP` (the app binary, required), `VANTAGE_WEBDRIVER` (default
//! `http://127.0.0.1:4444`), `VANTAGE_E2E_OUT` (screenshots and the latency report; default
//! `target/e2e` of the repository).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support: failing is panicking

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use vantage_test_support::{copy_dir, repo};

pub mod cms;
mod x11_shot;

/// How long a condition may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(15);

pub struct App {
    client: Client,
    out: PathBuf,
    scenario: String,
    shots: usize,
    pub workspace: PathBuf,
    _tmp: tempfile::TempDir,
}

/// Where screenshots and reports go.
pub fn output_dir() -> PathBuf {
    let out = std::env::var_os("VANTAGE_E2E_OUT").map(PathBuf::from).unwrap_or_else(|| repo().join("target/e2e"));
    std::fs::create_dir_all(&out).unwrap();
    out
}

impl App {
    /// Starts the app on a fresh copy of the demo workspace; `scenario` names its screenshots.
    pub async fn start(scenario: &str) -> App {
        App::start_on(scenario, |dir| copy_dir(&repo().join("fixtures/demo-store"), dir)).await
    }

    /// Starts the app on a workspace that `make` writes into a fresh folder.
    pub async fn start_on(scenario: &str, make: impl FnOnce(&std::path::Path)) -> App {
        let app = std::env::var("VANTAGE_APP").expect("set VANTAGE_APP to the built app binary (scripts/e2e does)");
        let webdriver = std::env::var("VANTAGE_WEBDRIVER").unwrap_or_else(|_| "http://127.0.0.1:4444".into());
        let tmp = tempfile::tempdir().unwrap();
        let workspace = tmp.path().join("demo-store");
        make(&workspace);
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({"application": app, "args": ["--workspace", workspace.to_str().unwrap()]}));
        // With no display the app dies and session creation would wait forever: give each start
        // 30 s. A start can also fail once (GTK failing to reach the virtual display right after
        // the previous window closed, seen under Xvfb): try again, at most three times.
        let mut attempt = 1;
        let launched = Instant::now();
        let launched_at = std::time::SystemTime::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let mut builder = ClientBuilder::new(connector);
            builder.capabilities(caps.clone());
            match tokio::time::timeout(Duration::from_secs(30), builder.connect(&webdriver)).await {
                Ok(client) => break client.expect("WebDriver refused the session"),
                Err(_) if attempt < 3 => {
                    eprintln!("{scenario}: the app window did not start within 30 s (attempt {attempt}); starting it again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(_) => panic!("the app window did not start within 30 s, three times (is Xvfb running? is tauri-driver on 4444?)"),
            }
        };
        let app = App { client, out: output_dir(), scenario: scenario.to_owned(), shots: 0, workspace, _tmp: tmp };
        app.wait_js("the studio to load its workspace", "return !!document.querySelector('[data-testid=\"user-switcher\"]')").await;
        app.wait_js("the Author screen to show the workspace's tree", "return !!document.querySelector('[data-testid^=\"tree-entry-\"]')")
            .await;
        // Cold start as a person sees it: from asking for the window until the tree is shown.
        // It includes WebDriver's own start (an overstatement, never an understatement).
        if attempt == 1 {
            let took = launched.elapsed();
            // Where the time went, on the page's clock: when the page started loading, when the
            // workspace arrived from the backend, and now (the tree shown).
            let marks = app
                .js(
                    "return [performance.timeOrigin, performance.getEntriesByName('vantage-session-arrived')[0]?.startTime ?? null, performance.now()]",
                    Vec::new(),
                )
                .await;
            let at = |i: usize| marks.get(i).and_then(Value::as_f64);
            let launched_ms = launched_at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
            let page = at(0).map(|origin| origin - launched_ms);
            let parts = json!({"page_started": page, "session_arrived": at(1).zip(page).map(|(s, p)| s + p), "tree_shown": at(2).zip(page).map(|(s, p)| s + p)});
            record_startup(scenario, took, parts);
        }
        app
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match tokio::time::timeout(PATIENCE, self.client.execute(script, args)).await {
            Ok(result) => result.unwrap_or_else(|e| panic!("script failed: {e}\n{script}")),
            Err(_) => panic!("the window did not answer a script within {PATIENCE:?} (is it hung?)\n{script}"),
        }
    }

    /// Runs an asynchronous script: it answers by calling its last argument.
    pub async fn js_async(&self, script: &str) -> Value {
        match tokio::time::timeout(PATIENCE, self.client.execute_async(script, Vec::new())).await {
            Ok(result) => result.unwrap_or_else(|e| panic!("script failed: {e}\n{script}")),
            Err(_) => panic!("the window did not answer a script within {PATIENCE:?} (is it hung?)\n{script}"),
        }
    }

    /// Waits until `script` returns true; fails naming `what`.
    pub async fn wait_js(&self, what: &str, script: &str) {
        self.wait_js_args(what, script, Vec::new()).await;
    }

    pub async fn wait_js_args(&self, what: &str, script: &str, args: Vec<Value>) {
        let start = Instant::now();
        loop {
            // A window that stops answering fails the wait by name instead of hanging the run.
            let answer = tokio::time::timeout(PATIENCE, self.client.execute(script, args.clone())).await;
            if answer.ok().and_then(Result::ok).and_then(|v| v.as_bool()) == Some(true) {
                return;
            }
            if start.elapsed() > PATIENCE {
                self.screenshot("timeout").await;
                panic!("timed out after {PATIENCE:?} waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The element with `data-testid` = `id`, once it exists.
    pub async fn testid(&self, id: &str) -> Element {
        self.css(&format!("[data-testid=\"{id}\"]")).await
    }

    pub async fn css(&self, selector: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no element matches {selector}: {e}"))
    }

    /// Clicks the element with test id `id`, brought to the middle of the view first; again for a
    /// few seconds if the click does not land (a panel above it still settling its height).
    pub async fn click(&self, id: &str) {
        let start = Instant::now();
        loop {
            let element = self.testid(id).await;
            self.js(
                "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); if (e) e.scrollIntoView({block: 'center'});",
                vec![json!(id)],
            )
            .await;
            match element.click().await {
                Ok(_) => return,
                Err(e) if start.elapsed() > Duration::from_secs(5) => panic!("cannot click {id}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    /// Replaces the text of the form field at JSON pointer `pointer` by typing `text`.
    pub async fn type_into_field(&self, pointer: &str, text: &str) {
        let field = self.css(&format!("[data-field=\"{pointer}\"]")).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Types `text` into the input with test id `id`, again until the field holds exactly it (a
    /// field re-rendered while keys arrive can drop some).
    pub async fn fill(&self, id: &str, text: &str) {
        for _ in 0..5 {
            let field = self.testid(id).await;
            field.clear().await.unwrap();
            field.send_keys(text).await.unwrap();
            if field.prop("value").await.unwrap().as_deref() == Some(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the field {id} did not keep {text:?}");
    }

    /// Chooses `value` in the select with test id `id`, again until the page keeps it (a list
    /// that re-renders while options arrive can drop an early choice).
    pub async fn select(&self, id: &str, value: &str) {
        let start = Instant::now();
        loop {
            self.testid(id).await.select_by_value(value).await.unwrap_or_else(|e| panic!("cannot choose {value} in {id}: {e}"));
            tokio::time::sleep(Duration::from_millis(150)).await;
            let kept = self
                .client
                .execute(
                    "const s = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); return !!s && s.value === arguments[1];",
                    vec![id.into(), value.into()],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool());
            if kept == Some(true) {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{id} does not keep the choice {value}");
        }
    }

    /// Clicks the element matching `css` inside the frame with test id `frame` (a real WebDriver
    /// click, as a pointer would), then returns to the app's document.
    pub async fn click_in_frame(&self, frame: &str, css: &str) {
        let element = self.testid(frame).await;
        element.enter_frame().await.unwrap_or_else(|e| panic!("cannot enter frame {frame}: {e}"));
        let target = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css} inside {frame}: {e}"));
        let clicked = target.click().await;
        self.client.enter_parent_frame().await.unwrap();
        clicked.unwrap_or_else(|e| panic!("cannot click {css} inside {frame}: {e}"));
    }

    /// The visible text of the preview frame of `profile` (read through the frame's document);
    /// fails when there is no such frame or it has no document yet.
    pub async fn frame_text(&self, profile: &str) -> String {
        let v = self
            .js(
                "const f = document.querySelector(`[data-testid=\"preview-frame-${arguments[0]}\"]`);\
                 return f && f.contentDocument && f.contentDocument.body ? f.contentDocument.body.innerText : null;",
                vec![json!(profile)],
            )
            .await;
        match v.as_str() {
            Some(text) => text.to_owned(),
            None => panic!("there is no loaded preview frame for {profile}"),
        }
    }

    /// Waits until the frame of `profile` shows `text` (which must not be empty: every frame
    /// "shows" the empty string).
    pub async fn wait_frame_shows(&self, profile: &str, text: &str) {
        assert!(!text.trim().is_empty(), "wait_frame_shows needs a text to wait for, not {text:?}");
        self.wait_js_args(
            &format!("the {profile} preview to show \"{text}\""),
            "const f = document.querySelector(`[data-testid=\"preview-frame-${arguments[0]}\"]`);\
             return !!(f && f.contentDocument && f.contentDocument.body && f.contentDocument.body.innerText.includes(arguments[1]));",
            vec![json!(profile), json!(text)],
        )
        .await;
    }

    /// Waits until the element matching `css` inside the frame of `profile` reads exactly `text`
    /// (its visible text, trimmed).
    pub async fn wait_frame_element_reads(&self, profile: &str, css: &str, text: &str) {
        self.wait_js_args(
            &format!("{css} in the {profile} preview to read \"{text}\""),
            "const f = document.querySelector(`[data-testid=\"preview-frame-${arguments[0]}\"]`);\
             const e = f && f.contentDocument && f.contentDocument.querySelector(arguments[1]);\
             return !!e && e.innerText.trim() === arguments[2];",
            vec![json!(profile), json!(css), json!(text)],
        )
        .await;
    }

    /// Waits until the page shows `text` anywhere (outside preview frames); `text` must not be
    /// empty.
    pub async fn wait_text(&self, text: &str) {
        assert!(!text.trim().is_empty(), "wait_text needs a text to wait for, not {text:?}");
        self.wait_js_args(
            &format!("the window to show \"{text}\""),
            "return document.body.innerText.includes(arguments[0]);",
            vec![json!(text)],
        )
        .await;
    }

    /// Saves a screenshot of the window as `<scenario>-<n>-<name>.png`, after a short settle
    /// (a screenshot right after a DOM change can show the previous frame).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let file = self.out.join(format!("{}-{:02}-{name}.png", self.scenario, self.shots));
        // The display's own pixels first; WebDriver's screenshot only where there is no X
        // display, and never waited on for long (it can hang without compositing).
        let png = match x11_shot::capture_app_window() {
            Ok(png) => Some(png),
            Err(why) => {
                eprintln!("screenshot {name}: not from the X display ({why}); asking WebDriver");
                tokio::time::timeout(Duration::from_secs(10), self.client.screenshot()).await.ok().and_then(Result::ok)
            }
        };
        if let Some(png) = png {
            std::fs::write(&file, png).unwrap();
        }
        file
    }

    pub async fn shot(&mut self, name: &str) -> PathBuf {
        self.shots += 1;
        self.screenshot(name).await
    }
}

/// The demo's VIP visitor and a first-time mobile visitor.
pub const VIP: &str = "vip-anna";
pub const FIRST_TIME: &str = "first-time-mobile";

/// Opens the home hero's VIP variant with the live preview comparing `visitors` side by side.
pub async fn open_vip_hero_variant(app: &App, visitors: &[&str]) {
    app.click("nav-author").await;
    app.click("tree-entry-home-hero").await;
    app.click("variant-vip-welcome").await;
    app.css("[data-field=\"/headline\"]").await;
    app.click(&format!("live-count-{}", visitors.len())).await;
    for (i, profile) in visitors.iter().enumerate() {
        app.select(&format!("live-profile-{i}"), profile).await;
    }
    // Every chosen visitor's frame is drawn (selecting re-renders the list).
    for profile in visitors {
        app.wait_js(
            &format!("the {profile} preview frame"),
            &format!("return !!document.querySelector('iframe[data-testid=\"preview-frame-{profile}\"]');"),
        )
        .await;
    }
    app.wait_frame_shows(VIP, "Welcome back").await;
}

/// Saves with Ctrl+S and waits until `file` of the workspace holds `needle`.
pub async fn save(app: &App, file: &str, needle: &str) {
    app.js("window.dispatchEvent(new KeyboardEvent('keydown', {key: 's', ctrlKey: true, bubbles: true}))", vec![]).await;
    let path = app.workspace.join(file);
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&path).unwrap_or_default().contains(needle) {
        assert!(start.elapsed() < Duration::from_secs(15), "saving did not write {needle:?} to {file}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.wait_js(
        "the save state to read Saved",
        "const s = document.querySelector('[data-testid=\"save-state\"]'); return !!s && s.innerText.trim() === 'Saved';",
    )
    .await;
}

/// Submits the first change set for review under the name `title`, as the person acting now.
pub async fn submit_first_change(app: &App, title: &str) {
    app.click("nav-review").await;
    app.click("change-1").await;
    app.fill("change-title", title).await;
    app.click("submit-change").await;
    app.wait_text("Sent for review.").await;
}

/// Switches to the local team member `name` and opens the first change set on the Review screen.
pub async fn open_first_change_as(app: &App, name: &str) {
    app.select("user-switcher", name).await;
    app.click("nav-review").await;
    app.click("change-1").await;
}

/// Runs `body` on a freshly started app and always ends the WebDriver session afterwards, even
/// when the body fails (a session left open would refuse every later scenario).
pub async fn scenario<F, Fut>(name: &str, body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    scenario_on(name, |dir| copy_dir(&repo().join("fixtures/demo-store"), dir), body).await
}

/// [`scenario`] on a workspace that `make` writes into a fresh folder.
pub async fn scenario_on<F, Fut>(name: &str, make: impl FnOnce(&std::path::Path), body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let app = App::start_on(name, make).await;
    let client = app.client.clone();
    let outcome = tokio::spawn(body(app)).await;
    let _ = client.close().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("scenario {name} did not finish: {e}");
    }
}

/// Types `text` into the field at JSON pointer `pointer` one key every 400 ms (so each is
/// measured on its own rather than queued behind the last), waits until `profile`'s preview
/// shows `shows`, and returns each keystroke's edit-to-preview latency in ms as the UI recorded
/// it (input event until every changed preview frame painted).
pub async fn type_slowly_measuring(app: &App, pointer: &str, text: &str, profile: &str, shows: &str) -> Vec<f64> {
    app.js("window.__vantageMetrics.editToPreview = []", vec![]).await;
    let field = app.css(&format!("[data-field=\"{pointer}\"]")).await;
    for c in text.chars() {
        field.send_keys(&c.to_string()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    app.wait_frame_shows(profile, shows).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.js("return window.__vantageMetrics.editToPreview", vec![])
        .await
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default()
}

/// Appends one start (launch to the Author tree shown) to `startup.jsonl` in the output folder,
/// with `parts` (ms after launch: the page started loading, the workspace arrived, the tree was
/// shown); `scripts/e2e` prints their median.
fn record_startup(scenario: &str, took: Duration, parts: Value) {
    use std::io::Write;
    let line = json!({"scenario": scenario, "ms": took.as_secs_f64() * 1000.0, "parts": parts, "app": std::env::var("VANTAGE_APP").unwrap_or_default()});
    let path = output_dir().join("startup.jsonl");
    let written = std::fs::OpenOptions::new().create(true).append(true).open(&path).and_then(|mut f| writeln!(f, "{line}"));
    if let Err(e) = written {
        eprintln!("could not record the start in {}: {e}", path.display());
    }
}

/// The `p`th percentile of `samples` (ms) by nearest rank, or `None` when there are none.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// The median of `samples` (ms), or `None` when there are none.
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) / 2.0 } else { sorted[mid] })
}
