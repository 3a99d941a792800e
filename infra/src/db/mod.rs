//! One diesel connection type for both backends, its pool, migrations and
//! transactions. SQLite write transactions start with `BEGIN IMMEDIATE` so two
//! writers queue on the busy timeout instead of failing on a lock upgrade.

mod url;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
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
            conn.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

pub fn storage(e: impl std::fmt::Display) -> DomainError {
    DomainError::Storage(e.to_string())
}

pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// The pool and how to reach it. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
}

impl Db {
    /// Connects, creating the SQLite file's folder if needed, and runs pending migrations.
    pub fn open(url: &DbUrl, max_size: u32) -> Result<Db, DomainError> {
        url.prepare().map_err(storage)?;
        // Fail fast with the backend's own message rather than r2d2's timeout.
        let mut first = establish(url).map_err(storage)?;
        migrate(&mut first)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(max_size)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { url: url.clone() })
            .map_err(storage)?;
        Ok(Db { pool, backend: url.backend() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&self) -> Result<PooledConnection<Manager>, DomainError> {
        self.pool.get().map_err(storage)
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DomainError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, DomainError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(storage)?;
            f(&mut conn)
        })
        .await
        .map_err(storage)?
    }

    /// Runs `f` in one write transaction: all of it is stored, or none.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DomainError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, DomainError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_tx(conn, f)).await
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
                return Err(DomainError::Storage("connection changed backend".into()));
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
    let applied = result.map_err(|e| DomainError::Storage(format!("migrations failed: {e}")))?;
    if applied > 0 {
        tracing::info!(applied, backend = %conn.backend(), "migrations applied");
    }
    Ok(())
}

/// A cheap round trip for `/readyz`.
pub fn ping(conn: &mut AnyConnection) -> Result<(), DomainError> {
    conn.batch_execute("SELECT 1").map_err(storage)
}
