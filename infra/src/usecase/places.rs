//! The region tree, the posters bound to its buildings, and what scanning a
//! poster leads to.

use domain::actor::Actor;
use domain::category::{Category, CategoryItem};
use domain::poster::{Poster, PosterCode};
use domain::region::{Region, RegionDraft, RegionKind};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, Db};
use crate::repo::{categories, posters, regions, Page, Paged};

/// What a region list may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct RegionQuery {
    /// Children of this node. Without it (and without `kind`, `within`, `q`), the streets.
    pub parent_id: Option<Uuid>,
    pub kind: Option<RegionKind>,
    /// Only nodes below this node.
    pub within: Option<Uuid>,
    pub q: Option<String>,
}

pub async fn list_regions(db: &Db, query: RegionQuery, page: Page) -> Result<Paged<Region>, DomainError> {
    db.run(move |c| {
        let within = query.within.map(|id| regions::get(c, id).map(|r| r.path)).transpose()?;
        let filter = regions::RegionFilter {
            parent_id: query.parent_id,
            roots: query.kind.is_none() && within.is_none() && query.q.is_none(),
            kind: query.kind,
            within,
            q: query.q,
        };
        regions::list(c, &filter, &page)
    })
    .await
}

/// A region by its code (e.g. `dd-hean`) or id, as operators type it.
pub async fn find_region(db: &Db, code_or_id: String) -> Result<Region, DomainError> {
    db.run(move |c| {
        let by_id = code_or_id.parse::<Uuid>().ok().map(|id| regions::find(c, id)).transpose()?.flatten();
        match by_id {
            Some(r) => Ok(r),
            None => regions::find_by_code(c, &code_or_id)?.ok_or(DomainError::not_found("region.not_found")),
        }
    })
    .await
}

/// A region and its ancestors from the street down (the region itself last).
pub async fn region_lineage(db: &Db, id: Uuid) -> Result<Vec<Region>, DomainError> {
    db.run(move |c| {
        let region = regions::get(c, id)?;
        regions::lineage(c, &region)
    })
    .await
}

pub async fn create_region(
    db: &Db,
    actor: Actor,
    draft: RegionDraft,
    parent_id: Option<Uuid>,
) -> Result<Region, DomainError> {
    db.write(move |c| {
        let parent_path = parent_id.map(|p| regions::find(c, p)).transpose()?.flatten().map(|p| p.path);
        if !actor.may_administer(parent_path.as_deref()) {
            return Err(DomainError::forbidden("auth.forbidden", "无权在该区域下创建"));
        }
        let RegionDraft { kind, name, code, address } = draft;
        regions::create(c, regions::NewRegion { kind, code, name, parent_id, address })
    })
    .await
}

/// Fields to change on a region; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct RegionChanges {
    pub name: Option<String>,
    pub code: Option<String>,
    pub address: Option<String>,
}

pub async fn update_region(db: &Db, actor: Actor, id: Uuid, changes: RegionChanges) -> Result<Region, DomainError> {
    db.write(move |c| {
        let current = regions::get(c, id)?;
        if !actor.may_administer(Some(&current.path)) {
            return Err(DomainError::forbidden("auth.forbidden", "无权修改该区域"));
        }
        let RegionChanges { name, code, address } = changes;
        regions::update(c, id, regions::RegionChanges { name, code, address: address.map(Some) })
    })
    .await
}

/// What a poster list may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct PosterQuery {
    pub building_id: Option<Uuid>,
    /// Only posters of buildings below this region.
    pub within: Option<Uuid>,
    pub include_revoked: bool,
}

pub async fn list_posters(db: &Db, actor: Actor, query: PosterQuery, page: Page) -> Result<Paged<Poster>, DomainError> {
    if !actor.is_staff() {
        return Err(DomainError::forbidden("auth.forbidden", "仅工作人员可查看码牌"));
    }
    db.run(move |c| {
        let within = query.within.map(|id| regions::get(c, id).map(|r| r.path)).transpose()?;
        let filter =
            posters::PosterFilter { building_id: query.building_id, within, include_revoked: query.include_revoked };
        posters::list(c, &filter, &page)
    })
    .await
}

pub async fn create_poster(
    db: &Db,
    actor: Actor,
    building_id: Uuid,
    code: Option<PosterCode>,
) -> Result<Poster, DomainError> {
    db.write(move |c| {
        let building = regions::find(c, building_id)?
            .ok_or_else(|| DomainError::field("building_id", "not_found", "楼栋不存在"))?;
        if !actor.may_administer(Some(&building.path)) {
            return Err(DomainError::forbidden("auth.forbidden", "无权为该楼栋制作码牌"));
        }
        posters::create(c, building.id, code)
    })
    .await
}

pub async fn revoke_poster(db: &Db, actor: Actor, code: String) -> Result<Poster, DomainError> {
    db.write(move |c| {
        let poster = posters::find(c, &code)?.ok_or(DomainError::not_found("poster.not_found"))?;
        let building = regions::get(c, poster.building_id)?;
        if !actor.may_administer(Some(&building.path)) {
            return Err(DomainError::forbidden("auth.forbidden", "无权停用该码牌"));
        }
        posters::revoke(c, &code)
    })
    .await
}

/// What the report page needs after a scan.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub poster: Poster,
    pub street: Region,
    pub community: Region,
    pub grid: Region,
    pub building: Region,
    pub categories: Vec<(Category, Vec<CategoryItem>)>,
}

/// What scanning a poster found.
#[derive(Debug, Clone)]
pub enum Scan {
    Open(Scanned),
    /// The poster was revoked: old prints still say where they hang, and which
    /// poster replaced them if the building has one in use.
    Withdrawn {
        poster: Poster,
        replaced_by: Option<String>,
        street: Region,
        community: Region,
        building: Region,
    },
}

pub async fn scan(db: &Db, code: String) -> Result<Scan, DomainError> {
    db.run(move |c| {
        let target = posters::scan(c, &code)?;
        let [street, community, grid, building] = <[Region; 4]>::try_from(target.lineage).map_err(|l| {
            storage(format!("poster {} leads to a lineage of {} nodes, not 4", target.poster.code, l.len()))
        })?;
        let kinds = [&street, &community, &grid, &building].map(|r| r.kind);
        if kinds != [RegionKind::Street, RegionKind::Community, RegionKind::Grid, RegionKind::Building] {
            return Err(storage(format!(
                "poster {} is not under a full street/community/grid chain",
                target.poster.code
            )));
        }
        if target.poster.revoked_at.is_some() {
            let replaced_by = posters::current_for(c, building.id)?.map(|p| p.code);
            return Ok(Scan::Withdrawn { poster: target.poster, replaced_by, street, community, building });
        }
        let categories = categories::tree(c, false)?;
        Ok(Scan::Open(Scanned { poster: target.poster, street, community, grid, building, categories }))
    })
    .await
}

/// Revokes a poster and binds a new one to its building in one step (a torn
/// or defaced print): old prints then scan as replaced by the new code.
pub async fn reissue_poster(db: &Db, actor: Actor, code: String) -> Result<Poster, DomainError> {
    db.write(move |c| {
        let old = posters::find(c, &code)?.ok_or(DomainError::not_found("poster.not_found"))?;
        let building = regions::get(c, old.building_id)?;
        if !actor.may_administer(Some(&building.path)) {
            return Err(DomainError::forbidden("auth.forbidden", "无权为该楼栋更换码牌"));
        }
        posters::revoke(c, &code)?;
        posters::create(c, building.id, None)
    })
    .await
}

/// A region's escalation policy, if it has one (staff over the region may read it).
pub async fn escalation_policy(
    db: &Db,
    actor: Actor,
    region_id: Uuid,
) -> Result<domain::order::escalation::EscalationPolicy, DomainError> {
    db.run(move |c| {
        let region = regions::get(c, region_id)?;
        if !actor.is_staff_over(&region.path) {
            return Err(DomainError::forbidden("auth.forbidden", "仅辖区内的工作人员可查看上报规则"));
        }
        crate::repo::policies::find(c, region_id)?.ok_or(DomainError::not_found("policy.not_found"))
    })
    .await
}

/// Sets (or with `None` removes) a region's escalation policy: admins over
/// the region. Orders below it climb up to `up_to` when nobody answers in time.
pub async fn set_escalation_policy(
    db: &Db,
    actor: Actor,
    region_id: Uuid,
    up_to: Option<domain::order::Level>,
) -> Result<Option<domain::order::escalation::EscalationPolicy>, DomainError> {
    db.write(move |c| {
        let region = regions::get(c, region_id)?;
        if !actor.may_administer(Some(&region.path)) {
            return Err(DomainError::forbidden("auth.forbidden", "无权设置该区域的上报规则"));
        }
        match up_to {
            Some(level) => {
                let level = domain::order::escalation::EscalationPolicy::check_ceiling(level)?;
                crate::repo::policies::set(c, region_id, level)?;
                crate::repo::policies::find(c, region_id)
            }
            None => {
                if !crate::repo::policies::remove(c, region_id)? {
                    return Err(DomainError::not_found("policy.not_found"));
                }
                Ok(None)
            }
        }
    })
    .await
}
