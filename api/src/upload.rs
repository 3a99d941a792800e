//! A multipart upload streamed to a temporary file, as `wx.uploadFile` sends
//! it: one file per request under whatever field name the client chose; text
//! fields beside it are read and ignored. Nothing is held in memory but a
//! chunk, and the file is removed if anything fails or the client goes away.

use std::path::Path;

use actix_multipart::Multipart;
use actix_web::{http::header, web, HttpRequest};
use domain::{media, DomainError, FieldError};
use futures_util::StreamExt;
use infra::usecase::media::Upload;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::ApiError;

/// Text fields beside the file: at most this many, each this long.
const MAX_TEXT_FIELDS: usize = 16;
const MAX_TEXT_BYTES: usize = 4096;
/// What the multipart framing may add to the file.
const FRAMING: u64 = 64 * 1024;

fn refuse(code: &'static str, message: &str) -> ApiError {
    DomainError::Unprocessable {
        code,
        errors: vec![FieldError::new("file", code.trim_start_matches("media."), message.to_owned())],
    }
    .into()
}

fn broken(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(actix_web::http::StatusCode::BAD_REQUEST, "request.invalid_multipart", "上传内容格式有误或不完整")
        .detail(e.to_string())
}

pub async fn receive(req: &HttpRequest, payload: web::Payload, dir: &Path, max: u64) -> Result<Upload, ApiError> {
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !kind.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.unsupported_media_type",
            "请以 multipart/form-data 上传文件",
        ));
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max + FRAMING) {
        return Err(media::too_large(max).into());
    }
    let mut parts = Multipart::new(req.headers(), payload);
    let mut upload = None;
    let mut texts = 0;
    while let Some(field) = parts.next().await {
        let mut field = field.map_err(broken)?;
        let is_file = field.content_disposition().is_some_and(|cd| cd.get_filename().is_some());
        if !is_file {
            texts += 1;
            let mut len = 0;
            while let Some(chunk) = field.next().await {
                len += chunk.map_err(broken)?.len();
                if len > MAX_TEXT_BYTES || texts > MAX_TEXT_FIELDS {
                    return Err(refuse("media.too_many_fields", "表单字段过多或过长"));
                }
            }
            continue;
        }
        if upload.is_some() {
            return Err(refuse("media.too_many_files", "每次只能上传一个文件"));
        }
        upload = Some(to_file(&mut field, dir, max).await?);
    }
    let upload = upload.ok_or_else(|| refuse("media.no_file", "请求中没有文件"))?;
    Ok(upload)
}

async fn to_file(field: &mut actix_multipart::Field, dir: &Path, max: u64) -> Result<Upload, ApiError> {
    let fault = |e: std::io::Error| ApiError::from(DomainError::fault(format!("incoming upload: {e}")));
    tokio::fs::create_dir_all(dir).await.map_err(fault)?;
    let (file, path) = tempfile::NamedTempFile::new_in(dir).map_err(fault)?.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let (mut size, mut hash) = (0u64, Sha256::new());
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(broken)?;
        size += chunk.len() as u64;
        if size > max {
            return Err(media::too_large(max).into());
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(fault)?;
    }
    file.flush().await.map_err(fault)?;
    if size == 0 {
        return Err(refuse("media.empty", "文件为空"));
    }
    Ok(Upload { file: path, sha256: hex::encode(hash.finalize()) })
}
