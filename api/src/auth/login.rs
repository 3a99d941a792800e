//! The login flows: each ends by issuing an access token (here) and a refresh
//! token (stored by `infra::usecase::auth`) for one user.

use chrono::Duration;
use domain::DomainError;
use infra::usecase::auth;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::limits::Rule;
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

/// A password login, under two limits: attempts from one address, and wrong
/// passwords for one account (after too many, even the right one waits until
/// the quota refills; a success forgives the earlier failures).
pub async fn with_password(
    state: &AppState,
    client_ip: &str,
    username: String,
    password: String,
) -> ApiResult<TokenResponse> {
    let limits = &state.limits;
    limits.hit(Rule::LoginIp, client_ip).await?;
    let account = account_key(&username);
    limits.peek(Rule::LoginFailures, &account).await?;
    match auth::check_password(&state.db, username, password).await {
        Ok(user_id) => {
            limits.clear(Rule::LoginFailures, &account).await;
            for_user(state, user_id).await
        }
        Err(e) => {
            if matches!(e, DomainError::Unauthorized { .. }) {
                // This failure is counted; the answer stays 401 (the next attempt meets the lock).
                let _counted = limits.hit(Rule::LoginFailures, &account).await;
            }
            Err(e.into())
        }
    }
}

/// Accounts are counted under a digest of the name as typed, case folded:
/// fixed length whatever was sent, and the same for `Admin` and `admin`.
fn account_key(username: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(username.trim().to_lowercase().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
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

/// The owner changes their password. A wrong current password counts as a
/// failed login of the account (so a stolen access token cannot guess it
/// faster than a login could), and answers 422 on `current_password`.
pub async fn change_password(
    state: &AppState,
    user_id: Uuid,
    current: String,
    new: String,
) -> ApiResult<TokenResponse> {
    let profile = infra::usecase::people::get_profile(&state.db, user_id).await?;
    let account = account_key(profile.username.as_deref().unwrap_or_default());
    state.limits.peek(Rule::LoginFailures, &account).await?;
    match auth::change_password(&state.db, user_id, current, new, refresh_ttl(state)).await? {
        auth::PasswordChange::Changed { profile, refresh_token } => {
            state.limits.clear(Rule::LoginFailures, &account).await;
            answer(state, profile.into(), refresh_token)
        }
        auth::PasswordChange::WrongCurrent => {
            let _counted = state.limits.hit(Rule::LoginFailures, &account).await;
            Err(DomainError::field("current_password", "wrong_password", "当前密码不正确").into())
        }
    }
}
