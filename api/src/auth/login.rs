//! The login use cases: each ends by issuing an access token and a refresh
//! token for one user.

use chrono::Duration;
use domain::DomainError;
use infra::repo::{tokens, users};
use infra::{password, AnyConnection};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::views::{GrantView, TokenResponse, UserView};

pub fn user_view(conn: &mut AnyConnection, user_id: Uuid) -> Result<UserView, DomainError> {
    let user = users::get(conn, user_id)?;
    let grants = users::grants(conn, user_id)?;
    Ok(UserView {
        id: user_id,
        username: user.username,
        display_name: user.display_name,
        phone: user.phone,
        is_staff: grants.iter().any(|g| g.role.is_staff()),
        roles: grants
            .into_iter()
            .map(|g| GrantView {
                role: g.role.as_str().into(),
                label: g.role.label().into(),
                region: g.region.map(Into::into),
            })
            .collect(),
        created_at: user.created_at.and_utc(),
    })
}

fn refresh_ttl(state: &AppState) -> Duration {
    Duration::seconds(i64::try_from(state.config.refresh_ttl.as_secs()).unwrap_or(30 * 24 * 3600))
}

/// Issues the pair for `user_id`, continuing `family` on a refresh.
async fn issue(state: &AppState, user_id: Uuid, refresh_token: Option<String>) -> ApiResult<TokenResponse> {
    let ttl = refresh_ttl(state);
    let (user, refresh_token) = state
        .db
        .write(move |c| {
            let refresh = match refresh_token {
                Some(t) => t,
                None => tokens::issue(c, user_id, None, ttl)?,
            };
            Ok((user_view(c, user_id)?, refresh))
        })
        .await?;
    let roles = user.roles.iter().map(|g| g.role.clone()).collect();
    Ok(TokenResponse {
        access_token: state.jwt.issue(user_id, roles)?,
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl.as_secs(),
        refresh_token,
        user,
    })
}

pub async fn with_password(state: &AppState, username: String, password: String) -> ApiResult<TokenResponse> {
    let username = username.trim().to_ascii_lowercase();
    let row = state.db.run(move |c| users::find_by_username(c, &username)).await?;
    // Verify on the blocking pool: argon2 takes tens of milliseconds by design.
    let ok = tokio::task::spawn_blocking(move || {
        // Every path spends one verification, so timing does not tell which
        // usernames exist or which accounts have no password.
        match row.as_ref().filter(|u| !u.disabled).and_then(|u| u.password_hash.as_deref().map(|h| (u, h))) {
            Some((user, hash)) => password::verify(&password, hash).then(|| user.uuid()),
            None => {
                password::verify_dummy(&password);
                None
            }
        }
    })
    .await
    .map_err(|_| ApiError::internal())?;
    match ok {
        Some(id) => issue(state, id?, None).await,
        None => Err(ApiError::unauthorized("auth.invalid_credentials")),
    }
}

pub async fn with_wechat(state: &AppState, code: String) -> ApiResult<TokenResponse> {
    let session = state.wechat.code2session(&code).await?;
    let user = state.db.write(move |c| users::upsert_wechat(c, &session.openid, session.unionid.as_deref())).await?;
    if user.disabled {
        return Err(ApiError::unauthorized("auth.user_disabled"));
    }
    issue(state, user.uuid()?, None).await
}

pub async fn with_refresh(state: &AppState, raw: String) -> ApiResult<TokenResponse> {
    let ttl = refresh_ttl(state);
    // One transaction: a disabled account's refresh rolls back, so no successor
    // token is left behind; a reuse commits its revocation.
    let rotation = state
        .db
        .write(move |c| match tokens::rotate(c, &raw, ttl)? {
            tokens::Rotation::Rotated { user_id, refresh_token } => {
                if users::get(c, user_id)?.disabled {
                    return Err(DomainError::Unauthorized { code: "auth.user_disabled" });
                }
                Ok(Ok((user_id, refresh_token)))
            }
            tokens::Rotation::Invalid => Ok(Err(ApiError::unauthorized("auth.refresh_invalid"))),
            tokens::Rotation::Reused => Ok(Err(ApiError::unauthorized("auth.refresh_reused"))),
        })
        .await?;
    let (user_id, refresh_token) = rotation?;
    issue(state, user_id, Some(refresh_token)).await
}

/// The roles of a freshly issued token, for the CLI's `token` command.
pub async fn for_user(state: &AppState, user_id: Uuid) -> ApiResult<TokenResponse> {
    issue(state, user_id, None).await
}
