//! Use cases: one async function per thing a caller does. Each opens its own
//! transaction: load, ask the domain, store the result with its events and
//! outbox rows, and build the answer. Callers (the API, the CLI) never open
//! transactions or see storage types.

pub mod auth;
pub mod categories;
pub mod idempotent;
pub mod live;
pub mod notifications;
pub mod orders;
pub mod people;
pub mod places;
pub mod subscriptions;
pub mod sweep;
pub mod webhooks;

pub use crate::repo::orders::{OrderFilter, TimelineEvent};
pub use crate::repo::{Page, Paged};
