//! WeCom group robots by region.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{now, parse_id};
use crate::schema::wecom_robots;

/// A robot's region and when it was set; the key is never read back out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Robot {
    pub region_id: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Sets (or replaces) the robot of a region.
pub fn set(conn: &mut AnyConnection, region_id: Uuid, key: &str) -> Result<Robot, DomainError> {
    diesel::delete(wecom_robots::table.find(region_id.to_string())).execute(conn).map_err(storage)?;
    let at = now();
    diesel::insert_into(wecom_robots::table)
        .values((
            wecom_robots::region_id.eq(region_id.to_string()),
            wecom_robots::robot_key.eq(key),
            wecom_robots::created_at.eq(at),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(Robot { region_id, created_at: at.and_utc() })
}

pub fn all(conn: &mut AnyConnection) -> Result<Vec<Robot>, DomainError> {
    let rows: Vec<(String, NaiveDateTime)> = wecom_robots::table
        .select((wecom_robots::region_id, wecom_robots::created_at))
        .order(wecom_robots::region_id.asc())
        .load(conn)
        .map_err(storage)?;
    rows.into_iter()
        .map(|(id, at)| Ok(Robot { region_id: parse_id("wecom_robots.region_id", &id)?, created_at: at.and_utc() }))
        .collect()
}

pub fn remove(conn: &mut AnyConnection, region_id: Uuid) -> Result<usize, DomainError> {
    diesel::delete(wecom_robots::table.find(region_id.to_string())).execute(conn).map_err(storage)
}

/// Whether a region has a robot (its key, for the seed's check only).
pub(crate) fn key_of(conn: &mut AnyConnection, region_id: Uuid) -> Result<Option<String>, DomainError> {
    wecom_robots::table
        .find(region_id.to_string())
        .select(wecom_robots::robot_key)
        .first(conn)
        .optional()
        .map_err(storage)
}

/// The regions (by code) whose robot has a development key.
pub(crate) fn demo_keys(conn: &mut AnyConnection) -> Result<Vec<String>, DomainError> {
    use crate::schema::regions;
    wecom_robots::table
        .inner_join(regions::table)
        .filter(wecom_robots::robot_key.like(format!("{}%", domain::subscribe::DEMO_PREFIX)))
        .select(regions::code)
        .order(regions::code.asc())
        .load(conn)
        .map_err(storage)
}
