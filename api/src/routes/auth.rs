use actix_web::{post, web, HttpRequest};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;
use crate::auth::login as flows;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::limits::client_ip;
use crate::responses::Body;
use crate::views::TokenResponse;

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "admin", format = Password)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct WechatLoginRequest {
    /// The code from `wx.login()`: single use, valid for 5 minutes.
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Log in with username and password (staff)
///
/// Returns an access token (JWT, short-lived) and a refresh token (opaque, single use).
#[utoipa::path(
    post, path = "/api/v1/auth/login", operation_id = "login", tag = "auth", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 422, description = "A field is missing or of the wrong type", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        (status = 401, description = "Wrong username or password, or the account is disabled (`auth.invalid_credentials`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:auth.invalid_credentials", "title": "用户名或密码错误", "status": 401, "code": "auth.invalid_credentials"})),
        (status = 429, description = "Too many attempts from this address (`rate.limited`), or too many wrong passwords for this account (`auth.too_many_failures`: even the right one waits); retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:auth.too_many_failures", "title": "密码错误次数过多，请稍后再试", "status": 429, "code": "auth.too_many_failures", "detail": "请在 180 秒后重试"})),
        Body,
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let LoginRequest { username, password } = body.0;
    let ip = client_ip(&req, state.limits.config.trusted_proxies);
    Ok(web::Json(flows::with_password(&state, &ip, username, password).await?))
}

/// Log in with WeChat (residents, party members)
///
/// Exchanges a `wx.login()` code through WeChat's jscode2session. The first
/// login creates a resident account. WeChat's `session_key` never leaves the server.
#[utoipa::path(
    post, path = "/api/v1/auth/wechat", operation_id = "login_with_wechat", tag = "auth", security(()),
    request_body = WechatLoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "The account is disabled (`auth.user_disabled`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.user_disabled", "title": "身份验证失败", "status": 401, "code": "auth.user_disabled"})),
        (status = 403, description = "WeChat marks the user as high-risk (`wechat.high_risk_user`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:wechat.high_risk_user", "title": "无权执行该操作", "status": 403, "code": "wechat.high_risk_user"})),
        (status = 422, description = "A field is missing or of the wrong type", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        (status = 429, description = "WeChat rate limit (`wechat.rate_limited`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:wechat.rate_limited", "title": "请求过于频繁", "status": 429, "code": "wechat.rate_limited"})),
        (status = 502, description = "WeChat unreachable (`wechat.unavailable`) or misconfigured (`wechat.misconfigured`)", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:wechat.unavailable", "title": "暂时无法连接微信，请稍后重试", "status": 502, "code": "wechat.unavailable"})),
        (status = 503, description = "WeChat busy (`wechat.busy`); retry after `Retry-After`", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:wechat.busy", "title": "微信服务繁忙，请稍后重试", "status": 503, "code": "wechat.busy"})),
        Body,
    )
)]
#[post("/api/v1/auth/wechat")]
pub async fn wechat(state: web::Data<AppState>, body: Json<WechatLoginRequest>) -> ApiResult<web::Json<TokenResponse>> {
    let code = body.0.code.trim().to_owned();
    if code.is_empty() || code.len() > 128 {
        return Err(domain::DomainError::field("code", "invalid_code", "请提供 wx.login 返回的 code").into());
    }
    Ok(web::Json(flows::with_wechat(&state, code).await?))
}

/// Exchange a refresh token for a new pair
///
/// Each refresh token works once. Presenting one a second time revokes every
/// token descended from the same login (`auth.refresh_reused`).
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", operation_id = "refresh_token", tag = "auth", security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token and refresh token", body = TokenResponse),
        (status = 422, description = "A field is missing or of the wrong type", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        (status = 401, description = "Unknown, expired or reused refresh token (`auth.refresh_invalid`, `auth.refresh_reused`), or a disabled account", body = Problem, content_type = "application/problem+json",
         example = json!({"type": "urn:mashangban:problem:auth.refresh_reused", "title": "刷新令牌已被使用过，为安全起见该登录已失效，请重新登录", "status": 401, "code": "auth.refresh_reused"})),
        Body,
    )
)]
#[post("/api/v1/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> ApiResult<web::Json<TokenResponse>> {
    Ok(web::Json(flows::with_refresh(&state, body.0.refresh_token).await?))
}
