//! What the in-memory test CMSes share: the audit anchors they keep, with the CMS's rules
//! (append-only; an anchor contradicting one held is a conflict).

use std::sync::Mutex;
use vantage_sync::{CmsError, RemoteAnchor};

/// Audit anchors by workspace: (workspace, entry, hash).
#[derive(Default)]
pub struct AnchorLog(Mutex<Vec<(String, i64, String)>>);

impl AnchorLog {
    pub fn anchor(&self, workspace: &str, seq: i64, hash: &str) -> Result<(), CmsError> {
        let mut anchors = self.0.lock().unwrap();
        let held: Vec<&(String, i64, String)> = anchors.iter().filter(|(w, _, _)| w == workspace).collect();
        let newest = held.iter().map(|(_, s, _)| *s).max().unwrap_or(0);
        let same = held.iter().find(|(_, s, _)| *s == seq);
        if same.is_some_and(|(_, _, h)| h != hash) || (same.is_none() && newest > seq) {
            return Err(CmsError::Conflict { path: "(audit log)".into(), current: newest.to_string() });
        }
        if same.is_none() {
            anchors.push((workspace.to_owned(), seq, hash.to_owned()));
        }
        Ok(())
    }

    pub fn list(&self, workspace: &str) -> Vec<RemoteAnchor> {
        let anchors = self.0.lock().unwrap();
        anchors
            .iter()
            .filter(|(w, _, _)| w == workspace)
            .map(|(_, seq, hash)| RemoteAnchor { seq: *seq, hash: hash.clone(), at: "now".into() })
            .collect()
    }
}
