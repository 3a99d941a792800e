//! HS256 access tokens. Only HS256 is accepted: `alg: none` and every other
//! algorithm fail validation, as do a wrong key, a wrong audience or issuer,
//! and expiry (with 30 s leeway for clock skew).

use std::time::Duration;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

pub const AUDIENCE: &str = "mashangban";
pub const ISSUER: &str = "mashangban";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: Uuid,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// Role names at issue time, for clients; the server reloads grants per request.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
        validation.leeway = 30;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn issue(&self, user_id: Uuid, roles: Vec<String>) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.access_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: user_id,
            aud: AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: now,
            exp: now.saturating_add(ttl),
            roles,
        };
        self.sign(&claims)
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| {
            tracing::error!(error.cause = %e, "jwt encode failed");
            ApiError::internal()
        })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => ApiError::unauthorized("auth.token_expired"),
            _ => ApiError::unauthorized("auth.invalid_token"),
        })
    }
}
