//! Escalation policies per region.

use diesel::prelude::*;
use domain::order::escalation::EscalationPolicy;
use domain::order::Level;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{now, parse_id};
use crate::schema::{escalation_policies as policies, regions};

/// Every policy, with its region's name (a city has a few dozen at most).
pub fn all(conn: &mut AnyConnection) -> Result<Vec<EscalationPolicy>, DomainError> {
    load(conn, None)
}

fn load(conn: &mut AnyConnection, region: Option<Uuid>) -> Result<Vec<EscalationPolicy>, DomainError> {
    let mut query =
        policies::table.inner_join(regions::table).select((policies::region_id, regions::name, policies::up_to)).into_boxed();
    if let Some(id) = region {
        query = query.filter(policies::region_id.eq(id.to_string()));
    }
    let rows: Vec<(String, String, String)> = query.load(conn).map_err(storage)?;
    rows.into_iter()
        .map(|(id, name, up_to)| {
            Ok(EscalationPolicy {
                region_id: parse_id("escalation_policies.region_id", &id)?,
                region_name: name,
                up_to: up_to.parse::<Level>().map_err(|_| storage(format!("stored up_to {up_to:?}")))?,
            })
        })
        .collect()
}

pub fn find(conn: &mut AnyConnection, region: Uuid) -> Result<Option<EscalationPolicy>, DomainError> {
    Ok(load(conn, Some(region))?.pop())
}

/// Sets a region's policy (replacing the one it had).
pub fn set(conn: &mut AnyConnection, region: Uuid, up_to: Level) -> Result<(), DomainError> {
    let at = now();
    let id = region.to_string();
    let changed = diesel::update(policies::table.find(&id))
        .set((policies::up_to.eq(up_to.as_str()), policies::updated_at.eq(at)))
        .execute(conn)
        .map_err(storage)?;
    if changed == 0 {
        diesel::insert_into(policies::table)
            .values((
                policies::region_id.eq(&id),
                policies::up_to.eq(up_to.as_str()),
                policies::created_at.eq(at),
                policies::updated_at.eq(at),
            ))
            .execute(conn)
            .map_err(storage)?;
    }
    Ok(())
}

/// Removes a region's policy; true when it had one.
pub fn remove(conn: &mut AnyConnection, region: Uuid) -> Result<bool, DomainError> {
    let n = diesel::delete(policies::table.find(region.to_string())).execute(conn).map_err(storage)?;
    Ok(n == 1)
}
