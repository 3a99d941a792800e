//! Refresh tokens: opaque, stored as SHA-256, rotated on every use. A token
//! presented a second time means it leaked: its whole family is revoked.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use domain::DomainError;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::refresh_tokens;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
struct TokenRow {
    id: String,
    user_id: String,
    family_id: String,
    token_hash: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

fn digest(raw: &str) -> String {
    Sha256::digest(raw.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a family (a login) or continues one (a refresh); returns the raw token.
pub fn issue(
    conn: &mut AnyConnection,
    user_id: Uuid,
    family_id: Option<Uuid>,
    ttl: Duration,
) -> Result<String, DomainError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let at = now();
    let row = TokenRow {
        id: new_id().to_string(),
        user_id: user_id.to_string(),
        family_id: family_id.unwrap_or_else(new_id).to_string(),
        token_hash: digest(&raw),
        expires_at: at + ttl,
        used_at: None,
        revoked_at: None,
        created_at: at,
    };
    diesel::insert_into(refresh_tokens::table).values(&row).execute(conn).map_err(storage)?;
    Ok(raw)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was good: here is its successor.
    Rotated { user_id: Uuid, refresh_token: String },
    /// Unknown, expired or revoked.
    Invalid,
    /// Used before: the family is now revoked.
    Reused,
}

/// Call inside a write transaction: marking the token used and issuing the
/// next must not be split, and a reuse must commit its revocation.
pub fn rotate(conn: &mut AnyConnection, raw: &str, ttl: Duration) -> Result<Rotation, DomainError> {
    let Some(row) = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(digest(raw)))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
    else {
        return Ok(Rotation::Invalid);
    };
    let at = now();
    if row.revoked_at.is_some() || row.expires_at <= at {
        return Ok(Rotation::Invalid);
    }
    // Conditional update: of two concurrent refreshes with one token, one wins.
    let claimed = diesel::update(refresh_tokens::table.find(&row.id).filter(refresh_tokens::used_at.is_null()))
        .set(refresh_tokens::used_at.eq(at))
        .execute(conn)
        .map_err(storage)?;
    if claimed == 0 {
        revoke_family(conn, &row.family_id)?;
        return Ok(Rotation::Reused);
    }
    let user_id = parse_id("refresh_tokens.user_id", &row.user_id)?;
    let family = parse_id("refresh_tokens.family_id", &row.family_id)?;
    let refresh_token = issue(conn, user_id, Some(family), ttl)?;
    Ok(Rotation::Rotated { user_id, refresh_token })
}

fn revoke_family(conn: &mut AnyConnection, family_id: &str) -> Result<(), DomainError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)
    .map_err(storage)?;
    tracing::warn!(refresh.family = family_id, "refresh token reused: family revoked");
    Ok(())
}

/// Ends every login of the user (a disabled account, a reset or changed
/// password): no refresh token of theirs works afterwards. Returns how many
/// live tokens were revoked.
pub fn revoke_all(conn: &mut AnyConnection, user_id: Uuid) -> Result<usize, DomainError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)
    .map_err(storage)
}
