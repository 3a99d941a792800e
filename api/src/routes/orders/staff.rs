//! What staff over an order do beside the closed loop: clear a content flag,
//! change the priority.

use actix_web::{post, web};
use domain::order::Priority;
use infra::usecase::moderation;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Invalid, OrderCommand, Path, PathAndBody};
use crate::routes::order_views::OrderView;

/// Clear an order's content flag after looking at it (staff over the order)
///
/// For orders WeChat's content check flagged (`moderation` review, risky or
/// pending): the texts and photos stand, the flag goes, a withheld photo shows again.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/moderation/clear", operation_id = "clear_order_moderation", tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order")),
    responses(
        (status = 200, description = "The order, without its flag", body = OrderView),
        (status = 403, description = "You may see the order but are not staff over it (`order.forbidden`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:order.forbidden", "title": "仅辖区内的工作人员可审核内容", "status": 403, "code": "order.forbidden"})),
        (status = 404, description = "No such order, or not yours to see (`order.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:order.not_found", "title": "资源不存在", "status": 404, "code": "order.not_found"})),
        Auth, Path,
    )
)]
#[post("/api/v1/orders/{id}/moderation/clear")]
pub async fn clear_order_moderation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OrderView>> {
    let detail = moderation::clear(&state.db, caller.0, id.into_inner()).await?;
    Ok(web::Json(OrderView::of(detail, infra::ids::now_utc())))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PriorityBody {
    #[schema(value_type = Priority, example = "urgent")]
    pub priority: String,
}

/// Change an open order's priority (staff over the order)
///
/// `urgent` while nobody has answered: it must be answered within 15 minutes from
/// now (or by its due time, if sooner). Back to `normal`: the item's clock from
/// submission. The timeline records `prioritized {from, to}`.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/prioritize", operation_id = "prioritize_order", tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order")),
    request_body = PriorityBody,
    responses(
        (status = 200, description = "The order with its priority and due times", body = OrderView),
        OrderCommand, Auth, PathAndBody, Invalid,
    )
)]
#[post("/api/v1/orders/{id}/prioritize")]
pub async fn prioritize_order(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PriorityBody>,
) -> ApiResult<web::Json<OrderView>> {
    let priority = body.0.priority.parse::<Priority>()?;
    let detail = infra::usecase::orders::prioritize(&state.db, caller.0, id.into_inner(), priority).await?;
    Ok(web::Json(OrderView::of(detail, infra::ids::now_utc())))
}
