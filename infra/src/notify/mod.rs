//! Notifications: every transition writes outbox rows in its own transaction
//! (`repo/orders/write.rs`); the dispatcher here claims them, resolves who is
//! told, hands them to each channel, and retries with backoff until they are
//! sent or dead (`domain::delivery`). Channels sit behind one trait.

pub mod deliveries;
pub mod dispatcher;
pub mod inbox;
mod outbox;
mod recipients;
pub mod subscribe;
pub mod webhook;
pub mod wecom;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use domain::delivery::NotifyChannel;
use uuid::Uuid;

pub use dispatcher::{dispatch_all, dispatch_once, DispatchReport};

/// A boxed future, for the channel trait (no async fn in dyn traits).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One notification on its way: what happened, and to whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub outbox_id: Uuid,
    pub order_id: Option<Uuid>,
    /// e.g. `order.submitted`; its title is `domain::delivery::title`.
    pub template: String,
    /// `{order_id, number, status}`.
    pub payload: serde_json::Value,
    /// The people told, resolved from the row's recipient when it is sent.
    pub users: Vec<Uuid>,
    /// Where the order is, read once for every channel that routes by region.
    pub place: Option<Place>,
    /// What the order is about, for channels that describe it.
    pub subject: Option<Subject>,
    /// When the news happened (the outbox row was written).
    pub at: DateTime<Utc>,
}

impl Delivery {
    /// A text field of the payload (`number`, `status`…), empty when absent.
    pub fn field(&self, key: &str) -> &str {
        self.payload[key].as_str().unwrap_or("")
    }

    /// The order's status as people read it (已接单), empty when unknown.
    pub fn status_label(&self) -> &'static str {
        self.field("status").parse::<domain::order::Status>().map_or("", |s| s.label())
    }
}

/// The order's category item and building names, and when it is due resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub item: String,
    pub building: String,
    pub resolve_due_at: DateTime<Utc>,
}

/// The order's building path and the ids of its community and street.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub community_id: Uuid,
    pub street_id: Uuid,
}

/// What a channel did with a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Someone was told through it.
    Sent,
    /// Nothing for this channel to do (no robot for the region, no acceptance
    /// for the template, resident news for a staff channel).
    Skipped,
}

/// Where notifications go: the in-app inbox, WeChat subscribe messages, WeCom
/// robots, webhooks. A channel that delivered a row is not asked again when the
/// row is retried for another channel's failure; a channel that failed part-way
/// is asked again, so it must take a repeat without telling anyone twice (the
/// inbox keeps one row per outbox row and person).
pub trait Channel: Send + Sync {
    fn name(&self) -> NotifyChannel;
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>>;
}
