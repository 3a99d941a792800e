//! Test databases: a fresh SQLite file or a fresh Postgres schema per test,
//! removed when the guard drops. Postgres tests run when 127.0.0.1:5432
//! answers; with `MSB_REQUIRE_SERVICES=1` a missing server fails the test.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::Connection;

use crate::db::{Db, DbUrl};

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

pub fn services_required() -> bool {
    std::env::var("MSB_REQUIRE_SERVICES").is_ok_and(|v| v == "1" || v == "true")
}

/// Reports an absent service: a panic when services are required, a skip otherwise.
pub fn service_missing(what: &str, why: &str) {
    if services_required() {
        panic!("{what} is required (MSB_REQUIRE_SERVICES=1) but unavailable: {why}");
    }
    eprintln!("skipping: {what} unavailable ({why})");
}

pub fn pg_base_url() -> String {
    std::env::var("MSB_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

pub fn redis_url() -> String {
    std::env::var("MSB_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned())
}

enum Cleanup {
    File(PathBuf),
    Schema { base_url: String, schema: String },
}

pub struct TestDb {
    pub db: Db,
    pub url: DbUrl,
    cleanup: Cleanup,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("msb-test-{}.db", uuid::Uuid::now_v7().simple()));
        let url = DbUrl::Sqlite(path.display().to_string());
        let db = Db::open(&url, 8).unwrap_or_else(|e| panic!("sqlite test db: {e}"));
        TestDb { db, url, cleanup: Cleanup::File(path) }
    }

    /// None (after a note on stderr) when Postgres is absent and not required.
    pub fn postgres() -> Option<TestDb> {
        let base_url = pg_base_url();
        let mut admin = match diesel::PgConnection::establish(&base_url) {
            Ok(c) => c,
            Err(e) => {
                service_missing("PostgreSQL", &e.to_string());
                return None;
            }
        };
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        admin.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap_or_else(|e| panic!("create schema: {e}"));
        let sep = if base_url.contains('?') { '&' } else { '?' };
        let url = DbUrl::Postgres(format!("{base_url}{sep}options=-csearch_path%3D{schema}"));
        let db = Db::open(&url, 8).unwrap_or_else(|e| panic!("postgres test db: {e}"));
        Some(TestDb { db, url, cleanup: Cleanup::Schema { base_url, schema } })
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { base_url, schema } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(base_url) {
                    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// Declares a test once and runs it on both backends:
/// `both_backends! { #[tokio::test] async fn name(db) { ... } }` makes
/// `name::sqlite` and `name::postgres`, each with its own fresh database.
#[macro_export]
macro_rules! both_backends {
    ($( $(#[$attr:meta])* async fn $name:ident($db:ident) $body:block )*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$attr])*
            async fn sqlite() {
                let guard = $crate::testing::TestDb::sqlite();
                let $db = guard.db();
                $body
            }

            $(#[$attr])*
            async fn postgres() {
                let Some(guard) = $crate::testing::TestDb::postgres() else { return };
                let $db = guard.db();
                $body
            }
        }
    )*};
}

/// Rows in `table`, for tests that prove a failed request stored nothing.
pub fn count_rows(conn: &mut crate::db::AnyConnection, table: &str) -> Result<i64, domain::DomainError> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .map(|r| r.n)
        .map_err(crate::db::storage)
}

/// Runs one SQL statement (tests set up states the API would not make).
pub fn execute(conn: &mut crate::db::AnyConnection, sql: &str) -> Result<usize, domain::DomainError> {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql).execute(conn).map_err(crate::db::storage)
}

/// A local S3-compatible server for the object-store tests: moto's server
/// (PyPI `moto[server]`), started on a free port and stopped on drop. `None`
/// (a skip, or a failure with MSB_REQUIRE_SERVICES=1) when moto is not installed.
pub struct LocalS3 {
    child: std::process::Child,
    pub endpoint: String,
}

impl LocalS3 {
    pub fn start() -> Option<LocalS3> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).ok()?;
        let child = std::process::Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                service_missing("moto S3 server (pip install 'moto[server]')", &e.to_string());
                return None;
            }
        };
        for _ in 0..300 {
            if let Ok(Some(status)) = child.try_wait() {
                service_missing("moto S3 server (pip install 'moto[server]')", &format!("exited with {status}"));
                return None;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(LocalS3 { child, endpoint: format!("http://127.0.0.1:{port}") });
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        service_missing("moto S3 server", "did not listen within 15 s");
        None
    }

    /// Creates a bucket (moto takes an unsigned `PUT /<bucket>`).
    pub async fn bucket(&self, name: &str) {
        let url = format!("{}/{name}", self.endpoint);
        let status = reqwest::Client::new().put(&url).send().await.map(|r| r.status());
        assert!(status.as_ref().is_ok_and(|s| s.is_success()), "create bucket {name}: {status:?}");
    }
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Rows of a query whose three text columns are named `a`, `b` and `c`.
pub fn query_strings(conn: &mut crate::db::AnyConnection, sql: &str) -> Result<Vec<Vec<String>>, domain::DomainError> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        a: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        b: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        c: String,
    }
    let rows: Vec<Row> = diesel::sql_query(sql).load(conn).map_err(crate::db::storage)?;
    Ok(rows.into_iter().map(|r| vec![r.a, r.b, r.c]).collect())
}
