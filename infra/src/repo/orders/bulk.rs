//! Many orders at once, for `mashangban gen`: multi-row inserts on the
//! backend's own connection (diesel's MultiConnection has no batch insert).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::order::{NewEvent, Order};
use domain::DomainError;
use uuid::Uuid;

use super::row::OrderRow;
use super::write::{event_row, EventRow};
use crate::db::{storage, AnyConnection};
use crate::schema::{order_events, orders};

/// One event of a generated timeline: what happened, by whom, in which role, when.
#[derive(Debug, Clone)]
pub struct TimedEvent {
    pub event: NewEvent,
    pub actor: Option<Uuid>,
    pub role: &'static str,
    pub at: DateTime<Utc>,
}

/// A generated order with its whole timeline.
#[derive(Debug, Clone)]
pub struct Generated {
    pub order: Order,
    pub events: Vec<TimedEvent>,
}

/// SQLite allows 32,766 bound values a statement: rows per statement stay below it.
const ORDER_ROWS: usize = 500;
const EVENT_ROWS: usize = 3000;

/// Inserts the orders and their events; the number of events.
pub fn insert_generated(conn: &mut AnyConnection, batch: &[Generated]) -> Result<usize, DomainError> {
    let rows = batch.iter().map(|g| OrderRow::from_domain(&g.order)).collect::<Result<Vec<_>, _>>()?;
    let mut events: Vec<EventRow> = Vec::new();
    for g in batch {
        let id = g.order.id.to_string();
        for (seq, e) in (1..).zip(&g.events) {
            events.push(event_row(&id, seq, &e.event, e.actor, e.role, e.at.naive_utc())?);
        }
    }
    for chunk in rows.chunks(ORDER_ROWS) {
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(orders::table).values(chunk).execute(c),
            AnyConnection::Sqlite(c) => diesel::insert_into(orders::table).values(chunk).execute(c),
        }
        .map_err(storage)?;
    }
    for chunk in events.chunks(EVENT_ROWS) {
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(order_events::table).values(chunk).execute(c),
            AnyConnection::Sqlite(c) => diesel::insert_into(order_events::table).values(chunk).execute(c),
        }
        .map_err(storage)?;
    }
    let mut rollup = crate::repo::stats::Rollup::default();
    for g in batch {
        rollup.add(&domain::stats::TallyKey::of(&g.order), &domain::stats::tally(&g.order));
    }
    rollup.write(conn)?;
    Ok(events.len())
}
