//! Draining the store's outbox into the CMS: in order, one entry at a time, each marked done
//! only after the CMS confirmed it. Retryable failures wait (backoff with jitter, or the
//! server's Retry-After) and try again; a conflict or a permanent refusal stops the drain with
//! the entry still pending, so nothing is skipped or sent out of order.

use crate::adapter::{CmsAdapter, CmsError};
use crate::retry::Backoff;
use vantage_store::{OutboxEntry, Store};

/// How a drain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Everything pending was confirmed.
    Done { sent: usize },
    /// Stopped at an entry that needs a person (a conflict) or that the CMS refuses.
    Stopped { sent: usize, entry: i64, error: CmsError },
    /// Gave up retrying for now (the CMS is down); the entry stays pending for the next run.
    GaveUp { sent: usize, entry: i64, error: CmsError },
}

/// A source of jitter in 0..1 (seeded in tests, random in the app).
pub trait Jitter {
    fn next(&mut self) -> f64;
}

impl<F: FnMut() -> f64> Jitter for F {
    fn next(&mut self) -> f64 {
        self()
    }
}

/// Where the CMS keeps each document's version, as the planner's bases record them.
pub trait Versions {
    fn version_of(&self, path: &str) -> Option<String>;
    fn record(&mut self, path: &str, version: Option<String>);
    /// Records a confirmed send with the content the CMS now holds (`None`: deleted). Sync
    /// bases that remember content override this; the default records the version only.
    fn record_sent(&mut self, path: &str, version: Option<String>, content: Option<&str>) {
        let _ = content;
        self.record(path, version);
    }
    /// Marks `entry` done now that the CMS confirmed it at `version`, and records that. Stores
    /// that can do both in one transaction override this.
    fn confirm(&mut self, store: &Store, entry: &OutboxEntry, version: Option<String>) -> Result<(), vantage_store::StoreError> {
        store.outbox_done(entry.id)?;
        if let Some(path) = &entry.path {
            self.record_sent(path, version, entry.content.as_deref());
        }
        Ok(())
    }
}

async fn send<A: CmsAdapter>(cms: &A, entry: &OutboxEntry, versions: &dyn Versions) -> Result<Option<String>, CmsError> {
    match (&entry.path, &entry.content) {
        (Some(path), Some(content)) => {
            cms.put(path, content, versions.version_of(path).as_deref(), &entry.idempotency_key, &entry.basis).await.map(Some)
        }
        (Some(path), None) => match versions.version_of(path) {
            Some(expected) => cms.delete(path, &expected, &entry.idempotency_key, &entry.basis).await.map(|()| None),
            None => Ok(None),
        },
        (None, hash) => cms.publish_release(hash.as_deref().unwrap_or_default(), &entry.idempotency_key, &entry.basis).await.map(|()| None),
    }
}

/// Sends every pending outbox entry in order. `on_progress(sent, pending)` reports progress for
/// a large push.
pub async fn push<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    versions: &mut dyn Versions,
    backoff: Backoff,
    jitter: &mut dyn Jitter,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<PushOutcome, vantage_store::StoreError> {
    let mut sent = 0;
    loop {
        let batch = store.outbox_pending(100)?;
        if batch.is_empty() {
            return Ok(PushOutcome::Done { sent });
        }
        let pending = store.outbox_status()?.pending as usize;
        for entry in batch {
            let mut attempt = 0;
            loop {
                match send(cms, &entry, versions).await {
                    Ok(version) => {
                        versions.confirm(store, &entry, version)?;
                        sent += 1;
                        on_progress(sent, pending);
                        break;
                    }
                    Err(error) => {
                        store.outbox_failed(entry.id, &error.to_string())?;
                        if !error.is_retryable() {
                            return Ok(PushOutcome::Stopped { sent, entry: entry.id, error });
                        }
                        attempt += 1;
                        let retry_after = match &error {
                            CmsError::RateLimited { retry_after } => *retry_after,
                            _ => None,
                        };
                        match backoff.delay(attempt, jitter.next(), retry_after) {
                            Some(wait) => tokio::time::sleep(wait).await,
                            None => return Ok(PushOutcome::GaveUp { sent, entry: entry.id, error }),
                        }
                    }
                }
            }
        }
    }
}
