use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use domain::actor::Actor;
use futures_util::future::{ready, LocalBoxFuture, Ready};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiError;

/// A caller with a valid access token (signature, audience, expiry checked).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: Uuid,
}

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| ApiError::unauthorized("auth.missing_token"))?;
    let value = value.to_str().map_err(|_| ApiError::unauthorized("auth.invalid_token"))?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| ApiError::unauthorized("auth.invalid_token"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized("auth.invalid_token"));
    }
    Ok(token.trim())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let state = req.app_data::<web::Data<AppState>>().ok_or_else(ApiError::internal)?;
            let claims = state.jwt.verify(bearer(req)?)?;
            Ok(AuthUser { user_id: claims.sub })
        })())
    }
}

/// The caller with every role grant loaded from storage, so a revoked role or
/// a disabled account takes effect at once, not when the token expires.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload).into_inner();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let user = user?;
            let state = state.ok_or_else(ApiError::internal)?;
            let actor = infra::usecase::people::actor(&state.db, user.user_id).await?;
            Ok(Caller(actor))
        })
    }
}
