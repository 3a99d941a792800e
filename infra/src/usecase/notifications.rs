//! The in-app inbox as its owner uses it, and the dispatcher's passes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::actor::Actor;
use domain::delivery::DeliveryStatus;
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::notify::deliveries;
use crate::notify::inbox::{self, InboxChannel, Notification};
use crate::notify::subscribe::SubscribeChannel;
use crate::notify::webhook::WebhookChannel;
use crate::notify::wecom::WecomChannel;
use crate::notify::{Channel, DispatchReport};
use crate::repo::{Page, Paged};

pub use crate::notify::deliveries::{ChannelRecord, DeliveryFilter, DeliveryRecord};
pub use crate::notify::subscribe::SubscribeConfig;

/// Where the outside channels are.
#[derive(Clone)]
pub struct NotifyConfig {
    /// `MSB_WECOM_API_BASE`: the public WeCom API, or a fake in tests.
    pub wecom_api_base: String,
    /// WeChat subscribe messages, when templates are configured.
    pub wechat: Option<SubscribeConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { wecom_api_base: crate::notify::wecom::PUBLIC_API_BASE.to_owned(), wechat: None }
    }
}

/// The channels a server sends through: the in-app inbox, WeChat subscribe
/// messages, registered webhooks, WeCom group robots.
pub fn channels(db: &Db, config: &NotifyConfig) -> Vec<Arc<dyn Channel>> {
    let mut out: Vec<Arc<dyn Channel>> = vec![Arc::new(InboxChannel::new(db.clone()))];
    if let Some(wechat) = &config.wechat {
        out.push(Arc::new(SubscribeChannel::new(db.clone(), wechat.clone())));
    }
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

fn check_operator(actor: &Actor) -> Result<(), DomainError> {
    if actor.may_administer(None) {
        Ok(())
    } else {
        Err(DomainError::forbidden("auth.forbidden", "需要全市管理员权限"))
    }
}

/// The delivery queue, newest first (city-wide admins: it spans every region).
pub async fn deliveries(
    db: &Db,
    actor: Actor,
    filter: DeliveryFilter,
    page: Page,
) -> Result<Paged<DeliveryRecord>, DomainError> {
    check_operator(&actor)?;
    db.run(move |c| deliveries::list(c, filter, &page)).await
}

/// Puts a dead notification back in the queue (city-wide admins).
pub async fn retry(db: &Db, actor: Actor, id: Uuid) -> Result<DeliveryRecord, DomainError> {
    check_operator(&actor)?;
    db.write(move |c| deliveries::retry(c, id, crate::ids::now())).await
}

/// The CLI's view of the queue: no actor, the operator at the machine.
pub async fn queue(db: &Db, filter: DeliveryFilter, page: Page) -> Result<Paged<DeliveryRecord>, DomainError> {
    db.run(move |c| deliveries::list(c, filter, &page)).await
}

/// The CLI's retry of every dead notification; how many went back to the queue.
pub async fn retry_all_dead(db: &Db) -> Result<usize, DomainError> {
    db.write(|c| {
        let mut n = 0;
        loop {
            let filter = DeliveryFilter { status: Some(DeliveryStatus::Dead), channel: None };
            let batch = deliveries::list(c, filter, &Page::new(None, Some(Page::MAX_LIMIT)))?;
            if batch.items.is_empty() {
                return Ok(n);
            }
            for record in batch.items {
                deliveries::retry(c, record.id, crate::ids::now())?;
                n += 1;
            }
        }
    })
    .await
}
