//! The sync planner: from what each side holds now and what they agreed on at the last sync,
//! what to do with every document. Pure: no network, no database.

use serde::Serialize;
use std::collections::BTreeMap;

/// What both sides agreed on at the last successful sync of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Base {
    /// The CMS's version of the document then.
    pub version: String,
    /// The content hash both sides had then.
    pub hash: String,
}

/// A document as the local store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalDoc {
    pub path: String,
    /// Content hash; `None` when deleted locally.
    pub hash: Option<String>,
    /// `None` when the document has never been synced.
    pub base: Option<Base>,
}

/// A document as the CMS holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteDoc {
    pub path: String,
    pub version: String,
    /// Content hash; `None` when deleted remotely.
    pub hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Both sides changed the content, differently.
    BothChanged,
    /// Deleted here, changed there.
    DeletedLocally,
    /// Changed here, deleted there.
    DeletedRemotely,
    /// Created on both sides with different content.
    BothCreated,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SyncOp {
    /// Send the local content; `expected` is the remote version it replaces (`None`: create).
    Push { path: String, expected: Option<String> },
    /// Take the remote content as a new local revision by its remote author.
    Pull { path: String, version: String },
    /// Delete remotely, if it is still at `expected`.
    DeleteRemote { path: String, expected: String },
    /// Delete locally (deleted remotely, unchanged here).
    DeleteLocal { path: String },
    /// Both sides hold the same content already: only record the new base.
    Adopt { path: String, version: String },
    /// Never overwritten silently: the author chooses mine, theirs or an edited merge.
    Conflict { path: String, kind: ConflictKind },
}

/// Plans the sync of every document either side knows, in path order.
pub fn plan(local: &[LocalDoc], remote: &[RemoteDoc]) -> Vec<SyncOp> {
    let mut paths: BTreeMap<&str, (Option<&LocalDoc>, Option<&RemoteDoc>)> = BTreeMap::new();
    for l in local {
        paths.entry(&l.path).or_default().0 = Some(l);
    }
    for r in remote {
        paths.entry(&r.path).or_default().1 = Some(r);
    }
    paths.into_iter().filter_map(|(path, (l, r))| decide(path, l, r)).collect()
}

fn decide(path: &str, local: Option<&LocalDoc>, remote: Option<&RemoteDoc>) -> Option<SyncOp> {
    let path = path.to_owned();
    let base = local.and_then(|l| l.base.as_ref());
    let local_hash = local.and_then(|l| l.hash.as_ref());
    let remote_hash = remote.and_then(|r| r.hash.as_ref());
    let local_changed = match base {
        Some(b) => local_hash != Some(&b.hash),
        None => local_hash.is_some(),
    };
    let remote_changed = match (base, remote) {
        (Some(b), Some(r)) => r.version != b.version,
        (Some(_), None) => true,
        (None, r) => r.is_some_and(|r| r.hash.is_some()),
    };
    let remote_version = remote.map(|r| r.version.clone());
    match (local_changed, remote_changed) {
        (false, false) => None,
        (true, false) => match (local_hash, remote_version) {
            (Some(_), expected) => Some(SyncOp::Push { path, expected: expected.filter(|_| remote_hash.is_some()) }),
            (None, Some(expected)) => Some(SyncOp::DeleteRemote { path, expected }),
            (None, None) => None,
        },
        (false, true) => match (remote_hash, remote_version) {
            (Some(_), Some(version)) => Some(SyncOp::Pull { path, version }),
            _ if local_hash.is_some() => Some(SyncOp::DeleteLocal { path }),
            _ => None,
        },
        (true, true) => {
            if local_hash == remote_hash {
                return match remote_version {
                    Some(version) if local_hash.is_some() => Some(SyncOp::Adopt { path, version }),
                    _ => None,
                };
            }
            let kind = match (local_hash, remote_hash, base) {
                (None, Some(_), _) => ConflictKind::DeletedLocally,
                (Some(_), None, _) => ConflictKind::DeletedRemotely,
                (_, _, None) => ConflictKind::BothCreated,
                _ => ConflictKind::BothChanged,
            };
            Some(SyncOp::Conflict { path, kind })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(v: &str, h: &str) -> Option<Base> {
        Some(Base { version: v.into(), hash: h.into() })
    }
    fn l(hash: Option<&str>, b: Option<Base>) -> LocalDoc {
        LocalDoc { path: "p.json".into(), hash: hash.map(Into::into), base: b }
    }
    fn r(version: &str, hash: Option<&str>) -> RemoteDoc {
        RemoteDoc { path: "p.json".into(), version: version.into(), hash: hash.map(Into::into) }
    }
    fn one(local: Option<LocalDoc>, remote: Option<RemoteDoc>) -> Vec<SyncOp> {
        plan(local.as_slice(), remote.as_slice())
    }
    const P: &str = "p.json";

    #[test]
    fn unchanged_on_both_sides_does_nothing() {
        assert_eq!(one(Some(l(Some("h1"), base("3", "h1"))), Some(r("3", Some("h1")))), vec![]);
    }

    #[test]
    fn a_local_edit_is_pushed_against_the_remote_version() {
        assert_eq!(
            one(Some(l(Some("h2"), base("3", "h1"))), Some(r("3", Some("h1")))),
            vec![SyncOp::Push { path: P.into(), expected: Some("3".into()) }]
        );
    }

    #[test]
    fn a_new_local_document_is_created_remotely() {
        assert_eq!(one(Some(l(Some("h1"), None)), None), vec![SyncOp::Push { path: P.into(), expected: None }]);
    }

    #[test]
    fn a_remote_edit_is_pulled() {
        assert_eq!(
            one(Some(l(Some("h1"), base("3", "h1"))), Some(r("4", Some("h9")))),
            vec![SyncOp::Pull { path: P.into(), version: "4".into() }]
        );
    }

    #[test]
    fn a_new_remote_document_is_pulled() {
        assert_eq!(one(None, Some(r("1", Some("h1")))), vec![SyncOp::Pull { path: P.into(), version: "1".into() }]);
    }

    #[test]
    fn deletions_travel_when_the_other_side_did_not_change() {
        assert_eq!(
            one(Some(l(None, base("3", "h1"))), Some(r("3", Some("h1")))),
            vec![SyncOp::DeleteRemote { path: P.into(), expected: "3".into() }]
        );
        assert_eq!(one(Some(l(Some("h1"), base("3", "h1"))), Some(r("4", None))), vec![SyncOp::DeleteLocal { path: P.into() }]);
        assert_eq!(one(Some(l(Some("h1"), base("3", "h1"))), None), vec![SyncOp::DeleteLocal { path: P.into() }]);
    }

    #[test]
    fn both_changed_differently_is_a_conflict_never_an_overwrite() {
        assert_eq!(
            one(Some(l(Some("h2"), base("3", "h1"))), Some(r("4", Some("h3")))),
            vec![SyncOp::Conflict { path: P.into(), kind: ConflictKind::BothChanged }]
        );
    }

    #[test]
    fn delete_on_one_side_and_edit_on_the_other_is_a_conflict() {
        assert_eq!(
            one(Some(l(None, base("3", "h1"))), Some(r("4", Some("h3")))),
            vec![SyncOp::Conflict { path: P.into(), kind: ConflictKind::DeletedLocally }]
        );
        assert_eq!(
            one(Some(l(Some("h2"), base("3", "h1"))), Some(r("4", None))),
            vec![SyncOp::Conflict { path: P.into(), kind: ConflictKind::DeletedRemotely }]
        );
    }

    #[test]
    fn the_same_change_on_both_sides_is_adopted_not_a_conflict() {
        assert_eq!(
            one(Some(l(Some("h2"), base("3", "h1"))), Some(r("4", Some("h2")))),
            vec![SyncOp::Adopt { path: P.into(), version: "4".into() }]
        );
        assert_eq!(one(Some(l(None, base("3", "h1"))), Some(r("4", None))), vec![]);
    }

    #[test]
    fn created_on_both_sides_differently_is_a_conflict() {
        assert_eq!(
            one(Some(l(Some("h1"), None)), Some(r("1", Some("h2")))),
            vec![SyncOp::Conflict { path: P.into(), kind: ConflictKind::BothCreated }]
        );
    }

    #[test]
    fn plans_come_out_in_path_order() {
        let local = vec![
            LocalDoc { path: "b.json".into(), hash: Some("x".into()), base: None },
            LocalDoc { path: "a.json".into(), hash: Some("y".into()), base: None },
        ];
        let ops = plan(&local, &[]);
        assert!(matches!(&ops[0], SyncOp::Push { path, .. } if path == "a.json"));
    }
}
