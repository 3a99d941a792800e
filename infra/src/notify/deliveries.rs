//! What each channel made of each outbox row (`deliveries`), and the admin's
//! view of the queue: list by status and channel, retry the dead.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};
use domain::delivery::{check_retry, DeliveryStatus, NotifyChannel};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::parse_id;
use crate::repo::{Page, Paged};
use crate::schema::{deliveries, outbox};

/// One notification as admins see it, with what each channel made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    pub template: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub channels: Vec<ChannelRecord>,
}

/// One channel's part of a notification.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRecord {
    pub channel: NotifyChannel,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Which notifications to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    /// Only those this channel has tried (sent, failed or dead there).
    pub channel: Option<NotifyChannel>,
}

/// The channels that already delivered this row: a retry skips them.
pub(super) fn delivered(conn: &mut AnyConnection, outbox_id: &str) -> Result<Vec<NotifyChannel>, DomainError> {
    let names: Vec<String> = deliveries::table
        .filter(deliveries::outbox_id.eq(outbox_id))
        .filter(deliveries::status.eq(DeliveryStatus::Sent.as_str()))
        .select(deliveries::channel)
        .load(conn)
        .map_err(storage)?;
    Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
}

/// Records one channel's attempt on a row.
pub(super) fn record(
    conn: &mut AnyConnection,
    outbox_id: &str,
    channel: NotifyChannel,
    status: DeliveryStatus,
    error: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), DomainError> {
    diesel::sql_query(
        "INSERT INTO deliveries (outbox_id, channel, status, attempts, last_error, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (outbox_id, channel) DO UPDATE SET \
         status = excluded.status, attempts = deliveries.attempts + 1, \
         last_error = excluded.last_error, updated_at = excluded.updated_at",
    )
    .bind::<Text, _>(outbox_id)
    .bind::<Text, _>(channel.as_str())
    .bind::<Text, _>(status.as_str())
    .bind::<Nullable<Text>, _>(error.map(|e| e.chars().take(500).collect::<String>()))
    .bind::<Timestamp, _>(at)
    .execute(conn)
    .map_err(storage)?;
    Ok(())
}

type Row =
    (String, Option<String>, String, String, i32, NaiveDateTime, Option<String>, NaiveDateTime, Option<NaiveDateTime>);

/// The columns of `Row`, in order.
const COLUMNS: (
    outbox::id,
    outbox::order_id,
    outbox::template,
    outbox::status,
    outbox::attempts,
    outbox::next_attempt_at,
    outbox::last_error,
    outbox::created_at,
    outbox::sent_at,
) = (
    outbox::id,
    outbox::order_id,
    outbox::template,
    outbox::status,
    outbox::attempts,
    outbox::next_attempt_at,
    outbox::last_error,
    outbox::created_at,
    outbox::sent_at,
);

/// Notifications newest first, with their channels.
pub(crate) fn list(
    conn: &mut AnyConnection,
    filter: DeliveryFilter,
    page: &Page,
) -> Result<Paged<DeliveryRecord>, DomainError> {
    let mut query = outbox::table.into_boxed();
    query = match filter.status {
        Some(DeliveryStatus::Pending) => query.filter(outbox::status.eq("pending")).filter(outbox::attempts.eq(0)),
        Some(DeliveryStatus::Failed) => query.filter(outbox::status.eq("pending")).filter(outbox::attempts.gt(0)),
        Some(status) => query.filter(outbox::status.eq(status.as_str())),
        None => query,
    };
    if let Some(channel) = filter.channel {
        let tried = deliveries::table.filter(deliveries::channel.eq(channel.as_str())).select(deliveries::outbox_id);
        query = query.filter(outbox::id.eq_any(tried));
    }
    if let Some(after) = &page.after {
        query = query.filter(outbox::id.lt(after.clone()));
    }
    let rows: Vec<Row> =
        query.order(outbox::id.desc()).limit(page.limit + 1).select(COLUMNS).load(conn).map_err(storage)?;
    let paged = Paged::from_rows(rows, page.limit, |r| r.0.clone());
    let ids: Vec<String> = paged.items.iter().map(|r| r.0.clone()).collect();
    let channels = channels_of(conn, &ids)?;
    let items = paged
        .items
        .into_iter()
        .map(|row| {
            let mine = channels.iter().filter(|(id, _)| *id == row.0).map(|(_, c)| c.clone()).collect();
            record_of(row, mine)
        })
        .collect::<Result<_, _>>()?;
    Ok(Paged { items, next_cursor: paged.next_cursor })
}

/// One notification by id.
pub(crate) fn get(conn: &mut AnyConnection, id: Uuid) -> Result<DeliveryRecord, DomainError> {
    let row: Row = outbox::table
        .find(id.to_string())
        .select(COLUMNS)
        .first(conn)
        .optional()
        .map_err(storage)?
        .ok_or(DomainError::not_found("delivery.not_found"))?;
    let channels = channels_of(conn, std::slice::from_ref(&row.0))?.into_iter().map(|(_, c)| c).collect();
    record_of(row, channels)
}

/// Puts a dead notification back in the queue, due at `now`, with a fresh
/// count of attempts. Channels that delivered it stay delivered.
pub(crate) fn retry(conn: &mut AnyConnection, id: Uuid, now: NaiveDateTime) -> Result<DeliveryRecord, DomainError> {
    check_retry(get(conn, id)?.status)?;
    diesel::update(outbox::table.find(id.to_string()).filter(outbox::status.eq("dead")))
        .set((outbox::status.eq("pending"), outbox::attempts.eq(0), outbox::next_attempt_at.eq(now)))
        .execute(conn)
        .map_err(storage)?;
    diesel::update(
        deliveries::table
            .filter(deliveries::outbox_id.eq(id.to_string()))
            .filter(deliveries::status.eq(DeliveryStatus::Dead.as_str())),
    )
    .set(deliveries::status.eq(DeliveryStatus::Failed.as_str()))
    .execute(conn)
    .map_err(storage)?;
    get(conn, id)
}

fn channels_of(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<(String, ChannelRecord)>, DomainError> {
    let rows: Vec<(String, String, String, i32, Option<String>, NaiveDateTime)> = deliveries::table
        .filter(deliveries::outbox_id.eq_any(ids))
        .order((deliveries::outbox_id, deliveries::channel))
        .select((
            deliveries::outbox_id,
            deliveries::channel,
            deliveries::status,
            deliveries::attempts,
            deliveries::last_error,
            deliveries::updated_at,
        ))
        .load(conn)
        .map_err(storage)?;
    rows.into_iter()
        .map(|(id, channel, status, attempts, last_error, updated_at)| {
            let record = ChannelRecord {
                channel: channel.parse().map_err(|_| DomainError::fault(format!("deliveries.channel {channel}")))?,
                status: status.parse().map_err(|_| DomainError::fault(format!("deliveries.status {status}")))?,
                attempts,
                last_error,
                updated_at: updated_at.and_utc(),
            };
            Ok((id, record))
        })
        .collect()
}

fn record_of(
    (id, order_id, template, status, attempts, next_attempt_at, last_error, created_at, sent_at): Row,
    channels: Vec<ChannelRecord>,
) -> Result<DeliveryRecord, DomainError> {
    Ok(DeliveryRecord {
        id: parse_id("outbox.id", &id)?,
        order_id: order_id.as_deref().map(|o| parse_id("outbox.order_id", o)).transpose()?,
        template,
        status: DeliveryStatus::of_row(&status, attempts)
            .ok_or_else(|| DomainError::fault(format!("outbox.status {status}")))?,
        attempts,
        next_attempt_at: next_attempt_at.and_utc(),
        last_error,
        created_at: created_at.and_utc(),
        sent_at: sent_at.map(|t| t.and_utc()),
        channels,
    })
}
