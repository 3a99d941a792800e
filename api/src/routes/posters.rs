use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::poster::PosterCode;
use domain::DomainError;
use infra::repo::{posters as repo, regions, Page as PageReq};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;
use crate::views::Page;

/// A QR poster bound to a building.
#[derive(Debug, Serialize, ToSchema)]
pub struct PosterView {
    /// The QR code's `scene`; scanning leads to `/api/v1/scan/{code}`.
    #[schema(example = "dd-hean")]
    pub code: String,
    pub building_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Set once revoked; a revoked poster scans as 410.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<repo::Poster> for PosterView {
    fn from(p: repo::Poster) -> Self {
        PosterView { code: p.code, building_id: p.building_id, created_at: p.created_at, revoked_at: p.revoked_at }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PosterQuery {
    pub building_id: Option<Uuid>,
    /// Only posters of buildings below this region.
    pub within: Option<Uuid>,
    pub include_revoked: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn require_staff(caller: &Caller) -> ApiResult<()> {
    if caller.0.is_staff() {
        Ok(())
    } else {
        Err(ApiError::forbidden("auth.forbidden", "仅工作人员可查看码牌"))
    }
}

/// List posters, e.g. of one building or below a community (staff)
#[utoipa::path(
    get, path = "/api/v1/posters", tag = "posters", security(("bearer" = [])),
    params(PosterQuery),
    responses(
        (status = 200, description = "A page of posters", body = Page<PosterView>),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`within` names no region", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/posters")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PosterQuery>,
) -> ApiResult<web::Json<Page<PosterView>>> {
    require_staff(&caller)?;
    let q = query.into_inner();
    let page = PageReq::new(q.cursor, q.limit);
    let paged = state
        .db
        .run(move |c| {
            let within = q.within.map(|id| regions::get(c, id).map(|r| r.path)).transpose()?;
            let filter = repo::PosterFilter {
                building_id: q.building_id,
                within,
                include_revoked: q.include_revoked.unwrap_or(false),
            };
            repo::list(c, &filter, &page)
        })
        .await?;
    Ok(web::Json(Page::map(paged, PosterView::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPoster {
    pub building_id: Uuid,
    /// 1–32 letters, digits, `-`, `.`, `_` or `~` (safe both as a WeChat `scene` and in a URL);
    /// generated when absent.
    #[schema(pattern = "^[0-9A-Za-z._~-]{1,32}$")]
    pub code: Option<String>,
}

/// Bind a new poster to a building, e.g. to reprint one (admin over the building)
#[utoipa::path(
    post, path = "/api/v1/posters", tag = "posters", security(("bearer" = [])),
    request_body = NewPoster,
    responses(
        (status = 201, description = "Created", body = PosterView),
        (status = 400, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin over the building", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken (`poster.code_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid code, or not a building", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/posters")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<NewPoster>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let code = body.code.as_deref().map(PosterCode::parse).transpose()?;
    let actor = caller.0;
    let poster = state
        .db
        .write(move |c| {
            let building = regions::find(c, body.building_id)?
                .ok_or_else(|| DomainError::field("building_id", "not_found", "楼栋不存在"))?;
            if !actor.may_administer(Some(&building.path)) {
                return Err(DomainError::forbidden("auth.forbidden", "无权为该楼栋制作码牌"));
            }
            repo::create(c, building.id, code)
        })
        .await?;
    Ok(HttpResponse::Created().json(PosterView::from(poster)))
}

/// Revoke a poster: scanning it then answers 410 (admin over the building)
#[utoipa::path(
    post, path = "/api/v1/posters/{code}/revoke", tag = "posters", security(("bearer" = [])),
    params(("code" = String, Path, description = "Poster code")),
    responses(
        (status = 200, description = "Revoked (revoking again changes nothing)", body = PosterView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin over the building", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such poster", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/posters/{code}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> ApiResult<web::Json<PosterView>> {
    let code = code.into_inner();
    let actor = caller.0;
    let poster = state
        .db
        .write(move |c| {
            let poster = repo::find(c, &code)?.ok_or(DomainError::not_found("poster.not_found"))?;
            let building = regions::get(c, poster.building_id)?;
            if !actor.may_administer(Some(&building.path)) {
                return Err(DomainError::forbidden("auth.forbidden", "无权停用该码牌"));
            }
            repo::revoke(c, &code)
        })
        .await?;
    Ok(web::Json(poster.into()))
}
