use actix_web::{get, patch, post, web, HttpResponse};
use domain::actor::Actor;
use domain::category::{self, Category, CategoryItem};
use domain::DomainError;
use infra::repo::categories as repo;
use infra::AnyConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;

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
        }
    }
}

fn category_view(c: Category, items: Vec<CategoryItem>) -> CategoryView {
    CategoryView {
        id: c.id,
        code: c.code,
        name: c.name,
        sort_order: c.sort_order,
        active: c.active,
        items: items.into_iter().map(Into::into).collect(),
    }
}

pub fn load_tree(conn: &mut AnyConnection, include_inactive: bool) -> Result<Vec<CategoryView>, DomainError> {
    Ok(repo::tree(conn, include_inactive)?.into_iter().map(|(c, i)| category_view(c, i)).collect())
}

fn require_config_admin(actor: &Actor) -> ApiResult<()> {
    if actor.may_configure_categories() {
        Ok(())
    } else {
        Err(ApiError::forbidden("auth.forbidden", "只有市级管理员可以配置事项分类"))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Include deactivated categories and items (city-wide admins only).
    pub include_inactive: Option<bool>,
}

/// The category tree with each item's response and resolve times (no login needed)
#[utoipa::path(
    get, path = "/api/v1/categories", tag = "categories", security(()),
    params(ListQuery),
    responses(
        (status = 200, description = "Categories in display order, each with its items", body = Vec<CategoryView>),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`include_inactive=true` needs an admin's token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`include_inactive=true` is for city-wide admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/categories")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
    caller: Option<Caller>,
) -> ApiResult<web::Json<Vec<CategoryView>>> {
    let include_inactive = query.include_inactive.unwrap_or(false);
    if include_inactive {
        let caller = caller.ok_or_else(|| ApiError::unauthorized("auth.missing_token"))?;
        require_config_admin(&caller.0)?;
    }
    Ok(web::Json(state.db.run(move |c| load_tree(c, include_inactive)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCategory {
    #[schema(example = "safety", pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: String,
    #[schema(example = "安全隐患", min_length = 1, max_length = 32)]
    pub name: String,
    #[serde(default)]
    pub sort_order: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CategoryPatch {
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewItem {
    #[schema(example = "gas-leak", pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: String,
    #[schema(example = "燃气泄漏", min_length = 1, max_length = 32)]
    pub name: String,
    /// 1 to 10080 (one week).
    #[schema(example = 15, minimum = 1, maximum = 10080)]
    pub response_minutes: i32,
    /// 1 to 8760 (one year); not less than the response time.
    #[schema(example = 4, minimum = 1, maximum = 8760)]
    pub resolve_hours: i32,
    #[serde(default)]
    pub sort_order: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemPatch {
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
    #[schema(minimum = 1, maximum = 10080)]
    pub response_minutes: Option<i32>,
    #[schema(minimum = 1, maximum = 8760)]
    pub resolve_hours: Option<i32>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

/// Create a category (city-wide admin)
#[utoipa::path(
    post, path = "/api/v1/categories", tag = "categories", security(("bearer" = [])),
    request_body = NewCategory,
    responses(
        (status = 201, description = "Created", body = CategoryView),
        (status = 400, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used (`category.code_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewCategory>,
) -> ApiResult<HttpResponse> {
    require_config_admin(&caller.0)?;
    let body = body.0;
    let category::CategoryDraft { code, name } = category::CategoryDraft::parse(&body.code, &body.name)?;
    let created = state
        .db
        .write(move |c| {
            let cat = repo::create_category(c, code, name, body.sort_order)?;
            Ok(category_view(cat, Vec::new()))
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Rename, reorder, deactivate or reactivate a category (city-wide admin)
#[utoipa::path(
    patch, path = "/api/v1/categories/{id}", tag = "categories", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = CategoryPatch,
    responses(
        (status = 200, description = "Updated", body = CategoryView),
        (status = 400, description = "Bad id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CategoryPatch>,
) -> ApiResult<web::Json<CategoryView>> {
    require_config_admin(&caller.0)?;
    let body = body.0;
    let name = body.name.as_deref().map(category::parse_name).transpose()?;
    let id = id.into_inner();
    let view = state
        .db
        .write(move |c| {
            let changes = repo::CategoryChanges { name, sort_order: body.sort_order, active: body.active };
            let cat = repo::update_category(c, id, changes)?;
            let items = repo::items_of(c, id)?;
            Ok(category_view(cat, items))
        })
        .await?;
    Ok(web::Json(view))
}

/// Add an item with its service clock to a category (city-wide admin)
#[utoipa::path(
    post, path = "/api/v1/categories/{id}/items", tag = "categories", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = NewItem,
    responses(
        (status = 201, description = "Created", body = ItemView),
        (status = 400, description = "Bad id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used (`category_item.code_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/categories/{id}/items")]
pub async fn create_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewItem>,
) -> ApiResult<HttpResponse> {
    require_config_admin(&caller.0)?;
    let body = body.0;
    let category::ItemDraft { code, name, sla } =
        category::ItemDraft::parse(&body.code, &body.name, body.response_minutes, body.resolve_hours)?;
    let new = repo::NewItem { category_id: id.into_inner(), code, name, sla, sort_order: body.sort_order };
    let item = state.db.write(move |c| repo::create_item(c, new)).await?;
    Ok(HttpResponse::Created().json(ItemView::from(item)))
}

/// Rename an item, change its clock, reorder or (de)activate it (city-wide admin)
///
/// A new clock applies to orders submitted afterwards; due times already set stay.
#[utoipa::path(
    patch, path = "/api/v1/category-items/{id}", tag = "categories", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Item id")),
    request_body = ItemPatch,
    responses(
        (status = 200, description = "Updated", body = ItemView),
        (status = 400, description = "Bad id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a city-wide admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/category-items/{id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ItemPatch>,
) -> ApiResult<web::Json<ItemView>> {
    require_config_admin(&caller.0)?;
    let body = body.0;
    let name = body.name.as_deref().map(category::parse_name).transpose()?;
    let changes = repo::ItemChanges {
        name,
        response_minutes: body.response_minutes,
        resolve_hours: body.resolve_hours,
        sort_order: body.sort_order,
        active: body.active,
    };
    let id = id.into_inner();
    let item = state.db.write(move |c| repo::update_item(c, id, changes)).await?;
    Ok(web::Json(item.into()))
}
