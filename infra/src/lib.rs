//! mashangban's adapters: storage on SQLite or Postgres, Redis, the WeChat
//! client, password hashing, fixtures.
//!
//! Error policy: every public function returns `domain::DomainError`. Storage
//! causes become `DomainError::Storage` (logged by the API, never shown);
//! constraint violations the caller can act on become typed conflicts.

/// Declares items public for tests (feature `testing`) and crate-private otherwise.
macro_rules! internal {
    ($($(#[$m:meta])* mod $name:ident;)+) => {$(
        #[cfg(feature = "testing")]
        $(#[$m])* pub mod $name;
        #[cfg(not(feature = "testing"))]
        $(#[$m])* mod $name;
    )+};
}

pub mod cache;
pub mod ids;
pub mod limit;
pub mod live;
pub mod media;
pub mod notify;
pub mod password;
pub mod print;
pub mod report;
pub mod seed;
pub mod usecase;
pub mod wechat;

internal! {
    /// Connections, pool, migrations, transactions: reached from outside through `Db` and `usecase`.
    mod db;
    /// Storage, one module per aggregate: reached from outside through `usecase`.
    mod repo;
    /// The diesel schema.
    mod schema;
}

/// Test databases (one per test, dropped after) and helpers.
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "testing")]
pub use db::AnyConnection;
pub use db::{Backend, Db, DbUrl, PoolState};
