//! Ids and the clock, kept in one place so tests and storage agree.

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Storage keeps UTC without a zone, truncated to microseconds (what both backends hold).
pub fn now() -> NaiveDateTime {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now).naive_utc()
}

/// The same instant as `now`, zoned: what domain rules take.
pub fn now_utc() -> DateTime<Utc> {
    now().and_utc()
}

pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn parse_id(field: &'static str, text: &str) -> Result<Uuid, domain::DomainError> {
    text.parse().map_err(|_| domain::DomainError::fault(format!("stored {field} is not a uuid: {text}")))
}
