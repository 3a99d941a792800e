use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::media::{Media, StoredKind};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{now, parse_id, to_utc};
use crate::schema::media;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: String,
    pub uploader_id: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub sha256: String,
    pub order_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub attached_at: Option<NaiveDateTime>,
}

impl MediaRow {
    pub fn new(m: &Media, sha256: String) -> MediaRow {
        MediaRow {
            id: m.id.to_string(),
            uploader_id: m.uploader_id.to_string(),
            content_type: m.kind.content_type().to_owned(),
            width: i32::try_from(m.width).unwrap_or(i32::MAX),
            height: i32::try_from(m.height).unwrap_or(i32::MAX),
            bytes: i64::try_from(m.bytes).unwrap_or(i64::MAX),
            sha256,
            order_id: m.order_id.map(|o| o.to_string()),
            created_at: m.created_at.naive_utc(),
            attached_at: None,
        }
    }

    fn into_domain(self) -> Result<Media, DomainError> {
        Ok(Media {
            id: parse_id("media.id", &self.id)?,
            uploader_id: parse_id("media.uploader_id", &self.uploader_id)?,
            kind: StoredKind::parse(&self.content_type)
                .ok_or_else(|| storage(format!("media {}: content type {}", self.id, self.content_type)))?,
            width: u32::try_from(self.width).map_err(storage)?,
            height: u32::try_from(self.height).map_err(storage)?,
            bytes: u64::try_from(self.bytes).map_err(storage)?,
            order_id: self.order_id.as_deref().map(|o| parse_id("media.order_id", o)).transpose()?,
            created_at: to_utc(self.created_at),
        })
    }
}

pub fn insert(conn: &mut AnyConnection, row: &MediaRow) -> Result<(), DomainError> {
    diesel::insert_into(media::table).values(row).execute(conn).map_err(storage)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Media>, DomainError> {
    media::table
        .find(id.to_string())
        .select(MediaRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(MediaRow::into_domain)
        .transpose()
}

pub fn find_many(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<Media>, DomainError> {
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<MediaRow> =
        media::table.filter(media::id.eq_any(keys)).select(MediaRow::as_select()).load(conn).map_err(storage)?;
    rows.into_iter().map(MediaRow::into_domain).collect()
}

/// Attaches the photos to an order, all or none: each must be the caller's and
/// unattached (checked by `domain::media::check_attachable`), and the update
/// is conditional, so two orders racing for one photo cannot both get it.
pub fn attach(
    conn: &mut AnyConnection,
    field: &str,
    ids: &[Uuid],
    caller: Uuid,
    order_id: Uuid,
) -> Result<(), DomainError> {
    if ids.is_empty() {
        return Ok(());
    }
    domain::media::check_attachable(field, ids, &find_many(conn, ids)?, caller)?;
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let changed = diesel::update(
        media::table
            .filter(media::id.eq_any(keys))
            .filter(media::uploader_id.eq(caller.to_string()))
            .filter(media::order_id.is_null()),
    )
    .set((media::order_id.eq(order_id.to_string()), media::attached_at.eq(now())))
    .execute(conn)
    .map_err(storage)?;
    // Their content checks now speak for the order.
    super::checks::attach_media(conn, ids, order_id)?;
    if changed != ids.len() {
        // Another request attached one between the check and the update.
        return domain::media::check_attachable(field, ids, &find_many(conn, ids)?, caller).and(Err(
            DomainError::Unprocessable {
                code: "order.unknown_photo",
                errors: vec![domain::FieldError::new(field, "unknown_photo", "照片已用于其他工单")],
            },
        ));
    }
    Ok(())
}

/// Uploads nobody attached, created before `before`, oldest first.
pub fn unattached_before(conn: &mut AnyConnection, before: NaiveDateTime, limit: i64) -> Result<Vec<Media>, DomainError> {
    let rows: Vec<MediaRow> = media::table
        .filter(media::order_id.is_null())
        .filter(media::created_at.lt(before))
        .order(media::created_at.asc())
        .limit(limit)
        .select(MediaRow::as_select())
        .load(conn)
        .map_err(storage)?;
    rows.into_iter().map(MediaRow::into_domain).collect()
}

/// Deletes an upload's row if it is still unattached; true when it was.
pub fn delete_unattached(conn: &mut AnyConnection, id: Uuid) -> Result<bool, DomainError> {
    use crate::schema::content_checks as checks;
    if find(conn, id)?.is_none_or(|m| m.order_id.is_some()) {
        return Ok(false);
    }
    // Its content check goes with it: nobody will see the photo.
    diesel::delete(checks::table.filter(checks::media_id.eq(id.to_string()))).execute(conn).map_err(storage)?;
    let n = diesel::delete(media::table.find(id.to_string()).filter(media::order_id.is_null()))
        .execute(conn)
        .map_err(storage)?;
    Ok(n == 1)
}
