//! `vantage serve` as a process: started from a release file, deployed to by `vantage deploy`,
//! and killed in the middle of deploys: after each restart it serves one whole release.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use vantage_engine::release::ReleaseFile;

const TOKEN: &str = "deploy-token-for-cli-tests";

fn release(marker: usize) -> ReleaseFile {
    let mut files = vantage_test_support::demo_files();
    let path = "entries/home-hero.json";
    let mut doc: serde_json::Value = serde_json::from_str(&files[path]).unwrap();
    doc["baseline"]["headline"] = serde_json::Value::String(format!("release-marker-{marker}"));
    files.insert(path.into(), serde_json::to_string_pretty(&doc).unwrap());
    ReleaseFile::of(files)
}

/// Starts `vantage serve` and returns it with the address it listens on.
fn serve(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vantage"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("VANTAGE_DEPLOY_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).and_then(|rest| rest.split(',').next()).unwrap_or_else(|| panic!("{line}")).to_owned();
    (child, address)
}

/// One HTTP/1.1 request with `Connection: close`; the status and body.
fn http(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.get(9..12)?.parse().ok()?;
    Some((status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()))
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
    let (mut child, mut address) = serve(&args);
    for (round, next) in releases.iter().enumerate().skip(1) {
        let text = serde_json::to_vec(next).unwrap();
        let (target, hash) = (address.clone(), next.hash.clone());
        let auth = format!("Bearer {TOKEN}");
        let deploying = std::thread::spawn(move || {
            http(&target, "PUT", "/release", &[("authorization", &auth), ("x-vantage-release-sha256", &hash)], &text)
        });
        // Killed at a different point of the deploy each round: before, during, after.
        std::thread::sleep(std::time::Duration::from_millis(round as u64 * 3));
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = deploying.join();
        (child, address) = serve(&args);
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
    child.kill().unwrap();
    child.wait().unwrap();
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
