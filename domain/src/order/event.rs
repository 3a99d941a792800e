//! The timeline: every transition appends events named in the past tense.

use serde::Serialize;
use uuid::Uuid;

use super::fields::Rating;
use super::{Clock, Level, Priority, Status, Target};

crate::text_enum!(
    /// The past tense of what happened.
    EventType, "type", "invalid_value" {
        Submitted => "submitted" / "提交",
        Dispatched => "dispatched" / "派单",
        Accepted => "accepted" / "接单",
        Grabbed => "grabbed" / "抢单",
        Rejected => "rejected" / "退回",
        Arrived => "arrived" / "到场",
        Resolved => "resolved" / "办结",
        Rated => "rated" / "评价",
        Reopened => "reopened" / "重新派单",
        ReturnVisited => "return_visited" / "回访",
        Closed => "closed" / "关闭",
        Cancelled => "cancelled" / "撤销",
        Declined => "declined" / "不予受理",
        Escalated => "escalated" / "吹哨上报",
        Overdue => "overdue" / "超时",
        Prioritized => "prioritized" / "调整紧急程度",
    }
);

impl EventType {
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
            EventType::ReturnVisited | EventType::Overdue | EventType::Prioritized => return None,
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
    Overdue { clock: Clock },
    Prioritized { from: Priority, to: Priority },
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
