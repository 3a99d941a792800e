use actix_web::{get, web};

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::responses::Auth;
use crate::views::UserView;

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
