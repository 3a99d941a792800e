//! Idempotent creation (`Idempotency-Key`), for every POST that creates:
//! orders now, media uploads and Open311 requests later. The first request's
//! result (the created id) is kept per user and key; a retry with the same body
//! gets it back marked as replayed, a different body with the same key is 422.

use domain::{DomainError, FieldError};
use uuid::Uuid;

use crate::db::{AnyConnection, Db};
use crate::repo::idempotency::{self, Stored};

/// A client's key and the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

impl IdempotencyKey {
    /// `key` as sent (1–128 visible ASCII characters); `what` names the route, `body` is the raw body.
    pub fn parse(key: &str, what: &str, body: &[u8]) -> Result<IdempotencyKey, DomainError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(DomainError::field("Idempotency-Key", "invalid", "Idempotency-Key 为 1–128 个可见字符"));
        }
        Ok(IdempotencyKey { key: key.to_owned(), request_hash: idempotency::hash(what, body) })
    }
}

/// What a creating request led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: Uuid,
    /// True when this answers a retry: nothing new was created.
    pub replayed: bool,
}

/// Runs `create` in one write transaction, at most once per user and key.
pub async fn create_once<F>(db: &Db, user: Uuid, key: Option<IdempotencyKey>, create: F) -> Result<Created, DomainError>
where
    F: Fn(&mut AnyConnection) -> Result<Uuid, DomainError> + Clone + Send + 'static,
{
    let Some(key) = key else {
        return db.write(create).await.map(|id| Created { id, replayed: false });
    };
    // A concurrent request with the same key may commit first: the loser's
    // insert of the key fails (Postgres) or waits and then finds it (SQLite);
    // either way the next attempt replays the winner's answer.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (key, create) = (key.clone(), create.clone());
        let result = db
            .write(move |c| {
                if let Some(prev) = idempotency::find(c, user, &key.key)? {
                    return replay(prev, &key.request_hash);
                }
                let id = create(c)?;
                let body = serde_json::json!({ "id": id }).to_string();
                let stored = Stored { request_hash: key.request_hash.clone(), status_code: 201, body };
                match idempotency::store(c, user, &key.key, &stored)? {
                    idempotency::Insert::Stored => Ok(Created { id, replayed: false }),
                    idempotency::Insert::Taken => {
                        Err(DomainError::conflict(IN_FLIGHT, "相同 Idempotency-Key 的请求正在处理"))
                    }
                }
            })
            .await;
        match result {
            Err(DomainError::Conflict { code: IN_FLIGHT, .. }) if attempt < 3 => continue,
            other => return other,
        }
    }
}

/// What an earlier request with this key created, if any (checked before
/// doing costly work such as decoding an upload): `Ok(None)` when the key is new.
pub async fn earlier(db: &Db, user: Uuid, key: &IdempotencyKey) -> Result<Option<Uuid>, DomainError> {
    let key = key.clone();
    db.run(move |c| match idempotency::find(c, user, &key.key)? {
        Some(prev) => replay(prev, &key.request_hash).map(|created| Some(created.id)),
        None => Ok(None),
    })
    .await
}

const IN_FLIGHT: &str = "idempotency.in_flight";

fn replay(prev: Stored, request_hash: &str) -> Result<Created, DomainError> {
    if prev.request_hash != request_hash {
        return Err(DomainError::Unprocessable {
            code: "idempotency.key_reused",
            errors: vec![FieldError::new("Idempotency-Key", "key_reused", "该 Idempotency-Key 已用于另一个请求")],
        });
    }
    let value: serde_json::Value = serde_json::from_str(&prev.body).map_err(crate::db::storage)?;
    let id = value["id"].as_str().and_then(|s| s.parse().ok());
    let id = id.ok_or_else(|| crate::db::storage("stored idempotent answer has no id"))?;
    Ok(Created { id, replayed: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_and_hash_the_body() {
        let a = IdempotencyKey::parse(" k-1 ", "POST /x", b"{}").unwrap_or_else(|_| unreachable!());
        assert_eq!(a.key, "k-1");
        let b = IdempotencyKey::parse("k-1", "POST /x", b"{ }").unwrap_or_else(|_| unreachable!());
        assert_ne!(a.request_hash, b.request_hash);
        for bad in ["", "a b", "\u{0}", &"x".repeat(129)] {
            assert!(IdempotencyKey::parse(bad, "POST /x", b"").is_err(), "{bad:?}");
        }
    }
}
