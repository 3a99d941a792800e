//! Use cases: one transaction each (the caller opens it with `Db::write`):
//! load, ask the domain, store the result with its events and outbox rows.

pub mod orders;
pub mod sweep;
