//! One diesel connection type for both backends, its pool, migrations and
//! transactions. SQLite write transactions start with `BEGIN IMMEDIATE` so two
//! writers queue on the busy timeout instead of failing on a lock upgrade.

mod url;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use domain::DomainError;

pub use url::{Backend, DbUrl};

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Opens connections by URL scheme, so the real error of the chosen backend is
/// reported (diesel's `MultiConnection::establish` says only "invalid url").
#[derive(Debug, Clone)]
pub struct Manager {
    url: DbUrl,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        std::thread::panicking()
    }
}

pub fn establish(url: &DbUrl) -> ConnectionResult<AnyConnection> {
    match url {
        DbUrl::Postgres(u) => diesel::PgConnection::establish(u).map(AnyConnection::Postgresql),
        DbUrl::Sqlite(path) => {
            let mut conn = diesel::SqliteConnection::establish(path)?;
            // The busy timeout first: switching to WAL waits for a lock too, and
            // while another process opens the file (recovering its WAL) a pragma
            // without it fails at once with "database is locked" (two nodes
            // starting together did).
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

/// A storage failure from an error (kept with its source chain) or a message.
pub fn storage(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> DomainError {
    DomainError::fault(cause)
}

pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// The name of the unique constraint `e` violated, in PostgreSQL's naming
/// (`regions_code_key`, `regions_sibling_name_idx`). PostgreSQL reports it;
/// SQLite reports only `table.column` or `index 'name'` in its message, which
/// is translated here, in one place, so callers match names on both backends.
pub fn unique_violation(e: &diesel::result::Error) -> Option<String> {
    let diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info) = e else {
        return None;
    };
    if let Some(name) = info.constraint_name() {
        return Some(name.to_owned());
    }
    let what = info.message().strip_prefix("UNIQUE constraint failed: ")?;
    Some(match what.strip_prefix("index '").and_then(|w| w.strip_suffix('\'')) {
        Some(index) => index.to_owned(),
        // A one-column UNIQUE: PostgreSQL names it `<table>_<column>_key`.
        None => format!("{}_key", what.replace('.', "_")),
    })
}

/// The pool stayed exhausted for its whole timeout: 503, retry shortly.
fn unavailable(e: r2d2::PoolError) -> DomainError {
    DomainError::Unavailable(domain::error::Fault::new(e))
}

/// Declares a method public for tests (feature `testing`), crate-private otherwise:
/// outside infra, storage is reached through the use cases only.
macro_rules! test_visible {
    ($(#[$m:meta])* fn $($rest:tt)*) => {
        #[cfg(feature = "testing")]
        $(#[$m])* pub fn $($rest)*
        #[cfg(not(feature = "testing"))]
        $(#[$m])* pub(crate) fn $($rest)*
    };
    ($(#[$m:meta])* async fn $($rest:tt)*) => {
        #[cfg(feature = "testing")]
        $(#[$m])* pub async fn $($rest)*
        #[cfg(not(feature = "testing"))]
        $(#[$m])* pub(crate) async fn $($rest)*
    };
}

/// How busy the connection pool is (for metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The pool and how to reach it. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    /// Wakes live streams when order events are committed (see `crate::live`).
    live: crate::live::LiveHub,
    /// SQLite takes one writer at a time: this process's writers queue here,
    /// in order and without holding a connection, instead of sleeping in
    /// SQLite's busy handler (whose growing sleeps made the p99 of a write).
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Connects, creating the SQLite file's folder if needed, and runs pending migrations.
    pub fn open(url: &DbUrl, max_size: u32) -> Result<Db, DomainError> {
        Db::open_with(url, max_size, Duration::from_secs(10))
    }

    /// As `open`, waiting at most `timeout` for a free connection before a 503.
    pub fn open_with(url: &DbUrl, max_size: u32, timeout: Duration) -> Result<Db, DomainError> {
        url.prepare().map_err(storage)?;
        // Fail fast with the backend's own message rather than r2d2's timeout.
        let mut first = establish(url).map_err(storage)?;
        migrate(&mut first)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(max_size)
            .connection_timeout(timeout)
            .build(Manager { url: url.clone() })
            .map_err(storage)?;
        Ok(Db {
            pool,
            backend: url.backend(),
            live: crate::live::LiveHub::new(),
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The store's change feed: use cases announce committed order events on it.
    pub fn live(&self) -> &crate::live::LiveHub {
        &self.live
    }

    /// The pool as it is now: connections open, and how many of them are idle.
    pub fn pool_state(&self) -> PoolState {
        let s = self.pool.state();
        PoolState { open: s.connections, idle: s.idle_connections, max: self.pool.max_size() }
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> Result<(), DomainError> {
        self.run(ping).await
    }

    /// A pooled connection, for tests that drive storage directly.
    #[cfg(feature = "testing")]
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, DomainError> {
        self.pool.get().map_err(unavailable)
    }

    test_visible! {
    /// Runs `f` on a pooled connection on the blocking thread pool.
    async fn run<T, F>(&self, f: F) -> Result<T, DomainError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, DomainError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(storage)?
    }
    }

    test_visible! {
    /// Runs `f` in one write transaction: all of it is stored, or none.
    async fn write<T, F>(&self, f: F) -> Result<T, DomainError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, DomainError> + Send + 'static,
        T: Send + 'static,
    {
        let _turn = match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        };
        self.run(move |conn| write_tx(conn, f)).await
    }
    }
}

/// A transaction that takes the write lock up front on SQLite.
pub fn write_tx<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, DomainError>,
) -> Result<T, DomainError> {
    match conn {
        AnyConnection::Postgresql(_) => conn.transaction(|c| f(c).map_err(TxError)).map_err(|e| e.0),
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE").map_err(storage)?;
            let result = f(conn);
            let AnyConnection::Sqlite(inner) = conn else {
                return Err(DomainError::fault("connection changed backend"));
            };
            match result {
                Ok(value) => {
                    AnsiTransactionManager::commit_transaction(inner).map_err(storage)?;
                    Ok(value)
                }
                Err(e) => {
                    AnsiTransactionManager::rollback_transaction(inner).map_err(storage)?;
                    Err(e)
                }
            }
        }
    }
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError(storage(e))
    }
}

/// Lets `conn.transaction` carry a `DomainError` (diesel needs `From<diesel::Error>`).
pub struct TxError(pub DomainError);

pub fn migrate(conn: &mut AnyConnection) -> Result<(), DomainError> {
    let result = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    let applied = result.map_err(|e| DomainError::fault(format!("migrations failed: {e}")))?;
    if applied > 0 {
        tracing::info!(applied, backend = %conn.backend(), "migrations applied");
    }
    Ok(())
}

/// A cheap round trip for `/readyz`.
pub fn ping(conn: &mut AnyConnection) -> Result<(), DomainError> {
    conn.batch_execute("SELECT 1").map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_exhausted_pool_is_unavailable_and_the_cause_is_kept() {
        let path = std::env::temp_dir().join(format!("msb-pool-{}.db", uuid::Uuid::now_v7().simple()));
        let url = DbUrl::Sqlite(path.display().to_string());
        let db = Db::open_with(&url, 1, Duration::from_millis(200)).unwrap_or_else(|e| panic!("{e}"));
        let held = db.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let busy = db.run(ping).await;
        drop(held);
        let _ = std::fs::remove_file(&path);
        match busy {
            Err(DomainError::Unavailable(fault)) => assert!(fault.to_string().contains("timed out"), "{fault}"),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[test]
    fn a_storage_fault_keeps_its_source_chain() {
        let inner = std::io::Error::other("disk full");
        let outer = diesel::result::Error::DeserializationError(Box::new(inner));
        let DomainError::Storage(fault) = storage(outer) else { unreachable!() };
        assert!(fault.to_string().contains("disk full"), "{fault}");
    }
}
