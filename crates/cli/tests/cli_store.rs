//! The store subcommands end to end: init from the demo folder, a marketer's change through
//! submit, a refused self-approval, a reviewer's approval and publish, history, export and the
//! audit chain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-store")
}

fn vantage(db: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vantage"))
        .arg("--db")
        .arg(db)
        .args(["--as", user, "--at", "2026-11-20T12:00:00Z"])
        .args(args)
        .output()
        .unwrap()
}

/// A store initialised by ada (admin) from the demo workspace, in a temporary folder.
fn initialised_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    ok(vantage(&db, "ada", &["init", "--from", demo().to_str().unwrap()]));
    (tmp, db)
}

/// The demo's sale promo with its banned word fixed, written to a file in `dir`.
fn promo_without_the_banned_word(dir: &Path) -> PathBuf {
    let promo = std::fs::read_to_string(demo().join("entries/sale-promo.json"))
        .unwrap()
        .replace("Cheap outdoor gear that does not feel cheap", "Outdoor gear at outlet prices");
    let file = dir.join("promo.json");
    std::fs::write(&file, promo).unwrap();
    file
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_change_goes_from_draft_to_release_with_four_eyes_and_an_intact_audit_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("store.db");
    let out = ok(vantage(&db, "ada", &["init", "--from", demo().to_str().unwrap()]));
    assert!(out.contains("imported"), "{out}");
    ok(vantage(&db, "ada", &["users", "add", "mia", "marketer"]));
    ok(vantage(&db, "ada", &["users", "add", "rex", "reviewer"]));
    let refused = vantage(&db, "mia", &["users", "add", "eve", "admin"]);
    assert_eq!(refused.status.code(), Some(2));

    assert!(ok(vantage(&db, "mia", &["changes", "create", "Fix the sale promo"])).contains("created draft change set 1"));
    let file = promo_without_the_banned_word(tmp.path());
    ok(vantage(&db, "mia", &["changes", "edit", "1", "entries/sale-promo.json", file.to_str().unwrap()]));
    ok(vantage(&db, "mia", &["changes", "submit", "1"]));
    ok(vantage(&db, "ada", &["users", "add", "quinn", "qa"]));
    ok(vantage(&db, "quinn", &["changes", "comment", "1", "Checked on a phone: reads well", "--path", "entries/sale-promo.json"]));
    assert!(ok(vantage(&db, "rex", &["changes", "comments", "1"])).contains("quinn on entries/sale-promo.json: Checked on a phone"));

    let own = vantage(&db, "ada", &["changes", "approve", "1"]);
    assert!(own.status.success(), "an admin who did not write it may approve");
    // A second change by the reviewer's colleague: self-approval is refused.
    ok(vantage(&db, "ada", &["changes", "publish", "1"]));
    ok(vantage(&db, "ada", &["changes", "create", "Admin's own tweak"]));
    ok(vantage(&db, "ada", &["changes", "submit", "2"]));
    let self_approval = vantage(&db, "ada", &["changes", "approve", "2"]);
    assert_eq!(self_approval.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&self_approval.stderr).contains("four eyes"));
    ok(vantage(&db, "rex", &["changes", "approve", "2", "--comment", "fine"]));
    ok(vantage(&db, "rex", &["changes", "publish", "2"]));

    let status = ok(vantage(&db, "rex", &["sync", "status"]));
    assert!(status.contains("changes waiting to reach the CMS") && !status.starts_with("0 "), "{status}");
    let releases = ok(vantage(&db, "rex", &["changes", "releases"]));
    assert_eq!(releases.lines().count(), 2, "{releases}");
    let history = ok(vantage(&db, "rex", &["history", "entries/sale-promo.json"]));
    assert!(history.contains("mia") && history.contains("change 1") && history.contains("import"), "{history}");
    let audit = ok(vantage(&db, "rex", &["audit", "verify"]));
    assert!(audit.contains("entries are intact") || audit.contains("entries link up"), "{audit}");
    let out = tmp.path().join("exported");
    ok(vantage(&db, "rex", &["export", out.to_str().unwrap()]));
    assert!(std::fs::read_to_string(out.join("entries/sale-promo.json")).unwrap().contains("outlet prices"));
}

#[test]
fn submitting_a_change_that_introduces_lint_errors_exits_1_and_lists_them() {
    let (tmp, db) = initialised_store();
    ok(vantage(&db, "ada", &["changes", "create", "A bolder hero"]));
    let hero =
        std::fs::read_to_string(demo().join("entries/home-hero.json")).unwrap().replace("Built for the long", "Cheap gear for the long");
    let file = tmp.path().join("hero.json");
    std::fs::write(&file, hero).unwrap();
    ok(vantage(&db, "ada", &["changes", "edit", "1", "entries/home-hero.json", file.to_str().unwrap()]));
    let out = vantage(&db, "ada", &["changes", "submit", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("banned word") && stderr.contains("home-hero"), "{stderr}");
}

#[test]
fn a_missing_store_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = vantage(&tmp.path().join("nope.db"), "ada", &["changes", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("vantage init"));
}

#[test]
fn previewing_a_profile_is_recorded_in_the_audit_log() {
    let (_tmp, db) = initialised_store();
    ok(Command::new(env!("CARGO_BIN_EXE_vantage"))
        .arg("--db")
        .arg(&db)
        .args([
            "--as",
            "quinn",
            "-w",
            demo().to_str().unwrap(),
            "--at",
            "2026-11-20T12:00:00Z",
            "preview",
            "--page",
            "home",
            "--profile",
            "no-consent",
        ])
        .output()
        .unwrap());
    let log = ok(vantage(&db, "ada", &["audit", "log", "--action", "profile_read"]));
    assert!(log.contains("profiles/no-consent.json") && log.contains("quinn"), "{log}");
}

#[test]
fn a_change_title_with_terminal_escapes_cannot_retitle_the_terminal() {
    let (_tmp, db) = initialised_store();
    let hostile = "Winter hero\u{1b}]0;pwned\u{7}\u{1b}[2J";
    ok(vantage(&db, "ada", &["changes", "create", hostile]));
    let listing = ok(vantage(&db, "ada", &["changes", "list"]));
    assert!(listing.contains("Winter hero"), "{listing}");
    assert!(!listing.contains('\u{1b}') && !listing.contains('\u{7}'), "a control character reached the terminal: {listing:?}");
    assert!(listing.contains("\\u{1b}"), "the escape is shown, not sent: {listing:?}");
}

#[test]
fn a_user_name_that_would_escape_a_path_or_a_log_line_is_refused() {
    let (_tmp, db) = initialised_store();
    for bad in ["", "../evil", "eve\nadmin"] {
        let out = vantage(&db, "ada", &["users", "add", bad, "marketer"]);
        assert_eq!(out.status.code(), Some(2), "{bad:?} was accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be a user name"));
    }
}

#[test]
fn run_due_exits_1_when_a_due_schedule_is_refused() {
    let (tmp, db) = initialised_store();
    ok(vantage(&db, "ada", &["users", "add", "mia", "marketer"]));
    ok(vantage(&db, "ada", &["users", "add", "rex", "reviewer"]));
    ok(vantage(&db, "mia", &["changes", "create", "Fix the sale promo"]));
    let file = promo_without_the_banned_word(tmp.path());
    ok(vantage(&db, "mia", &["changes", "edit", "1", "entries/sale-promo.json", file.to_str().unwrap()]));
    ok(vantage(&db, "mia", &["changes", "submit", "1"]));
    ok(vantage(&db, "rex", &["changes", "approve", "1"]));
    ok(vantage(&db, "rex", &["changes", "schedule", "1", "--when", "2026-11-20T11:00:00Z"]));
    // The scheduler is no longer a reviewer when the schedule falls due.
    ok(vantage(&db, "ada", &["users", "add", "rex", "qa"]));
    let out = vantage(&db, "ada", &["changes", "run-due"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("refused: rex, who scheduled it, may no longer publish"));
    assert_eq!(vantage(&db, "mia", &["changes", "run-due"]).status.code(), Some(2), "only a publisher runs schedules");
}

#[test]
fn export_writes_the_published_workspace_into_a_new_folder_only() {
    let (tmp, db) = initialised_store();
    ok(vantage(&db, "ada", &["users", "add", "mia", "marketer"]));
    // An unsubmitted draft never leaves the store through an export.
    ok(vantage(&db, "mia", &["changes", "create", "Draft"]));
    let promo =
        std::fs::read_to_string(demo().join("entries/sale-promo.json")).unwrap().replace("Cheap outdoor gear", "Unreviewed draft copy");
    let file = tmp.path().join("promo.json");
    std::fs::write(&file, promo).unwrap();
    ok(vantage(&db, "mia", &["changes", "edit", "1", "entries/sale-promo.json", file.to_str().unwrap()]));
    let out = tmp.path().join("exported");
    ok(vantage(&db, "ada", &["export", out.to_str().unwrap()]));
    let exported = std::fs::read_to_string(out.join("entries/sale-promo.json")).unwrap();
    assert!(exported.contains("Cheap outdoor gear") && !exported.contains("Unreviewed draft"), "drafts are not exported");

    // Nothing existing is written over: not the folder holding the store, not another export.
    let store_before = std::fs::read(&db).unwrap();
    for target in [tmp.path().to_path_buf(), out.clone()] {
        let refused = vantage(&db, "ada", &["export", target.to_str().unwrap()]);
        assert_eq!(refused.status.code(), Some(2), "{}", target.display());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("not empty"));
    }
    assert_eq!(std::fs::read(&db).unwrap(), store_before, "the store is intact");
    // A link is not followed, and no .git or .vantage folder is written into.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    assert!(String::from_utf8_lossy(&vantage(&db, "ada", &["export", link.to_str().unwrap()]).stderr).contains("symbolic link"));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    let git = tmp.path().join("repo/.git/hooks");
    assert!(String::from_utf8_lossy(&vantage(&db, "ada", &["export", git.to_str().unwrap()]).stderr).contains(".git"));
    // No temporary folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("vantage-export"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn nobody_is_assumed_to_be_acting_and_a_local_workspace_says_names_are_not_verified() {
    let (_tmp, db) = initialised_store();
    let out = Command::new(env!("CARGO_BIN_EXE_vantage"))
        .arg("--db")
        .arg(&db)
        .args(["changes", "create", "by nobody"])
        .env_remove("USER")
        .env_remove("VANTAGE_USER")
        .output()
        .unwrap();
    assert!(!out.status.success(), "acted as a default identity");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--as") && err.contains("not verified"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let created = vantage(&tmp.path().join("s.db"), "ada", &["init"]);
    assert!(String::from_utf8_lossy(&created.stderr).contains("identities are not verified"));
}

#[test]
fn an_init_that_fails_leaves_no_store_and_a_store_without_a_team_cannot_be_claimed() {
    // The import fails half-way (a document naming a key twice): nothing is left behind, so
    // nobody finds an empty store to make themselves the admin of.
    let tmp = tempfile::tempdir().unwrap();
    let workspace = tmp.path().join("workspace");
    vantage_test_support::copy_dir(&demo(), &workspace);
    std::fs::write(workspace.join("entries/zz-broken.json"), "{\"id\": \"a\", \"id\": \"b\"}").unwrap();
    let db = tmp.path().join("store").join("store.db");
    let out = vantage(&db, "ada", &["init", "--from", workspace.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(!db.exists(), "no half-made store");
    let left: Vec<_> = std::fs::read_dir(db.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");

    // A store file without a team (made by an older version cut short, or by hand) is refused.
    let empty = tmp.path().join("empty.db");
    drop(vantage_studio::Store::open(&empty).unwrap());
    let claim = vantage(&empty, "mallory", &["users", "add", "mallory", "admin"]);
    assert!(!claim.status.success());
    assert!(String::from_utf8_lossy(&claim.stderr).contains("not created completely"), "{}", String::from_utf8_lossy(&claim.stderr));
}
