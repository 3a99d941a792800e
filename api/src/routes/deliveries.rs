//! The notification queue for operators (city-wide admins): what was sent
//! where, what failed and why, and a retry for the dead.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use domain::delivery::{DeliveryStatus, NotifyChannel};
use domain::error::Problems;
use infra::usecase::notifications::{self as usecase, ChannelRecord, DeliveryFilter, DeliveryRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::responses::{Auth, Path, Query, StaffOnly};
use crate::views::{page_request, Page};

/// One channel's part of a notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelDeliveryView {
    pub channel: NotifyChannel,
    /// `sent`, `failed` (will be retried with the notification) or `dead`.
    pub status: DeliveryStatus,
    #[schema(minimum = 1)]
    pub attempts: i32,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A notification in the queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    #[schema(example = "order.submitted")]
    pub template: String,
    #[schema(example = "有新的工单待派单")]
    pub title: String,
    pub status: DeliveryStatus,
    #[schema(minimum = 0)]
    pub attempts: i32,
    /// When it is tried next (for `pending` and `failed`).
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The channels that did something with it; a channel with nothing to do is not listed.
    pub channels: Vec<ChannelDeliveryView>,
}

impl From<ChannelRecord> for ChannelDeliveryView {
    fn from(c: ChannelRecord) -> Self {
        ChannelDeliveryView {
            channel: c.channel,
            status: c.status,
            attempts: c.attempts,
            last_error: c.last_error,
            updated_at: c.updated_at,
        }
    }
}

impl From<DeliveryRecord> for DeliveryView {
    fn from(d: DeliveryRecord) -> Self {
        DeliveryView {
            id: d.id,
            order_id: d.order_id,
            title: domain::delivery::title(&d.template).to_owned(),
            template: d.template,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_error: d.last_error,
            created_at: d.created_at,
            sent_at: d.sent_at,
            channels: d.channels.into_iter().map(ChannelDeliveryView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
    /// Only notifications this channel has tried.
    #[param(value_type = Option<NotifyChannel>)]
    pub channel: Option<String>,
    /// Page size, 1–200 (values outside are clamped).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

/// List notifications and their deliveries
///
/// City-wide admins. Newest first; filter by status (`pending`, `sending`, `failed`, `sent`,
/// `dead`) and by channel. Each lists what every channel made of it, with the last error.
#[utoipa::path(
    tag = "deliveries", security(("bearer" = [])),
    params(DeliveryQuery),
    responses((status = 200, description = "A page of notifications", body = Page<DeliveryView>), Auth, StaffOnly, Query)
)]
#[get("/api/v1/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<DeliveryQuery>,
) -> ApiResult<web::Json<Page<DeliveryView>>> {
    let q = query.into_inner();
    let mut p = Problems::new();
    let status = q.status.as_deref().and_then(|s| p.take(s.parse::<DeliveryStatus>()));
    let channel = q.channel.as_deref().and_then(|s| p.take(s.parse::<NotifyChannel>()));
    let page = p.take(page_request(q.cursor, q.limit));
    p.finish()?;
    let filter = DeliveryFilter { status, channel };
    let paged = usecase::deliveries(&state.db, caller.0, filter, page.unwrap_or_default()).await?;
    Ok(web::Json(Page::map(paged, DeliveryView::from)))
}

/// Retry a dead notification
///
/// City-wide admins. A notification given up after its attempts goes back to the queue, due
/// now, with a fresh count; channels that delivered it are not asked again. Anything but a
/// dead one is 409 `delivery.not_dead`.
#[utoipa::path(
    tag = "deliveries", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 200, description = "Back in the queue", body = DeliveryView),
        (status = 404, description = "No such notification (`delivery.not_found`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:delivery.not_found", "title": "资源不存在", "status": 404, "code": "delivery.not_found"})),
        (status = 409, description = "Not dead (`delivery.not_dead`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:delivery.not_dead", "title": "只有已放弃的通知可以重发，这条是「已送达」", "status": 409, "code": "delivery.not_dead"})),
        Auth, StaffOnly, Path,
    )
)]
#[post("/api/v1/deliveries/{id}/retry")]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DeliveryView>> {
    Ok(web::Json(usecase::retry(&state.db, caller.0, id.into_inner()).await?.into()))
}
