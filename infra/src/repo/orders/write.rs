//! Storing orders: the number, the new order, and every later transition with
//! its events and the notifications they cause, in the caller's transaction.

use chrono::{DateTime, FixedOffset, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use domain::order::notify::{notices, Recipient};
use domain::order::{NewEvent, Order, Transition};
use domain::DomainError;
use uuid::Uuid;

use super::row::OrderRow;
use crate::db::{storage, AnyConnection};
use crate::ids::new_id;
use crate::schema::{order_counters, order_events, orders, outbox};

/// Order numbers count per business day in China time: `20261124-000042`.
pub fn next_number(conn: &mut AnyConnection, at: DateTime<Utc>) -> Result<String, DomainError> {
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| storage("bad offset"))?;
    let day = at.with_timezone(&china).format("%Y%m%d").to_string();
    // One statement that both creates the day's counter and bumps it: two first
    // orders of a day cannot both try to create it.
    diesel::sql_query(
        "INSERT INTO order_counters (day, last_seq) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET last_seq = order_counters.last_seq + 1",
    )
    .bind::<diesel::sql_types::Text, _>(&day)
    .execute(conn)
    .map_err(storage)?;
    let seq: i64 = order_counters::table.find(&day).select(order_counters::last_seq).first(conn).map_err(storage)?;
    Ok(format!("{day}-{seq:06}"))
}

/// Stores a new order (from `Submission::submit`) with its first events.
pub fn insert(conn: &mut AnyConnection, t: &Transition, actor: Option<Uuid>) -> Result<(), DomainError> {
    let row = OrderRow::from_domain(&t.next)?;
    diesel::insert_into(orders::table).values(&row).execute(conn).map_err(storage)?;
    crate::repo::stats::record(conn, None, &t.next)?;
    append(conn, t, actor)
}

/// Stores a transition if nobody changed the order since `before` was read.
pub fn save(conn: &mut AnyConnection, before: &Order, t: &Transition, actor: Option<Uuid>) -> Result<(), DomainError> {
    let row = OrderRow::from_domain(&t.next)?;
    let updated = diesel::update(orders::table.find(before.id.to_string()).filter(orders::version.eq(before.version)))
        .set(&row)
        .execute(conn)
        .map_err(storage)?;
    if updated == 0 {
        return Err(DomainError::conflict("order.invalid_transition", "工单已被他人处理，请刷新后重试"));
    }
    crate::repo::stats::record(conn, Some(before), &t.next)?;
    append(conn, t, actor)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_events)]
pub(super) struct EventRow {
    id: String,
    order_id: String,
    seq: i32,
    kind: String,
    actor_id: Option<String>,
    actor_role: String,
    data: String,
    at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    id: String,
    order_id: Option<String>,
    event_id: Option<String>,
    recipient: String,
    template: String,
    payload: String,
    status: String,
    attempts: i32,
    next_attempt_at: chrono::NaiveDateTime,
    last_error: Option<String>,
    created_at: chrono::NaiveDateTime,
    sent_at: Option<chrono::NaiveDateTime>,
    claimed_by: Option<String>,
    claimed_at: Option<chrono::NaiveDateTime>,
}

/// Appends the transition's events after the order's last one, and the outbox
/// rows they cause.
fn append(conn: &mut AnyConnection, t: &Transition, actor: Option<Uuid>) -> Result<(), DomainError> {
    let order = &t.next;
    let order_id = order.id.to_string();
    let at = order.updated_at.naive_utc();
    let last: Option<i32> = order_events::table
        .filter(order_events::order_id.eq(&order_id))
        .select(max(order_events::seq))
        .first(conn)
        .map_err(storage)?;
    let mut last_event = None;
    // One statement per row: MultiConnection has no batch insert.
    for (seq, event) in (last.unwrap_or(0) + 1..).zip(&t.events) {
        let row = event_row(&order_id, seq, event, actor, t.role, at)?;
        diesel::insert_into(order_events::table).values(&row).execute(conn).map_err(storage)?;
        last_event = Some(row.id);
    }
    for notice in notices(order, &t.events) {
        let row = OutboxRow {
            id: new_id().to_string(),
            order_id: Some(order_id.clone()),
            event_id: last_event.clone(),
            recipient: recipient_json(&notice.recipient, order),
            template: notice.template.as_str().to_owned(),
            payload: serde_json::json!({"order_id": order.id, "number": order.number, "status": order.status})
                .to_string(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            sent_at: None,
            claimed_by: None,
            claimed_at: None,
        };
        diesel::insert_into(outbox::table).values(&row).execute(conn).map_err(storage)?;
    }
    Ok(())
}

pub(super) fn event_row(
    order_id: &str,
    seq: i32,
    event: &NewEvent,
    actor: Option<Uuid>,
    role: &str,
    at: chrono::NaiveDateTime,
) -> Result<EventRow, DomainError> {
    Ok(EventRow {
        id: new_id().to_string(),
        order_id: order_id.to_owned(),
        seq,
        kind: event.kind.as_str().to_owned(),
        actor_id: actor.map(|a| a.to_string()),
        actor_role: role.to_owned(),
        data: serde_json::to_string(&event.data).map_err(storage)?,
        at,
    })
}

fn recipient_json(r: &Recipient, order: &Order) -> String {
    let place = &order.place;
    match r {
        Recipient::User(u) => serde_json::json!({"type": "user", "id": u}),
        Recipient::Unit(u) => serde_json::json!({"type": "unit", "id": u}),
        Recipient::Staff { level } => serde_json::json!({
            "type": "staff", "level": level, "community_id": place.community_id,
            "grid_id": place.grid_id, "street_id": place.street_id,
        }),
        Recipient::PoolWatchers => serde_json::json!({"type": "pool", "community_id": place.community_id}),
    }
    .to_string()
}
