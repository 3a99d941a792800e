//! Content checks that want attention or are still to be done.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::moderation::CheckStatus;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::content_checks as checks;

/// What a new check row is about.
#[derive(Debug, Clone)]
pub struct NewCheck {
    pub order_id: Option<Uuid>,
    pub media_id: Option<Uuid>,
    pub user_id: Uuid,
    pub field: &'static str,
    pub scene: u8,
    pub content: Option<String>,
    pub status: CheckStatus,
    pub trace_id: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, new: &NewCheck) -> Result<Uuid, DomainError> {
    let id = new_id();
    let at = now();
    let due = (new.status == CheckStatus::Pending && new.trace_id.is_none()).then_some(at);
    diesel::insert_into(checks::table)
        .values((
            checks::id.eq(id.to_string()),
            checks::order_id.eq(new.order_id.map(|o| o.to_string())),
            checks::media_id.eq(new.media_id.map(|m| m.to_string())),
            checks::user_id.eq(new.user_id.to_string()),
            checks::field.eq(new.field),
            checks::scene.eq(i32::from(new.scene)),
            checks::content.eq(&new.content),
            checks::status.eq(new.status.as_str()),
            checks::trace_id.eq(&new.trace_id),
            checks::attempts.eq(0),
            checks::next_attempt_at.eq(due),
            checks::created_at.eq(at),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(id)
}

/// A check still to be done by us (not one awaiting WeChat's pushed verdict).
#[derive(Debug, Clone)]
pub struct Due {
    pub id: Uuid,
    pub user_id: Uuid,
    pub media_id: Option<Uuid>,
    pub scene: u8,
    pub content: Option<String>,
    pub attempts: u32,
}

pub fn due(conn: &mut AnyConnection, at: NaiveDateTime, limit: i64) -> Result<Vec<Due>, DomainError> {
    type Row = (String, String, Option<String>, i32, Option<String>, i32);
    let rows: Vec<Row> = checks::table
        .filter(checks::status.eq(CheckStatus::Pending.as_str()))
        .filter(checks::next_attempt_at.le(at))
        .order(checks::next_attempt_at.asc())
        .limit(limit)
        .select((
            checks::id,
            checks::user_id,
            checks::media_id,
            checks::scene,
            checks::content,
            checks::attempts,
        ))
        .load(conn)
        .map_err(storage)?;
    rows.into_iter()
        .map(|(id, user, media, scene, content, attempts)| {
            Ok(Due {
                id: parse_id("content_checks.id", &id)?,
                user_id: parse_id("content_checks.user_id", &user)?,
                media_id: media.as_deref().map(|m| parse_id("content_checks.media_id", m)).transpose()?,
                scene: u8::try_from(scene).unwrap_or(domain::moderation::SCENE_POST),
                content,
                attempts: u32::try_from(attempts).unwrap_or(0),
            })
        })
        .collect()
}

/// Records a verdict (or, with `trace_id`, that a pushed verdict is awaited).
pub fn settle(
    conn: &mut AnyConnection,
    id: Uuid,
    status: CheckStatus,
    label: Option<i64>,
    trace_id: Option<&str>,
) -> Result<(), DomainError> {
    let awaiting = status == CheckStatus::Pending;
    diesel::update(checks::table.find(id.to_string()))
        .set((
            checks::status.eq(status.as_str()),
            checks::label.eq(label.and_then(|l| i32::try_from(l).ok())),
            checks::trace_id.eq(trace_id),
            checks::next_attempt_at.eq(None::<NaiveDateTime>),
            checks::checked_at.eq((!awaiting).then(now)),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// A failed attempt: tried again after `minutes`.
pub fn postpone(conn: &mut AnyConnection, id: Uuid, attempts: u32, minutes: i64) -> Result<(), DomainError> {
    diesel::update(checks::table.find(id.to_string()))
        .set((
            checks::attempts.eq(i32::try_from(attempts).unwrap_or(i32::MAX)),
            checks::next_attempt_at.eq(now() + chrono::Duration::minutes(minutes)),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// The check a pushed verdict answers: (id, media id).
pub fn by_trace(conn: &mut AnyConnection, trace_id: &str) -> Result<Option<(Uuid, Option<Uuid>)>, DomainError> {
    let row: Option<(String, Option<String>)> = checks::table
        .filter(checks::trace_id.eq(trace_id))
        .select((checks::id, checks::media_id))
        .first(conn)
        .optional()
        .map_err(storage)?;
    row.map(|(id, media)| {
        Ok((
            parse_id("content_checks.id", &id)?,
            media.as_deref().map(|m| parse_id("content_checks.media_id", m)).transpose()?,
        ))
    })
    .transpose()
}

/// Photos attached later carry their checks onto the order.
pub fn attach_media(conn: &mut AnyConnection, media: &[Uuid], order_id: Uuid) -> Result<(), DomainError> {
    let ids: Vec<String> = media.iter().map(Uuid::to_string).collect();
    diesel::update(checks::table.filter(checks::media_id.eq_any(ids)))
        .set(checks::order_id.eq(order_id.to_string()))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// The statuses of each order's checks.
pub fn statuses(conn: &mut AnyConnection, orders: &[Uuid]) -> Result<HashMap<Uuid, Vec<CheckStatus>>, DomainError> {
    let ids: Vec<String> = orders.iter().map(Uuid::to_string).collect();
    let rows: Vec<(Option<String>, String)> = checks::table
        .filter(checks::order_id.eq_any(ids))
        .select((checks::order_id, checks::status))
        .load(conn)
        .map_err(storage)?;
    let mut out: HashMap<Uuid, Vec<CheckStatus>> = HashMap::new();
    for (order, status) in rows {
        let (Some(order), Ok(status)) = (order, status.parse::<CheckStatus>()) else { continue };
        out.entry(parse_id("content_checks.order_id", &order)?).or_default().push(status);
    }
    Ok(out)
}

/// The statuses of a photo's checks.
pub fn media_statuses(conn: &mut AnyConnection, media: Uuid) -> Result<Vec<CheckStatus>, DomainError> {
    let rows: Vec<String> = checks::table
        .filter(checks::media_id.eq(media.to_string()))
        .select(checks::status)
        .load(conn)
        .map_err(storage)?;
    Ok(rows.iter().filter_map(|s| s.parse().ok()).collect())
}

/// Staff looked at an order's flagged or unchecked content and let it stand.
pub fn clear(conn: &mut AnyConnection, order: Uuid) -> Result<usize, DomainError> {
    let open = [CheckStatus::Pending.as_str(), CheckStatus::Review.as_str(), CheckStatus::Risky.as_str()];
    diesel::update(checks::table.filter(checks::order_id.eq(order.to_string())).filter(checks::status.eq_any(open)))
        .set((checks::status.eq(CheckStatus::Cleared.as_str()), checks::next_attempt_at.eq(None::<NaiveDateTime>), checks::checked_at.eq(now())))
        .execute(conn)
        .map_err(storage)
}
