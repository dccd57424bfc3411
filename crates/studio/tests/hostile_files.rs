//! A hostile workspace folder: a template linked to a file outside it (`/etc/passwd`), a feed
//! linked to `/dev/zero`, a pipe where an entry should be, a file far too large. None of them is
//! read: opening says which file and why, and a live change keeps the last good version in use.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::os::unix::fs::symlink;
use std::sync::mpsc;
use std::time::Duration;
use vantage_studio::{LiveWorkspace, WorkspaceEvent};
use vantage_test_support::demo_copy;

const TEMPLATE: &str = "components/hero/template.html";

fn open_error(dir: &std::path::Path) -> String {
    // On a separate thread: reading a pipe would block forever, and that must fail the test.
    let (tx, rx) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(vantage_studio::open_workspace(&dir).err().map(|e| e.to_string()));
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("opening the workspace hung").expect("the workspace opened")
}

#[test]
fn a_template_linked_outside_the_workspace_is_not_read() {
    let (_tmp, dir) = demo_copy();
    std::fs::remove_file(dir.join(TEMPLATE)).unwrap();
    symlink("/etc/passwd", dir.join(TEMPLATE)).unwrap();
    let error = open_error(&dir);
    assert!(error.contains("template.html") && error.contains("symbolic link"), "{error}");
    assert!(!error.contains("root:"), "nothing of the linked file is shown");
}

#[test]
fn a_feed_linked_to_an_endless_device_is_not_read() {
    let (_tmp, dir) = demo_copy();
    std::fs::remove_file(dir.join("feeds/products.json")).unwrap();
    symlink("/dev/zero", dir.join("feeds/products.json")).unwrap();
    assert!(open_error(&dir).contains("symbolic link"));
}

#[test]
fn a_pipe_where_an_entry_should_be_does_not_block_the_open() {
    let (_tmp, dir) = demo_copy();
    let fifo = dir.join("entries/zz-pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let error = open_error(&dir);
    assert!(error.contains("zz-pipe.json") && error.contains("not a regular file"), "{error}");
}

#[test]
fn a_file_over_the_size_limit_gets_a_clear_error() {
    let (_tmp, dir) = demo_copy();
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(9 * 1024 * 1024));
    std::fs::write(dir.join("entries/huge.json"), big).unwrap();
    let error = open_error(&dir);
    assert!(error.contains("huge.json") && error.contains("larger than 8 MB"), "{error}");
    assert!(error.len() < 500, "the message does not echo the value back");
}

#[test]
fn a_template_swapped_for_a_link_while_live_keeps_the_last_good_version_in_use() {
    let (_tmp, dir) = demo_copy();
    let mut live = LiveWorkspace::open(&dir).unwrap();
    let good = live.bundle().workspace.components["hero"].template.clone();
    std::fs::remove_file(dir.join(TEMPLATE)).unwrap();
    symlink("/etc/passwd", dir.join(TEMPLATE)).unwrap();
    let events = live.apply(&[TEMPLATE.to_owned()]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkspaceEvent::Invalid { error } if error.file == TEMPLATE && error.message.contains("symbolic link"))),
        "{events:?}"
    );
    assert_eq!(live.bundle().workspace.components["hero"].template, good, "the last good template stays in use");
    assert!(live.problems().any(|p| p.file == TEMPLATE));
    // Another file's change does not make the link's problem disappear.
    live.apply(&["entries/home-hero.json".to_owned()]);
    assert!(live.problems().any(|p| p.file == TEMPLATE), "still reported while the link is there");
    // A regular file again: recovered.
    std::fs::remove_file(dir.join(TEMPLATE)).unwrap();
    std::fs::write(dir.join(TEMPLATE), &good).unwrap();
    let events = live.apply(&[TEMPLATE.to_owned()]);
    assert!(events.iter().any(|e| matches!(e, WorkspaceEvent::Recovered { file } if file == TEMPLATE)), "{events:?}");
    assert!(live.problems().next().is_none());
}
