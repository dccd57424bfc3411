//! Opening the database: pragmas, versioned migrations, the immediate-transaction helper and
//! the clock (an input, so tests can fix it).

use crate::error::{ErrorCode, Result, StoreError};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Migrations in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_change_set_index.sql"),
    include_str!("migrations/0003_outbox.sql"),
    include_str!("migrations/0004_sync.sql"),
    include_str!("migrations/0005_sync_quarantine.sql"),
    include_str!("migrations/0006_audit_anchors.sql"),
    include_str!("migrations/0007_change_sets_from_the_cms.sql"),
    include_str!("migrations/0008_rollback_to_the_import.sql"),
    include_str!("migrations/0009_deploy_targets.sql"),
    include_str!("migrations/0010_traffic_imports.sql"),
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

type Clock = Box<dyn Fn() -> String + Send + Sync>;

/// A workspace's store. One connection, serialized by a mutex: SQLite allows one writer at a
/// time anyway, and other processes coordinate through the database's own locks.
pub struct Store {
    conn: Mutex<Connection>,
    clock: Clock,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    /// A database written by a newer Vantage is refused.
    pub fn open(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::new(ErrorCode::ReadOnly, format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers never block the writer. synchronous=FULL: a committed revision survives
        // power loss too, not only a killed process ("nothing an author typed is lost").
        set_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&conn, path)?;
        Ok(Store { conn: Mutex::new(conn), clock: Box::new(|| jiff::Timestamp::now().to_string()) })
    }

    /// Opens an existing store for reading only: every write is refused with `ReadOnly`.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::new(ErrorCode::NotFound, format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::new(
                ErrorCode::SchemaTooNew,
                format!("{} has schema version {version}; this Vantage reads version {SCHEMA_VERSION} only", path.display()),
            ));
        }
        Ok(Store { conn: Mutex::new(conn), clock: Box::new(|| jiff::Timestamp::now().to_string()) })
    }

    /// Replaces the clock (tests and scheduled publishing pass time in).
    pub fn with_clock(mut self, clock: impl Fn() -> String + Send + Sync + 'static) -> Store {
        self.clock = Box::new(clock);
        self
    }

    pub(crate) fn now(&self) -> String {
        (self.clock)()
    }

    /// Closes the store after moving everything from the write-ahead log into the database
    /// file, so that the file alone holds it all (and can be moved into place).
    pub fn close(self) -> Result<()> {
        let conn = self.conn.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.close().map_err(|(_, e)| StoreError::from(e))
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (the transaction
        // rolls back), so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` in one immediate transaction: all of it commits, or none of it.
    pub(crate) fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Caps the database at `pages` pages (a quota; SQLite pages are 4 KiB here). A write that
    /// would grow past it fails like a full disk: with an error, and nothing half-written.
    pub fn set_max_pages(&self, pages: u64) -> Result<()> {
        self.conn().pragma_update(None, "max_page_count", pages as i64)?;
        Ok(())
    }

    /// Pages the database file uses now.
    pub fn page_count(&self) -> Result<u64> {
        Ok(self.conn().query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn().query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))?)
    }
}

/// How long a call waits for another writer (here or in another process) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Switches to WAL. SQLite answers `SQLITE_BUSY` at once, without its busy handler, when another
/// connection is setting up the same fresh file, so this retries for up to the busy timeout.
fn set_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(too_new(path, version));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    // A migration may rebuild a table (SQLite's way of changing a constraint), which needs
    // foreign keys off; they are checked before the commit instead, and on again after.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let applied = (|| -> Result<()> {
        // Read again under the write lock: another process opening the same file at the same
        // moment may have migrated it while this one waited.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(too_new(path, version));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            conn.execute_batch(sql)?;
            conn.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        let dangling: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if dangling > 0 {
            return Err(StoreError::new(
                ErrorCode::Database,
                format!("{}: {dangling} rows refer to rows that do not exist, so the store was not upgraded", path.display()),
            ));
        }
        Ok(())
    })();
    let done = match applied {
        Ok(()) => conn.execute_batch("COMMIT").map_err(StoreError::from),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    };
    conn.pragma_update(None, "foreign_keys", "ON")?;
    done
}

fn too_new(path: &Path, version: i64) -> StoreError {
    StoreError::new(
        ErrorCode::SchemaTooNew,
        format!(
            "{} was written by a newer Vantage (schema version {version}; this version knows up to {SCHEMA_VERSION}); update Vantage to open it",
            path.display()
        ),
    )
}
