//! Webhooks (admins): notifications POSTed to a receiver, signed. How to verify
//! a signature is in docs/api-conventions.md.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::webhook::WebhookDraft;
use infra::usecase::webhooks::{self as usecase, Robot, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body, Invalid, Path, StaffOnly};

/// A registered webhook (its secret is never shown again).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    #[schema(example = "https://example.org/mashangban-hook")]
    pub url: String,
    /// The notification templates it receives, e.g. `order.submitted`.
    pub events: Vec<String>,
    /// Only orders under this region; `null`: the whole city.
    pub region_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookView {
    fn from(h: Webhook) -> Self {
        WebhookView { id: h.id, url: h.url, events: h.templates, region_id: h.region_id, created_at: h.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewWebhook {
    /// Where to POST: http:// or https://.
    #[schema(example = "https://example.org/mashangban-hook", max_length = 500)]
    #[validate(url(code = "invalid_url"), length(max = 500, code = "too_long"))]
    pub url: String,
    /// Which notifications, e.g. `["order.submitted", "order.overdue"]`.
    #[schema(min_items = 1, max_items = 13, example = json!(["order.submitted"]))]
    #[validate(length(min = 1, max = 13, code = "count"))]
    pub events: Vec<String>,
    /// Shared secret for the signature: 16–128 visible ASCII characters.
    #[schema(min_length = 16, max_length = 128, format = Password)]
    pub secret: String,
    /// Only orders under this region (omit for the whole city: city-wide admins only).
    pub region_id: Option<Uuid>,
}

/// Register a webhook (admin over its region)
///
/// Each matching notification is POSTed as JSON with `X-Mashangban-Delivery` (dedupe by it:
/// delivery is at least once), `X-Mashangban-Timestamp` and `X-Mashangban-Signature`
/// (`sha256=` HMAC-SHA256 of `"{timestamp}.{body}"` with the secret). A receiver that is down
/// is retried with backoff.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered", body = WebhookView, headers(("Location" = String, description = "The new resource's path"))),
        Auth, Body, StaffOnly, Invalid,
    )
)]
#[post("/api/v1/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewWebhook>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let draft = WebhookDraft::parse(&b.url, &b.events, &b.secret)?;
    let hook = usecase::create(&state.db, caller.0, draft, b.region_id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", hook.id)))
        .json(WebhookView::from(hook)))
}

/// List the webhooks you administer
///
/// Admins only: a city-wide admin sees every webhook, a regional admin those of their region.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, description = "Webhooks", body = Vec<WebhookView>), Auth, StaffOnly)
)]
#[get("/api/v1/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Vec<WebhookView>>> {
    let hooks = usecase::list(&state.db, caller.0).await?;
    Ok(web::Json(hooks.into_iter().map(WebhookView::from).collect()))
}

/// Remove a webhook
///
/// Nothing more is sent to it; notifications already on their way may still arrive once.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such webhook of yours (`webhook.not_found`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:webhook.not_found", "title": "资源不存在", "status": 404, "code": "webhook.not_found"})),
        Auth, Path,
    )
)]
#[delete("/api/v1/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    usecase::delete(&state.db, caller.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A community's or street's WeCom group robot (its key is never shown again).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RobotView {
    pub region_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<Robot> for RobotView {
    fn from(r: Robot) -> Self {
        RobotView { region_id: r.region_id, created_at: r.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewRobot {
    /// A community or a street.
    pub region_id: Uuid,
    /// The `key` of the robot's webhook address (`…/cgi-bin/webhook/send?key=…`).
    #[schema(min_length = 8, max_length = 64, format = Password)]
    #[validate(length(min = 8, max = 64, code = "invalid_key"))]
    pub key: String,
}

/// Set the WeCom group robot of a community or street (admin over it)
///
/// New orders, rejections, escalations, overdue orders and ratings of orders below the region
/// are posted to the staff chat group as markdown. Setting it again replaces the key.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    request_body = NewRobot,
    responses((status = 200, description = "Set", body = RobotView), Auth, Body, StaffOnly, Invalid)
)]
#[post("/api/v1/wecom-robots")]
pub async fn set_wecom_robot(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewRobot>,
) -> ApiResult<web::Json<RobotView>> {
    let b = body.0;
    Ok(web::Json(usecase::set_robot(&state.db, caller.0, b.region_id, b.key).await?.into()))
}

/// List the WeCom group robots you administer
///
/// One per community or street at most.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, description = "Robots", body = Vec<RobotView>), Auth)
)]
#[get("/api/v1/wecom-robots")]
pub async fn list_wecom_robots(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Vec<RobotView>>> {
    Ok(web::Json(usecase::list_robots(&state.db, caller.0).await?.into_iter().map(RobotView::from).collect()))
}

/// Remove a region's WeCom group robot
///
/// Its chat group hears nothing more.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("region_id" = Uuid, Path, description = "The community or street")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No robot there that you administer (`wecom_robot.not_found`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:wecom_robot.not_found", "title": "资源不存在", "status": 404, "code": "wecom_robot.not_found"})),
        Auth, Path,
    )
)]
#[delete("/api/v1/wecom-robots/{region_id}")]
pub async fn delete_wecom_robot(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    usecase::remove_robot(&state.db, caller.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
