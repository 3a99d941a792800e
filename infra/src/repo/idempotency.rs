//! `Idempotency-Key`: the first response to a creating POST, kept per user
//! and key, so a retry returns it instead of creating twice.

use diesel::prelude::*;
use domain::DomainError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{is_unique_violation, storage, AnyConnection};
use crate::ids::now;
use crate::schema::idempotency_keys;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub request_hash: String,
    pub status_code: i32,
    pub body: String,
}

pub fn hash(method_path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method_path.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn find(conn: &mut AnyConnection, user_id: Uuid, key: &str) -> Result<Option<Stored>, DomainError> {
    idempotency_keys::table
        .find((user_id.to_string(), key))
        .select((idempotency_keys::request_hash, idempotency_keys::status_code, idempotency_keys::body))
        .first::<(String, i32, String)>(conn)
        .optional()
        .map_err(storage)
        .map(|o| o.map(|(request_hash, status_code, body)| Stored { request_hash, status_code, body }))
}

/// Whether the key was stored, or a concurrent request stored it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    Stored,
    Taken,
}

pub fn store(conn: &mut AnyConnection, user_id: Uuid, key: &str, stored: &Stored) -> Result<Insert, DomainError> {
    let result = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id.to_string()),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(&stored.request_hash),
            idempotency_keys::status_code.eq(stored.status_code),
            idempotency_keys::body.eq(&stored.body),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(Insert::Stored),
        Err(e) if is_unique_violation(&e) => Ok(Insert::Taken),
        Err(e) => Err(storage(e)),
    }
}
