//! `vantage serve` as a process: started from a release file, deployed to by `vantage deploy`,
//! and killed in the middle of deploys: after each restart it serves one whole release.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use vantage_engine::release::ReleaseFile;
use vantage_test_support::http::{request, start_serve, Running};

const TOKEN: &str = "deploy-token-for-cli-tests";

fn release(marker: usize) -> ReleaseFile {
    let mut files = vantage_test_support::demo_files();
    let path = "entries/home-hero.json";
    let mut doc: serde_json::Value = serde_json::from_str(&files[path]).unwrap();
    doc["baseline"]["headline"] = serde_json::Value::String(format!("release-marker-{marker}"));
    files.insert(path.into(), serde_json::to_string_pretty(&doc).unwrap());
    ReleaseFile::of(files)
}

fn serve(args: &[&str]) -> Running {
    start_serve(Path::new(env!("CARGO_BIN_EXE_vantage")), args, &[("VANTAGE_DEPLOY_TOKEN", TOKEN)])
}

fn http(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<(u16, String)> {
    request(address, method, path, headers, body).map(|a| (a.status, a.body))
}

fn write(path: &Path, release: &ReleaseFile) {
    std::fs::write(path, serde_json::to_string(release).unwrap()).unwrap();
}

#[test]
fn a_service_killed_in_the_middle_of_deploys_serves_one_whole_release_after_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let first = tmp.path().join("first.json");
    write(&first, &release(0));
    let args = ["--release", first.to_str().unwrap(), "--state", state.to_str().unwrap()];
    let releases: Vec<ReleaseFile> = (0..=6).map(release).collect();
    let mut server = serve(&args);
    for (round, next) in releases.iter().enumerate().skip(1) {
        let text = serde_json::to_vec(next).unwrap();
        let (target, hash) = (server.address.clone(), next.hash.clone());
        let auth = format!("Bearer {TOKEN}");
        let deploying = std::thread::spawn(move || {
            http(&target, "PUT", "/release", &[("authorization", &auth), ("x-vantage-release-sha256", &hash)], &text)
        });
        // Killed at a different point of the deploy each round: before, during, after.
        std::thread::sleep(std::time::Duration::from_millis(round as u64 * 3));
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let _ = deploying.join();
        server = serve(&args);
        let address = server.address.clone();
        let (status, health) = http(&address, "GET", "/healthz", &[], b"").unwrap();
        assert_eq!(status, 200, "{health}");
        let serving: serde_json::Value = serde_json::from_str(&health).unwrap();
        let marker = releases.iter().position(|r| serving["release"] == r.hash.as_str()).expect("serves one of the deployed releases");
        assert!(marker == round || marker == round - 1, "round {round} serves release {marker}: neither the old nor the new");
        let (status, page) = http(&address, "GET", "/pages/home", &[], b"").unwrap();
        assert_eq!(status, 200);
        assert_eq!(page.matches("release-marker-").count(), 1, "one whole release");
        assert!(page.contains(&format!("release-marker-{marker}")));
        // Leave it on this round's release for the next one.
        write(&tmp.path().join("next.json"), next);
        let deployed = Command::new(env!("CARGO_BIN_EXE_vantage"))
            .args(["deploy", "--to", &format!("http://{address}"), "--release", tmp.path().join("next.json").to_str().unwrap()])
            .env("VANTAGE_DEPLOY_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(deployed.status.success(), "{}", String::from_utf8_lossy(&deployed.stderr));
    }
}

#[test]
fn a_corrupt_release_file_is_refused_at_start_with_its_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("corrupt.json");
    let mut file = release(0);
    let claimed = file.hash.clone();
    file.files.insert("catalog.json".into(), "{}".into());
    write(&path, &file);
    let out = Command::new(env!("CARGO_BIN_EXE_vantage"))
        .args(["serve", "--release", path.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&claimed), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_deploy_to_a_target_that_is_down_reports_it_behind_and_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("r.json");
    write(&path, &release(0));
    let out = Command::new(env!("CARGO_BIN_EXE_vantage"))
        .args(["deploy", "--to", "http://127.0.0.1:9", "--release", path.to_str().unwrap(), "--attempts", "1"])
        .env("VANTAGE_DEPLOY_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("behind"), "{}", String::from_utf8_lossy(&out.stderr));
    let plain = Command::new(env!("CARGO_BIN_EXE_vantage"))
        .args(["deploy", "--to", "http://deliver.example.com", "--release", path.to_str().unwrap()])
        .env("VANTAGE_DEPLOY_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("readable"),
        "the token never travels in the clear: {}",
        String::from_utf8_lossy(&plain.stderr)
    );
}

fn vantage_as(db: &Path, user: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vantage"))
        .arg("--db")
        .arg(db)
        .args(["--as", user])
        .args(args)
        .env("VANTAGE_DEPLOY_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn publishing_deploys_to_the_configured_targets_and_one_that_is_down_is_shown_behind_without_blocking_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    let demo = vantage_test_support::demo_dir();
    ok(vantage_as(&db, "ada", &["init", "--from", demo.to_str().unwrap()]));
    ok(vantage_as(&db, "ada", &["users", "add", "mia", "marketer"]));
    ok(vantage_as(&db, "ada", &["users", "add", "rex", "reviewer"]));
    let server = serve(&["--db", db.to_str().unwrap()]);
    let (_, imported) = http(&server.address, "GET", "/healthz", &[], b"").unwrap();
    let up = format!("http://{}", server.address);
    let refused = vantage_as(&db, "mia", &["targets", "add", "https://attacker.example"]);
    assert_eq!(refused.status.code(), Some(2), "only admins choose where releases (and the token) go");
    let cleartext = vantage_as(&db, "ada", &["targets", "add", "http://edge.example.com"]);
    assert_eq!(cleartext.status.code(), Some(2), "the deploy token never travels in the clear");
    ok(vantage_as(&db, "ada", &["targets", "add", &up]));
    ok(vantage_as(&db, "ada", &["targets", "add", "http://127.0.0.1:9"]));

    ok(vantage_as(&db, "mia", &["changes", "create", "Outlet wording"]));
    let promo = std::fs::read_to_string(demo.join("entries/sale-promo.json"))
        .unwrap()
        .replace("Cheap outdoor gear that does not feel cheap", "Outdoor gear at outlet prices");
    let file = tmp.path().join("promo.json");
    std::fs::write(&file, promo).unwrap();
    ok(vantage_as(&db, "mia", &["changes", "edit", "1", "entries/sale-promo.json", file.to_str().unwrap()]));
    ok(vantage_as(&db, "mia", &["changes", "submit", "1"]));
    ok(vantage_as(&db, "rex", &["changes", "approve", "1"]));
    let published = ok(vantage_as(&db, "rex", &["changes", "publish", "1"]));
    assert!(published.contains("published change set 1"), "{published}");
    assert!(published.contains(&format!("{up}  serving release")), "{published}");
    assert!(published.contains("http://127.0.0.1:9  behind"), "{published}");
    let (_, now) = http(&server.address, "GET", "/healthz", &[], b"").unwrap();
    assert_ne!(now, imported, "it served the import before the publish");
    let serving = published.split("serving release ").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap();
    assert!(now.contains(&format!("\"release\":\"{serving}")), "the target serves the new release: {now}");
    let listed = ok(vantage_as(&db, "rex", &["targets", "list"]));
    assert!(listed.contains("behind") && listed.contains("nothing answered"), "{listed}");
}

#[test]
fn a_target_that_was_down_gets_the_published_release_when_retried_and_one_serving_it_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    let demo = vantage_test_support::demo_dir();
    ok(vantage_as(&db, "ada", &["init", "--from", demo.to_str().unwrap()]));
    let up = serve(&["--db", db.to_str().unwrap()]);
    let port = vantage_test_support::http::free_port();
    let (up_url, later_url) = (format!("http://{}", up.address), format!("http://127.0.0.1:{port}"));
    ok(vantage_as(&db, "ada", &["targets", "add", &up_url]));
    ok(vantage_as(&db, "ada", &["targets", "add", &later_url]));
    // The same token the servers were started with (every test here uses it).
    std::env::set_var("VANTAGE_DEPLOY_TOKEN", TOKEN);
    let store = vantage_studio::open_store(&db).unwrap();
    let first = vantage_studio::deliver::deploy_published(&store, "ada", 1).unwrap();
    let state = |targets: &[vantage_studio::deliver::DeployTarget], url: &str| {
        targets.iter().find(|t| t.url == url).map(|t| (t.state.clone(), t.checked_at.clone())).unwrap()
    };
    assert_eq!(state(&first, &later_url).0, "behind");
    let later = serve(&[
        "--db",
        db.to_str().unwrap(),
        "--state",
        tmp.path().join("later").to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    assert_eq!(later.address, format!("127.0.0.1:{port}"));
    let retried = vantage_studio::deliver::deploy_published_to_those_behind(&store, "ada", 1).unwrap();
    assert_eq!(state(&retried, &later_url).0, "serving");
    assert_eq!(state(&retried, &up_url), state(&first, &up_url), "a target already serving the release is not deployed to again");
}
