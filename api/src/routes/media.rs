//! Photo uploads (随手拍) and serving them.

use actix_web::{get, http::header, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::media::Media;
use infra::usecase::media::{self as usecase, Variant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::limits::{client_ip, Rule};
use crate::responses::{Auth, Path, Query, Throttled};
use crate::routes::printing::FileBytes;

/// An uploaded photo: put its `id` in an order's or a resolution's `photos`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    pub id: Uuid,
    /// The picture (with the same bearer token); upright, without EXIF, long side at most 4096.
    #[schema(example = "/api/v1/media/0193a6a4-0000-7000-8000-00000000000a")]
    pub url: String,
    /// A JPEG with long side 320, for lists.
    #[schema(example = "/api/v1/media/0193a6a4-0000-7000-8000-00000000000a/thumbnail")]
    pub thumbnail_url: String,
    #[schema(example = 4032)]
    pub width: u32,
    #[schema(example = 3024)]
    pub height: u32,
    /// What it is stored as: `image/jpeg` (photos, WebP included) or `image/png`.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    pub bytes: u64,
    /// Set once a report or a resolution uses it.
    pub order_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<Media> for MediaView {
    fn from(m: Media) -> Self {
        MediaView {
            id: m.id,
            url: format!("/api/v1/media/{}", m.id),
            thumbnail_url: format!("/api/v1/media/{}/thumbnail", m.id),
            width: m.width,
            height: m.height,
            content_type: m.kind.content_type().to_owned(),
            bytes: m.bytes,
            order_id: m.order_id,
            created_at: m.created_at,
        }
    }
}

/// The multipart body `wx.uploadFile` sends: one file, under any field name.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// A JPEG, PNG or WebP picture (recognised by its bytes), at most `MSB_MEDIA_MAX_BYTES`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a photo (随手拍)
///
/// Multipart with one file, whatever the field name (as `wx.uploadFile` sends it).
/// JPEG, PNG and WebP are recognised by their bytes. The picture is turned
/// upright, stripped of EXIF (GPS position included) and re-encoded; a
/// thumbnail is made. With an `Idempotency-Key`, a retry returns the first
/// upload (`Idempotent-Replayed: true`) and stores nothing twice. Unattached
/// uploads are removed after a day.
#[utoipa::path(
    post, path = "/api/v1/media", operation_id = "upload_media", tag = "media", security(("bearer" = [])),
    request_body(content = MediaUpload, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload safe: 1–128 visible characters")),
    responses(
        (status = 201, description = "Stored", body = MediaView,
         headers(("Location" = String, description = "The picture's URL"),
                 ("Idempotent-Replayed" = String, description = "`true` when this answers a retry"))),
        (status = 400, description = "The multipart body is malformed or cut off (`request.invalid_multipart`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:request.invalid_multipart", "title": "上传内容格式有误或不完整", "status": 400, "code": "request.invalid_multipart"})),
        (status = 413, description = "Larger than `MSB_MEDIA_MAX_BYTES` (`media.too_large`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:media.too_large", "title": "文件超过 10 MB", "status": 413, "code": "media.too_large"})),
        (status = 415, description = "Not a JPEG, PNG or WebP by its bytes (`media.unsupported_type`), or not multipart", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:media.unsupported_type", "title": "仅支持 JPEG、PNG、WebP 图片", "status": 415, "code": "media.unsupported_type"})),
        (status = 422, description = "No file, two files, an empty file, a damaged or cut-off picture, or one of too many pixels (`media.*`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:media.invalid_image", "title": "请求参数有误", "status": 422, "code": "media.invalid_image"})),
        Auth, Throttled,
    )
)]
#[post("/api/v1/media")]
pub async fn upload_media(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    state.limits.hit(Rule::UploadUser, &caller.0.user_id.to_string()).await?;
    state.limits.hit(Rule::UploadIp, &client_ip(&req, state.limits.config.trusted_proxies)).await?;
    let config = &state.config.media;
    let upload = crate::upload::receive(&req, payload, &config.incoming_dir, config.max_bytes).await?;
    let key = req.headers().get("idempotency-key").map(|v| upload.key(v.to_str().unwrap_or_default())).transpose()?;
    let (media, created) =
        usecase::upload(&state.db, &state.media, state.content_check.as_ref(), caller.0, upload, key).await?;
    let view = MediaView::from(media);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, view.url.clone()))
        .insert_header(("Idempotent-Replayed", if created.replayed { "true" } else { "false" }))
        .json(view))
}

/// A picture's bytes: private, and never changing, so clients cache it for a year.
fn picture(content_type: &str, id: Uuid, bytes: Vec<u8>, req: &HttpRequest) -> HttpResponse {
    let etag = format!("\"{id}\"");
    let cached = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    let mut res = if cached { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    res.insert_header((header::CACHE_CONTROL, "private, max-age=31536000, immutable"))
        .insert_header((header::ETAG, etag));
    if cached {
        res.finish()
    } else {
        res.content_type(content_type).body(bytes)
    }
}

async fn serve(
    state: &AppState,
    caller: Caller,
    id: Uuid,
    variant: Variant,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (media, kind, bytes) = usecase::open(&state.db, &state.media, caller.0, id, variant).await?;
    Ok(picture(kind, media.id, bytes, req))
}

/// A photo (its uploader until attached; then whoever may see the order)
///
/// Cached privately for a year (`ETag`, `If-None-Match` answers 304): a photo never changes.
#[utoipa::path(
    get, path = "/api/v1/media/{id}", operation_id = "get_media", tag = "media", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The upload's id")),
    responses(
        (status = 200, description = "The picture: JPEG, or PNG for an upload that was PNG", content((FileBytes = "image/jpeg"), (FileBytes = "image/png"))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, description = "No such photo, or not yours to see (`media.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:media.not_found", "title": "资源不存在", "status": 404, "code": "media.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/media/{id}")]
pub async fn get_media(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(&state, caller, id.into_inner(), Variant::Full, &req).await
}

/// A photo's thumbnail (long side 320, JPEG), for the same people as the photo
///
/// For lists and order cards; cached like the photo.
#[utoipa::path(
    get, path = "/api/v1/media/{id}/thumbnail", operation_id = "get_media_thumbnail", tag = "media", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The upload's id")),
    responses(
        (status = 200, description = "The thumbnail", body = FileBytes, content_type = "image/jpeg"),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, description = "No such photo, or not yours to see (`media.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:media.not_found", "title": "资源不存在", "status": 404, "code": "media.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/media/{id}/thumbnail")]
pub async fn get_media_thumbnail(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    serve(&state, caller, id.into_inner(), Variant::Thumbnail, &req).await
}

/// A signed link's query (made for WeChat's image checker).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckLink {
    /// Unix seconds after which the link is dead.
    pub expires: i64,
    /// HMAC-SHA256 of the id and `expires`, hex.
    #[param(max_length = 64)]
    pub sig: String,
}

/// A photo for WeChat's image checker, by a signed link (no token)
///
/// The link is made when the photo is sent to `media_check_async` and lives a day.
#[utoipa::path(
    get, path = "/api/v1/media/{id}/check", operation_id = "get_media_for_check", tag = "media", security(()),
    params(("id" = Uuid, Path, description = "The upload's id"), CheckLink),
    responses(
        (status = 200, description = "The picture: JPEG, or PNG for an upload that was PNG", content((FileBytes = "image/jpeg"), (FileBytes = "image/png"))),
        (status = 404, description = "No such photo, or the link is forged or expired (`media.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:media.not_found", "title": "资源不存在", "status": 404, "code": "media.not_found"})),
        Path, Query,
    )
)]
#[get("/api/v1/media/{id}/check")]
pub async fn get_media_for_check(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    link: web::Query<CheckLink>,
) -> ApiResult<HttpResponse> {
    let Some(check) = &state.content_check else { return Err(ApiError::not_found("media.not_found")) };
    let (kind, bytes) =
        usecase::open_for_check(&state.db, &state.media, &check.link_key, id.into_inner(), link.expires, &link.sig)
            .await?;
    Ok(HttpResponse::Ok().content_type(kind).insert_header((header::CACHE_CONTROL, "private, no-store")).body(bytes))
}
