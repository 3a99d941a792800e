//! Claiming outbox rows so that several dispatchers never send one twice:
//! PostgreSQL skips rows another transaction holds (`FOR UPDATE SKIP LOCKED`);
//! SQLite's write transactions are serial (`BEGIN IMMEDIATE`), so the same
//! conditional update is enough there.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use domain::DomainError;

use crate::db::{storage, AnyConnection};
use crate::schema::outbox;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub(super) struct Claimed {
    pub id: String,
    pub order_id: Option<String>,
    pub recipient: String,
    pub template: String,
    pub payload: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
}

/// Claims up to `limit` rows due at `now` (and rows whose claim lapsed before
/// `stale`) for `token`, and returns them.
pub(super) fn claim(
    conn: &mut AnyConnection,
    token: &str,
    now: NaiveDateTime,
    stale: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, DomainError> {
    let lock = match conn {
        AnyConnection::Postgresql(_) => "FOR UPDATE SKIP LOCKED",
        AnyConnection::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_at = $2 WHERE id IN (\
           SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= $2) \
             OR (status = 'sending' AND claimed_at < $3) \
           ORDER BY next_attempt_at LIMIT $4 {lock})"
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(stale)
        .bind::<BigInt, _>(limit)
        .execute(conn)
        .map_err(storage)?;
    outbox::table
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::status.eq("sending"))
        .order(outbox::next_attempt_at.asc())
        .select(Claimed::as_select())
        .load(conn)
        .map_err(storage)
}

/// Is the row still claimed by `token`? (A dispatcher that outlived its lease lost it.)
pub(super) fn still_ours(conn: &mut AnyConnection, id: &str, token: &str) -> Result<bool, DomainError> {
    let n: i64 =
        outbox::table.find(id).filter(outbox::claimed_by.eq(token)).count().get_result(conn).map_err(storage)?;
    Ok(n > 0)
}

/// Marks a claimed row sent (if the claim is still ours).
pub(super) fn sent(conn: &mut AnyConnection, id: &str, token: &str, at: NaiveDateTime) -> Result<(), DomainError> {
    diesel::update(outbox::table.find(id).filter(outbox::claimed_by.eq(token)))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(Some(at)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
            outbox::claimed_by.eq(None::<String>),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// Records a failed attempt: back to pending at `retry_at`, or dead (`None`).
pub(super) fn failed(
    conn: &mut AnyConnection,
    id: &str,
    token: &str,
    retry_at: Option<NaiveDateTime>,
    error: &str,
) -> Result<(), DomainError> {
    let target = outbox::table.find(id).filter(outbox::claimed_by.eq(token));
    let common = (
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        outbox::claimed_by.eq(None::<String>),
    );
    let updated = match retry_at {
        Some(at) => diesel::update(target)
            .set((outbox::status.eq("pending"), outbox::next_attempt_at.eq(at), common))
            .execute(conn),
        None => diesel::update(target).set((outbox::status.eq("dead"), common)).execute(conn),
    };
    updated.map_err(storage)?;
    Ok(())
}
