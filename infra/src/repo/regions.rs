use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::region::{check_parent, Region, RegionKind};
use domain::DomainError;
use uuid::Uuid;

use super::{Page, Paged};
use crate::db::{storage, unique_violation, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::regions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: String,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RegionRow {
    pub fn into_domain(self) -> Result<Region, DomainError> {
        Ok(Region {
            id: parse_id("regions.id", &self.id)?,
            kind: self.kind.parse().map_err(|_| storage(format!("bad region kind {}", self.kind)))?,
            code: self.code,
            name: self.name,
            parent_id: self.parent_id.as_deref().map(|p| parse_id("regions.parent_id", p)).transpose()?,
            path: self.path,
            address: self.address,
        })
    }
}

fn load(rows: Vec<RegionRow>) -> Result<Vec<Region>, DomainError> {
    rows.into_iter().map(RegionRow::into_domain).collect()
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Region, DomainError> {
    find(conn, id)?.ok_or(DomainError::not_found("region.not_found"))
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Region>, DomainError> {
    regions::table
        .find(id.to_string())
        .select(RegionRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(RegionRow::into_domain)
        .transpose()
}

pub fn find_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Region>, DomainError> {
    regions::table
        .filter(regions::code.eq(code))
        .select(RegionRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(RegionRow::into_domain)
        .transpose()
}

/// The node and its ancestors, root first.
pub fn lineage(conn: &mut AnyConnection, region: &Region) -> Result<Vec<Region>, DomainError> {
    let ids: Vec<String> = region.lineage().iter().map(Uuid::to_string).collect();
    let mut nodes = load(
        regions::table.filter(regions::id.eq_any(ids)).select(RegionRow::as_select()).load(conn).map_err(storage)?,
    )?;
    nodes.sort_by_key(|r| r.path.len());
    Ok(nodes)
}

/// The children of `parent` (the streets without one), by name.
pub fn children(conn: &mut AnyConnection, parent: Option<Uuid>) -> Result<Vec<Region>, DomainError> {
    let mut query = regions::table.select(RegionRow::as_select()).into_boxed();
    query = match parent {
        Some(p) => query.filter(regions::parent_id.eq(p.to_string())),
        None => query.filter(regions::parent_id.is_null()),
    };
    load(query.order((regions::name.asc(), regions::id.asc())).load(conn).map_err(storage)?)
}

#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub parent_id: Option<Uuid>,
    /// Only roots (streets) when true and no parent is given.
    pub roots: bool,
    pub kind: Option<RegionKind>,
    /// Restrict to this subtree (a materialised path prefix).
    pub within: Option<String>,
    pub q: Option<String>,
}

pub fn list(conn: &mut AnyConnection, filter: &RegionFilter, page: &Page) -> Result<Paged<Region>, DomainError> {
    let mut query = regions::table.select(RegionRow::as_select()).into_boxed();
    if let Some(parent) = filter.parent_id {
        query = query.filter(regions::parent_id.eq(parent.to_string()));
    } else if filter.roots {
        query = query.filter(regions::parent_id.is_null());
    }
    if let Some(kind) = filter.kind {
        query = query.filter(regions::kind.eq(kind.as_str()));
    }
    if let Some(prefix) = &filter.within {
        query = query.filter(regions::path.like(format!("{}%", escape_like(prefix))).escape('\\'));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        query = query.filter(regions::name.like(format!("%{}%", escape_like(q))).escape('\\'));
    }
    if let Some(after) = &page.after {
        query = query.filter(regions::id.gt(after.clone()));
    }
    let rows = query.order(regions::id.asc()).limit(page.limit + 1).load(conn).map_err(storage)?;
    Ok(Paged::from_rows(load(rows)?, page.limit, |r| r.id.to_string()))
}

pub fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(Debug, Clone)]
pub struct NewRegion {
    pub kind: RegionKind,
    pub code: Option<String>,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub address: Option<String>,
}

pub fn create(conn: &mut AnyConnection, new: NewRegion) -> Result<Region, DomainError> {
    let parent = match new.parent_id {
        Some(pid) => {
            Some(find(conn, pid)?.ok_or_else(|| DomainError::field("parent_id", "not_found", "上级区域不存在"))?)
        }
        None => None,
    };
    check_parent(new.kind, parent.as_ref())?;
    let id = new_id();
    let at = now();
    let row = RegionRow {
        id: id.to_string(),
        kind: new.kind.as_str().to_owned(),
        code: new.code.unwrap_or_else(|| format!("{}-{}", new.kind.as_str(), id.simple())),
        name: new.name,
        parent_id: parent.as_ref().map(|p| p.id.to_string()),
        path: Region::child_path(parent.as_ref(), id),
        address: new.address,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(regions::table).values(&row).execute(conn).map_err(conflict_or_storage)?;
    row.into_domain()
}

#[derive(Debug, Clone, Default)]
pub struct RegionChanges {
    pub name: Option<String>,
    pub code: Option<String>,
    /// `Some(None)` clears the address.
    pub address: Option<Option<String>>,
}

pub fn update(conn: &mut AnyConnection, id: Uuid, changes: RegionChanges) -> Result<Region, DomainError> {
    let current = get(conn, id)?;
    let name = changes.name.unwrap_or(current.name);
    let code = changes.code.unwrap_or(current.code);
    let address = changes.address.unwrap_or(current.address);
    diesel::update(regions::table.find(id.to_string()))
        .set((
            regions::name.eq(&name),
            regions::code.eq(&code),
            regions::address.eq(&address),
            regions::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(conflict_or_storage)?;
    get(conn, id)
}

fn conflict_or_storage(e: diesel::result::Error) -> DomainError {
    match unique_violation(&e).as_deref() {
        Some("regions_code_key") => DomainError::conflict("region.code_taken", "该区域编码已被使用"),
        Some("regions_sibling_name_idx") => DomainError::conflict("region.name_taken", "同一上级下已有同名区域"),
        _ => storage(e),
    }
}
