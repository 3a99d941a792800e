//! One dispatcher pass: claim due rows, resolve who is told, hand each row to
//! every channel that has not delivered it yet, and record the outcome per
//! channel and per row (sent, retry later, or dead). A slow or dead channel
//! delays only its own rows, never an API request: transitions only write
//! outbox rows. Counters: `msb_notifications_total{channel, outcome}`.

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::delivery::{after_failure, claim_lease, AfterFailure, DeliveryStatus, NotifyChannel};
use domain::DomainError;
use futures_util::StreamExt;
use rand::Rng;

use super::outbox::{self, Claimed};
use super::{deliveries, recipients, Channel, Delivery, Outcome};
use crate::db::{storage, AnyConnection, Db};
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
/// Rows sent at the same time.
const CONCURRENCY: usize = 8;

/// One channel's answer to one attempt.
type Attempt = (NotifyChannel, Result<Outcome, String>);

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
    // Orders go out side by side, so a slow receiver holds up a few, not the queue;
    // one order's news goes out in the order it happened.
    let token = token.as_str();
    let outcomes: Vec<Vec<Result<DeliveryStatus, DomainError>>> = futures_util::stream::iter(by_order(claimed))
        .map(|rows| async move {
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(process(db, channels, row, token, now).await);
            }
            out
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut report = DispatchReport::default();
    for outcome in outcomes.into_iter().flatten() {
        match outcome? {
            DeliveryStatus::Sent => report.sent += 1,
            DeliveryStatus::Failed => report.retried += 1,
            _ => report.dead += 1,
        }
    }
    Ok(report)
}

/// The claimed rows grouped by order, each group in claim order.
fn by_order(claimed: Vec<Claimed>) -> Vec<Vec<Claimed>> {
    let mut groups: Vec<Vec<Claimed>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in claimed {
        let key = row.order_id.clone();
        match key.as_ref().and_then(|o| index.get(o).copied()) {
            Some(i) => groups[i].push(row),
            None => {
                if let Some(o) = key {
                    index.insert(o, groups.len());
                }
                groups.push(vec![row]);
            }
        }
    }
    groups
}

/// One row: every channel, then the outcome recorded.
async fn process(
    db: &Db,
    channels: &[Arc<dyn Channel>],
    row: Claimed,
    token: &str,
    now: DateTime<Utc>,
) -> Result<DeliveryStatus, DomainError> {
    let attempts = attempt(db, channels, row.clone()).await;
    let error = failure(&attempts);
    let retry_at = match &error {
        None => None,
        Some(error) => {
            tracing::warn!(outbox.id = %row.id, attempts = row.attempts + 1, error = %error, "notification not delivered");
            let jitter: f64 = rand::rng().random();
            match after_failure(row.attempts + 1, now, jitter) {
                AfterFailure::RetryAt(at) => Some(at.naive_utc()),
                AfterFailure::Dead => None,
            }
        }
    };
    let status = match (&error, retry_at) {
        (None, _) => DeliveryStatus::Sent,
        (Some(_), Some(_)) => DeliveryStatus::Failed,
        (Some(_), None) => DeliveryStatus::Dead,
    };
    count(&attempts, status);
    let (token, at) = (token.to_owned(), now.naive_utc());
    db.write(move |c| finish(c, &row, &token, &attempts, error.as_deref(), retry_at, at)).await?;
    Ok(status)
}

/// Every channel that has not delivered the row yet, side by side: one failing
/// or slow channel does not keep the others from theirs.
async fn attempt(db: &Db, channels: &[Arc<dyn Channel>], row: Claimed) -> Result<Vec<Attempt>, String> {
    let (delivery, done) = delivery(db, row).await.map_err(|e| e.to_string())?;
    let pending = channels.iter().filter(|c| !done.contains(&c.name()));
    let sends = pending.map(|c| async { (c.name(), c.deliver(&delivery).await) });
    Ok(futures_util::future::join_all(sends).await)
}

/// The row's error, if any channel failed (or the row could not be read).
fn failure(attempts: &Result<Vec<Attempt>, String>) -> Option<String> {
    match attempts {
        Err(e) => Some(e.clone()),
        Ok(list) => {
            let errors: Vec<String> = list
                .iter()
                .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{}: {e}", name.as_str())))
                .collect();
            (!errors.is_empty()).then(|| errors.join("; "))
        }
    }
}

fn count(attempts: &Result<Vec<Attempt>, String>, row: DeliveryStatus) {
    for (channel, result) in attempts.iter().flatten() {
        let outcome = match result {
            Ok(Outcome::Sent) => "sent",
            Ok(Outcome::Skipped) => "skipped",
            Err(_) if row == DeliveryStatus::Dead => "dead",
            Err(_) => "failed",
        };
        metrics::counter!("msb_notifications_total", "channel" => channel.as_str(), "outcome" => outcome).increment(1);
    }
}

/// Records one attempt in one transaction: each channel's part, then the row.
fn finish(
    conn: &mut AnyConnection,
    row: &Claimed,
    token: &str,
    attempts: &Result<Vec<Attempt>, String>,
    error: Option<&str>,
    retry_at: Option<NaiveDateTime>,
    at: NaiveDateTime,
) -> Result<(), DomainError> {
    if !outbox::still_ours(conn, &row.id, token)? {
        return Ok(());
    }
    for (channel, result) in attempts.iter().flatten() {
        match result {
            Ok(Outcome::Sent) => deliveries::record(conn, &row.id, *channel, DeliveryStatus::Sent, None, at)?,
            Ok(Outcome::Skipped) => {}
            Err(e) => {
                let status = if retry_at.is_some() { DeliveryStatus::Failed } else { DeliveryStatus::Dead };
                deliveries::record(conn, &row.id, *channel, status, Some(e), at)?
            }
        }
    }
    match error {
        None => outbox::sent(conn, &row.id, token, at),
        Some(error) => outbox::failed(conn, &row.id, token, retry_at, error),
    }
}

async fn delivery(db: &Db, row: Claimed) -> Result<(Delivery, Vec<NotifyChannel>), DomainError> {
    db.run(move |c| {
        let order_id = row.order_id.as_deref().map(|o| parse_id("outbox.order_id", o)).transpose()?;
        let done = deliveries::delivered(c, &row.id)?;
        let about = order_id.map(|o| recipients::about(c, o)).transpose()?.flatten();
        let (place, subject) = about.map_or((None, None), |(p, s)| (Some(p), Some(s)));
        let delivery = Delivery {
            outbox_id: parse_id("outbox.id", &row.id)?,
            place,
            subject,
            at: row.created_at.and_utc(),
            order_id,
            template: row.template,
            payload: serde_json::from_str(&row.payload).map_err(storage)?,
            users: recipients::resolve(c, &row.recipient)?,
        };
        Ok((delivery, done))
    })
    .await
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
