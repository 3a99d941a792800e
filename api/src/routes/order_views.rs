//! What an order looks like on the wire: pure functions of `OrderDetail`
//! (and of the clock, for `overdue`).

use chrono::{DateTime, Utc};
use domain::order::policy::Visibility;
use domain::order::{Channel, Clock, EventType, Kind, Level, OrderDetail, Priority, Status, TargetType};
use infra::usecase::TimelineEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

impl From<domain::order::Named> for Named {
    fn from(n: domain::order::Named) -> Self {
        Named { id: n.id, code: n.code, name: n.name }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLocation {
    pub building_id: Uuid,
    pub building_name: String,
    pub grid_id: Uuid,
    pub community_id: Uuid,
    pub street_id: Uuid,
    /// GCJ-02 latitude (what `wx.getLocation` gives), −90 to 90.
    pub lat: Option<f64>,
    /// GCJ-02 longitude, −180 to 180.
    pub lng: Option<f64>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderContact {
    /// `已删除` once erased.
    pub name: String,
    /// Masked (`138****1234`) for viewers with no need to call; `null` once erased (the
    /// reporter deleted their account, or the order was closed longer than the retention period).
    #[schema(example = "138****1234")]
    pub phone: Option<String>,
    pub phone_masked: bool,
    /// The contact data was erased (see `GET /api/v1/privacy`).
    pub erased: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignee {
    #[serde(rename = "type")]
    pub kind: TargetType,
    /// Absent for the pool.
    pub id: Option<Uuid>,
}

/// 评单: four dimensions and a comment (on the order, and in its `rated` event).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingView {
    /// 完成是否到位, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub completion: u8,
    /// 推进是否有力, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub progress: u8,
    /// 成效是否明显, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub effect: u8,
    /// 群众是否满意, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: u8,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    /// Human-readable, unique, sortable by day: `20261124-000042`.
    #[schema(example = "20261124-000042")]
    pub number: String,
    pub kind: Kind,
    pub status: Status,
    /// The status's display name, e.g. 待派单.
    #[schema(example = "待派单")]
    pub status_label: String,
    /// Who must respond.
    pub level: Level,
    /// `urgent` runs the 15-minute response clock (`response_due_at` shows it).
    pub priority: Priority,
    pub channel: Channel,
    pub category: Named,
    pub item: Named,
    pub description: String,
    pub photos: Vec<Uuid>,
    pub location: OrderLocation,
    pub contact: OrderContact,
    pub reporter_id: Uuid,
    pub assignee: Option<Assignee>,
    pub handler_id: Option<Uuid>,
    pub response_due_at: DateTime<Utc>,
    pub resolve_due_at: DateTime<Utc>,
    /// Past a due time and not yet answered (response) or resolved.
    pub overdue: bool,
    pub submitted_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub rated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<RatingView>,
    pub duplicate_of: Option<Uuid>,
    /// Increases with every change.
    #[schema(format = Int32, minimum = 0)]
    pub version: i32,
    /// Set when WeChat's content check wants a person to look (`review`, `risky`)
    /// or has not checked a text yet (`pending`); staff list these with `flagged=true`.
    #[schema(value_type = Option<domain::moderation::CheckStatus>)]
    pub moderation: Option<domain::moderation::CheckStatus>,
}

impl OrderView {
    pub fn of(detail: OrderDetail, now: DateTime<Utc>) -> OrderView {
        let OrderDetail { order: o, category, item, building_name, visibility, moderation } = detail;
        let masked = visibility != Visibility::Full;
        let erased = o.contact.is_erased();
        let phone = o.contact.phone.as_ref().map(|p| if masked { p.masked() } else { p.as_str().to_owned() });
        OrderView {
            id: o.id,
            overdue: o.overdue_clock(now).is_some(),
            number: o.number,
            kind: o.kind,
            status: o.status,
            status_label: o.status.label().to_owned(),
            level: o.level,
            priority: o.priority,
            channel: o.channel,
            category: category.into(),
            item: item.into(),
            description: o.description,
            photos: o.photos,
            location: OrderLocation {
                building_id: o.place.building_id,
                building_name,
                grid_id: o.place.grid_id,
                community_id: o.place.community_id,
                street_id: o.place.street_id,
                lat: o.place.point.map(|p| p.0),
                lng: o.place.point.map(|p| p.1),
                address: o.place.address,
            },
            contact: OrderContact { name: o.contact.name, phone, phone_masked: masked, erased },
            reporter_id: o.reporter_id,
            assignee: o.assignee.map(|a| Assignee { kind: a.kind(), id: a.id() }),
            handler_id: o.handler_id,
            response_due_at: o.due.response,
            resolve_due_at: o.due.resolve,
            submitted_at: o.at.submitted,
            dispatched_at: o.at.dispatched,
            accepted_at: o.at.accepted,
            arrived_at: o.at.arrived,
            resolved_at: o.at.resolved,
            rated_at: o.at.rated,
            closed_at: o.at.closed,
            rating: o.rating.map(|r| RatingView {
                completion: r.completion,
                progress: r.progress,
                effect: r.effect,
                satisfaction: r.satisfaction,
                comment: r.comment,
            }),
            duplicate_of: o.duplicate_of,
            version: o.version,
            moderation,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventActor {
    /// Absent for what the system did by itself.
    pub id: Option<Uuid>,
    /// The role the actor acted in (a role's value, or `system`).
    #[schema(example = "grid_worker")]
    pub role: String,
}

/// The order's target in an event: a type and, but for the pool, an id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventTarget {
    #[serde(rename = "type")]
    pub kind: TargetType,
    pub id: Option<Uuid>,
}

/// Events that carry nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoData {}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DispatchedData {
    pub target: EventTarget,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReasonData {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArrivedData {
    /// GCJ-02.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResolvedData {
    pub feedback: String,
    pub photos: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReturnVisitedData {
    pub satisfied: bool,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReopenedData {
    pub to: EventTarget,
    /// `rating` or `return_visit`.
    pub because: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EscalatedData {
    pub from: Level,
    pub to: Level,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeclinedData {
    pub reason: String,
    pub duplicate_of: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClosedData {
    /// `return_visit` or `no_rating`.
    pub because: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueData {
    pub clock: Clock,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrioritizedData {
    pub from: Priority,
    pub to: Priority,
}

/// What happened (`type`, the past tense of the command) and what it carries (`data`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EventPayload {
    Submitted(NoData),
    Dispatched(DispatchedData),
    Accepted(NoData),
    Grabbed(NoData),
    Rejected(ReasonData),
    Arrived(ArrivedData),
    Resolved(ResolvedData),
    Rated(RatingView),
    Reopened(ReopenedData),
    ReturnVisited(ReturnVisitedData),
    Closed(ClosedData),
    Cancelled(ReasonData),
    Declined(DeclinedData),
    Escalated(EscalatedData),
    Overdue(OverdueData),
    Prioritized(PrioritizedData),
}

impl EventPayload {
    /// The stored event as its typed payload; a stored shape that does not fit is a fault.
    pub fn of(kind: EventType, data: serde_json::Value) -> Result<EventPayload, domain::DomainError> {
        serde_json::from_value(serde_json::json!({"type": kind, "data": data})).map_err(domain::DomainError::fault)
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub actor: EventActor,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub payload: EventPayload,
}

impl TryFrom<TimelineEvent> for EventView {
    type Error = domain::DomainError;
    fn try_from(e: TimelineEvent) -> Result<Self, Self::Error> {
        Ok(EventView {
            id: e.id,
            actor: EventActor { id: e.actor_id, role: e.actor_role },
            at: e.at,
            payload: EventPayload::of(e.kind, e.data)?,
        })
    }
}
