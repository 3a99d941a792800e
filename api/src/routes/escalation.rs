//! A region's escalation policy (吹哨报到): how far up unanswered orders climb.

use actix_web::{delete, get, put, web, HttpResponse};
use domain::order::escalation::EscalationPolicy;
use domain::order::Level;
use infra::usecase::places as usecase;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Invalid, Path, PathAndBody};

/// A region's policy: orders below it whose response clock runs out unanswered
/// climb one level (community → street → department) per run-out clock, up to `up_to`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationPolicyView {
    pub region_id: Uuid,
    #[schema(example = "江南街道")]
    pub region_name: String,
    pub up_to: Level,
    /// How the `escalated` event names the rule.
    #[schema(example = "江南街道：响应超时自动上报，最高至职能部门")]
    pub rule: String,
}

impl From<EscalationPolicy> for EscalationPolicyView {
    fn from(p: EscalationPolicy) -> Self {
        EscalationPolicyView { rule: p.rule(), region_id: p.region_id, region_name: p.region_name, up_to: p.up_to }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct EscalationPolicyInput {
    /// `street` or `department`.
    #[schema(value_type = Level, example = "department")]
    pub up_to: String,
}

/// A region's escalation policy (staff over the region)
///
/// The policy nearest an order's building governs it (a community's over its street's).
#[utoipa::path(
    get, path = "/api/v1/regions/{id}/escalation-policy", operation_id = "get_escalation_policy", tag = "regions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The region")),
    responses(
        (status = 200, description = "The policy", body = EscalationPolicyView),
        (status = 403, description = "Not staff over the region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such region, or it has no policy (`policy.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:policy.not_found", "title": "资源不存在", "status": 404, "code": "policy.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/regions/{id}/escalation-policy")]
pub async fn get_escalation_policy(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<EscalationPolicyView>> {
    Ok(web::Json(usecase::escalation_policy(&state.db, caller.0, id.into_inner()).await?.into()))
}

/// Set a region's escalation policy (admin over the region)
///
/// From the next sweep, unanswered orders below the region climb up to `up_to`;
/// each climb is an `escalated` event naming this rule, with a fresh response clock.
#[utoipa::path(
    put, path = "/api/v1/regions/{id}/escalation-policy", operation_id = "set_escalation_policy", tag = "regions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The region")),
    request_body = EscalationPolicyInput,
    responses(
        (status = 200, description = "The policy as set", body = EscalationPolicyView),
        (status = 403, description = "Not an admin over the region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:region.not_found", "title": "资源不存在", "status": 404, "code": "region.not_found"})),
        Auth, PathAndBody, Invalid,
    )
)]
#[put("/api/v1/regions/{id}/escalation-policy")]
pub async fn set_escalation_policy(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<EscalationPolicyInput>,
) -> ApiResult<HttpResponse> {
    let up_to = body.0.up_to.parse::<Level>()?;
    let policy = usecase::set_escalation_policy(&state.db, caller.0, id.into_inner(), Some(up_to)).await?;
    let policy = policy.ok_or_else(|| domain::DomainError::fault("a policy just set is missing"))?;
    Ok(HttpResponse::Ok().json(EscalationPolicyView::from(policy)))
}

/// Remove a region's escalation policy (admin over the region)
///
/// Orders below it are then only flagged overdue (or follow a policy further up).
#[utoipa::path(
    delete, path = "/api/v1/regions/{id}/escalation-policy", operation_id = "delete_escalation_policy", tag = "regions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The region")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an admin over the region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such region, or it has no policy (`policy.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:policy.not_found", "title": "资源不存在", "status": 404, "code": "policy.not_found"})),
        Auth, Path,
    )
)]
#[delete("/api/v1/regions/{id}/escalation-policy")]
pub async fn delete_escalation_policy(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    usecase::set_escalation_policy(&state.db, caller.0, id.into_inner(), None).await?;
    Ok(HttpResponse::NoContent().finish())
}
