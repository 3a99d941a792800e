//! Party members (双报到, granted by staff for now) and the organisations,
//! teams and departments orders can be dispatched to.

use actix_web::{get, post, web, HttpResponse};
use domain::actor::Role;
use domain::region::RegionKind;
use domain::{text, DomainError};
use infra::repo::{regions, units, users};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::{login, Caller};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;
use crate::views::UserView;

#[derive(Debug, Deserialize, ToSchema)]
pub struct PartyMemberGrant {
    pub user_id: Uuid,
    /// The communities the party member registers with and serves.
    #[schema(min_items = 1, max_items = 20)]
    pub community_ids: Vec<Uuid>,
}

/// Grant the party-member role for one or more communities (staff)
///
/// The caller must be staff whose scope covers each community (community staff, street
/// staff or an admin). A registration flow with approval comes later.
#[utoipa::path(
    post, path = "/api/v1/party-members", tag = "people", security(("bearer" = [])),
    request_body = PartyMemberGrant,
    responses(
        (status = 200, description = "The user with the new roles", body = UserView),
        (status = 400, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff over every community given", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown user or community, or none given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/party-members")]
pub async fn grant_party_member(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PartyMemberGrant>,
) -> ApiResult<web::Json<UserView>> {
    let body = body.0;
    if body.community_ids.is_empty() || body.community_ids.len() > 20 {
        return Err(DomainError::field("community_ids", "count", "请提供 1–20 个社区").into());
    }
    let actor = caller.0;
    let view = state
        .db
        .write(move |c| {
            users::get(c, body.user_id).map_err(|_| DomainError::field("user_id", "not_found", "用户不存在"))?;
            for id in &body.community_ids {
                let community = regions::find(c, *id)?
                    .filter(|r| r.kind == RegionKind::Community)
                    .ok_or_else(|| DomainError::field("community_ids", "not_found", "社区不存在"))?;
                if !actor.may_register_party_members(&community.path) {
                    return Err(DomainError::forbidden("auth.forbidden", "无权为该社区登记党员"));
                }
                users::grant(c, body.user_id, Role::PartyMember, Some(community.id))?;
            }
            login::user_view(c, body.user_id)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    /// organization (共建单位), team (志愿服务队) or department (职能部门).
    pub kind: String,
    pub name: String,
    pub region_id: Option<Uuid>,
}

impl TryFrom<units::UnitRow> for UnitView {
    type Error = DomainError;
    fn try_from(u: units::UnitRow) -> Result<Self, DomainError> {
        Ok(UnitView {
            id: infra::ids::parse_id("units.id", &u.id)?,
            kind: u.kind,
            name: u.name,
            region_id: u.region_id.as_deref().map(|r| infra::ids::parse_id("units.region_id", r)).transpose()?,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUnit {
    #[schema(example = "organization", pattern = "^(organization|team|department)$")]
    pub kind: String,
    #[schema(example = "八步供电所", min_length = 1, max_length = 64)]
    pub name: String,
    /// The region it serves (omit for city-wide departments).
    pub region_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMember {
    pub user_id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    #[param(pattern = "^(organization|team|department)$")]
    pub kind: Option<String>,
}

fn require_admin_over(actor: &domain::actor::Actor, path: Option<&str>) -> Result<(), DomainError> {
    if actor.may_administer(path) {
        Ok(())
    } else {
        Err(DomainError::forbidden("auth.forbidden", "需要该区域的管理员权限"))
    }
}

/// List organisations, volunteer teams and departments (staff)
#[utoipa::path(
    get, path = "/api/v1/units", tag = "people", security(("bearer" = [])),
    params(UnitQuery),
    responses(
        (status = 200, description = "Units", body = Vec<UnitView>),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown kind", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/units")]
pub async fn list_units(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<UnitQuery>,
) -> ApiResult<web::Json<Vec<UnitView>>> {
    if !caller.0.is_staff() {
        return Err(ApiError::forbidden("auth.forbidden", "仅工作人员可查看"));
    }
    let kind = q.into_inner().kind;
    if kind.as_deref().is_some_and(|k| !units::KINDS.contains(&k)) {
        return Err(DomainError::field("kind", "invalid_value", "必须是 organization、team 或 department").into());
    }
    let rows = state.db.run(move |c| units::list(c, kind.as_deref())).await?;
    Ok(web::Json(rows.into_iter().map(UnitView::try_from).collect::<Result<_, _>>()?))
}

/// Create an organisation, volunteer team or department (admin over its region)
#[utoipa::path(
    post, path = "/api/v1/units", tag = "people", security(("bearer" = [])),
    request_body = NewUnit,
    responses(
        (status = 201, description = "Created", body = UnitView),
        (status = 400, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin over the region", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Same name in the same region", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/units")]
pub async fn create_unit(state: web::Data<AppState>, caller: Caller, body: Json<NewUnit>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let name = text::bounded("name", &body.name, 1, 64)?;
    let actor = caller.0;
    let row = state
        .db
        .write(move |c| {
            let path = body.region_id.map(|r| regions::find(c, r)).transpose()?.flatten().map(|r| r.path);
            if body.region_id.is_some() && path.is_none() {
                return Err(DomainError::field("region_id", "not_found", "区域不存在"));
            }
            require_admin_over(&actor, path.as_deref())?;
            units::create(c, &body.kind, &name, body.region_id)
        })
        .await?;
    Ok(HttpResponse::Created().json(UnitView::try_from(row)?))
}

/// Add a user to a unit: they then accept and handle what is dispatched to it (admin)
#[utoipa::path(
    post, path = "/api/v1/units/{id}/members", tag = "people", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = NewMember,
    responses(
        (status = 204, description = "Added (adding twice changes nothing)"),
        (status = 400, description = "Bad id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin over the unit's region", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/units/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewMember>,
) -> ApiResult<HttpResponse> {
    let unit_id = id.into_inner();
    let user_id = body.0.user_id;
    let actor = caller.0;
    state
        .db
        .write(move |c| {
            let unit = units::get(c, unit_id)?.ok_or(DomainError::not_found("unit.not_found"))?;
            let path = match unit.region_id.as_deref() {
                Some(r) => Some(regions::get(c, infra::ids::parse_id("units.region_id", r)?)?.path),
                None => None,
            };
            require_admin_over(&actor, path.as_deref())?;
            units::add_member(c, unit_id, user_id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
