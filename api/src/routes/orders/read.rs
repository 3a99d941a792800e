use actix_web::{get, web};
use domain::error::Problems;
use domain::order::{fields, Kind, Status};
use domain::FieldError;
use infra::usecase::orders as usecase;
use infra::usecase::OrderFilter;
use infra::usecase::Page as PageReq;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::responses::{Auth, Invalid, Path, Query};
use crate::routes::order_views::{EventView, OrderView};
use crate::views::{page_request, Page};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    #[param(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// A category id or a category item id.
    pub category: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    /// `me`: assigned to the caller (or their organisation), or accepted by them.
    #[param(pattern = "^me$")]
    pub assignee: Option<String>,
    /// Only orders waiting in a community's open pool.
    #[param(default = false)]
    pub pool: Option<bool>,
    /// Only open orders past a due time.
    #[param(default = false)]
    pub overdue: Option<bool>,
    /// Only open orders whose running clock falls due within this window from now
    /// (not yet overdue): `30m`, `2h`, `1d` (up to 7 days).
    #[param(pattern = "^[0-9]{1,5}[mhd]$", example = "30m")]
    pub due_within: Option<String>,
    /// Only orders WeChat's content check flagged for a person to look at (`moderation` review or risky).
    #[param(default = false)]
    pub flagged: Option<bool>,
    /// Text in the description or the number.
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

impl OrderQuery {
    fn parse(self) -> Result<(OrderFilter, PageReq), domain::DomainError> {
        let mut p = Problems::new();
        let status = self.status.as_deref().and_then(|s| p.take(s.parse::<Status>()));
        let kind = self.kind.as_deref().and_then(|s| p.take(s.parse::<Kind>()));
        if self.assignee.as_deref().is_some_and(|a| a != "me") {
            p.push(FieldError::new("assignee", "invalid_value", "assignee 只支持 me"));
        }
        let q = self.q.as_deref().and_then(|q| p.take(domain::text::bounded("q", q, 0, 100)));
        let due_within = self.due_within.as_deref().and_then(|w| p.take(fields::parse_window("due_within", w)));
        let page = p.take(page_request(self.cursor, self.limit));
        p.finish()?;
        let filter = OrderFilter {
            status,
            kind,
            category: self.category,
            community_id: self.community_id,
            grid_id: self.grid_id,
            assignee_me: self.assignee.is_some(),
            pool: self.pool.unwrap_or(false),
            overdue: self.overdue.unwrap_or(false),
            flagged: self.flagged.unwrap_or(false),
            due_within,
            q: q.filter(|q| !q.is_empty()),
            submitted: None,
        };
        Ok((filter, page.unwrap_or_default()))
    }
}

/// List the orders the caller may see, newest first
///
/// A resident sees their own; a party member the pools of the communities they serve and
/// their assignments; staff their region subtree; organisations what is assigned to them.
#[utoipa::path(
    tag = "orders", security(("bearer" = [])),
    params(OrderQuery),
    responses((status = 200, description = "A page of orders", body = Page<OrderView>), Auth, Query, Invalid)
)]
#[get("/api/v1/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrderQuery>,
) -> ApiResult<web::Json<Page<OrderView>>> {
    let (filter, page) = query.into_inner().parse()?;
    let paged = usecase::list(&state.db, caller.0, filter, page).await?;
    let now = infra::ids::now_utc();
    Ok(web::Json(Page::map(paged, |d| OrderView::of(d, now))))
}

/// One order
///
/// The reporter, the assignee and staff in scope see everything; party members serving
/// the community see pooled orders with the phone masked; anyone else gets 404.
#[utoipa::path(
    tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 404, description = "No such order, or not yours to see (`order.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:order.not_found", "title": "资源不存在", "status": 404, "code": "order.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OrderView>> {
    let detail = usecase::get(&state.db, caller.0, id.into_inner()).await?;
    Ok(web::Json(OrderView::of(detail, infra::ids::now_utc())))
}

/// The order's timeline, oldest first
///
/// Every event with its actor, the role they acted in, and the time; `data` depends on the type.
#[utoipa::path(
    tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "Every event with actor, role and time", body = Vec<EventView>),
        (status = 404, description = "No such order, or not yours to see (`order.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:order.not_found", "title": "资源不存在", "status": 404, "code": "order.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/orders/{id}/events")]
pub async fn list_order_events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<EventView>>> {
    let events = usecase::timeline(&state.db, caller.0, id.into_inner()).await?;
    Ok(web::Json(events.into_iter().map(EventView::try_from).collect::<Result<_, _>>()?))
}
