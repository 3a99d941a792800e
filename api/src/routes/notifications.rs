//! The in-app inbox (站内消息): what the dispatcher delivered to the caller.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use infra::notify::inbox::Notification;
use infra::usecase::notifications as usecase;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::responses::{Auth, Path, Query};
use crate::views::{page_request, Page};

/// One notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// What happened, e.g. `order.submitted`.
    #[schema(example = "order.submitted")]
    pub template: String,
    /// The Chinese title to show, e.g. 有新的工单待派单.
    #[schema(example = "有新的工单待派单")]
    pub title: String,
    pub order_id: Option<Uuid>,
    /// `{order_id, number, status}` of the order it is about.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// `null` until read.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            id: n.id,
            title: domain::delivery::title(&n.template).to_owned(),
            template: n.template,
            order_id: n.order_id,
            payload: n.payload,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread ones.
    #[param(default = false)]
    pub unread: Option<bool>,
    /// Page size, 1–200 (values outside are clamped).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

/// My notifications, newest first
///
/// What the system told the caller: new orders in their area, orders dispatched to them,
/// progress on their own orders. Cursor paged.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    params(InboxQuery),
    responses((status = 200, description = "A page of notifications", body = Page<NotificationView>), Auth, Query)
)]
#[get("/api/v1/me/notifications")]
pub async fn list_my_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<InboxQuery>,
) -> ApiResult<web::Json<Page<NotificationView>>> {
    let q = query.into_inner();
    let page = page_request(q.cursor, q.limit)?;
    let paged = usecase::list(&state.db, caller.0.user_id, q.unread.unwrap_or(false), page).await?;
    Ok(web::Json(Page::map(paged, NotificationView::from)))
}

/// How many notifications are unread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnreadCount {
    #[schema(minimum = 0)]
    pub unread: i64,
}

/// My unread count
///
/// For the badge on the mini-program's message tab.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The count", body = UnreadCount), Auth)
)]
#[get("/api/v1/me/notifications/unread-count")]
pub async fn count_my_unread_notifications(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(UnreadCount { unread: usecase::unread(&state.db, caller.0.user_id).await? }))
}

/// Mark one notification read
///
/// Marking it again changes nothing. Another user's notification is 404.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 204, description = "Read"),
        (status = 404, description = "No such notification of yours (`notification.not_found`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:notification.not_found", "title": "资源不存在", "status": 404, "code": "notification.not_found"})),
        Auth, Path,
    )
)]
#[post("/api/v1/me/notifications/{id}/read")]
pub async fn mark_notification_read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    usecase::mark_read(&state.db, caller.0.user_id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many were marked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Marked {
    #[schema(minimum = 0)]
    pub marked: usize,
}

/// Mark all my notifications read
///
/// Answers how many were unread.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Marked", body = Marked), Auth)
)]
#[post("/api/v1/me/notifications/read-all")]
pub async fn mark_all_notifications_read(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Marked>> {
    Ok(web::Json(Marked { marked: usecase::mark_all_read(&state.db, caller.0.user_id).await? }))
}
