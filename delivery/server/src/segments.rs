//! The CDP's segment memberships as the server tier keeps them: in memory for decisions, and in
//! SQLite (`segments.db` in the state folder) so that an acknowledged webhook survives kill -9.
//! One writer thread applies webhooks in batches: each batch is one transaction, committed
//! (WAL, `synchronous=FULL`) before any of its senders gets a 200. A replayed event id is
//! refused; a change older than the one on record is acknowledged but changes nothing, so
//! updates that arrive out of order resolve by the CDP's timestamp.

use rusqlite::{params, Connection};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;
pub use vantage_delivery::segments::Applied;
use vantage_delivery::segments::{decide, Membership, OnRecord, SegmentEvent, SegmentSource, SEEN_SECONDS};

/// At most this many webhooks go into one transaction.
const BATCH_MAX: usize = 512;

type Units = HashMap<String, BTreeMap<String, Membership>>;

struct Job {
    event: SegmentEvent,
    received_s: i64,
    reply: oneshot::Sender<Result<Applied, String>>,
}

/// The memberships, shared by request handlers (reading) and the writer thread.
pub struct SegmentStore {
    units: Arc<RwLock<Units>>,
    jobs: mpsc::Sender<Job>,
    /// Where they are kept, or `None` when the service has no state folder.
    pub file: Option<std::path::PathBuf>,
}

impl SegmentStore {
    /// Opens (or creates) `dir/segments.db` and loads it; without a folder, memberships live in
    /// memory only.
    pub fn open(dir: Option<&Path>, now_s: i64) -> Result<SegmentStore, String> {
        let (db, units, seen, file) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let file = dir.join("segments.db");
                let db = open_db(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                let (units, seen) = load(&db, now_s).map_err(|e| format!("{}: {e}", file.display()))?;
                (Some(db), units, seen, Some(file))
            }
            None => (None, Units::new(), HashMap::new(), None),
        };
        let units = Arc::new(RwLock::new(units));
        let (jobs, receiver) = mpsc::channel();
        let writer = Writer { db, units: Arc::clone(&units), seen };
        std::thread::Builder::new()
            .name("segment-writer".into())
            .spawn(move || writer.run(&receiver))
            .map_err(|e| format!("cannot start the segment writer: {e}"))?;
        Ok(SegmentStore { units, jobs, file })
    }

    /// Applies `event`, answering once it is on disk (or refused).
    pub async fn apply(&self, event: SegmentEvent, received_s: i64) -> Result<Applied, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { event, received_s, reply }).map_err(|_| "the segment writer stopped".to_owned())?;
        answer.await.map_err(|_| "the segment writer stopped".to_owned())?
    }
}

impl SegmentSource for SegmentStore {
    fn segments_of(&self, unit: &str) -> Vec<String> {
        let Ok(units) = self.units.read() else { return Vec::new() };
        units.get(unit).map(|s| s.iter().filter(|(_, m)| m.entered).map(|(name, _)| name.clone()).collect()).unwrap_or_default()
    }
}

fn open_db(file: &Path) -> rusqlite::Result<Connection> {
    let db = Connection::open(file)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.busy_timeout(std::time::Duration::from_secs(5))?;
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS memberships (
             unit TEXT NOT NULL, segment TEXT NOT NULL, entered INTEGER NOT NULL, at_ms INTEGER NOT NULL,
             PRIMARY KEY (unit, segment)) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS seen_events (id TEXT PRIMARY KEY, received_s INTEGER NOT NULL) WITHOUT ROWID;",
    )?;
    Ok(db)
}

fn load(db: &Connection, now_s: i64) -> rusqlite::Result<(Units, HashMap<String, i64>)> {
    let mut units = Units::new();
    let mut rows = db.prepare("SELECT unit, segment, entered, at_ms FROM memberships")?;
    let mut rows = rows.query([])?;
    while let Some(row) = rows.next()? {
        let membership = Membership { entered: row.get::<_, i64>(2)? != 0, at_ms: row.get(3)? };
        units.entry(row.get(0)?).or_default().insert(row.get(1)?, membership);
    }
    let mut seen = HashMap::new();
    let mut ids = db.prepare("SELECT id, received_s FROM seen_events WHERE received_s >= ?1")?;
    let mut ids = ids.query([now_s - SEEN_SECONDS])?;
    while let Some(row) = ids.next()? {
        seen.insert(row.get(0)?, row.get(1)?);
    }
    Ok((units, seen))
}

struct Writer {
    db: Option<Connection>,
    units: Arc<RwLock<Units>>,
    seen: HashMap<String, i64>,
}

impl Writer {
    fn run(mut self, jobs: &mpsc::Receiver<Job>) {
        while let Ok(first) = jobs.recv() {
            let mut batch = vec![first];
            while batch.len() < BATCH_MAX {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.apply_batch(batch);
        }
    }

    /// Decides every job of the batch against what is on record (and earlier jobs of the batch),
    /// writes the changes in one transaction, and only after the commit shows them to requests
    /// and answers the senders.
    fn apply_batch(&mut self, batch: Vec<Job>) {
        let newest = batch.iter().map(|j| j.received_s).max().unwrap_or(0);
        self.seen.retain(|_, received| *received >= newest - SEEN_SECONDS);
        let mut pending: HashMap<(String, String), Membership> = HashMap::new();
        let mut ids = Vec::new();
        let mut outcomes = Vec::with_capacity(batch.len());
        {
            let Ok(units) = self.units.read() else {
                return answer_all(batch, &Err("the segment store is unusable".into()));
            };
            for job in &batch {
                let event = &job.event;
                let seen = self.seen.contains_key(&event.id) || ids.iter().any(|(id, _)| id == &event.id);
                let key = (event.unit.clone(), event.segment.clone());
                let membership = pending.get(&key).copied().or_else(|| units.get(&event.unit).and_then(|s| s.get(&event.segment)).copied());
                let member_count = units.get(&event.unit).map_or(0, |s| s.values().filter(|m| m.entered).count())
                    + pending.iter().filter(|((u, _), m)| u == &event.unit && m.entered).count();
                // The rule is the runtime's, shared with the edge's Durable Object.
                let outcome = decide(event, &OnRecord { seen, membership, member_count });
                outcomes.push(outcome);
                if !seen {
                    ids.push((event.id.clone(), job.received_s));
                }
                if outcome != Applied::Changed {
                    continue;
                }
                pending.insert(key, Membership { entered: event.entered, at_ms: event.at_ms });
            }
        }
        if let Some(db) = &mut self.db {
            if let Err(e) = write(db, &pending, &ids, newest) {
                return answer_all(batch, &Err(format!("the membership could not be kept: {e}")));
            }
        }
        self.seen.extend(ids);
        if let Ok(mut units) = self.units.write() {
            for ((unit, segment), membership) in pending {
                units.entry(unit).or_default().insert(segment, membership);
            }
        }
        for (job, outcome) in batch.into_iter().zip(outcomes) {
            let _ = job.reply.send(Ok(outcome));
        }
    }
}

fn write(db: &mut Connection, pending: &HashMap<(String, String), Membership>, ids: &[(String, i64)], newest: i64) -> rusqlite::Result<()> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO memberships (unit, segment, entered, at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (unit, segment) DO UPDATE SET entered = excluded.entered, at_ms = excluded.at_ms",
        )?;
        for ((unit, segment), m) in pending {
            upsert.execute(params![unit, segment, i64::from(m.entered), m.at_ms])?;
        }
        let mut seen = tx.prepare_cached("INSERT OR IGNORE INTO seen_events (id, received_s) VALUES (?1, ?2)")?;
        for (id, received) in ids {
            seen.execute(params![id, received])?;
        }
        tx.execute("DELETE FROM seen_events WHERE received_s < ?1", [newest - SEEN_SECONDS])?;
    }
    tx.commit()
}

fn answer_all(batch: Vec<Job>, outcome: &Result<Applied, String>) {
    for job in batch {
        let _ = job.reply.send(outcome.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vantage_delivery::segments::SEGMENTS_PER_UNIT_MAX;

    fn event(id: &str, segment: &str, entered: bool, at_ms: i64) -> SegmentEvent {
        SegmentEvent { id: id.into(), unit: "u-42".into(), segment: segment.into(), entered, at_ms }
    }

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        runtime.map(|r| r.block_on(future)).unwrap_or_else(|e| panic!("runtime: {e}"))
    }

    #[test]
    fn an_older_change_arriving_late_does_not_undo_a_newer_one() {
        let store = SegmentStore::open(None, 1000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(block_on(store.apply(event("e2", "vip", false, 2000), 1000)), Ok(Applied::Changed));
        assert_eq!(block_on(store.apply(event("e1", "vip", true, 1000), 1000)), Ok(Applied::Outdated));
        assert!(store.segments_of("u-42").is_empty());
        assert_eq!(block_on(store.apply(event("e3", "vip", true, 3000), 1000)), Ok(Applied::Changed));
        assert_eq!(store.segments_of("u-42"), vec!["vip".to_owned()]);
    }

    #[test]
    fn a_replayed_event_id_changes_nothing() {
        let store = SegmentStore::open(None, 1000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(block_on(store.apply(event("e1", "vip", true, 1000), 1000)), Ok(Applied::Changed));
        assert_eq!(block_on(store.apply(event("e1", "loyal", true, 5000), 1001)), Ok(Applied::Replay));
        assert_eq!(store.segments_of("u-42"), vec!["vip".to_owned()]);
    }

    #[test]
    fn memberships_and_seen_ids_are_read_back_from_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        {
            let store = SegmentStore::open(Some(dir.path()), 1000).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(block_on(store.apply(event("e1", "vip", true, 1000), 1000)), Ok(Applied::Changed));
        }
        let store = SegmentStore::open(Some(dir.path()), 1010).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.segments_of("u-42"), vec!["vip".to_owned()]);
        assert_eq!(block_on(store.apply(event("e1", "vip", false, 9000), 1010)), Ok(Applied::Replay));
    }

    #[test]
    fn a_unit_cannot_be_put_in_more_segments_than_a_visitor_may_have() {
        let store = SegmentStore::open(None, 1000).unwrap_or_else(|e| panic!("{e}"));
        for i in 0..SEGMENTS_PER_UNIT_MAX {
            assert_eq!(block_on(store.apply(event(&format!("e{i}"), &format!("s{i}"), true, 1000), 1000)), Ok(Applied::Changed));
        }
        assert_eq!(block_on(store.apply(event("over", "one-more", true, 1000), 1000)), Ok(Applied::Full));
        assert_eq!(store.segments_of("u-42").len(), SEGMENTS_PER_UNIT_MAX);
    }
}
