//! Who an outbox row's recipient is, as people: the user; a unit's members;
//! the staff responsible at the order's level (its grid, community and street,
//! city-wide roles too); the party members serving a community (the pool).
//! Disabled accounts are told nothing.

use diesel::prelude::*;
use domain::actor::Role;
use domain::order::policy::staff_roles;
use domain::order::Level;
use domain::DomainError;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::parse_id;
use crate::schema::{unit_members, user_roles, users};

/// The recipient as `repo/orders/write.rs` stores it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Stored {
    User { id: Uuid },
    Unit { id: Uuid },
    Staff { level: Level, community_id: Uuid, grid_id: Uuid, street_id: Uuid },
    Pool { community_id: Uuid },
}

fn active(conn: &mut AnyConnection, ids: Vec<String>) -> Result<Vec<Uuid>, DomainError> {
    let mut found: Vec<String> = users::table
        .filter(users::id.eq_any(&ids))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .load(conn)
        .map_err(storage)?;
    found.sort();
    found.dedup();
    found.iter().map(|id| parse_id("users.id", id)).collect()
}

fn holders(
    conn: &mut AnyConnection,
    roles: &[Role],
    regions: &[Uuid],
    city_wide: bool,
) -> Result<Vec<String>, DomainError> {
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let regions: Vec<String> = regions.iter().map(Uuid::to_string).collect();
    let mut query = user_roles::table.filter(user_roles::role.eq_any(roles)).into_boxed();
    query = if city_wide {
        query.filter(user_roles::region_id.eq_any(regions).or(user_roles::region_id.is_null()))
    } else {
        query.filter(user_roles::region_id.eq_any(regions))
    };
    query.select(user_roles::user_id).load(conn).map_err(storage)
}

/// Where an order is and what it is about, for channels that route by region
/// or describe the order.
pub(super) fn about(
    conn: &mut AnyConnection,
    order_id: Uuid,
) -> Result<Option<(super::Place, super::Subject)>, DomainError> {
    use crate::schema::{category_items, orders, regions};
    type Row = (String, String, String, String, String, chrono::NaiveDateTime);
    let row: Option<Row> = orders::table
        .find(order_id.to_string())
        .select((
            orders::path,
            orders::community_id,
            orders::street_id,
            orders::category_item_id,
            orders::building_id,
            orders::resolve_due_at,
        ))
        .first(conn)
        .optional()
        .map_err(storage)?;
    let Some((path, community, street, item_id, building_id, due)) = row else {
        return Ok(None);
    };
    let item: String = category_items::table.find(item_id).select(category_items::name).first(conn).map_err(storage)?;
    let building: String = regions::table.find(building_id).select(regions::name).first(conn).map_err(storage)?;
    let place = super::Place {
        path,
        community_id: parse_id("orders.community_id", &community)?,
        street_id: parse_id("orders.street_id", &street)?,
    };
    Ok(Some((place, super::Subject { item, building, resolve_due_at: due.and_utc() })))
}

pub(super) fn resolve(conn: &mut AnyConnection, recipient: &str) -> Result<Vec<Uuid>, DomainError> {
    let stored: Stored = serde_json::from_str(recipient).map_err(storage)?;
    let ids = match stored {
        Stored::User { id } => vec![id.to_string()],
        Stored::Unit { id } => unit_members::table
            .filter(unit_members::unit_id.eq(id.to_string()))
            .select(unit_members::user_id)
            .load(conn)
            .map_err(storage)?,
        Stored::Staff { level, community_id, grid_id, street_id } => {
            holders(conn, staff_roles(level), &[grid_id, community_id, street_id], true)?
        }
        Stored::Pool { community_id } => holders(conn, &[Role::PartyMember], &[community_id], false)?,
    };
    active(conn, ids)
}
