//! Organisations, volunteer teams and departments: named records orders can
//! be dispatched to, and the users who act for them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{is_unique_violation, storage, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::{unit_members, units};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub region_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub const KINDS: [&str; 3] = ["organization", "team", "department"];

pub fn create(
    conn: &mut AnyConnection,
    kind: &str,
    name: &str,
    region_id: Option<Uuid>,
) -> Result<UnitRow, DomainError> {
    if !KINDS.contains(&kind) {
        return Err(DomainError::field("kind", "invalid_value", "必须是 organization、team 或 department"));
    }
    if let Some(r) = region_id {
        super::regions::find(conn, r)?.ok_or_else(|| DomainError::field("region_id", "not_found", "区域不存在"))?;
    }
    let row = UnitRow {
        id: new_id().to_string(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        region_id: region_id.map(|r| r.to_string()),
        created_at: now(),
    };
    diesel::insert_into(units::table).values(&row).execute(conn).map_err(|e| {
        if is_unique_violation(&e) {
            DomainError::conflict("unit.name_taken", "同一区域下已有同名单位")
        } else {
            storage(e)
        }
    })?;
    Ok(row)
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Option<UnitRow>, DomainError> {
    units::table.find(id.to_string()).select(UnitRow::as_select()).first(conn).optional().map_err(storage)
}

pub fn list(conn: &mut AnyConnection, kind: Option<&str>) -> Result<Vec<UnitRow>, DomainError> {
    let mut q = units::table.select(UnitRow::as_select()).into_boxed();
    if let Some(k) = kind {
        q = q.filter(units::kind.eq(k.to_owned()));
    }
    q.order(units::id.asc()).limit(500).load(conn).map_err(storage)
}

pub fn add_member(conn: &mut AnyConnection, unit_id: Uuid, user_id: Uuid) -> Result<(), DomainError> {
    get(conn, unit_id)?.ok_or(DomainError::not_found("unit.not_found"))?;
    super::users::get(conn, user_id).map_err(|_| DomainError::field("user_id", "not_found", "用户不存在"))?;
    let exists = unit_members::table
        .find((unit_id.to_string(), user_id.to_string()))
        .count()
        .get_result::<i64>(conn)
        .map_err(storage)?;
    if exists == 0 {
        diesel::insert_into(unit_members::table)
            .values((
                unit_members::unit_id.eq(unit_id.to_string()),
                unit_members::user_id.eq(user_id.to_string()),
                unit_members::created_at.eq(now()),
            ))
            .execute(conn)
            .map_err(storage)?;
    }
    Ok(())
}

pub fn of_user(conn: &mut AnyConnection, user_id: Uuid) -> Result<Vec<Uuid>, DomainError> {
    let ids: Vec<String> = unit_members::table
        .filter(unit_members::user_id.eq(user_id.to_string()))
        .select(unit_members::unit_id)
        .load(conn)
        .map_err(storage)?;
    ids.iter().map(|i| parse_id("unit_members.unit_id", i)).collect()
}
