use actix_web::{get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;
use crate::auth::{login, AuthUser, Caller};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body};
use crate::views::{TokenResponse, UserView};

/// The signed-in user: profile, roles and the region each role covers
///
/// The caller as stored now: a role revoked or an account disabled takes effect at once, whatever the token says.
#[utoipa::path(
    get, path = "/api/v1/me", operation_id = "get_me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Profile, roles and scope", body = UserView),
        Auth,
    )
)]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<UserView>> {
    // Caller loaded the account: a disabled one is 401 here as everywhere.
    let profile = infra::usecase::people::get_profile(&state.db, caller.0.user_id).await.map_err(|e| match e {
        domain::DomainError::NotFound { .. } => ApiError::unauthorized("auth.user_unknown"),
        other => other.into(),
    })?;
    Ok(web::Json(profile.into()))
}

/// The code from the mini-program's `getPhoneNumber` button.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PhoneCode {
    /// `e.detail.code` of `<button open-type="getPhoneNumber">` (not a `wx.login` code).
    #[schema(
        example = "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144",
        min_length = 1,
        max_length = 128
    )]
    #[validate(length(min = 1, max = 128, code = "length"))]
    pub code: String,
}

/// Verify my phone number through WeChat (getPhoneNumber)
///
/// Exchanges the button's code (`/wxa/business/getuserphonenumber`) and keeps the
/// number WeChat verified: a report may then leave `contact.phone` out. A code
/// works once; only mainland numbers are taken.
#[utoipa::path(
    post, path = "/api/v1/me/phone", operation_id = "verify_my_phone", tag = "auth", security(("bearer" = [])),
    request_body = PhoneCode,
    responses(
        (status = 200, description = "The profile with the verified phone", body = UserView),
        (status = 422, description = "The code is invalid or used (`code` invalid_code), or the number is not a mainland one", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        (status = 503, description = "WeChat is not configured on this server (`wechat.not_configured`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:wechat.not_configured", "title": "未配置微信小程序，无法获取手机号", "status": 503, "code": "wechat.not_configured"})),
        (status = 502, description = "WeChat unreachable (`wechat.unavailable`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:wechat.unavailable", "title": "暂时无法连接微信，请稍后重试", "status": 502, "code": "wechat.unavailable"})),
        Auth, Body,
    )
)]
#[post("/api/v1/me/phone")]
pub async fn verify_my_phone(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PhoneCode>,
) -> ApiResult<web::Json<UserView>> {
    if !state.config.wechat_configured {
        let status = actix_web::http::StatusCode::SERVICE_UNAVAILABLE;
        return Err(ApiError::new(status, "wechat.not_configured", "未配置微信小程序，无法获取手机号"));
    }
    let profile = infra::usecase::people::verify_phone(&state.db, &state.tokens, caller.0, body.0.code).await?;
    Ok(web::Json(profile.into()))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PasswordChangeRequest {
    /// The password signed in with (a one-time password included).
    #[schema(min_length = 1, max_length = 128)]
    #[validate(length(min = 1, max = 128, code = "length"))]
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Change my password (the way out of a one-time password)
///
/// Works while the account must change its password, when every other call answers 403
/// `auth.password_change_required`. Ends every other login of the account and answers a fresh
/// token pair. Wrong current passwords count as failed logins of the account.
#[utoipa::path(
    post, path = "/api/v1/me/password", operation_id = "change_my_password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed: a new token pair; earlier refresh tokens no longer work", body = TokenResponse),
        (status = 409, description = "The account signs in with WeChat and has no password", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.no_password", "title": "该账号使用微信登录，没有密码", "status": 409, "code": "account.no_password"})),
        (status = 422, description = "`current_password` wrong, or `new_password` too short, too long or the same", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        (status = 429, description = "Too many wrong passwords for this account", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.too_many_failures", "title": "密码错误次数过多，请稍后再试", "status": 429, "code": "auth.too_many_failures"})),
        Auth, Body,
    )
)]
#[post("/api/v1/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<PasswordChangeRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.0;
    Ok(web::Json(login::change_password(&state, user.user_id, body.current_password, body.new_password).await?))
}
