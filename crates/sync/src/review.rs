//! Four eyes kept by the CMS. A laptop's store is its owner's to edit, so a workspace connected
//! to a CMS that keeps reviews also records each submission and approval there, under the
//! signed-in person's own credential; the CMS then accepts a release's documents only as a
//! second person approved them (`cms/strapi/src/api/document/services/review.js`).
//!
//! A change set is put to the CMS as its proposal: each document it changes with the SHA-256 of
//! the new content (`None`: deleted), identified by [`proposal_hash`]. The reviewer's app
//! computes the hash from what the reviewer looked at, so an approval never covers a change made
//! after it.

use crate::adapter::{CmsAdapter, RemoteProposal};
use crate::pull::SyncError;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use vantage_store::{ChangeSetState, Store};

/// A change set's proposal: path -> SHA-256 (hex) of its new content, `None` for a deletion.
pub type Proposal = BTreeMap<String, Option<String>>;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The proposal for change set `change_set` as this store holds it.
pub fn proposal_of(store: &Store, change_set: i64) -> Result<Proposal, SyncError> {
    Ok(store
        .change_set_changes(change_set)?
        .into_iter()
        .map(|(path, content)| (path, content.map(|text| sha256_hex(text.as_bytes()))))
        .collect())
}

/// The proposal's identity: one line per path in order, `path<TAB>sha256` (or `path<TAB>-` for a
/// deletion), hashed with SHA-256. The CMS computes the same.
pub fn proposal_hash(proposal: &Proposal) -> String {
    let lines: String = proposal.iter().map(|(path, sha)| format!("{path}\t{}\n", sha.as_deref().unwrap_or("-"))).collect();
    sha256_hex(lines.as_bytes())
}

/// Submits change set `change_set` for review here (lint must pass) and on the CMS, as the
/// person `cms` is signed in as. Submitting again after the CMS refused or was unreachable only
/// repeats the CMS's part.
pub async fn submit_for_review<A: CmsAdapter>(store: &Store, cms: &A, user: &str, change_set: i64) -> Result<RemoteProposal, SyncError> {
    let state = store.change_sets()?.into_iter().find(|c| c.id == change_set).map(|c| c.state);
    if state == Some(ChangeSetState::Draft) || state.is_none() {
        store.submit(user, change_set)?;
    }
    let proposal = proposal_of(store, change_set)?;
    cms.submit_proposal(change_set, &proposal, false).await.map_err(|e| {
        SyncError::Invalid(format!(
            "change set {change_set} is submitted here, but the CMS did not record the submission, so nobody can approve it yet: {e}. Submit it again."
        ))
    })
}

/// Approves change set `change_set` on the CMS (as the person `cms` is signed in as, for the
/// changes this store shows them) and then here. The CMS refuses the author, anyone who
/// submitted any version of it, and a proposal that changed since.
pub async fn approve_with_cms<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    user: &str,
    change_set: i64,
    comment: &str,
) -> Result<RemoteProposal, SyncError> {
    let proposal = proposal_of(store, change_set)?;
    let hash = proposal_hash(&proposal);
    // Edits made in the CMS were never submitted there by a person: the CMS records them now,
    // checked against what it holds, with its own editors on record.
    let from_cms = store.change_sets()?.into_iter().any(|c| c.id == change_set && c.from_cms);
    if from_cms {
        cms.submit_proposal(change_set, &proposal, true).await?;
    }
    let approved = cms.approve_proposal(change_set, &hash).await?;
    store.decide(user, change_set, true, comment)?;
    Ok(approved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proposal_hash_is_the_documented_line_format_so_the_cms_computes_the_same() {
        let proposal: Proposal = [("b.json".to_owned(), None), ("a.json".to_owned(), Some(sha256_hex(b"{}")))].into_iter().collect();
        let lines = format!("a.json\t{}\nb.json\t-\n", sha256_hex(b"{}"));
        assert_eq!(proposal_hash(&proposal), sha256_hex(lines.as_bytes()));
        // Known vector: SHA-256 of "{}".
        assert_eq!(sha256_hex(b"{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }
}
