//! The timeline: every transition appends events named in the past tense.

use serde::Serialize;
use uuid::Uuid;

use super::fields::Rating;
use super::{Level, Status, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Submitted,
    Dispatched,
    Accepted,
    Grabbed,
    Rejected,
    Arrived,
    Resolved,
    Rated,
    Reopened,
    ReturnVisited,
    Closed,
    Cancelled,
    Declined,
    Escalated,
    Overdue,
}

impl EventType {
    pub const ALL: [EventType; 15] = [
        EventType::Submitted,
        EventType::Dispatched,
        EventType::Accepted,
        EventType::Grabbed,
        EventType::Rejected,
        EventType::Arrived,
        EventType::Resolved,
        EventType::Rated,
        EventType::Reopened,
        EventType::ReturnVisited,
        EventType::Closed,
        EventType::Cancelled,
        EventType::Declined,
        EventType::Escalated,
        EventType::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Submitted => "submitted",
            EventType::Dispatched => "dispatched",
            EventType::Accepted => "accepted",
            EventType::Grabbed => "grabbed",
            EventType::Rejected => "rejected",
            EventType::Arrived => "arrived",
            EventType::Resolved => "resolved",
            EventType::Rated => "rated",
            EventType::Reopened => "reopened",
            EventType::ReturnVisited => "return_visited",
            EventType::Closed => "closed",
            EventType::Cancelled => "cancelled",
            EventType::Declined => "declined",
            EventType::Escalated => "escalated",
            EventType::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The status an order has after this event; `None`: unchanged.
    pub fn status_after(self) -> Option<Status> {
        Some(match self {
            EventType::Submitted | EventType::Rejected | EventType::Escalated => Status::Submitted,
            EventType::Dispatched | EventType::Reopened => Status::Dispatched,
            EventType::Accepted | EventType::Grabbed => Status::Accepted,
            EventType::Arrived => Status::OnSite,
            EventType::Resolved => Status::Resolved,
            EventType::Rated => Status::Rated,
            EventType::Closed => Status::Closed,
            EventType::Cancelled => Status::Cancelled,
            EventType::Declined => Status::Declined,
            EventType::ReturnVisited | EventType::Overdue => return None,
        })
    }
}

/// What an event carries beyond its type; serialised as the event's `data`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventData {
    Empty {},
    Dispatched { target: TargetData },
    Reason { reason: String },
    Arrived { lat: Option<f64>, lng: Option<f64> },
    Resolved { feedback: String, photos: Vec<Uuid> },
    Rated { completion: u8, progress: u8, effect: u8, satisfaction: u8, comment: String },
    ReturnVisited { satisfied: bool, note: String },
    Reopened { to: TargetData, because: &'static str },
    Escalated { from: Level, to: Level, reason: String },
    Declined { reason: String, duplicate_of: Option<Uuid> },
    Closed { because: &'static str },
    Overdue { clock: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TargetData {
    #[serde(rename = "type")]
    pub kind: super::TargetType,
    pub id: Option<Uuid>,
}

impl From<Target> for TargetData {
    fn from(t: Target) -> Self {
        TargetData { kind: t.kind(), id: t.id() }
    }
}

impl From<&Rating> for EventData {
    fn from(r: &Rating) -> Self {
        EventData::Rated {
            completion: r.completion,
            progress: r.progress,
            effect: r.effect,
            satisfaction: r.satisfaction,
            comment: r.comment.clone(),
        }
    }
}

/// An event to append, before storage gives it an id and a time.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventType,
    pub data: EventData,
}

impl NewEvent {
    pub fn new(kind: EventType, data: EventData) -> Self {
        NewEvent { kind, data }
    }
}

/// The status a timeline leads to: its last status-changing event's.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a EventType>) -> Option<Status> {
    events.into_iter().filter_map(|e| e.status_after()).last()
}
