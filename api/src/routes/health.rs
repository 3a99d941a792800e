use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    /// `not_configured` when REDIS_URL is unset.
    pub redis: &'static str,
}

/// Liveness: the process answers
///
/// 200 while the process runs; for the load balancer.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations", security(()),
    responses((status = 200, description = "Alive", body = String)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// Readiness: the database (and Redis, when configured) answer
///
/// 200 when the database (and Redis, when configured) answer; 503 with the failing part otherwise.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "operations", security(()),
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "A dependency is down", body = Health),
    ))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.db.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error.cause = %e, "readiness: database down");
            "down"
        }
    };
    let redis = match &state.redis {
        None => "not_configured",
        Some(r) => match r.ping().await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error.cause = %e, "readiness: redis down");
                "down"
            }
        },
    };
    let ready = database == "ok" && redis != "down";
    let body = Health { status: if ready { "ready" } else { "not_ready" }, database, redis };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
