use actix_web::{get, web};

use crate::app::AppState;
use crate::auth::{login, AuthUser};
use crate::error::{ApiError, ApiResult, Problem};
use crate::views::UserView;

/// The signed-in user: profile, roles and the region each role covers
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Profile, roles and scope", body = UserView),
        (status = 401, description = "Missing, invalid or expired access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<web::Json<UserView>> {
    let id = user.user_id;
    let view = state.db.run(move |c| login::user_view(c, id)).await.map_err(|e| match e {
        domain::DomainError::NotFound { .. } => ApiError::unauthorized("auth.user_unknown"),
        other => other.into(),
    })?;
    Ok(web::Json(view))
}
