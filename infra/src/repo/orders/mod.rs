//! Orders, their timeline and their outbox rows. The row is private to this
//! module and converts into `domain::order::Order` once (`row.rs`); reads are
//! in `query.rs`, writes in `write.rs`. A transition is stored with optimistic
//! versioning: `UPDATE … WHERE id = ? AND version = ?`; a lost race is a 409,
//! like any other transition the status no longer allows.

pub mod bulk;
mod feed;
mod query;
mod row;
mod write;

pub use query::{
    count, details, events, find, flagged_late, get, list, overdue_candidates, page_by_id, reported_by, unrated_since, OrderFilter, TimelineEvent,
};
pub use feed::{events_after, latest_event};
pub use write::{insert, next_number, save};
