use actix_web::{get, patch, post, web, HttpResponse};
use domain::category::{self, Category, CategoryItem};
use infra::usecase::categories::{self as usecase, CategoryChanges, ItemChanges};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body, PathAndBody, Query};

/// An item residents choose, with its service clock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    pub id: Uuid,
    #[schema(example = "sewage-blockage")]
    pub code: String,
    #[schema(example = "污水管道堵塞")]
    pub name: String,
    /// Minutes allowed until someone accepts the order.
    #[schema(example = 30)]
    pub response_minutes: i32,
    /// Hours allowed until the order is resolved.
    #[schema(example = 24)]
    pub resolve_hours: i32,
    pub sort_order: i32,
    pub active: bool,
    /// Orders of this item are urgent by default: the 15-minute response clock.
    pub urgent: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: Uuid,
    #[schema(example = "municipal")]
    pub code: String,
    #[schema(example = "市政设施")]
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
    pub items: Vec<ItemView>,
}

impl From<CategoryItem> for ItemView {
    fn from(i: CategoryItem) -> Self {
        ItemView {
            id: i.id,
            code: i.code,
            name: i.name,
            response_minutes: i.response_minutes,
            resolve_hours: i.resolve_hours,
            sort_order: i.sort_order,
            active: i.active,
            urgent: i.urgent,
        }
    }
}

pub fn category_view(c: Category, items: Vec<CategoryItem>) -> CategoryView {
    CategoryView {
        id: c.id,
        code: c.code,
        name: c.name,
        sort_order: c.sort_order,
        active: c.active,
        items: items.into_iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Include deactivated categories and items (city-wide admins only).
    #[param(default = false)]
    pub include_inactive: Option<bool>,
}

/// The category tree with each item's response and resolve times (no login needed)
///
/// Every active category with its items in display order; each item carries its response clock (minutes) and resolve clock (hours). A city-wide admin may add `include_inactive=true`.
#[utoipa::path(
    get, path = "/api/v1/categories", operation_id = "list_categories", tag = "categories", security(()),
    params(ListQuery),
    responses(
        (status = 200, description = "Categories in display order, each with its items", body = Vec<CategoryView>),
        (status = 403, description = "`include_inactive=true` is for city-wide admins", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        Query,
    )
)]
#[get("/api/v1/categories")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
    caller: Option<Caller>,
) -> ApiResult<web::Json<Vec<CategoryView>>> {
    let include_inactive = query.include_inactive.unwrap_or(false);
    let tree = usecase::tree(&state.db, caller.map(|c| c.0), include_inactive).await?;
    Ok(web::Json(tree.into_iter().map(|(c, items)| category_view(c, items)).collect()))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewCategory {
    #[schema(example = "safety", pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: String,
    #[schema(example = "安全隐患", min_length = 1, max_length = 32)]
    pub name: String,
    #[serde(default)]
    pub sort_order: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct CategoryPatch {
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewItem {
    #[schema(example = "gas-leak", pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: String,
    #[schema(example = "燃气泄漏", min_length = 1, max_length = 32)]
    pub name: String,
    /// 1 to 10080 (one week).
    #[schema(example = 15, minimum = 1, maximum = 10080)]
    #[validate(range(min = 1, max = 10080, code = "out_of_range"))]
    pub response_minutes: i32,
    /// 1 to 8760 (one year); not less than the response time.
    #[schema(example = 4, minimum = 1, maximum = 8760)]
    #[validate(range(min = 1, max = 8760, code = "out_of_range"))]
    pub resolve_hours: i32,
    #[serde(default)]
    pub sort_order: i32,
    /// Urgent by default (e.g. a tree on a power line): the 15-minute response clock.
    #[serde(default)]
    pub urgent: bool,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ItemPatch {
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
    #[schema(minimum = 1, maximum = 10080)]
    #[validate(range(min = 1, max = 10080, code = "out_of_range"))]
    pub response_minutes: Option<i32>,
    #[schema(minimum = 1, maximum = 8760)]
    #[validate(range(min = 1, max = 8760, code = "out_of_range"))]
    pub resolve_hours: Option<i32>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
    pub urgent: Option<bool>,
}

/// Create a category (city-wide admin)
///
/// The code is a stable machine name (`a-z`, digits, `-`, `_`); the name is what residents see.
#[utoipa::path(
    post, path = "/api/v1/categories", operation_id = "create_category", tag = "categories", security(("bearer" = [])),
    request_body = NewCategory,
    responses(
        (status = 201, description = "Created", body = CategoryView, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 409, description = "Code already used (`category.code_taken`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:category.code_taken", "title": "与现有数据冲突", "status": 409, "code": "category.code_taken"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Body,
    )
)]
#[post("/api/v1/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewCategory>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let draft = category::CategoryDraft::parse(&body.code, &body.name)?;
    let created = usecase::create_category(&state.db, caller.0, draft, body.sort_order).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/categories/{}", created.id)))
        .json(category_view(created, Vec::new())))
}

/// Rename, reorder, deactivate or reactivate a category (city-wide admin)
///
/// Send only the fields to change. Deactivated categories disappear from the scan page and new orders; existing orders keep them.
#[utoipa::path(
    patch, path = "/api/v1/categories/{id}", operation_id = "update_category", tag = "categories", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = CategoryPatch,
    responses(
        (status = 200, description = "Updated", body = CategoryView),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:category.not_found", "title": "资源不存在", "status": 404, "code": "category.not_found"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, PathAndBody,
    )
)]
#[patch("/api/v1/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CategoryPatch>,
) -> ApiResult<web::Json<CategoryView>> {
    let body = body.0;
    let name = body.name.as_deref().map(category::parse_name).transpose()?;
    let changes = CategoryChanges { name, sort_order: body.sort_order, active: body.active };
    let (cat, items) = usecase::update_category(&state.db, caller.0, id.into_inner(), changes).await?;
    Ok(web::Json(category_view(cat, items)))
}

/// Add an item with its service clock to a category (city-wide admin)
///
/// The item gets its own clock: `response_minutes` until someone accepts an order, `resolve_hours` until it is resolved.
#[utoipa::path(
    post, path = "/api/v1/categories/{id}/items", operation_id = "create_category_item", tag = "categories", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = NewItem,
    responses(
        (status = 201, description = "Created", body = ItemView, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:category.not_found", "title": "资源不存在", "status": 404, "code": "category.not_found"})),
        (status = 409, description = "Code already used (`category_item.code_taken`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:category_item.code_taken", "title": "与现有数据冲突", "status": 409, "code": "category_item.code_taken"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, PathAndBody,
    )
)]
#[post("/api/v1/categories/{id}/items")]
pub async fn create_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewItem>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let draft = category::ItemDraft::parse(&body.code, &body.name, body.response_minutes, body.resolve_hours)?;
    let item = usecase::create_item(&state.db, caller.0, id.into_inner(), draft, body.sort_order, body.urgent).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/category-items/{}", item.id)))
        .json(ItemView::from(item)))
}

/// Rename an item, change its clock, reorder or (de)activate it (city-wide admin)
///
/// A new clock applies to orders submitted afterwards; due times already set stay.
#[utoipa::path(
    patch, path = "/api/v1/category-items/{id}", operation_id = "update_category_item", tag = "categories", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Item id")),
    request_body = ItemPatch,
    responses(
        (status = 200, description = "Updated", body = ItemView),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:category_item.not_found", "title": "资源不存在", "status": 404, "code": "category_item.not_found"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, PathAndBody,
    )
)]
#[patch("/api/v1/category-items/{id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ItemPatch>,
) -> ApiResult<web::Json<ItemView>> {
    let body = body.0;
    let name = body.name.as_deref().map(category::parse_name).transpose()?;
    let changes = ItemChanges {
        name,
        response_minutes: body.response_minutes,
        resolve_hours: body.resolve_hours,
        sort_order: body.sort_order,
        active: body.active,
        urgent: body.urgent,
    };
    let item = usecase::update_item(&state.db, caller.0, id.into_inner(), changes).await?;
    Ok(web::Json(item.into()))
}
