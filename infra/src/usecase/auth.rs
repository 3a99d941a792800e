//! Logins and refresh tokens. Access tokens (JWT) are the API's; what is
//! stored (accounts, refresh token families) is here.

use chrono::Duration;
use domain::user::Profile;
use domain::DomainError;
use uuid::Uuid;

use super::people::profile;
use crate::db::{storage, Db};
use crate::password;
use crate::repo::{tokens, users};

const INVALID_CREDENTIALS: DomainError = DomainError::Unauthorized { code: "auth.invalid_credentials" };

/// The account a username and password open; 401 for any mismatch.
pub async fn check_password(db: &Db, username: String, secret: String) -> Result<Uuid, DomainError> {
    let username = username.trim().to_ascii_lowercase();
    if !domain::text::is_clean(&username) {
        return Err(INVALID_CREDENTIALS);
    }
    let row = db.run(move |c| users::find_by_username(c, &username)).await?;
    // Verify on the blocking pool: argon2 takes tens of milliseconds by design.
    // Every path spends one verification, so timing does not tell which
    // usernames exist or which accounts have no password.
    let matched = tokio::task::spawn_blocking(move || {
        match row.as_ref().filter(|u| !u.disabled).and_then(|u| u.password_hash.as_deref().map(|h| (u, h))) {
            Some((user, hash)) => password::verify(&secret, hash).then(|| user.uuid()),
            None => {
                password::verify_dummy(&secret);
                None
            }
        }
    })
    .await
    .map_err(storage)?;
    matched.ok_or(INVALID_CREDENTIALS)?
}

/// The account of a WeChat user (created as a resident at the first login).
pub async fn wechat_user(db: &Db, openid: String, unionid: Option<String>) -> Result<Uuid, DomainError> {
    let user = db.write(move |c| users::upsert_wechat(c, &openid, unionid.as_deref())).await?;
    if user.disabled {
        return Err(DomainError::Unauthorized { code: "auth.user_disabled" });
    }
    user.uuid()
}

/// Starts a refresh-token family for a fresh login.
pub async fn start_session(db: &Db, user_id: Uuid, ttl: Duration) -> Result<(Profile, String), DomainError> {
    db.write(move |c| Ok((profile(c, user_id)?, tokens::issue(c, user_id, None, ttl)?))).await
}

/// Exchanges a refresh token for its successor. One transaction: a disabled
/// account's refresh rolls back, so no successor is left behind; a reuse
/// commits its revocation of the whole family.
pub async fn refresh(db: &Db, raw: String, ttl: Duration) -> Result<(Profile, String), DomainError> {
    let rotation = db
        .write(move |c| match tokens::rotate(c, &raw, ttl)? {
            tokens::Rotation::Rotated { user_id, refresh_token } => {
                if users::get(c, user_id)?.disabled {
                    return Err(DomainError::Unauthorized { code: "auth.user_disabled" });
                }
                Ok(Ok((profile(c, user_id)?, refresh_token)))
            }
            tokens::Rotation::Invalid => Ok(Err("auth.refresh_invalid")),
            tokens::Rotation::Reused => Ok(Err("auth.refresh_reused")),
        })
        .await?;
    rotation.map_err(|code| DomainError::Unauthorized { code })
}

/// What a password change came to.
#[derive(Debug)]
pub enum PasswordChange {
    /// Changed: every earlier login is ended, and this one starts afresh.
    Changed { profile: Profile, refresh_token: String },
    /// The current password given was wrong (the caller counts it as a failed login).
    WrongCurrent,
}

/// The owner sets their own password (the way out of a one-time password).
/// Every refresh token of theirs is revoked; a new family starts.
pub async fn change_password(
    db: &Db,
    user_id: Uuid,
    current: String,
    new: String,
    ttl: Duration,
) -> Result<PasswordChange, DomainError> {
    domain::user::check_password_change(&current, &new)?;
    let user = db.run(move |c| users::get(c, user_id)).await?;
    if user.disabled {
        return Err(DomainError::Unauthorized { code: "auth.user_disabled" });
    }
    let Some(stored) = user.password_hash else {
        return Err(DomainError::conflict("account.no_password", "该账号使用微信登录，没有密码"));
    };
    let hashed = tokio::task::spawn_blocking(move || {
        if password::verify(&current, &stored) {
            password::hash(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(storage)??;
    let Some(hashed) = hashed else {
        return Ok(PasswordChange::WrongCurrent);
    };
    db.write(move |c| {
        users::set_password(c, user_id, &hashed, false)?;
        tokens::revoke_all(c, user_id)?;
        let refresh_token = tokens::issue(c, user_id, None, ttl)?;
        Ok(PasswordChange::Changed { profile: profile(c, user_id)?, refresh_token })
    })
    .await
}
