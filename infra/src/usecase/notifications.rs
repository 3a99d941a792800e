//! The in-app inbox as its owner uses it, and the dispatcher's passes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::notify::inbox::{self, InboxChannel, Notification};
use crate::notify::webhook::WebhookChannel;
use crate::notify::wecom::WecomChannel;
use crate::notify::{Channel, DispatchReport};
use crate::repo::{Page, Paged};

/// Where the outside channels are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// `MSB_WECOM_API_BASE`: the public WeCom API, or a fake in tests.
    pub wecom_api_base: String,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { wecom_api_base: crate::notify::wecom::PUBLIC_API_BASE.to_owned() }
    }
}

/// The channels a server sends through: the in-app inbox, registered webhooks,
/// WeCom group robots.
pub fn channels(db: &Db, config: &NotifyConfig) -> Vec<Arc<dyn Channel>> {
    let mut out: Vec<Arc<dyn Channel>> = vec![Arc::new(InboxChannel::new(db.clone()))];
    match WebhookChannel::new(db.clone()) {
        Ok(webhooks) => out.push(Arc::new(webhooks)),
        Err(e) => tracing::error!(error.cause = %e, "webhooks disabled: no HTTP client"),
    }
    match WecomChannel::new(db.clone(), &config.wecom_api_base) {
        Ok(wecom) => out.push(Arc::new(wecom)),
        Err(e) => tracing::error!(error.cause = %e, "WeCom robots disabled: no HTTP client"),
    }
    out
}

/// Sends everything due at `now`, in passes of one batch.
pub async fn dispatch(db: &Db, config: &NotifyConfig, now: DateTime<Utc>) -> Result<DispatchReport, DomainError> {
    crate::notify::dispatch_all(db, &channels(db, config), now).await
}

pub async fn list(db: &Db, user: Uuid, unread_only: bool, page: Page) -> Result<Paged<Notification>, DomainError> {
    db.run(move |c| inbox::list(c, user, unread_only, &page)).await
}

pub async fn unread(db: &Db, user: Uuid) -> Result<i64, DomainError> {
    db.run(move |c| inbox::unread(c, user)).await
}

/// Marks one notification read (404 if it is not the user's); how many changed.
pub async fn mark_read(db: &Db, user: Uuid, id: Uuid) -> Result<usize, DomainError> {
    db.write(move |c| inbox::mark_read(c, user, Some(id))).await
}

pub async fn mark_all_read(db: &Db, user: Uuid) -> Result<usize, DomainError> {
    db.write(move |c| inbox::mark_read(c, user, None)).await
}
