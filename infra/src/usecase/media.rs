//! Photo uploads: stored once per Idempotency-Key, served only to those who
//! may see them, swept when nobody attached them within a day.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use domain::actor::Actor;
use domain::media::Media;
use domain::order::policy::{visibility, Visibility};
use domain::DomainError;
use tokio::sync::Semaphore;
use uuid::Uuid;

use domain::moderation::{CheckStatus, SCENE_POST};

use super::idempotent::{create_once, earlier, Created, IdempotencyKey};
use super::moderation::ContentCheck;
use crate::db::{storage, Db};
use crate::ids::{new_id, now_utc};
use crate::media::{process, MediaStore};
use crate::repo::checks::{self, NewCheck};
use crate::repo::media::{self as repo, MediaRow};
use crate::repo::orders;
use crate::repo::users;

/// Pictures decoded at once: each may take a few hundred MB while decoding,
/// so uploads beyond this wait their turn and memory stays flat.
static DECODING: Semaphore = Semaphore::const_new(2);

/// An upload streamed to a temporary file (deleted when dropped).
pub struct Upload {
    pub file: tempfile::TempPath,
    /// Hex SHA-256 of the file, for the Idempotency-Key's request hash.
    pub sha256: String,
}

impl Upload {
    /// The Idempotency-Key for this upload (hashing the file, not the multipart framing).
    pub fn key(&self, raw: &str) -> Result<IdempotencyKey, DomainError> {
        IdempotencyKey::parse(raw, "POST /api/v1/media", self.sha256.as_bytes())
    }
}

/// Stores an upload (re-encoded, with a thumbnail) and answers with it; with
/// a key, a retry gets the first upload back and nothing is stored twice.
/// With WeChat's content check, the photo is sent to be checked; the verdict
/// arrives later at the message callback.
pub async fn upload(
    db: &Db,
    store: &MediaStore,
    check: Option<&ContentCheck>,
    actor: Actor,
    upload: Upload,
    key: Option<IdempotencyKey>,
) -> Result<(Media, Created), DomainError> {
    let (media, created) = store_upload(db, store, actor, upload, key).await?;
    if let (Some(check), false) = (check, created.replayed) {
        request_check(db, check, &media).await?;
    }
    Ok((media, created))
}

async fn store_upload(
    db: &Db,
    store: &MediaStore,
    actor: Actor,
    upload: Upload,
    key: Option<IdempotencyKey>,
) -> Result<(Media, Created), DomainError> {
    let user = actor.user_id;
    if let Some(key) = &key {
        if let Some(id) = earlier(db, user, key).await? {
            return Ok((get_row(db, id).await?, Created { id, replayed: true }));
        }
    }
    let processed = {
        let _turn = DECODING.acquire().await.map_err(storage)?;
        let path = upload.file.to_path_buf();
        tokio::task::spawn_blocking(move || process(&path)).await.map_err(storage)??
    };
    drop(upload.file);
    let media = Media {
        id: new_id(),
        uploader_id: user,
        kind: processed.kind,
        width: processed.width,
        height: processed.height,
        bytes: processed.main.len() as u64,
        order_id: None,
        created_at: now_utc(),
    };
    let (main, thumb) = (Media::key(media.id, media.kind), Media::thumb_key(media.id));
    store.put(&main, processed.main).await?;
    store.put(&thumb, processed.thumb).await?;
    let row = MediaRow::new(&media, upload.sha256);
    let id = media.id;
    let created = create_once(db, user, key, move |c| repo::insert(c, &row).map(|()| id)).await;
    match created {
        Ok(created) if created.id == id => Ok((media, created)),
        other => {
            // Not recorded (a failure, or a concurrent retry won): the files are nobody's.
            let _ = store.delete(&main).await;
            let _ = store.delete(&thumb).await;
            let created = other?;
            Ok((get_row(db, created.id).await?, created))
        }
    }
}

/// Asks WeChat to check a new photo (uploads by accounts without WeChat are not checked).
async fn request_check(db: &Db, check: &ContentCheck, media: &Media) -> Result<(), DomainError> {
    let user = media.uploader_id;
    let Some(openid) = db.run(move |c| users::get(c, user)).await?.wechat_openid else { return Ok(()) };
    let trace = ask_media_check(check, media.id, &openid, SCENE_POST).await;
    let new = NewCheck {
        order_id: None,
        media_id: Some(media.id),
        user_id: user,
        field: "photo",
        scene: SCENE_POST,
        content: None,
        status: CheckStatus::Pending,
        trace_id: trace,
    };
    db.write(move |c| checks::insert(c, &new)).await?;
    Ok(())
}

/// A link WeChat can fetch a photo by, without a token: signed, for a day.
pub fn check_link(check: &ContentCheck, id: Uuid, now: i64) -> String {
    let expires = now + 24 * 3600;
    format!(
        "{}/api/v1/media/{id}/check?expires={expires}&sig={}",
        check.public_url.trim_end_matches('/'),
        sign(&check.link_key, id, expires)
    )
}

fn sign(key: &[u8], id: Uuid, expires: i64) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(format!("media-check:{id}:{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether a link made by `check_link` is genuine and still good.
pub fn link_is_valid(key: &[u8], id: Uuid, expires: i64, sig: &str, now: i64) -> bool {
    use subtle::ConstantTimeEq;
    let expected = sign(key, id, expires);
    expires >= now && !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
}

/// Sends a photo to `media_check_async`; its trace id, or `None` if WeChat could not be asked.
pub(crate) async fn ask_media_check(check: &ContentCheck, id: Uuid, openid: &str, scene: u8) -> Option<String> {
    let url = check_link(check, id, chrono::Utc::now().timestamp());
    let client = check.tokens.client();
    let url = &url;
    let call = check.tokens.call(|token| async move { client.media_check_async(&token, url, openid, scene).await });
    // An upload never waits long on WeChat: not asked in time, the dispatcher asks later.
    match tokio::time::timeout(std::time::Duration::from_secs(2), call).await {
        Ok(Ok(trace)) => Some(trace),
        Ok(Err(e)) => {
            tracing::warn!(error.cause = %e, media = %id, "photo check not requested: retried later");
            None
        }
        Err(_) => {
            tracing::warn!(media = %id, "photo check request timed out: retried later");
            None
        }
    }
}

async fn get_row(db: &Db, id: Uuid) -> Result<Media, DomainError> {
    db.run(move |c| repo::find(c, id)?.ok_or(DomainError::not_found("media.not_found"))).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Full,
    Thumbnail,
}

/// An upload's bytes, for its uploader until it is attached and then for
/// whoever may see the order (404 for anyone else, as for orders).
pub async fn open(
    db: &Db,
    store: &MediaStore,
    actor: Actor,
    id: Uuid,
    variant: Variant,
) -> Result<(Media, &'static str, Vec<u8>), DomainError> {
    let media = db
        .run(move |c| {
            let media = repo::find(c, id)?.ok_or(DomainError::not_found("media.not_found"))?;
            let allowed = match media.order_id {
                Some(order) => visibility(&actor, &orders::get(c, order)?) != Visibility::Hidden,
                None => media.uploader_id == actor.user_id,
            };
            if !allowed {
                return Err(DomainError::not_found("media.not_found"));
            }
            // A photo WeChat found risky is withheld from all but staff, who moderate it.
            if checks::media_statuses(c, id)?.contains(&CheckStatus::Risky) && !actor.is_staff() {
                return Err(DomainError::Gone {
                    code: "media.withheld", message: "该图片未通过内容安全检测".into()
                });
            }
            Ok(media)
        })
        .await?;
    let (key, kind) = match variant {
        Variant::Full => (Media::key(media.id, media.kind), media.kind.content_type()),
        Variant::Thumbnail => (Media::thumb_key(media.id), "image/jpeg"),
    };
    let bytes = store.get(&key).await?.ok_or_else(|| storage(format!("media {id}: {key} missing from the store")))?;
    Ok((media, kind, bytes))
}

/// A photo's bytes for WeChat's checker, by a signed link (no token).
pub async fn open_for_check(
    db: &Db,
    store: &MediaStore,
    key: &[u8],
    id: Uuid,
    expires: i64,
    sig: &str,
) -> Result<(&'static str, Vec<u8>), DomainError> {
    if !link_is_valid(key, id, expires, sig, chrono::Utc::now().timestamp()) {
        return Err(DomainError::not_found("media.not_found"));
    }
    let media = get_row(db, id).await?;
    let bytes = store.get(&Media::key(id, media.kind)).await?.ok_or(DomainError::not_found("media.not_found"))?;
    Ok((media.kind.content_type(), bytes))
}

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaSweep {
    pub uploads: usize,
    pub partial_files: usize,
}

/// Removes uploads nobody attached within `keep`, and files left in the
/// incoming directory by an upload the process did not live to finish.
pub async fn sweep(db: &Db, store: &MediaStore, incoming: &Path, keep: Duration) -> Result<MediaSweep, DomainError> {
    let before = now_utc() - chrono::Duration::from_std(keep).map_err(storage)?;
    let stale = db.run(move |c| repo::unattached_before(c, before.naive_utc(), 500)).await?;
    let mut swept = MediaSweep::default();
    for media in stale {
        let id = media.id;
        // The row goes first: once it is gone nobody can attach the photo.
        if db.write(move |c| repo::delete_unattached(c, id)).await? {
            store.delete(&Media::key(id, media.kind)).await?;
            store.delete(&Media::thumb_key(id)).await?;
            swept.uploads += 1;
        }
    }
    swept.partial_files = sweep_incoming(incoming.to_owned(), Duration::from_secs(3600)).await?;
    Ok(swept)
}

async fn sweep_incoming(dir: PathBuf, older_than: Duration) -> Result<usize, DomainError> {
    tokio::task::spawn_blocking(move || {
        let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(0) };
        let mut removed = 0;
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > older_than);
            if old && entry.path().is_file() && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    })
    .await
    .map_err(storage)?
}
