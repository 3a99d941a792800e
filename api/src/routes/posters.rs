use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::poster::{Poster, PosterCode};
use infra::usecase::places::{self as usecase, PosterQuery as Query_};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body, Path, Query};
use crate::views::{page_request, Page};

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

impl From<Poster> for PosterView {
    fn from(p: Poster) -> Self {
        PosterView { code: p.code, building_id: p.building_id, created_at: p.created_at, revoked_at: p.revoked_at }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PosterQuery {
    pub building_id: Option<Uuid>,
    /// Only posters of buildings below this region.
    pub within: Option<Uuid>,
    #[param(default = false)]
    pub include_revoked: Option<bool>,
    /// Page size, 1–200 (values outside are clamped).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

/// List posters, e.g. of one building or below a community (staff)
///
/// Staff only. Revoked posters are left out unless `include_revoked=true`.
#[utoipa::path(
    get, path = "/api/v1/posters", operation_id = "list_posters", tag = "posters", security(("bearer" = [])),
    params(PosterQuery),
    responses(
        (status = 200, description = "A page of posters", body = Page<PosterView>),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "`within` names no region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.not_found", "title": "资源不存在", "status": 404, "code": "poster.not_found"})),
        Auth, Query,
    )
)]
#[get("/api/v1/posters")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PosterQuery>,
) -> ApiResult<web::Json<Page<PosterView>>> {
    let q = query.into_inner();
    let page = page_request(q.cursor, q.limit)?;
    let query =
        Query_ { building_id: q.building_id, within: q.within, include_revoked: q.include_revoked.unwrap_or(false) };
    let paged = usecase::list_posters(&state.db, caller.0, query, page).await?;
    Ok(web::Json(Page::map(paged, PosterView::from)))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewPoster {
    pub building_id: Uuid,
    /// 1–32 letters, digits, `-`, `.`, `_` or `~` (safe both as a WeChat `scene` and in a URL);
    /// generated when absent.
    #[schema(pattern = "^[0-9A-Za-z._~-]{1,32}$")]
    pub code: Option<String>,
}

/// Bind a new poster to a building, e.g. to reprint one (admin over the building)
///
/// Print its code as the QR `scene`; a building may have several posters (a reprint gets a new code).
#[utoipa::path(
    post, path = "/api/v1/posters", operation_id = "create_poster", tag = "posters", security(("bearer" = [])),
    request_body = NewPoster,
    responses(
        (status = 201, description = "Created", body = PosterView, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not an admin over the building", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 409, description = "Code taken (`poster.code_taken`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.code_taken", "title": "与现有数据冲突", "status": 409, "code": "poster.code_taken"})),
        (status = 422, description = "Invalid code, or not a building", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Body,
    )
)]
#[post("/api/v1/posters")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<NewPoster>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let code = body.code.as_deref().map(PosterCode::parse).transpose()?;
    let poster = usecase::create_poster(&state.db, caller.0, body.building_id, code).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/posters/{}", poster.code)))
        .json(PosterView::from(poster)))
}

/// Revoke a poster: scanning it then answers 410 (admin over the building)
///
/// Old prints then scan as 410 `poster.revoked`; print a new poster for the building.
#[utoipa::path(
    post, path = "/api/v1/posters/{code}/revoke", operation_id = "revoke_poster", tag = "posters", security(("bearer" = [])),
    params(("code" = String, Path, description = "Poster code")),
    responses(
        (status = 200, description = "Revoked (revoking again changes nothing)", body = PosterView),
        (status = 403, description = "Not an admin over the building", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such poster", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.not_found", "title": "资源不存在", "status": 404, "code": "poster.not_found"})),
        Auth, Path,
    )
)]
#[post("/api/v1/posters/{code}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> ApiResult<web::Json<PosterView>> {
    Ok(web::Json(usecase::revoke_poster(&state.db, caller.0, code.into_inner()).await?.into()))
}

/// Replace a poster: revoke it and bind a new code to its building (admin over the building)
///
/// For a torn or defaced print: old prints then scan as 410 `poster.replaced`
/// naming the new code. Print the new poster from its `poster.png`.
#[utoipa::path(
    post, path = "/api/v1/posters/{code}/reissue", operation_id = "reissue_poster", tag = "posters", security(("bearer" = [])),
    params(("code" = String, Path, description = "The code being replaced")),
    responses(
        (status = 201, description = "The new poster", body = PosterView, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not an admin over the building", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such poster", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.not_found", "title": "资源不存在", "status": 404, "code": "poster.not_found"})),
        Auth, Path,
    )
)]
#[post("/api/v1/posters/{code}/reissue")]
pub async fn reissue(state: web::Data<AppState>, caller: Caller, code: web::Path<String>) -> ApiResult<HttpResponse> {
    let poster = usecase::reissue_poster(&state.db, caller.0, code.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/posters/{}", poster.code)))
        .json(PosterView::from(poster)))
}
