use actix_web::{get, patch, post, web, HttpResponse};
use domain::error::Problems;
use domain::region::{self, RegionDraft, RegionKind};
use domain::{text, DomainError};
use infra::repo::{regions as repo, Page as PageReq};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::views::{Page, RegionView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Children of this node. Without it (and without `kind`), the streets.
    pub parent_id: Option<Uuid>,
    /// Only nodes of this kind: street, community, grid, building.
    #[param(pattern = "^(street|community|grid|building)$")]
    pub kind: Option<String>,
    /// Only nodes below this node (any depth).
    pub within: Option<Uuid>,
    /// Name contains this text.
    pub q: Option<String>,
    /// 1–200, default 50 (values outside are clamped).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List regions: children of a node, nodes of a kind, or a name search
#[utoipa::path(
    get, path = "/api/v1/regions", tag = "regions", security(("bearer" = [])),
    params(RegionQuery),
    responses(
        (status = 200, description = "A page of regions", body = Page<RegionView>),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`within` names no region", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown kind", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/regions")]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<RegionQuery>,
) -> ApiResult<web::Json<Page<RegionView>>> {
    let query = query.into_inner();
    let kind = query.kind.as_deref().map(str::parse::<RegionKind>).transpose()?;
    let page = PageReq::new(query.cursor, query.limit);
    let within = query.within;
    let paged = state
        .db
        .run(move |c| {
            let within = within.map(|id| repo::get(c, id).map(|r| r.path)).transpose()?;
            let filter = repo::RegionFilter {
                parent_id: query.parent_id,
                roots: kind.is_none() && within.is_none() && query.q.is_none(),
                kind,
                within,
                q: query.q,
            };
            repo::list(c, &filter, &page)
        })
        .await?;
    Ok(web::Json(Page::map(paged, RegionView::from)))
}

/// A region with its ancestors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: RegionView,
    /// From the street down to the parent.
    pub ancestors: Vec<RegionView>,
}

/// One region and the path to it
#[utoipa::path(
    get, path = "/api/v1/regions/{id}", tag = "regions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    responses(
        (status = 200, description = "The region", body = RegionDetail),
        (status = 400, description = "Bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/regions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RegionDetail>> {
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |c| {
            let region = repo::get(c, id)?;
            let mut lineage = repo::lineage(c, &region)?;
            lineage.pop();
            Ok(RegionDetail { region: region.into(), ancestors: lineage.into_iter().map(Into::into).collect() })
        })
        .await?;
    Ok(web::Json(detail))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegion {
    /// street, community, grid or building: one level below the parent.
    #[schema(example = "grid", pattern = "^(street|community|grid|building)$")]
    pub kind: String,
    /// Required except for streets.
    pub parent_id: Option<Uuid>,
    #[schema(example = "点灯社区第三网格", min_length = 1, max_length = 64)]
    pub name: String,
    /// Stable machine code; generated when absent.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegionPatch {
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
}

/// Create a street, community, grid or building (admin over the parent)
#[utoipa::path(
    post, path = "/api/v1/regions", tag = "regions", security(("bearer" = [])),
    request_body = NewRegion,
    responses(
        (status = 201, description = "Created", body = RegionView),
        (status = 400, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin over the parent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code or sibling name taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or the wrong kind of parent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/regions")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<NewRegion>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let RegionDraft { kind, name, code, address } =
        RegionDraft::parse(&body.kind, &body.name, body.code.as_deref(), body.address.as_deref())?;
    let actor = caller.0;
    let region = state
        .db
        .write(move |c| {
            let parent_path = body.parent_id.map(|p| repo::find(c, p)).transpose()?.flatten().map(|p| p.path);
            if !actor.may_administer(parent_path.as_deref()) {
                return Err(DomainError::forbidden("auth.forbidden", "无权在该区域下创建"));
            }
            repo::create(c, repo::NewRegion { kind, code, name, parent_id: body.parent_id, address })
        })
        .await?;
    Ok(HttpResponse::Created().json(RegionView::from(region)))
}

/// Rename a region, change its code or address (admin over the region)
#[utoipa::path(
    patch, path = "/api/v1/regions/{id}", tag = "regions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    request_body = RegionPatch,
    responses(
        (status = 200, description = "Updated", body = RegionView),
        (status = 400, description = "Bad id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin over this region", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code or sibling name taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/regions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<RegionPatch>,
) -> ApiResult<web::Json<RegionView>> {
    let body = body.0;
    let mut problems = Problems::new();
    let name = body.name.as_deref().and_then(|n| problems.take(region::parse_name(n)));
    let code = body.code.as_deref().and_then(|c| problems.take(text::code("code", c)));
    let address = body.address.as_deref().and_then(|a| problems.take(region::parse_address(a)));
    problems.finish()?;
    let id = id.into_inner();
    let actor = caller.0;
    let region = state
        .db
        .write(move |c| {
            let current = repo::get(c, id)?;
            if !actor.may_administer(Some(&current.path)) {
                return Err(DomainError::forbidden("auth.forbidden", "无权修改该区域"));
            }
            repo::update(c, id, repo::RegionChanges { name, code, address: address.map(Some) })
        })
        .await?;
    Ok(web::Json(region.into()))
}
