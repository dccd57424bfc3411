//! The live workspace against real files in a temporary folder and real file-system events:
//! editor-style saves reload, a broken file is reported with line and column while the last
//! good version stays in use, and fixing it clears the error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::timeout;
use vantage_studio::{LiveWorkspace, WorkspaceEvent};
use vantage_test_support::demo_copy;

/// Feeds batches to the live workspace until `done` holds for the events seen so far.
async fn until(
    live: &mut LiveWorkspace,
    rx: &mut UnboundedReceiver<vantage_watch::Batch>,
    done: impl Fn(&[WorkspaceEvent]) -> bool,
) -> Vec<WorkspaceEvent> {
    let mut seen = Vec::new();
    while !done(&seen) {
        match timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(Ok(batch))) => seen.extend(live.apply(&batch)),
            Ok(Some(Err(e))) => panic!("watcher error: {e}"),
            Ok(None) => panic!("watcher stopped"),
            Err(_) => panic!("no file event within 10 s; events so far: {seen:#?}"),
        }
    }
    seen
}

fn reloaded(events: &[WorkspaceEvent], path: &str) -> bool {
    events.iter().any(|e| matches!(e, WorkspaceEvent::Reloaded { changed, .. } if changed.iter().any(|c| c == path)))
}

#[tokio::test(flavor = "current_thread")]
async fn write_to_temp_then_rename_reloads_and_names_the_affected_slots() {
    let (_tmp, dir) = demo_copy();
    let mut live = LiveWorkspace::open(&dir).unwrap();
    let before = live.bundle();
    let (_watch, mut rx) = vantage_watch::watch(&dir, Duration::from_millis(100)).unwrap();
    let template = dir.join("components/hero/template.html");
    let text = std::fs::read_to_string(&template).unwrap();
    let temp = dir.join("components/hero/.template.html.swp");
    std::fs::write(&temp, format!("{text}\n<!-- edited -->\n")).unwrap();
    std::fs::rename(&temp, &template).unwrap();
    let events = until(&mut live, &mut rx, |e| reloaded(e, "components/hero/template.html")).await;
    let affected = events
        .iter()
        .find_map(|e| match e {
            WorkspaceEvent::Reloaded { affected, .. } => Some(affected.clone()),
            _ => None,
        })
        .unwrap();
    assert!(affected.iter().any(|s| s.page == "home"), "a hero template change affects the home page's hero: {affected:?}");
    assert!(!affected.iter().any(|s| s.slot == "footer"), "the footer does not use the hero: {affected:?}");
    assert!(std::sync::Arc::ptr_eq(&before.decisions, &live.bundle().decisions), "a template change does not recompile the rules");
    assert!(live.bundle().workspace.components["hero"].template.contains("<!-- edited -->"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_broken_file_is_reported_with_line_and_column_and_the_last_good_version_stays() {
    let (_tmp, dir) = demo_copy();
    let mut live = LiveWorkspace::open(&dir).unwrap();
    let good_hash = live.bundle().hash.clone();
    let (_watch, mut rx) = vantage_watch::watch(&dir, Duration::from_millis(100)).unwrap();
    let feed = dir.join("feeds/products.json");
    let text = std::fs::read_to_string(&feed).unwrap();
    // Truncate, then write a file with a syntax error on line 3.
    std::fs::write(&feed, "").unwrap();
    std::fs::write(&feed, "{\n  \"produced_at\": \"2026-11-20T06:00:00Z\",\n  \"max_age\" \"48h\"\n}\n").unwrap();
    until(&mut live, &mut rx, |e| {
        e.iter().any(|e| matches!(e, WorkspaceEvent::Invalid { error } if error.file == "feeds/products.json" && error.line == Some(3)))
    })
    .await;
    assert_eq!(live.bundle().hash, good_hash, "the last good bundle stays in use");
    assert_eq!(live.problems().count(), 1);
    std::fs::write(&feed, &text).unwrap();
    until(&mut live, &mut rx, |e| e.iter().any(|e| matches!(e, WorkspaceEvent::Recovered { file } if file == "feeds/products.json"))).await;
    assert_eq!(live.problems().count(), 0);
    assert_eq!(live.bundle().hash, good_hash, "the restored file gives back the same sources");
}

#[tokio::test(flavor = "current_thread")]
async fn delete_then_recreate_ends_with_the_recreated_file_in_use() {
    let (_tmp, dir) = demo_copy();
    let mut live = LiveWorkspace::open(&dir).unwrap();
    let (_watch, mut rx) = vantage_watch::watch(&dir, Duration::from_millis(100)).unwrap();
    let profile = dir.join("profiles/vip-anna.json");
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::remove_file(&profile).unwrap();
    std::fs::write(&profile, text.replacen("\"name\": \"", "\"name\": \"Renamed ", 1)).unwrap();
    let renamed = |live: &LiveWorkspace| live.bundle().workspace.profiles.get("vip-anna").is_some_and(|p| p.name.starts_with("Renamed "));
    for _ in 0..50 {
        if renamed(&live) {
            return;
        }
        if let Ok(Some(Ok(batch))) = timeout(Duration::from_millis(200), rx.recv()).await {
            live.apply(&batch);
        }
    }
    panic!("the recreated profile never came into use");
}

#[test]
fn a_feed_past_its_freshness_limit_is_reported_stale_and_its_data_stays_in_use() {
    let (_tmp, dir) = demo_copy();
    let live = LiveWorkspace::open(&dir).unwrap();
    assert!(live.stale_feeds("2026-11-21T12:00:00Z").is_empty(), "a day old is fresh (limit 48h)");
    let stale = live.stale_feeds("2026-11-23T12:00:00Z");
    assert_eq!(stale.iter().map(|f| f.file.as_str()).collect::<Vec<_>>(), ["feeds/products.json", "feeds/recommendations.json"]);
    assert_eq!(stale[0].age_hours, 78);
    assert_eq!(live.bundle().workspace.products.products.len(), 56, "the stale data is still used");
}

#[test]
fn an_entry_change_recompiles_the_rules() {
    let (_tmp, dir) = demo_copy();
    let mut live = LiveWorkspace::open(&dir).unwrap();
    let before = live.bundle();
    let path = dir.join("entries/home-hero.json");
    let text = std::fs::read_to_string(&path).unwrap().replace("Built for the long way round", "Built for the longest way round");
    std::fs::write(&path, text).unwrap();
    let events = live.apply(&["entries/home-hero.json".to_owned()]);
    assert!(
        matches!(&events[..], [WorkspaceEvent::Reloaded { affected, .. }] if affected.iter().any(|s| s.page == "home" && s.slot == "hero")),
        "{events:?}"
    );
    assert!(!std::sync::Arc::ptr_eq(&before.decisions, &live.bundle().decisions));
}
