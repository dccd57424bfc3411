//! Deploy targets: only admins configure where releases go (a target receives the deploy
//! token), only publishers record deploys, and every change and every deploy is in the audit log.

use super::*;

#[test]
fn a_marketer_cannot_add_a_deploy_target_and_an_admins_target_is_audited() {
    let f = fixture();
    let err = f.store.add_deploy_target("mia", "https://attacker.example").unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(f.store.deploy_targets().unwrap().is_empty());
    f.store.add_deploy_target("ada", "https://edge.example.com").unwrap();
    f.store.add_deploy_target("ada", "https://edge.example.com").unwrap();
    let targets = f.store.deploy_targets().unwrap();
    assert_eq!(targets.len(), 1, "adding the same target twice keeps one");
    assert_eq!((targets[0].state.as_str(), targets[0].added_by.as_str()), ("new", "ada"));
    let audit = f.store.audit_log(None, None, 100).unwrap();
    assert!(audit.iter().any(|e| e.action == "deploy_target_added" && e.subject == "https://edge.example.com" && e.actor == "ada"));
    let err = f.store.add_deploy_target("ada", "https://x.example/\n").unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
}

#[test]
fn a_deploy_records_serving_or_behind_with_the_reason_and_only_a_publisher_may_record_one() {
    let f = fixture();
    f.store.add_deploy_target("ada", "http://127.0.0.1:8080").unwrap();
    let err = f.store.record_deploy("mia", "http://127.0.0.1:8080", "abc", Ok(())).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    f.store.record_deploy("rex", "http://127.0.0.1:8080", "abc", Ok(())).unwrap();
    let target = &f.store.deploy_targets().unwrap()[0];
    assert_eq!((target.state.as_str(), target.serving.as_deref()), ("serving", Some("abc")));
    f.store.record_deploy("rex", "http://127.0.0.1:8080", "def", Err("unreachable".into())).unwrap();
    let target = &f.store.deploy_targets().unwrap()[0];
    assert_eq!((target.state.as_str(), target.serving.as_deref(), target.detail.as_deref()), ("behind", Some("abc"), Some("unreachable")));
    f.store.remove_deploy_target("ada", "http://127.0.0.1:8080").unwrap();
    assert!(f.store.deploy_targets().unwrap().is_empty());
    assert_eq!(f.store.remove_deploy_target("ada", "http://127.0.0.1:8080").unwrap_err().code, ErrorCode::NotFound);
}
