use actix_web::{get, patch, post, web, HttpResponse};
use domain::error::Problems;
use domain::region::{self, RegionDraft, RegionKind};
use domain::text;
use infra::usecase::places::{self as usecase, RegionChanges, RegionQuery as Query_};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body, Path, PathAndBody, Query};
use crate::views::{page_request, Page, RegionView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Children of this node. Without it (and without `kind`), the streets.
    pub parent_id: Option<Uuid>,
    /// Only nodes of this kind.
    #[param(value_type = Option<RegionKind>)]
    pub kind: Option<String>,
    /// Only nodes below this node (any depth).
    pub within: Option<Uuid>,
    /// Name contains this text.
    #[param(min_length = 1, max_length = 64)]
    pub q: Option<String>,
    /// Page size, 1–200 (values outside are clamped).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

/// List regions: children of a node, nodes of a kind, or a name search
///
/// Children of `parent_id`, nodes of one `kind`, nodes below `within`, or a name search with `q`; cursor paged.
#[utoipa::path(
    get, path = "/api/v1/regions", operation_id = "list_regions", tag = "regions", security(("bearer" = [])),
    params(RegionQuery),
    responses(
        (status = 200, description = "A page of regions", body = Page<RegionView>),
        (status = 404, description = "`within` names no region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:region.not_found", "title": "资源不存在", "status": 404, "code": "region.not_found"})),
        (status = 422, description = "Unknown kind", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Query,
    )
)]
#[get("/api/v1/regions")]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<RegionQuery>,
) -> ApiResult<web::Json<Page<RegionView>>> {
    let q = query.into_inner();
    let mut p = Problems::new();
    let kind = q.kind.as_deref().and_then(|k| p.take(k.parse::<RegionKind>()));
    let text = q.q.as_deref().and_then(|t| p.take(text::bounded("q", t, 1, 64)));
    let page = p.take(page_request(q.cursor, q.limit));
    p.finish()?;
    let query = Query_ { parent_id: q.parent_id, kind, within: q.within, q: text };
    let paged = usecase::list_regions(&state.db, query, page.unwrap_or_default()).await?;
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
///
/// The node with its ancestors from the street down, e.g. to show 江南街道 › 点灯社区 › 第一网格.
#[utoipa::path(
    get, path = "/api/v1/regions/{id}", operation_id = "get_region", tag = "regions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    responses(
        (status = 200, description = "The region", body = RegionDetail),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:region.not_found", "title": "资源不存在", "status": 404, "code": "region.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/regions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RegionDetail>> {
    let mut lineage = usecase::region_lineage(&state.db, id.into_inner()).await?;
    let region = lineage.pop().ok_or(domain::DomainError::not_found("region.not_found"))?;
    Ok(web::Json(RegionDetail { region: region.into(), ancestors: lineage.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewRegion {
    /// One level below the parent.
    #[schema(value_type = RegionKind, example = "grid")]
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

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct RegionPatch {
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
}

/// Create a street, community, grid or building (admin over the parent)
///
/// A street has no parent; a community hangs under a street, a grid under a community, a building under a grid.
#[utoipa::path(
    post, path = "/api/v1/regions", operation_id = "create_region", tag = "regions", security(("bearer" = [])),
    request_body = NewRegion,
    responses(
        (status = 201, description = "Created", body = RegionView, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not an admin over the parent", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 409, description = "Code or sibling name taken", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:region.code_taken", "title": "与现有数据冲突", "status": 409, "code": "region.code_taken"})),
        (status = 422, description = "Invalid fields, or the wrong kind of parent", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Body,
    )
)]
#[post("/api/v1/regions")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<NewRegion>) -> ApiResult<HttpResponse> {
    let body = body.0;
    let draft = RegionDraft::parse(&body.kind, &body.name, body.code.as_deref(), body.address.as_deref())?;
    let region = usecase::create_region(&state.db, caller.0, draft, body.parent_id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/regions/{}", region.id)))
        .json(RegionView::from(region)))
}

/// Rename a region, change its code or address (admin over the region)
///
/// Send only the fields to change; the node stays where it is in the tree.
#[utoipa::path(
    patch, path = "/api/v1/regions/{id}", operation_id = "update_region", tag = "regions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Region id")),
    request_body = RegionPatch,
    responses(
        (status = 200, description = "Updated", body = RegionView),
        (status = 403, description = "Not an admin over this region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:region.not_found", "title": "资源不存在", "status": 404, "code": "region.not_found"})),
        (status = 409, description = "Code or sibling name taken", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:region.code_taken", "title": "与现有数据冲突", "status": 409, "code": "region.code_taken"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, PathAndBody,
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
    let changes = RegionChanges { name, code, address };
    Ok(web::Json(usecase::update_region(&state.db, caller.0, id.into_inner(), changes).await?.into()))
}
