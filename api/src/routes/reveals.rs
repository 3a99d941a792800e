//! Revealing a masked phone, and the audit trail of it (PIPL art. 51): staff
//! who oversee an order see `138****1234`; calling the resident takes an
//! explicit, recorded reveal with a reason, which supervisors list.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use domain::error::Problems;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Invalid, OrderCommand, PathAndBody, Query, StaffOnly};
use crate::views::{page_request, Page};

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct RevealRequest {
    /// Why you need the number, kept with the record (回访, 核实地址…).
    #[schema(min_length = 2, max_length = 200, example = "回访：确认维修是否完成")]
    #[validate(length(min = 2, max = 200))]
    pub reason: String,
}

/// The reporter's contact, unmasked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevealedContact {
    pub name: String,
    #[schema(example = "13812341234")]
    pub phone: String,
}

/// Reveal the reporter's phone of an order you oversee (recorded)
///
/// Staff over an order they do not handle see the phone masked; this answers it in full and
/// records who, when, which order and why, for supervisors (`GET /api/v1/contact-reveals`).
/// The reporter, the assignee and the handler get it without a record. A party member
/// browsing the pool grabs the order first (403); an erased contact is 409 `contact.erased`.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/contact/reveal", operation_id = "reveal_order_contact", tag = "privacy",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = RevealRequest,
    responses(
        (status = 200, description = "The contact", body = RevealedContact),
        (status = 409, description = "The contact data was erased (`contact.erased`)", body = Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:mashangban:problem:contact.erased", "title": "该诉求的联系方式已按规定删除", "status": 409, "code": "contact.erased"})),
        Auth, PathAndBody, Invalid, OrderCommand,
    )
)]
#[post("/api/v1/orders/{id}/contact/reveal")]
pub async fn reveal_order_contact(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<RevealRequest>,
) -> ApiResult<web::Json<RevealedContact>> {
    let contact = infra::usecase::privacy::reveal_contact(&state.db, caller.0, id.into_inner(), &body.0.reason).await?;
    let phone = contact.phone.map(|p| p.as_str().to_owned()).unwrap_or_default();
    Ok(web::Json(RevealedContact { name: contact.name, phone }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealListQuery {
    /// Only the reveals of this order.
    pub order_id: Option<Uuid>,
    /// Only the reveals by this staff member.
    pub user_id: Option<Uuid>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One reveal: who saw which order's phone, when and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactRevealView {
    pub id: Uuid,
    pub order_id: Uuid,
    #[schema(example = "20261208-0001")]
    pub order_number: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub username: Option<String>,
    /// The role the phone was revealed in.
    #[schema(example = "community_staff")]
    pub role: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The audit trail of revealed phones in your area (admins, street and community staff)
///
/// Newest first; narrow it to one order or one staff member.
#[utoipa::path(
    get, path = "/api/v1/contact-reveals", operation_id = "list_contact_reveals", tag = "privacy",
    security(("bearer" = [])),
    params(RevealListQuery),
    responses((status = 200, description = "A page of reveals", body = Page<ContactRevealView>), Auth, Query, StaffOnly)
)]
#[get("/api/v1/contact-reveals")]
pub async fn list_contact_reveals(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RevealListQuery>,
) -> ApiResult<web::Json<Page<ContactRevealView>>> {
    let q = query.into_inner();
    let mut p = Problems::new();
    let page = p.take(page_request(q.cursor, q.limit));
    p.finish()?;
    let paged =
        infra::usecase::privacy::reveals(&state.db, caller.0, q.order_id, q.user_id, page.unwrap_or_default()).await?;
    Ok(web::Json(Page::map(paged, |r| ContactRevealView {
        id: r.id,
        order_id: r.order_id,
        order_number: r.order_number,
        user_id: r.user_id,
        user_name: r.user_name,
        username: r.username,
        role: r.role,
        reason: r.reason,
        at: r.at,
    })))
}
