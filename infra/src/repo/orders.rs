//! Orders, their timeline and their outbox rows. A transition is stored with
//! optimistic versioning: `UPDATE … WHERE id = ? AND version = ?`; a lost
//! race is a 409, like any other transition the status no longer allows.

use chrono::{Duration, FixedOffset, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use domain::order::event::{EventType, NewEvent};
use domain::order::notify::{notices, Recipient};
use domain::order::{Kind, OrderState, Status, Target, TargetType, Transition};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{new_id, parse_id};
use crate::schema::{order_counters, order_events, orders, outbox};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub status: String,
    pub category_id: String,
    pub category_item_id: String,
    pub description: String,
    pub photos: String,
    pub building_id: String,
    pub grid_id: String,
    pub community_id: String,
    pub street_id: String,
    pub path: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub reporter_id: String,
    pub channel: String,
    pub level: String,
    pub assignee_type: Option<String>,
    pub assignee_id: Option<String>,
    pub handler_id: Option<String>,
    pub response_due_at: NaiveDateTime,
    pub resolve_due_at: NaiveDateTime,
    pub submitted_at: NaiveDateTime,
    pub dispatched_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub arrived_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub rated_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub rating_completion: Option<i32>,
    pub rating_progress: Option<i32>,
    pub rating_effect: Option<i32>,
    pub rating_satisfaction: Option<i32>,
    pub rating_comment: Option<String>,
    pub duplicate_of: Option<String>,
    pub response_overdue_at: Option<NaiveDateTime>,
    pub resolve_overdue_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

impl OrderRow {
    pub fn uuid(&self) -> Result<Uuid, DomainError> {
        parse_id("orders.id", &self.id)
    }

    pub fn assignee(&self) -> Result<Option<Target>, DomainError> {
        let Some(kind) = &self.assignee_type else { return Ok(None) };
        let kind: TargetType = kind.parse().map_err(|_| storage(format!("bad assignee type {kind}")))?;
        let id = self.assignee_id.as_deref().map(|i| parse_id("orders.assignee_id", i)).transpose()?;
        Target::from_parts(kind, id).map(Some).map_err(|_| storage("inconsistent assignee"))
    }

    /// What the rules look at.
    pub fn state(&self) -> Result<OrderState, DomainError> {
        Ok(OrderState {
            status: self.status.parse().map_err(|_| storage(format!("bad status {}", self.status)))?,
            reporter_id: parse_id("orders.reporter_id", &self.reporter_id)?,
            path: self.path.clone(),
            level: self.level.parse().map_err(|_| storage(format!("bad level {}", self.level)))?,
            assignee: self.assignee()?,
            handler_id: self.handler_id.as_deref().map(|h| parse_id("orders.handler_id", h)).transpose()?,
        })
    }

    pub fn kind(&self) -> Result<Kind, DomainError> {
        self.kind.parse().map_err(|_| storage(format!("bad kind {}", self.kind)))
    }

    pub fn photos(&self) -> Vec<Uuid> {
        serde_json::from_str(&self.photos).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_events)]
pub struct EventRow {
    pub id: String,
    pub order_id: String,
    pub seq: i32,
    pub kind: String,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub data: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub order_id: Option<String>,
    pub event_id: Option<String>,
    pub recipient: String,
    pub template: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Order numbers count per business day in China time: `20261124-000042`.
pub fn next_number(conn: &mut AnyConnection, at: NaiveDateTime) -> Result<String, DomainError> {
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| storage("bad offset"))?;
    let day = at.and_utc().with_timezone(&china).format("%Y%m%d").to_string();
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

pub fn insert(conn: &mut AnyConnection, row: &OrderRow) -> Result<(), DomainError> {
    diesel::insert_into(orders::table).values(row).execute(conn).map_err(storage)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<OrderRow>, DomainError> {
    orders::table.find(id.to_string()).select(OrderRow::as_select()).first(conn).optional().map_err(storage)
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<OrderRow, DomainError> {
    find(conn, id)?.ok_or(DomainError::not_found("order.not_found"))
}

pub fn events(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<EventRow>, DomainError> {
    order_events::table
        .filter(order_events::order_id.eq(id.to_string()))
        .order(order_events::seq.asc())
        .select(EventRow::as_select())
        .load(conn)
        .map_err(storage)
}

/// Appends events (and the outbox rows they cause) after the order's last one.
pub fn append(
    conn: &mut AnyConnection,
    order: &OrderRow,
    state_after: &OrderState,
    events: &[NewEvent],
    actor: Option<Uuid>,
    role: &str,
    at: NaiveDateTime,
) -> Result<(), DomainError> {
    let last: Option<i32> = order_events::table
        .filter(order_events::order_id.eq(&order.id))
        .select(max(order_events::seq))
        .first(conn)
        .map_err(storage)?;
    let mut rows = Vec::with_capacity(events.len());
    for (seq, event) in (last.unwrap_or(0) + 1..).zip(events) {
        rows.push(EventRow {
            id: new_id().to_string(),
            order_id: order.id.clone(),
            seq,
            kind: event.kind.as_str().to_owned(),
            actor_id: actor.map(|a| a.to_string()),
            actor_role: role.to_owned(),
            data: serde_json::to_string(&event.data).map_err(storage)?,
            at,
        });
    }
    // One statement per row: MultiConnection has no batch insert.
    for row in &rows {
        diesel::insert_into(order_events::table).values(row).execute(conn).map_err(storage)?;
    }
    let event_id = rows.last().map(|r| r.id.clone());
    let outbox_rows: Vec<OutboxRow> = notices(state_after, events)
        .into_iter()
        .map(|n| OutboxRow {
            id: new_id().to_string(),
            order_id: Some(order.id.clone()),
            event_id: event_id.clone(),
            recipient: recipient_json(&n.recipient, order),
            template: n.template.to_owned(),
            payload: serde_json::json!({"order_id": order.id, "number": order.number, "status": state_after.status})
                .to_string(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            sent_at: None,
        })
        .collect();
    for row in &outbox_rows {
        diesel::insert_into(outbox::table).values(row).execute(conn).map_err(storage)?;
    }
    Ok(())
}

fn recipient_json(r: &Recipient, order: &OrderRow) -> String {
    match r {
        Recipient::User(u) => serde_json::json!({"type": "user", "id": u}),
        Recipient::Unit(u) => serde_json::json!({"type": "unit", "id": u}),
        Recipient::Staff { level } => {
            serde_json::json!({"type": "staff", "level": level, "community_id": order.community_id, "grid_id": order.grid_id, "street_id": order.street_id})
        }
        Recipient::PoolWatchers => serde_json::json!({"type": "pool", "community_id": order.community_id}),
    }
    .to_string()
}

/// Extra columns a transition sets besides status, assignee and level.
#[derive(Debug, Clone, Default)]
pub struct Stamp {
    pub rating: Option<domain::order::fields::Rating>,
    pub duplicate_of: Option<Uuid>,
}

/// Stores a transition if nobody changed the order since `order` was read.
pub fn save(
    conn: &mut AnyConnection,
    order: &OrderRow,
    t: &Transition,
    actor: Option<Uuid>,
    stamp: Stamp,
    at: NaiveDateTime,
) -> Result<OrderRow, DomainError> {
    let mut row = order.clone();
    let next = &t.next;
    row.status = next.status.as_str().to_owned();
    row.level = next.level.as_str().to_owned();
    row.assignee_type = next.assignee.map(|a| a.kind().as_str().to_owned());
    row.assignee_id = next.assignee.and_then(|a| a.id()).map(|i| i.to_string());
    row.handler_id = next.handler_id.map(|h| h.to_string());
    for event in &t.events {
        match event.kind {
            EventType::Dispatched | EventType::Reopened => row.dispatched_at = Some(at),
            EventType::Accepted | EventType::Grabbed => row.accepted_at = Some(at),
            EventType::Arrived => row.arrived_at = Some(at),
            EventType::Resolved => row.resolved_at = Some(at),
            EventType::Rated => row.rated_at = Some(at),
            EventType::Closed | EventType::Cancelled | EventType::Declined => row.closed_at = Some(at),
            _ => {}
        }
    }
    if let Some(r) = &stamp.rating {
        row.rating_completion = Some(i32::from(r.completion));
        row.rating_progress = Some(i32::from(r.progress));
        row.rating_effect = Some(i32::from(r.effect));
        row.rating_satisfaction = Some(i32::from(r.satisfaction));
        row.rating_comment = Some(r.comment.clone());
    }
    if let Some(d) = stamp.duplicate_of {
        row.duplicate_of = Some(d.to_string());
    }
    row.version = order.version + 1;
    row.updated_at = at;
    let updated = diesel::update(orders::table.find(&order.id).filter(orders::version.eq(order.version)))
        .set((
            orders::status.eq(&row.status),
            orders::level.eq(&row.level),
            orders::assignee_type.eq(&row.assignee_type),
            orders::assignee_id.eq(&row.assignee_id),
            orders::handler_id.eq(&row.handler_id),
            orders::dispatched_at.eq(row.dispatched_at),
            orders::accepted_at.eq(row.accepted_at),
            orders::arrived_at.eq(row.arrived_at),
            orders::resolved_at.eq(row.resolved_at),
            orders::rated_at.eq(row.rated_at),
            orders::closed_at.eq(row.closed_at),
            (
                orders::rating_completion.eq(row.rating_completion),
                orders::rating_progress.eq(row.rating_progress),
                orders::rating_effect.eq(row.rating_effect),
                orders::rating_satisfaction.eq(row.rating_satisfaction),
                orders::rating_comment.eq(&row.rating_comment),
                orders::duplicate_of.eq(&row.duplicate_of),
                orders::version.eq(row.version),
                orders::updated_at.eq(row.updated_at),
            ),
        ))
        .execute(conn)
        .map_err(storage)?;
    if updated == 0 {
        return Err(DomainError::conflict("order.invalid_transition", "工单已被他人处理，请刷新后重试"));
    }
    append(conn, order, next, &t.events, actor, t.role, at)?;
    Ok(row)
}

/// Marks an order overdue on one clock (once) and appends the event.
pub fn mark_overdue(
    conn: &mut AnyConnection,
    order: &OrderRow,
    clock: &'static str,
    at: NaiveDateTime,
) -> Result<(), DomainError> {
    let target = orders::table.find(&order.id);
    let updated = if clock == "response" {
        diesel::update(target.filter(orders::response_overdue_at.is_null()))
            .set(orders::response_overdue_at.eq(at))
            .execute(conn)
    } else {
        diesel::update(target.filter(orders::resolve_overdue_at.is_null()))
            .set(orders::resolve_overdue_at.eq(at))
            .execute(conn)
    }
    .map_err(storage)?;
    if updated == 1 {
        let state = order.state()?;
        let event = NewEvent::new(EventType::Overdue, domain::order::EventData::Overdue { clock });
        append(conn, order, &state, &[event], None, domain::order::transition::SYSTEM_ROLE, at)?;
    }
    Ok(())
}

/// Open orders past a due time and not yet flagged, oldest first.
pub fn overdue_candidates(
    conn: &mut AnyConnection,
    at: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(OrderRow, &'static str)>, DomainError> {
    let unanswered = Status::names_where(Status::awaits_response);
    let open = Status::names_where(Status::is_open);
    let response: Vec<OrderRow> = orders::table
        .filter(orders::status.eq_any(unanswered))
        .filter(orders::response_due_at.le(at))
        .filter(orders::response_overdue_at.is_null())
        .order(orders::response_due_at.asc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)
        .map_err(storage)?;
    let resolve: Vec<OrderRow> = orders::table
        .filter(orders::status.eq_any(open))
        .filter(orders::resolve_due_at.le(at))
        .filter(orders::resolve_overdue_at.is_null())
        .order(orders::resolve_due_at.asc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)
        .map_err(storage)?;
    Ok(response.into_iter().map(|o| (o, "response")).chain(resolve.into_iter().map(|o| (o, "resolve"))).collect())
}

/// Resolved orders nobody rated since `before`.
pub fn unrated_since(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderRow>, DomainError> {
    orders::table
        .filter(orders::status.eq(Status::Resolved.as_str()))
        .filter(orders::resolved_at.le(before))
        .order(orders::resolved_at.asc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)
        .map_err(storage)
}

pub fn due_times(
    submitted: NaiveDateTime,
    response_minutes: i32,
    resolve_hours: i32,
) -> (NaiveDateTime, NaiveDateTime) {
    (submitted + Duration::minutes(i64::from(response_minutes)), submitted + Duration::hours(i64::from(resolve_hours)))
}

/// What a list may be narrowed to (all optional), on top of what the caller may see.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    /// A category or a category item id.
    pub category: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    pub assignee_me: bool,
    pub pool: bool,
    pub overdue: bool,
    pub q: Option<String>,
}

type OrderCondition =
    Box<dyn BoxableExpression<orders::table, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>>;

fn prefix(scope: &domain::region::Scope) -> String {
    format!("{}%", scope.path_prefix().unwrap_or("/"))
}

/// Handled by the actor, or assigned to them or to a unit they act for.
fn assigned_to(actor: &domain::actor::Actor) -> OrderCondition {
    let me = actor.user_id.to_string();
    let units: Vec<String> = actor.units.iter().map(Uuid::to_string).collect();
    Box::new(
        orders::handler_id
            .eq(me.clone())
            .or(orders::assignee_type.eq_any(["party_member", "grid_worker"]).and(orders::assignee_id.eq(me)))
            .or(orders::assignee_type
                .eq_any(["organization", "team", "department"])
                .and(orders::assignee_id.eq_any(units)))
            .assume_not_null(),
    )
}

/// Everything the actor may see, as one SQL condition (an OR of their reasons).
/// The SQL form of `domain::order::policy::visibility`.
fn visible_to(actor: &domain::actor::Actor) -> OrderCondition {
    use domain::actor::Role;
    let mut cond: OrderCondition = Box::new(orders::reporter_id.eq(actor.user_id.to_string()).or(assigned_to(actor)));
    for grant in &actor.grants {
        let like = prefix(&grant.scope);
        let extra: Option<OrderCondition> = match grant.role {
            Role::DepartmentStaff => Some(Box::new(orders::level.eq("department").and(orders::path.like(like)))),
            r if r.is_staff() => Some(Box::new(orders::path.like(like))),
            // A party member's grant is a community: the pool index is per community.
            Role::PartyMember => match &grant.scope {
                domain::region::Scope::Subtree { region_id, .. } => Some(Box::new(
                    orders::status
                        .eq("dispatched")
                        .and(orders::assignee_type.eq("pool"))
                        .and(orders::community_id.eq(region_id.to_string()))
                        .assume_not_null(),
                )),
                domain::region::Scope::All => None,
            },
            _ => None,
        };
        if let Some(extra) = extra {
            cond = Box::new(cond.or(extra));
        }
    }
    cond
}

pub fn list(
    conn: &mut AnyConnection,
    actor: &domain::actor::Actor,
    filter: &OrderFilter,
    page: &super::Page,
    at: NaiveDateTime,
) -> Result<super::Paged<OrderRow>, DomainError> {
    let mut query = orders::table.select(OrderRow::as_select()).filter(visible_to(actor)).into_boxed();
    if let Some(s) = filter.status {
        query = query.filter(orders::status.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        query = query.filter(orders::kind.eq(k.as_str()));
    }
    if let Some(c) = filter.category {
        let c = c.to_string();
        query = query.filter(orders::category_id.eq(c.clone()).or(orders::category_item_id.eq(c)));
    }
    if let Some(c) = filter.community_id {
        query = query.filter(orders::community_id.eq(c.to_string()));
    }
    if let Some(g) = filter.grid_id {
        query = query.filter(orders::grid_id.eq(g.to_string()));
    }
    if filter.assignee_me {
        query = query.filter(assigned_to(actor));
    }
    if filter.pool {
        query = query.filter(orders::status.eq("dispatched").and(orders::assignee_type.eq("pool")));
    }
    if filter.overdue {
        query = query.filter(
            orders::status
                .eq_any(Status::names_where(Status::awaits_response))
                .and(orders::response_due_at.le(at))
                .or(orders::status.eq_any(Status::names_where(Status::is_open)).and(orders::resolve_due_at.le(at))),
        );
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = format!("%{}%", super::regions::escape_like(q));
        query = query
            .filter(orders::description.like(like.clone()).escape('\\').or(orders::number.like(like).escape('\\')));
    }
    if let Some(after) = &page.after {
        query = query.filter(orders::id.lt(after.clone()));
    }
    let rows = query.order(orders::id.desc()).limit(page.limit + 1).load(conn).map_err(storage)?;
    Ok(super::Paged::from_rows(rows, page.limit, |o| o.id.clone()))
}

/// Display names a page of orders refers to, in three queries for any page size.
#[derive(Debug, Default)]
pub struct Names {
    /// id → (code, name)
    pub items: std::collections::HashMap<String, (String, String)>,
    pub categories: std::collections::HashMap<String, (String, String)>,
    /// building id → name
    pub buildings: std::collections::HashMap<String, String>,
}

pub fn names(conn: &mut AnyConnection, rows: &[&OrderRow]) -> Result<Names, DomainError> {
    use crate::schema::{categories, category_items, regions};
    let item_ids: Vec<&str> = rows.iter().map(|r| r.category_item_id.as_str()).collect();
    let cat_ids: Vec<&str> = rows.iter().map(|r| r.category_id.as_str()).collect();
    let building_ids: Vec<&str> = rows.iter().map(|r| r.building_id.as_str()).collect();
    let pairs = |v: Vec<(String, String, String)>| v.into_iter().map(|(id, code, name)| (id, (code, name))).collect();
    Ok(Names {
        items: pairs(
            category_items::table
                .filter(category_items::id.eq_any(&item_ids))
                .select((category_items::id, category_items::code, category_items::name))
                .load(conn)
                .map_err(storage)?,
        ),
        categories: pairs(
            categories::table
                .filter(categories::id.eq_any(&cat_ids))
                .select((categories::id, categories::code, categories::name))
                .load(conn)
                .map_err(storage)?,
        ),
        buildings: regions::table
            .filter(regions::id.eq_any(&building_ids))
            .select((regions::id, regions::name))
            .load::<(String, String)>(conn)
            .map_err(storage)?
            .into_iter()
            .collect(),
    })
}
