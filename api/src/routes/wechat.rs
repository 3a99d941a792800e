//! WeChat's message push (消息推送) to this server: the URL check when an
//! operator saves the push settings, and the image-check verdicts
//! (`wxa_media_check`). Plaintext mode, JSON data format; every push is
//! verified against `MSB_WECHAT_CALLBACK_TOKEN`.

use actix_web::{get, post, web, HttpResponse};
use infra::usecase::moderation;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::responses::Query;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    /// SHA-1 of the Token, `timestamp` and `nonce`, sorted and joined.
    #[param(max_length = 64)]
    pub signature: Option<String>,
    #[param(max_length = 32)]
    pub timestamp: Option<String>,
    #[param(max_length = 64)]
    pub nonce: Option<String>,
    /// Sent with the URL check only: echoed back.
    #[param(max_length = 128)]
    pub echostr: Option<String>,
}

fn verify(state: &AppState, q: &PushQuery) -> Result<(), ApiError> {
    let Some(token) = &state.config.wechat_callback_token else { return Err(ApiError::not_found("route.not_found")) };
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    if moderation::push_is_genuine(token.expose(), &field(&q.signature), &field(&q.timestamp), &field(&q.nonce)) {
        Ok(())
    } else {
        Err(ApiError::forbidden("wechat.bad_signature", "推送签名无效"))
    }
}

/// WeChat checks the push URL (message push settings)
///
/// Answers `echostr` when the signature matches the configured Token.
#[utoipa::path(
    get, path = "/api/v1/wechat/callback", operation_id = "verify_wechat_callback", tag = "wechat", security(()),
    params(PushQuery),
    responses(
        (status = 200, description = "`echostr`, as WeChat expects", body = String, content_type = "text/plain"),
        (status = 403, description = "The signature does not match the Token (`wechat.bad_signature`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:wechat.bad_signature", "title": "推送签名无效", "status": 403, "code": "wechat.bad_signature"})),
        (status = 404, description = "No `MSB_WECHAT_CALLBACK_TOKEN` configured (`route.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:route.not_found", "title": "资源不存在", "status": 404, "code": "route.not_found"})),
        Query,
    )
)]
#[get("/api/v1/wechat/callback")]
pub async fn verify_wechat_callback(state: web::Data<AppState>, q: web::Query<PushQuery>) -> ApiResult<HttpResponse> {
    verify(&state, &q)?;
    Ok(HttpResponse::Ok().content_type("text/plain").body(q.echostr.clone().unwrap_or_default()))
}

/// The verdict inside a `wxa_media_check` push.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PushResult {
    /// `pass`, `review` or `risky`.
    pub suggest: String,
    pub label: Option<i64>,
}

/// A message WeChat pushes (JSON data format); only `wxa_media_check` is acted on.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Push {
    #[serde(rename = "Event")]
    pub event: Option<String>,
    pub trace_id: Option<String>,
    pub result: Option<PushResult>,
}

/// WeChat pushes a message (an image check's verdict)
///
/// A photo found risky is withheld from everyone but staff and flags its
/// order; `review` flags it. Answers `success` (WeChat retries otherwise).
#[utoipa::path(
    post, path = "/api/v1/wechat/callback", operation_id = "receive_wechat_push", tag = "wechat", security(()),
    params(PushQuery),
    request_body = Push,
    responses(
        (status = 200, description = "`success`", body = String, content_type = "text/plain"),
        (status = 403, description = "The signature does not match the Token (`wechat.bad_signature`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:wechat.bad_signature", "title": "推送签名无效", "status": 403, "code": "wechat.bad_signature"})),
        (status = 404, description = "No `MSB_WECHAT_CALLBACK_TOKEN` configured (`route.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:route.not_found", "title": "资源不存在", "status": 404, "code": "route.not_found"})),
        Query,
    )
)]
#[post("/api/v1/wechat/callback")]
pub async fn receive_wechat_push(
    state: web::Data<AppState>,
    q: web::Query<PushQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    verify(&state, &q)?;
    // Whatever else WeChat pushes is acknowledged and left alone.
    if let Ok(Push { event: Some(event), trace_id: Some(trace), result: Some(result) }) = serde_json::from_slice(&body)
    {
        if event == "wxa_media_check" {
            moderation::media_verdict(&state.db, trace, result.suggest, result.label).await?;
        }
    }
    Ok(HttpResponse::Ok().content_type("text/plain").body("success"))
}
