//! mashangban's adapters: storage on SQLite or Postgres, Redis, the WeChat
//! client, password hashing, fixtures.
//!
//! Error policy: every public function returns `domain::DomainError`. Storage
//! causes become `DomainError::Storage` (logged by the API, never shown);
//! constraint violations the caller can act on become typed conflicts.

pub mod cache;
pub mod db;
pub mod ids;
pub mod password;
pub mod repo;
pub mod schema;
pub mod seed;
pub mod testing;
pub mod usecase;
pub mod wechat;

pub use db::{AnyConnection, Backend, Db, DbUrl};
