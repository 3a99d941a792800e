//! Use cases: one async function per thing a caller does. Each opens its own
//! transaction: load, ask the domain, store the result with its events and
//! outbox rows, and build the answer. Callers (the API, the CLI) never open
//! transactions or see storage types.

pub mod accounts;
pub mod auth;
pub mod categories;
pub mod export;
pub mod generate;
pub mod idempotent;
pub mod live;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod ops;
pub mod orders;
pub mod people;
pub mod places;
pub mod printing;
pub mod privacy;
pub mod report;
pub mod stats;
pub mod subscriptions;
pub mod sweep;
pub mod webhooks;

pub use crate::repo::orders::{OrderFilter, TimelineEvent};
pub use crate::repo::{Page, Paged};

/// A use case that calls WeChat fails either way: the API maps each to its own codes.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Domain(#[from] domain::DomainError),
    #[error(transparent)]
    Wechat(#[from] crate::wechat::WechatError),
}
