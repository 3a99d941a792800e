//! WeChat subscribe messages (订阅消息) from the mini-program's side: which
//! templates to ask for with `wx.requestSubscribeMessage`, and what the user
//! accepted. Each acceptance carries one message; without one, the news still
//! reaches the in-app inbox.

use std::collections::BTreeMap;

use actix_web::{get, post, web};
use infra::usecase::subscriptions::{self as usecase, Subscription};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Json;
use crate::responses::{Auth, Body, Invalid};

/// A subscribe-message template and how many more messages of it can reach you.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// The notification it carries.
    #[schema(example = "order.accepted")]
    pub template: String,
    #[schema(example = "您的工单已被接单")]
    pub title: String,
    /// Pass to `wx.requestSubscribeMessage({tmplIds: [...]})`.
    #[schema(example = "demo-accepted")]
    pub template_id: String,
    /// Acceptances not used yet: each carries one message.
    #[schema(minimum = 0)]
    pub banked: i64,
}

impl From<Subscription> for SubscriptionView {
    fn from(s: Subscription) -> Self {
        SubscriptionView { template: s.template, title: s.title, template_id: s.template_id, banked: s.banked }
    }
}

/// What `wx.requestSubscribeMessage` answered, as it answered it.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct SubscribeResults {
    /// Template id → `accept`, `reject`, `ban` or `filter`.
    #[schema(example = json!({"demo-accepted": "accept", "demo-resolved": "reject"}))]
    #[validate(length(min = 1, max = 20, code = "count"))]
    pub results: BTreeMap<String, String>,
}

/// The subscribe messages you can receive
///
/// Every template the server sends with, and how many messages of each are banked for you.
/// Ask the user with `wx.requestSubscribeMessage` for those at 0 (e.g. after submitting an order).
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Templates", body = Vec<SubscriptionView>), Auth)
)]
#[get("/api/v1/me/subscriptions")]
pub async fn list_my_subscriptions(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<SubscriptionView>>> {
    let list = usecase::list(&state.db, caller.0.user_id, &state.config.wechat_templates).await?;
    Ok(web::Json(list.into_iter().map(SubscriptionView::from).collect()))
}

/// Record what the user accepted
///
/// Post the answer of `wx.requestSubscribeMessage` (its template ids and `accept` / `reject` /
/// `ban` / `filter`); each `accept` banks one message. A template id the server does not send
/// with is 422 (`results.<id>`). Answers the updated list.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    request_body = SubscribeResults,
    responses((status = 200, description = "Templates", body = Vec<SubscriptionView>), Auth, Body, Invalid)
)]
#[post("/api/v1/me/subscriptions")]
pub async fn record_my_subscriptions(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<SubscribeResults>,
) -> ApiResult<web::Json<Vec<SubscriptionView>>> {
    let templates = &state.config.wechat_templates;
    let list = usecase::accept(&state.db, caller.0.user_id, templates, body.0.results).await?;
    Ok(web::Json(list.into_iter().map(SubscriptionView::from).collect()))
}
