//! The live feed: order events after a given one, of the orders an actor may see.

use diesel::prelude::*;
use domain::order::Order;
use domain::DomainError;
use uuid::Uuid;

use super::query::{convert, timeline_event, EventTuple, EVENT_COLUMNS};
use super::row::OrderRow;
use super::TimelineEvent;
use crate::db::{storage, AnyConnection};
use crate::schema::{order_events, orders};

/// The newest event id of all: where a stream without `Last-Event-ID` starts.
pub fn latest_event(conn: &mut AnyConnection) -> Result<Option<Uuid>, DomainError> {
    let id: Option<String> = order_events::table
        .select(diesel::dsl::max(order_events::id))
        .first(conn)
        .map_err(storage)?;
    id.map(|id| crate::ids::parse_id("order_events.id", &id)).transpose()
}

/// Up to `limit` events after `after` (ids are time-ordered), oldest first,
/// each with its order as it stands now. Who may see which is the caller's
/// rule (`domain::order::policy::visibility`), the same as for reading an order.
pub fn events_after(conn: &mut AnyConnection, after: Uuid, limit: i64) -> Result<Vec<(TimelineEvent, Order)>, DomainError> {
    let rows: Vec<(String, EventTuple)> = order_events::table
        .filter(order_events::id.gt(after.to_string()))
        .order(order_events::id.asc())
        .limit(limit)
        .select((order_events::order_id, EVENT_COLUMNS))
        .load(conn)
        .map_err(storage)?;
    let mut ids: Vec<String> = rows.iter().map(|(o, _)| o.clone()).collect();
    ids.sort();
    ids.dedup();
    let orders: Vec<Order> =
        convert(orders::table.filter(orders::id.eq_any(&ids)).select(OrderRow::as_select()).load(conn).map_err(storage)?)?;
    rows.into_iter()
        .map(|(order_id, event)| {
            let order = orders
                .iter()
                .find(|o| o.id.to_string() == order_id)
                .cloned()
                .ok_or_else(|| storage(format!("event of a missing order {order_id}")))?;
            Ok((timeline_event(event)?, order))
        })
        .collect()
}
