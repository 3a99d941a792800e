use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
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

async fn redis_status(redis: Option<&infra::cache::Redis>) -> &'static str {
    match redis {
        None => "not_configured",
        Some(r) => match r.ping().await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error.cause = %e, "readiness: redis down");
                "down"
            }
        },
    }
}

/// Readiness: the database answers
///
/// 200 when the database answers (`status: degraded` while a configured Redis is down: requests
/// still succeed, token sharing and live fan-out fall back to this node); 503 without the database.
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
    let redis = redis_status(state.redis.as_ref()).await;
    // Redis only shares work between nodes: without it a node still serves every request,
    // and taking every node out of the balancer at once would be the outage.
    let ready = database == "ok";
    let status = match (ready, redis) {
        (false, _) => "not_ready",
        (true, "down") => "degraded",
        (true, _) => "ready",
    };
    let body = Health { status, database, redis };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Whether the scrape may read the metrics: always without `MSB_METRICS_TOKEN`,
/// else with it as the bearer token (compared as digests: no early exit to time).
fn may_scrape(req: &HttpRequest, token: Option<&crate::config::Secret>) -> Result<(), crate::error::ApiError> {
    use sha2::{Digest, Sha256};
    let Some(token) = token else { return Ok(()) };
    let sent =
        req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match sent {
        None => Err(crate::error::ApiError::unauthorized("auth.missing_token")),
        Some(sent) if Sha256::digest(sent.as_bytes()) == Sha256::digest(token.expose().as_bytes()) => Ok(()),
        Some(_) => Err(crate::error::ApiError::unauthorized("auth.invalid_token")),
    }
}

/// Prometheus metrics
///
/// The Prometheus text format: requests by route and status with latency histograms, orders and
/// outbox rows by status, deliveries by channel and outcome, sweeper passes, the database pool.
/// With `MSB_METRICS_TOKEN` set it wants that token as `Authorization: Bearer`; keep it off the
/// public proxy either way.
#[utoipa::path(get, path = "/metrics", operation_id = "get_metrics", tag = "operations", security(()),
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain", body = String),
        crate::responses::Auth,
    ))]
#[get("/metrics")]
pub async fn get_metrics(state: web::Data<AppState>, req: HttpRequest) -> crate::error::ApiResult<HttpResponse> {
    may_scrape(&req, state.config.metrics_token.as_ref())?;
    let gauges = infra::usecase::ops::gauges(&state.db).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&gauges)))
}
