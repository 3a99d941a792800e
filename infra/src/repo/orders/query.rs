//! Reading orders: one, a page of what an actor may see, the sweeper's
//! candidates, the timeline, and the names a view shows.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::actor::{Actor, Role};
use domain::order::policy::Visibility;
use domain::order::{EventType, Kind, Named, Order, OrderDetail, Status};
use domain::region::Scope;
use domain::DomainError;
use uuid::Uuid;

use super::row::OrderRow;
use crate::db::{storage, AnyConnection, MultiBackend};
use crate::ids::parse_id;
use crate::repo::{Page, Paged};
use crate::schema::{categories, category_items, order_events, orders, regions};

pub(super) fn convert(rows: Vec<OrderRow>) -> Result<Vec<Order>, DomainError> {
    rows.into_iter().map(OrderRow::into_domain).collect()
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Order>, DomainError> {
    let row = orders::table.find(id.to_string()).select(OrderRow::as_select()).first(conn).optional();
    row.map_err(storage)?.map(OrderRow::into_domain).transpose()
}

/// Every order `reporter` submitted, oldest first (their data export).
pub fn reported_by(conn: &mut AnyConnection, reporter: Uuid) -> Result<Vec<Order>, DomainError> {
    let q = orders::table.filter(orders::reporter_id.eq(reporter.to_string())).order(orders::id);
    convert(q.select(OrderRow::as_select()).load(conn).map_err(storage)?)
}

/// Every order after `after` in id order, `limit` at a time (the stats recount).
pub fn page_by_id(conn: &mut AnyConnection, after: Option<Uuid>, limit: i64) -> Result<Vec<Order>, DomainError> {
    let mut q = orders::table.select(OrderRow::as_select()).order(orders::id).limit(limit).into_boxed();
    if let Some(after) = after {
        q = q.filter(orders::id.gt(after.to_string()));
    }
    convert(q.load(conn).map_err(storage)?)
}

/// Orders under `path_prefix` submitted in `[from, until)` that the sweeper
/// flagged late, the earliest resolve due times first, at most `limit` (the report ranks them).
pub fn flagged_late(
    conn: &mut AnyConnection,
    path_prefix: &str,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    limit: i64,
) -> Result<Vec<Order>, DomainError> {
    let like = format!("{}%", crate::repo::regions::escape_like(path_prefix));
    let rows = orders::table
        .select(OrderRow::as_select())
        .filter(orders::path.like(like).escape('\\'))
        .filter(orders::submitted_at.ge(from.naive_utc()).and(orders::submitted_at.lt(until.naive_utc())))
        .filter(orders::response_overdue_at.is_not_null().or(orders::resolve_overdue_at.is_not_null()))
        .order((orders::resolve_due_at, orders::id))
        .limit(limit)
        .load(conn)
        .map_err(storage)?;
    convert(rows)
}

/// How many orders are stored (what a recount will read).
pub fn count(conn: &mut AnyConnection) -> Result<i64, DomainError> {
    orders::table.count().get_result(conn).map_err(storage)
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Order, DomainError> {
    find(conn, id)?.ok_or(DomainError::not_found("order.not_found"))
}

/// One entry of the timeline as stored; `data` is the event's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub id: Uuid,
    pub kind: EventType,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

pub(super) type EventTuple = (String, String, Option<String>, String, String, NaiveDateTime);

/// The columns of one timeline entry, in `EventTuple` order.
pub(super) const EVENT_COLUMNS: (
    order_events::id,
    order_events::kind,
    order_events::actor_id,
    order_events::actor_role,
    order_events::data,
    order_events::at,
) = (
    order_events::id,
    order_events::kind,
    order_events::actor_id,
    order_events::actor_role,
    order_events::data,
    order_events::at,
);

pub fn events(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<TimelineEvent>, DomainError> {
    let rows: Vec<EventTuple> = order_events::table
        .filter(order_events::order_id.eq(id.to_string()))
        .order(order_events::seq.asc())
        .select(EVENT_COLUMNS)
        .load(conn)
        .map_err(storage)?;
    rows.into_iter().map(timeline_event).collect()
}

pub(super) fn timeline_event(
    (id, kind, actor_id, actor_role, data, at): EventTuple,
) -> Result<TimelineEvent, DomainError> {
    Ok(TimelineEvent {
        id: parse_id("order_events.id", &id)?,
        kind: kind.parse().map_err(|_| storage(format!("stored event type {kind}")))?,
        actor_id: actor_id.as_deref().map(|a| parse_id("order_events.actor_id", a)).transpose()?,
        actor_role,
        at: at.and_utc(),
        data: serde_json::from_str(&data).map_err(storage)?,
    })
}

/// Open orders with a clock run out and not yet flagged, oldest due first.
pub fn overdue_candidates(conn: &mut AnyConnection, at: DateTime<Utc>, limit: i64) -> Result<Vec<Order>, DomainError> {
    let at = at.naive_utc();
    let response = orders::table
        .filter(orders::status.eq_any(Status::names_where(Status::awaits_response)))
        .filter(orders::response_due_at.le(at))
        .filter(orders::response_overdue_at.is_null())
        .order(orders::response_due_at.asc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)
        .map_err(storage)?;
    let resolve = orders::table
        .filter(orders::status.eq_any(Status::names_where(Status::is_open)))
        .filter(orders::resolve_due_at.le(at))
        .filter(orders::resolve_overdue_at.is_null())
        .order(orders::resolve_due_at.asc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)
        .map_err(storage)?;
    let mut out = convert(response)?;
    for order in convert(resolve)? {
        if !out.iter().any(|o| o.id == order.id) {
            out.push(order);
        }
    }
    Ok(out)
}

/// Resolved orders nobody rated since `before`.
pub fn unrated_since(conn: &mut AnyConnection, before: DateTime<Utc>, limit: i64) -> Result<Vec<Order>, DomainError> {
    let rows = orders::table
        .filter(orders::status.eq(Status::Resolved.as_str()))
        .filter(orders::resolved_at.le(before.naive_utc()))
        .order(orders::resolved_at.asc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)
        .map_err(storage)?;
    convert(rows)
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
    /// Only orders a content check flagged for staff (review or risky).
    pub flagged: bool,
    /// Only orders whose running clock falls due within this window from now.
    pub due_within: Option<chrono::Duration>,
    pub q: Option<String>,
    /// Only orders submitted in `[from, until)`.
    pub submitted: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

type OrderCondition = Box<dyn BoxableExpression<orders::table, MultiBackend, SqlType = diesel::sql_types::Bool>>;

fn prefix(scope: &Scope) -> String {
    format!("{}%", scope.path_prefix().unwrap_or("/"))
}

/// Handled by the actor, or assigned to them or to a unit they act for.
fn assigned_to(actor: &Actor) -> OrderCondition {
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

/// In a community's open pool: the SQL twin of `policy::in_pool`.
fn pooled() -> OrderCondition {
    Box::new(orders::status.eq(Status::Dispatched.as_str()).and(orders::assignee_type.eq("pool")).assume_not_null())
}

/// Past a due time: the SQL twin of `Order::overdue_clock`.
fn overdue_at(at: NaiveDateTime) -> OrderCondition {
    Box::new(
        orders::status
            .eq_any(Status::names_where(Status::awaits_response))
            .and(orders::response_due_at.le(at))
            .or(orders::status.eq_any(Status::names_where(Status::is_open)).and(orders::resolve_due_at.le(at))),
    )
}

/// A running clock falls due in `(at, until]`: the SQL twin of "about to be overdue".
fn due_between(at: NaiveDateTime, until: NaiveDateTime) -> OrderCondition {
    Box::new(
        orders::status
            .eq_any(Status::names_where(Status::awaits_response))
            .and(orders::response_due_at.gt(at))
            .and(orders::response_due_at.le(until))
            .or(orders::status
                .eq_any(Status::names_where(Status::is_open))
                .and(orders::resolve_due_at.gt(at))
                .and(orders::resolve_due_at.le(until))),
    )
}

/// Everything the actor may see, as one SQL condition (an OR of their reasons).
/// The SQL twin of `domain::order::policy::visibility`.
fn visible_to(actor: &Actor) -> OrderCondition {
    let mut cond: OrderCondition = Box::new(orders::reporter_id.eq(actor.user_id.to_string()).or(assigned_to(actor)));
    for grant in &actor.grants {
        let like = prefix(&grant.scope);
        let extra: Option<OrderCondition> = match grant.role {
            Role::DepartmentStaff => Some(Box::new(orders::level.eq("department").and(orders::path.like(like)))),
            r if r.is_staff() => Some(Box::new(orders::path.like(like))),
            // A party member's grant is a community: the pool index is per community.
            Role::PartyMember => match &grant.scope {
                Scope::Subtree { region_id, .. } => {
                    Some(Box::new(pooled().and(orders::community_id.eq(region_id.to_string()))))
                }
                Scope::All => None,
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
    actor: &Actor,
    filter: &OrderFilter,
    page: &Page,
    at: DateTime<Utc>,
) -> Result<Paged<Order>, DomainError> {
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
        query = query.filter(pooled());
    }
    if filter.overdue {
        query = query.filter(overdue_at(at.naive_utc()));
    }
    if let Some(window) = filter.due_within {
        let now = at.naive_utc();
        query = query.filter(due_between(now, now + window));
    }
    if filter.flagged {
        use crate::schema::content_checks as checks;
        let flagged = [domain::moderation::CheckStatus::Review.as_str(), domain::moderation::CheckStatus::Risky.as_str()];
        let ids = checks::table.filter(checks::status.eq_any(flagged)).select(checks::order_id.assume_not_null());
        query = query.filter(orders::id.eq_any(ids));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = format!("%{}%", crate::repo::regions::escape_like(q));
        query = query
            .filter(orders::description.like(like.clone()).escape('\\').or(orders::number.like(like).escape('\\')));
    }
    if let Some((from, until)) = filter.submitted {
        query = query.filter(orders::submitted_at.ge(from.naive_utc()).and(orders::submitted_at.lt(until.naive_utc())));
    }
    if let Some(after) = &page.after {
        query = query.filter(orders::id.lt(after.clone()));
    }
    let rows = query.order(orders::id.desc()).limit(page.limit + 1).load(conn).map_err(storage)?;
    let paged = Paged::from_rows(rows, page.limit, |o| o.id.clone());
    Ok(Paged { items: convert(paged.items)?, next_cursor: paged.next_cursor })
}

/// The orders with their category, item and building names: one query for the
/// items with their categories and one for the buildings, whatever the count.
pub fn details(conn: &mut AnyConnection, orders: Vec<(Order, Visibility)>) -> Result<Vec<OrderDetail>, DomainError> {
    let item_ids: Vec<String> = orders.iter().map(|(o, _)| o.item_id.to_string()).collect();
    let building_ids: Vec<String> = orders.iter().map(|(o, _)| o.place.building_id.to_string()).collect();
    let items: Vec<(String, String, String, String, String, String)> = category_items::table
        .inner_join(categories::table)
        .filter(category_items::id.eq_any(&item_ids))
        .select((
            category_items::id,
            category_items::code,
            category_items::name,
            categories::id,
            categories::code,
            categories::name,
        ))
        .load(conn)
        .map_err(storage)?;
    let buildings: HashMap<String, String> = regions::table
        .filter(regions::id.eq_any(&building_ids))
        .select((regions::id, regions::name))
        .load::<(String, String)>(conn)
        .map_err(storage)?
        .into_iter()
        .collect();
    let order_ids: Vec<Uuid> = orders.iter().map(|(o, _)| o.id).collect();
    let checks = crate::repo::checks::statuses(conn, &order_ids)?;
    let mut names: HashMap<String, (Named, Named)> = HashMap::new();
    for (iid, icode, iname, cid, ccode, cname) in items {
        let item = Named { id: parse_id("category_items.id", &iid)?, code: icode, name: iname };
        let category = Named { id: parse_id("categories.id", &cid)?, code: ccode, name: cname };
        names.insert(iid, (category, item));
    }
    Ok(orders
        .into_iter()
        .map(|(order, visibility)| {
            let (category, item) = names.get(&order.item_id.to_string()).cloned().unwrap_or_else(|| {
                (Named { id: order.category_id, ..Named::default() }, Named { id: order.item_id, ..Named::default() })
            });
            let building_name = buildings.get(&order.place.building_id.to_string()).cloned().unwrap_or_default();
            let moderation = checks.get(&order.id).and_then(|s| domain::moderation::flag_of(s));
            OrderDetail { order, category, item, building_name, visibility, moderation }
        })
        .collect())
}
