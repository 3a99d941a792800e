//! The live feed of order events, as one caller may see it (SSE consoles).

use domain::actor::Actor;
use domain::order::policy::visibility;
use domain::order::policy::Visibility;
use domain::order::OrderDetail;
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::live::LiveHub;
use crate::repo::orders::{self, TimelineEvent};

/// One event with its order as the caller's views show it (phone masked unless theirs to call).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    pub event: TimelineEvent,
    pub order: OrderDetail,
}

/// How many events one read returns at most; a stream reads again at once when it got this many.
pub const BATCH: i64 = 200;

/// Where a stream without `Last-Event-ID` starts: after the newest event of all.
pub async fn start(db: &Db) -> Result<Uuid, DomainError> {
    Ok(db.run(orders::latest_event).await?.unwrap_or(Uuid::nil()))
}

/// What one read found: the events the caller may see, and how far it read.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub events: Vec<LiveEvent>,
    /// The last event read, seen or not: the next read starts after it.
    pub cursor: Uuid,
    /// Whether the read was full (read again at once).
    pub more: bool,
}

/// The events after `after` of the orders `actor` may see, oldest first.
pub async fn after(db: &Db, actor: Actor, after: Uuid) -> Result<Read, DomainError> {
    db.run(move |c| {
        let found = orders::events_after(c, after, BATCH)?;
        let more = i64::try_from(found.len()).unwrap_or(i64::MAX) >= BATCH;
        let cursor = found.last().map_or(after, |(e, _)| e.id);
        let (events, seen): (Vec<TimelineEvent>, Vec<_>) = found
            .into_iter()
            .filter_map(|(event, order)| match visibility(&actor, &order) {
                Visibility::Hidden => None,
                v => Some((event, (order, v))),
            })
            .unzip();
        // One query for the names of every order read, however many.
        let details = orders::details(c, seen)?;
        let out = events.into_iter().zip(details).map(|(event, order)| LiveEvent { event, order }).collect();
        Ok(Read { events: out, cursor, more })
    })
    .await
}

/// The hub that wakes streams on this node.
pub fn hub(db: &Db) -> LiveHub {
    db.live().clone()
}
