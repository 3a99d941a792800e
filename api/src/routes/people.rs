//! Party members (双报到, granted by staff for now) and the organisations,
//! teams and departments orders can be dispatched to.

use actix_web::{get, post, web, HttpResponse};
use domain::actor::{Unit, UnitKind};
use infra::usecase::people as usecase;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body, PathAndBody, Query};
use crate::views::UserView;

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PartyMemberGrant {
    pub user_id: Uuid,
    /// The communities the party member registers with and serves.
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20, code = "count"))]
    pub community_ids: Vec<Uuid>,
}

/// Grant the party-member role for one or more communities (staff)
///
/// The caller must be staff whose scope covers each community (community staff, street
/// staff or an admin). A registration flow with approval comes later.
#[utoipa::path(
    post, path = "/api/v1/party-members", operation_id = "grant_party_member", tag = "people", security(("bearer" = [])),
    request_body = PartyMemberGrant,
    responses(
        (status = 200, description = "The user with the new roles", body = UserView),
        (status = 403, description = "Not staff over every community given", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 422, description = "Unknown user or community, or none given", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Body,
    )
)]
#[post("/api/v1/party-members")]
pub async fn grant_party_member(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PartyMemberGrant>,
) -> ApiResult<web::Json<UserView>> {
    let body = body.0;
    let profile = usecase::grant_party_member(&state.db, caller.0, body.user_id, body.community_ids).await?;
    Ok(web::Json(profile.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    pub kind: UnitKind,
    pub name: String,
    pub region_id: Option<Uuid>,
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        UnitView { id: u.id, kind: u.kind, name: u.name, region_id: u.region_id }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewUnit {
    #[schema(value_type = UnitKind, example = "organization")]
    pub kind: String,
    #[schema(example = "八步供电所", min_length = 1, max_length = 64)]
    pub name: String,
    /// The region it serves (omit for city-wide departments).
    pub region_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewMember {
    pub user_id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    #[param(value_type = Option<UnitKind>)]
    pub kind: Option<String>,
}

/// List organisations, volunteer teams and departments (staff)
///
/// Staff only: the organisations (共建单位), volunteer teams (志愿服务队) and departments (职能部门) orders can be dispatched to.
#[utoipa::path(
    get, path = "/api/v1/units", operation_id = "list_units", tag = "people", security(("bearer" = [])),
    params(UnitQuery),
    responses(
        (status = 200, description = "Units", body = Vec<UnitView>),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 422, description = "Unknown kind", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Query,
    )
)]
#[get("/api/v1/units")]
pub async fn list_units(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<UnitQuery>,
) -> ApiResult<web::Json<Vec<UnitView>>> {
    let kind = q.into_inner().kind.as_deref().map(str::parse::<UnitKind>).transpose()?;
    let units = usecase::list_units(&state.db, caller.0, kind).await?;
    Ok(web::Json(units.into_iter().map(UnitView::from).collect()))
}

/// Create an organisation, volunteer team or department (admin over its region)
///
/// A unit serves a region (omit the region for a city-wide department); add members with `POST /api/v1/units/{id}/members`.
#[utoipa::path(
    post, path = "/api/v1/units", operation_id = "create_unit", tag = "people", security(("bearer" = [])),
    request_body = NewUnit,
    responses(
        (status = 201, description = "Created", body = UnitView, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not an admin over the region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 409, description = "Same name in the same region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:unit.name_taken", "title": "与现有数据冲突", "status": 409, "code": "unit.name_taken"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Body,
    )
)]
#[post("/api/v1/units")]
pub async fn create_unit(state: web::Data<AppState>, caller: Caller, body: Json<NewUnit>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let kind: UnitKind = body.kind.parse()?;
    let unit = usecase::create_unit(&state.db, caller.0, kind, body.name, body.region_id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/units/{}", unit.id)))
        .json(UnitView::from(unit)))
}

/// Add a user to a unit: they then accept and handle what is dispatched to it (admin)
///
/// Members accept and handle what is dispatched to the unit.
#[utoipa::path(
    post, path = "/api/v1/units/{id}/members", operation_id = "add_unit_member", tag = "people", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = NewMember,
    responses(
        (status = 204, description = "Added (adding twice changes nothing)"),
        (status = 403, description = "Not an admin over the unit's region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:unit.not_found", "title": "资源不存在", "status": 404, "code": "unit.not_found"})),
        (status = 422, description = "Unknown user", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, PathAndBody,
    )
)]
#[post("/api/v1/units/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewMember>,
) -> ApiResult<HttpResponse> {
    usecase::add_unit_member(&state.db, caller.0, id.into_inner(), body.0.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
