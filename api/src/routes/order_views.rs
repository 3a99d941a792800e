//! What an order looks like on the wire, built for a page of rows at once
//! (three queries whatever the page size: items, categories, buildings).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::contact::Phone;
use domain::order::policy::Visibility;
use domain::DomainError;
use infra::db::storage;
use infra::repo::orders::{EventRow, OrderRow};
use infra::AnyConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLocation {
    pub building_id: Uuid,
    pub building_name: String,
    pub grid_id: Uuid,
    pub community_id: Uuid,
    pub street_id: Uuid,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderContact {
    pub name: String,
    /// Masked (`138****1234`) for viewers with no need to call.
    #[schema(example = "138****1234")]
    pub phone: String,
    pub phone_masked: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignee {
    /// party_member, grid_worker, organization, team, department or pool.
    #[serde(rename = "type")]
    #[schema(example = "pool")]
    pub kind: String,
    /// Absent for the pool.
    pub id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingView {
    pub completion: u8,
    pub progress: u8,
    pub effect: u8,
    pub satisfaction: u8,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    /// Human-readable, unique, sortable by day: `20261124-000042`.
    #[schema(example = "20261124-000042")]
    pub number: String,
    /// issue (随手拍), wish (微心愿) or errand (帮办代办).
    #[schema(example = "issue")]
    pub kind: String,
    /// submitted, dispatched, accepted, on_site, resolved, rated, closed, cancelled, declined.
    #[schema(example = "submitted")]
    pub status: String,
    /// community, street or department: who must respond.
    #[schema(example = "community")]
    pub level: String,
    /// poster, snap, hotline, patrol, open311.
    pub channel: String,
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
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventActor {
    /// Absent for what the system did by itself.
    pub id: Option<Uuid>,
    #[schema(example = "grid_worker")]
    pub role: String,
}

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    /// The past tense of the command: submitted, dispatched, accepted, grabbed, rejected,
    /// arrived, resolved, rated, reopened, return_visited, closed, cancelled, declined,
    /// escalated, overdue.
    #[serde(rename = "type")]
    #[schema(example = "dispatched")]
    pub kind: String,
    pub actor: EventActor,
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

fn uuid(field: &'static str, s: &str) -> Result<Uuid, DomainError> {
    infra::ids::parse_id(field, s)
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn event_views(rows: Vec<EventRow>) -> Result<Vec<EventView>, DomainError> {
    rows.into_iter()
        .map(|e| {
            Ok(EventView {
                id: uuid("order_events.id", &e.id)?,
                kind: e.kind,
                actor: EventActor {
                    id: e.actor_id.as_deref().map(|a| uuid("order_events.actor_id", a)).transpose()?,
                    role: e.actor_role,
                },
                at: utc(e.at),
                data: serde_json::from_str(&e.data).map_err(storage)?,
            })
        })
        .collect()
}

/// Views of `rows`, each with its visibility (Masked hides the phone).
pub fn order_views(
    conn: &mut AnyConnection,
    rows: Vec<(OrderRow, Visibility)>,
    now: NaiveDateTime,
) -> Result<Vec<OrderView>, DomainError> {
    let refs: Vec<&OrderRow> = rows.iter().map(|(r, _)| r).collect();
    let infra::repo::orders::Names { items, categories: cats, buildings } = infra::repo::orders::names(conn, &refs)?;
    rows.into_iter()
        .map(|(row, vis)| {
            let named = |map: &HashMap<String, (String, String)>, id: &str| -> Result<Named, DomainError> {
                let (code, name) = map.get(id).cloned().unwrap_or_default();
                Ok(Named { id: uuid("orders.category", id)?, code, name })
            };
            let status: domain::order::Status = row.status.parse().map_err(|_| storage("bad status"))?;
            let overdue =
                domain::order::overdue_clock(status, &row.response_due_at, &row.resolve_due_at, &now).is_some();
            let masked = vis == Visibility::Masked;
            let phone = if masked {
                Phone::parse(&row.contact_phone).map(|p| p.masked()).unwrap_or_else(|_| "***".into())
            } else {
                row.contact_phone.clone()
            };
            Ok(OrderView {
                id: uuid("orders.id", &row.id)?,
                number: row.number.clone(),
                kind: row.kind.clone(),
                status: row.status.clone(),
                level: row.level.clone(),
                channel: row.channel.clone(),
                category: named(&cats, &row.category_id)?,
                item: named(&items, &row.category_item_id)?,
                description: row.description.clone(),
                photos: row.photos(),
                location: OrderLocation {
                    building_id: uuid("orders.building_id", &row.building_id)?,
                    building_name: buildings.get(&row.building_id).cloned().unwrap_or_default(),
                    grid_id: uuid("orders.grid_id", &row.grid_id)?,
                    community_id: uuid("orders.community_id", &row.community_id)?,
                    street_id: uuid("orders.street_id", &row.street_id)?,
                    lat: row.lat,
                    lng: row.lng,
                    address: row.address.clone(),
                },
                contact: OrderContact { name: row.contact_name.clone(), phone, phone_masked: masked },
                reporter_id: uuid("orders.reporter_id", &row.reporter_id)?,
                assignee: row
                    .assignee_type
                    .clone()
                    .map(|kind| Assignee { kind, id: row.assignee_id.as_deref().and_then(|i| i.parse().ok()) }),
                handler_id: row.handler_id.as_deref().and_then(|h| h.parse().ok()),
                response_due_at: utc(row.response_due_at),
                resolve_due_at: utc(row.resolve_due_at),
                overdue,
                submitted_at: utc(row.submitted_at),
                dispatched_at: row.dispatched_at.map(utc),
                accepted_at: row.accepted_at.map(utc),
                arrived_at: row.arrived_at.map(utc),
                resolved_at: row.resolved_at.map(utc),
                rated_at: row.rated_at.map(utc),
                closed_at: row.closed_at.map(utc),
                rating: infra::usecase::orders::rating_of(&row).map(|r| RatingView {
                    completion: r.completion,
                    progress: r.progress,
                    effect: r.effect,
                    satisfaction: r.satisfaction,
                    comment: r.comment,
                }),
                duplicate_of: row.duplicate_of.as_deref().and_then(|d| d.parse().ok()),
                version: row.version,
            })
        })
        .collect()
}
