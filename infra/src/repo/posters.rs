use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::poster::{Poster, PosterCode};
use domain::region::{Region, RegionKind};
use domain::DomainError;
use rand::Rng;
use uuid::Uuid;

use super::{regions, Page, Paged};
use crate::db::{is_unique_violation, storage, AnyConnection};
use crate::ids::{now, parse_id, to_utc};
use crate::schema::{posters, regions as regions_t};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = posters)]
pub struct PosterRow {
    pub code: String,
    pub building_id: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

impl PosterRow {
    fn into_domain(self) -> Result<Poster, DomainError> {
        Ok(Poster {
            code: self.code,
            building_id: parse_id("posters.building_id", &self.building_id)?,
            created_at: to_utc(self.created_at),
            revoked_at: self.revoked_at.map(to_utc),
        })
    }
}

/// Unambiguous when printed small: no 0/o, 1/l/i.
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

pub fn generate_code() -> String {
    let mut rng = rand::rng();
    (0..10).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Poster>, DomainError> {
    posters::table
        .find(code)
        .select(PosterRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(PosterRow::into_domain)
        .transpose()
}

/// Binds a new poster to a building; the code is generated unless given.
pub fn create(conn: &mut AnyConnection, building_id: Uuid, code: Option<PosterCode>) -> Result<Poster, DomainError> {
    let building = regions::find(conn, building_id)?
        .ok_or_else(|| DomainError::field("building_id", "not_found", "楼栋不存在"))?;
    if building.kind != RegionKind::Building {
        return Err(DomainError::field("building_id", "not_a_building", "码牌只能绑定到楼栋"));
    }
    let row = PosterRow {
        code: code.map(String::from).unwrap_or_else(generate_code),
        building_id: building_id.to_string(),
        created_at: now(),
        revoked_at: None,
    };
    diesel::insert_into(posters::table).values(&row).execute(conn).map_err(|e| {
        if is_unique_violation(&e) {
            DomainError::conflict("poster.code_taken", "该码牌编码已被使用")
        } else {
            storage(e)
        }
    })?;
    row.into_domain()
}

/// Withdraws a poster: scanning it then answers 410. Revoking twice is a no-op.
pub fn revoke(conn: &mut AnyConnection, code: &str) -> Result<Poster, DomainError> {
    diesel::update(posters::table.find(code).filter(posters::revoked_at.is_null()))
        .set(posters::revoked_at.eq(now()))
        .execute(conn)
        .map_err(storage)?;
    find(conn, code)?.ok_or(DomainError::not_found("poster.not_found"))
}

#[derive(Debug, Clone, Default)]
pub struct PosterFilter {
    pub building_id: Option<Uuid>,
    pub within: Option<String>,
    pub include_revoked: bool,
}

pub fn list(conn: &mut AnyConnection, filter: &PosterFilter, page: &Page) -> Result<Paged<Poster>, DomainError> {
    let mut query = posters::table.inner_join(regions_t::table).select(PosterRow::as_select()).into_boxed();
    if let Some(b) = filter.building_id {
        query = query.filter(posters::building_id.eq(b.to_string()));
    }
    if let Some(prefix) = &filter.within {
        query = query.filter(regions_t::path.like(format!("{}%", regions::escape_like(prefix))).escape('\\'));
    }
    if !filter.include_revoked {
        query = query.filter(posters::revoked_at.is_null());
    }
    if let Some(after) = &page.after {
        query = query.filter(posters::code.gt(after.clone()));
    }
    let rows: Vec<PosterRow> = query.order(posters::code.asc()).limit(page.limit + 1).load(conn).map_err(storage)?;
    let items = rows.into_iter().map(PosterRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    Ok(Paged::from_rows(items, page.limit, |p| p.code.clone()))
}

/// What scanning a poster leads to: the building and its ancestors.
#[derive(Debug, Clone)]
pub struct ScanTarget {
    pub poster: Poster,
    /// Root first: street, community, grid, building.
    pub lineage: Vec<Region>,
}

pub fn scan(conn: &mut AnyConnection, code: &str) -> Result<ScanTarget, DomainError> {
    let poster = find(conn, code)?.ok_or(DomainError::not_found("poster.not_found"))?;
    let building = regions::get(conn, poster.building_id)?;
    let lineage = regions::lineage(conn, &building)?;
    Ok(ScanTarget { poster, lineage })
}

/// The posters in use below `path` (a community), each with its building's
/// lineage (street, community, grid, building), in grid and building order.
pub fn active_within(conn: &mut AnyConnection, path: &str) -> Result<Vec<ScanTarget>, DomainError> {
    let rows: Vec<PosterRow> = posters::table
        .inner_join(regions_t::table)
        .filter(regions_t::path.like(format!("{}%", regions::escape_like(path))).escape('\\'))
        .filter(posters::revoked_at.is_null())
        .select(PosterRow::as_select())
        .order(posters::code.asc())
        .load(conn)
        .map_err(storage)?;
    let mut targets = Vec::with_capacity(rows.len());
    for row in rows {
        let poster = row.into_domain()?;
        let building = regions::get(conn, poster.building_id)?;
        targets.push(ScanTarget { lineage: regions::lineage(conn, &building)?, poster });
    }
    targets.sort_by_cached_key(|t| t.lineage.iter().map(|r| r.name.clone()).collect::<Vec<_>>());
    Ok(targets)
}

/// The newest poster still in use on a building, if any: what replaced a revoked one.
pub fn current_for(conn: &mut AnyConnection, building_id: Uuid) -> Result<Option<Poster>, DomainError> {
    posters::table
        .filter(posters::building_id.eq(building_id.to_string()))
        .filter(posters::revoked_at.is_null())
        .order(posters::created_at.desc())
        .select(PosterRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(PosterRow::into_domain)
        .transpose()
}
