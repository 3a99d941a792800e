//! Storage side of the residents' rights: erasing contact data from orders,
//! deleting an account's personal rows, and reading what an export shows.
//! Erasures bump the order's `version`, so a command that loaded the order
//! before cannot write the contact back (it loses the race and is retried).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::privacy::{DELETED_USER_NAME, ERASED_NAME};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::parse_id;
use crate::schema::{idempotency_keys, media, notifications, orders, unit_members, user_roles, users, wechat_subscriptions};

/// Contact name and phone, address and coordinates of these orders, gone;
/// the orders themselves stay for the statistics.
fn erase_contacts(conn: &mut AnyConnection, ids: &[String]) -> Result<usize, DomainError> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(orders::table.filter(orders::id.eq_any(ids)))
        .set((
            orders::contact_name.eq(ERASED_NAME),
            orders::contact_phone.eq(""),
            orders::address.eq(None::<String>),
            orders::lat.eq(None::<f64>),
            orders::lng.eq(None::<f64>),
            orders::version.eq(orders::version + 1),
            orders::updated_at.eq(crate::ids::now_utc().naive_utc()),
        ))
        .execute(conn)
        .map_err(storage)
}

/// Erases the contact data of every order `reporter` submitted.
pub fn erase_reporter_contacts(conn: &mut AnyConnection, reporter: Uuid) -> Result<usize, DomainError> {
    let ids: Vec<String> = orders::table
        .filter(orders::reporter_id.eq(reporter.to_string()))
        .filter(orders::contact_phone.ne(""))
        .select(orders::id)
        .load(conn)
        .map_err(storage)?;
    erase_contacts(conn, &ids)
}

/// Erases the contact data of up to `limit` orders closed before `cutoff`
/// (the retention period); returns how many.
pub fn erase_closed_before(conn: &mut AnyConnection, cutoff: DateTime<Utc>, limit: i64) -> Result<usize, DomainError> {
    let due: Vec<String> = orders::table
        .filter(orders::contact_phone.ne(""))
        .filter(orders::closed_at.lt(cutoff.naive_utc()))
        .order(orders::closed_at)
        .limit(limit)
        .select(orders::id)
        .load(conn)
        .map_err(storage)?;
    erase_contacts(conn, &due)
}

/// Deletes the rows that exist only for the person (roles, memberships,
/// notifications, subscriptions, stored answers) and empties the account:
/// no name, phone, WeChat ids or password; disabled, so tokens stop at once.
pub fn delete_account(conn: &mut AnyConnection, user: Uuid) -> Result<(), DomainError> {
    let id = user.to_string();
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(&id))).execute(conn).map_err(storage)?;
    diesel::delete(unit_members::table.filter(unit_members::user_id.eq(&id))).execute(conn).map_err(storage)?;
    diesel::delete(notifications::table.filter(notifications::user_id.eq(&id))).execute(conn).map_err(storage)?;
    diesel::delete(wechat_subscriptions::table.filter(wechat_subscriptions::user_id.eq(&id)))
        .execute(conn)
        .map_err(storage)?;
    // A stored answer to a retried submission holds the contact it was given.
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::user_id.eq(&id))).execute(conn).map_err(storage)?;
    diesel::update(users::table.find(&id))
        .set((
            users::display_name.eq(DELETED_USER_NAME),
            users::username.eq(None::<String>),
            users::password_hash.eq(None::<String>),
            users::wechat_openid.eq(None::<String>),
            users::wechat_unionid.eq(None::<String>),
            users::phone.eq(None::<String>),
            users::phone_verified_at.eq(None::<NaiveDateTime>),
            users::must_change_password.eq(false),
            users::disabled.eq(true),
            users::updated_at.eq(crate::ids::now_utc().naive_utc()),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// A subscribe-message authorisation, as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub template_id: String,
    pub accepted_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub fn subscriptions(conn: &mut AnyConnection, user: Uuid) -> Result<Vec<Subscription>, DomainError> {
    let rows: Vec<(String, NaiveDateTime, Option<NaiveDateTime>)> = wechat_subscriptions::table
        .filter(wechat_subscriptions::user_id.eq(user.to_string()))
        .order(wechat_subscriptions::accepted_at)
        .select((wechat_subscriptions::template_id, wechat_subscriptions::accepted_at, wechat_subscriptions::used_at))
        .load(conn)
        .map_err(storage)?;
    Ok(rows
        .into_iter()
        .map(|(template_id, accepted_at, used_at)| Subscription {
            template_id,
            accepted_at: accepted_at.and_utc(),
            used_at: used_at.map(|t| t.and_utc()),
        })
        .collect())
}

/// A photo the person uploaded, as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: Uuid,
    pub content_type: String,
    pub bytes: i64,
    pub order_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub fn uploads(conn: &mut AnyConnection, user: Uuid) -> Result<Vec<Upload>, DomainError> {
    let rows: Vec<(String, String, i64, Option<String>, NaiveDateTime)> = media::table
        .filter(media::uploader_id.eq(user.to_string()))
        .order(media::id)
        .select((media::id, media::content_type, media::bytes, media::order_id, media::created_at))
        .load(conn)
        .map_err(storage)?;
    rows.into_iter()
        .map(|(id, content_type, bytes, order_id, created_at)| {
            Ok(Upload {
                id: parse_id("media.id", &id)?,
                content_type,
                bytes,
                order_id: order_id.as_deref().map(|o| parse_id("media.order_id", o)).transpose()?,
                created_at: created_at.and_utc(),
            })
        })
        .collect()
}
