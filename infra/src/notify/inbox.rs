//! The in-app inbox: a channel that keeps one row per person told, and what a
//! person reads back (their notifications, unread first by count).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};
use domain::DomainError;
use uuid::Uuid;

use domain::delivery::NotifyChannel;

use super::{BoxFuture, Channel, Delivery, Outcome};
use crate::db::{storage, AnyConnection, Db};
use crate::ids::{new_id, now, parse_id};
use crate::repo::{Page, Paged};
use crate::schema::notifications;

pub struct InboxChannel {
    db: Db,
}

impl InboxChannel {
    pub fn new(db: Db) -> InboxChannel {
        InboxChannel { db }
    }
}

impl Channel for InboxChannel {
    fn name(&self) -> NotifyChannel {
        NotifyChannel::Inbox
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>> {
        let d = d.clone();
        Box::pin(async move {
            if d.users.is_empty() {
                return Ok(Outcome::Skipped);
            }
            self.db.write(move |c| store(c, &d)).await.map_err(|e| e.to_string())?;
            Ok(Outcome::Sent)
        })
    }
}

/// One row per person; a repeat of the same outbox row changes nothing.
fn store(conn: &mut AnyConnection, d: &Delivery) -> Result<(), DomainError> {
    let payload = d.payload.to_string();
    let at = now();
    for user in &d.users {
        diesel::sql_query(
            "INSERT INTO notifications (id, user_id, outbox_id, order_id, template, payload, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (outbox_id, user_id) DO NOTHING",
        )
        .bind::<Text, _>(new_id().to_string())
        .bind::<Text, _>(user.to_string())
        .bind::<Text, _>(d.outbox_id.to_string())
        .bind::<Nullable<Text>, _>(d.order_id.map(|o| o.to_string()))
        .bind::<Text, _>(&d.template)
        .bind::<Text, _>(&payload)
        .bind::<Timestamp, _>(at)
        .execute(conn)
        .map_err(storage)?;
    }
    Ok(())
}

/// A notification as its owner reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    pub template: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

type Row = (String, Option<String>, String, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>);

/// The columns a `Row` is read from.
const COLUMNS: (
    notifications::id,
    notifications::order_id,
    notifications::template,
    notifications::payload,
    notifications::created_at,
    notifications::read_at,
) = (
    notifications::id,
    notifications::order_id,
    notifications::template,
    notifications::payload,
    notifications::created_at,
    notifications::read_at,
);

fn notification((id, order_id, template, payload, created_at, read_at): Row) -> Result<Notification, DomainError> {
    Ok(Notification {
        id: parse_id("notifications.id", &id)?,
        order_id: order_id.as_deref().map(|o| parse_id("notifications.order_id", o)).transpose()?,
        template,
        payload: serde_json::from_str(&payload).map_err(storage)?,
        created_at: created_at.and_utc(),
        read_at: read_at.map(|t| t.and_utc()),
    })
}

/// A user's notifications, newest first.
pub(crate) fn list(
    conn: &mut AnyConnection,
    user: Uuid,
    unread_only: bool,
    page: &Page,
) -> Result<Paged<Notification>, DomainError> {
    let mut query = notifications::table.filter(notifications::user_id.eq(user.to_string())).into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(after) = &page.after {
        query = query.filter(notifications::id.lt(after.clone()));
    }
    let rows: Vec<Row> =
        query.order(notifications::id.desc()).limit(page.limit + 1).select(COLUMNS).load(conn).map_err(storage)?;
    let paged = Paged::from_rows(rows, page.limit, |r| r.0.clone());
    Ok(Paged {
        items: paged.items.into_iter().map(notification).collect::<Result<_, _>>()?,
        next_cursor: paged.next_cursor,
    })
}

/// Every notification of a user, oldest first (their data export).
pub(crate) fn all(conn: &mut AnyConnection, user: Uuid) -> Result<Vec<Notification>, DomainError> {
    let rows: Vec<Row> = notifications::table
        .filter(notifications::user_id.eq(user.to_string()))
        .order(notifications::id)
        .select(COLUMNS)
        .load(conn)
        .map_err(storage)?;
    rows.into_iter().map(notification).collect()
}

pub(crate) fn unread(conn: &mut AnyConnection, user: Uuid) -> Result<i64, DomainError> {
    notifications::table
        .filter(notifications::user_id.eq(user.to_string()))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
        .map_err(storage)
}

/// Marks one (`Some(id)`) or all of a user's notifications read; how many changed.
/// Someone else's notification is not found.
pub(crate) fn mark_read(conn: &mut AnyConnection, user: Uuid, id: Option<Uuid>) -> Result<usize, DomainError> {
    let mine = notifications::table.filter(notifications::user_id.eq(user.to_string()));
    let at = now();
    match id {
        Some(id) => {
            let one = mine.filter(notifications::id.eq(id.to_string()));
            let marked = diesel::update(one.clone().filter(notifications::read_at.is_null()))
                .set(notifications::read_at.eq(Some(at)))
                .execute(conn)
                .map_err(storage)?;
            // Nothing changed: read before, or not the user's at all.
            if marked == 0 && one.count().get_result::<i64>(conn).map_err(storage)? == 0 {
                return Err(DomainError::not_found("notification.not_found"));
            }
            Ok(marked)
        }
        None => diesel::update(mine.filter(notifications::read_at.is_null()))
            .set(notifications::read_at.eq(Some(at)))
            .execute(conn)
            .map_err(storage),
    }
}
