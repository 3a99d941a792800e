//! The login flows: each ends by issuing an access token (here) and a refresh
//! token (stored by `infra::usecase::auth`) for one user.

use chrono::Duration;
use infra::usecase::auth;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::views::{TokenResponse, UserView};

fn refresh_ttl(state: &AppState) -> Duration {
    Duration::seconds(i64::try_from(state.config.refresh_ttl.as_secs()).unwrap_or(30 * 24 * 3600))
}

fn answer(state: &AppState, user: UserView, refresh_token: String) -> ApiResult<TokenResponse> {
    let roles = user.roles.iter().map(|g| g.role.as_str().to_owned()).collect();
    Ok(TokenResponse {
        access_token: state.jwt.issue(user.id, roles)?,
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl.as_secs(),
        refresh_token,
        user,
    })
}

/// A fresh pair for `user_id`: a new refresh-token family.
pub async fn for_user(state: &AppState, user_id: Uuid) -> ApiResult<TokenResponse> {
    let (profile, refresh) = auth::start_session(&state.db, user_id, refresh_ttl(state)).await?;
    answer(state, profile.into(), refresh)
}

pub async fn with_password(state: &AppState, username: String, password: String) -> ApiResult<TokenResponse> {
    let user_id = auth::check_password(&state.db, username, password).await?;
    for_user(state, user_id).await
}

pub async fn with_wechat(state: &AppState, code: String) -> ApiResult<TokenResponse> {
    let session = state.wechat.code2session(&code).await?;
    let user_id = auth::wechat_user(&state.db, session.openid, session.unionid).await?;
    for_user(state, user_id).await
}

pub async fn with_refresh(state: &AppState, raw: String) -> ApiResult<TokenResponse> {
    let (profile, refresh) = auth::refresh(&state.db, raw, refresh_ttl(state)).await?;
    answer(state, profile.into(), refresh)
}
