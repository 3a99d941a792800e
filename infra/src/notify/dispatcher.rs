//! One dispatcher pass: claim due rows, resolve who is told, hand each row to
//! every channel, and record the outcome (sent, retry later, or dead). A slow
//! or dead channel delays only its own rows, never an API request: transitions
//! only write outbox rows.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::delivery::{after_failure, claim_lease, AfterFailure};
use domain::DomainError;
use rand::Rng;

use super::outbox::{self, Claimed};
use super::{recipients, Channel, Delivery};
use crate::db::{storage, Db};
use crate::ids::{new_id, parse_id};

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

impl DispatchReport {
    pub fn claimed(&self) -> usize {
        self.sent + self.retried + self.dead
    }
}

const BATCH: i64 = 100;

/// Claims and sends up to one batch of due rows.
pub async fn dispatch_once(
    db: &Db,
    channels: &[Arc<dyn Channel>],
    now: DateTime<Utc>,
) -> Result<DispatchReport, DomainError> {
    let token = new_id().to_string();
    let claim_token = token.clone();
    let stale = (now - claim_lease()).naive_utc();
    let claimed = db.write(move |c| outbox::claim(c, &claim_token, now.naive_utc(), stale, BATCH)).await?;
    let mut report = DispatchReport::default();
    for row in claimed {
        let id = row.id.clone();
        let outcome = match delivery(db, row.clone()).await {
            Ok(d) => send(channels, &d).await,
            Err(e) => Err(e.to_string()),
        };
        let token = token.clone();
        match outcome {
            Ok(()) => {
                db.write(move |c| outbox::sent(c, &id, &token, now.naive_utc())).await?;
                report.sent += 1;
            }
            Err(error) => {
                tracing::warn!(outbox.id = %row.id, attempts = row.attempts + 1, error = %error, "notification not delivered");
                let jitter: f64 = rand::rng().random();
                let retry_at = match after_failure(row.attempts + 1, now, jitter) {
                    AfterFailure::RetryAt(at) => Some(at.naive_utc()),
                    AfterFailure::Dead => None,
                };
                if retry_at.is_some() {
                    report.retried += 1
                } else {
                    report.dead += 1
                }
                db.write(move |c| outbox::failed(c, &id, &token, retry_at, &error)).await?;
            }
        }
    }
    Ok(report)
}

async fn delivery(db: &Db, row: Claimed) -> Result<Delivery, DomainError> {
    db.run(move |c| {
        let order_id = row.order_id.as_deref().map(|o| parse_id("outbox.order_id", o)).transpose()?;
        Ok(Delivery {
            outbox_id: parse_id("outbox.id", &row.id)?,
            place: order_id.map(|o| recipients::place(c, o)).transpose()?.flatten(),
            order_id,
            template: row.template,
            payload: serde_json::from_str(&row.payload).map_err(storage)?,
            users: recipients::resolve(c, &row.recipient)?,
        })
    })
    .await
}

async fn send(channels: &[Arc<dyn Channel>], d: &Delivery) -> Result<(), String> {
    for channel in channels {
        channel.deliver(d).await.map_err(|e| format!("{}: {e}", channel.name()))?;
    }
    Ok(())
}

/// Passes until nothing due is left (tests drain the outbox with this;
/// `mashangban dispatch` too). Rows whose retry lies after `now` stay pending.
pub async fn dispatch_all(
    db: &Db,
    channels: &[Arc<dyn Channel>],
    now: DateTime<Utc>,
) -> Result<DispatchReport, DomainError> {
    let mut total = DispatchReport::default();
    loop {
        let pass = dispatch_once(db, channels, now).await?;
        total.sent += pass.sent;
        total.retried += pass.retried;
        total.dead += pass.dead;
        if pass.claimed() == 0 {
            return Ok(total);
        }
    }
}
