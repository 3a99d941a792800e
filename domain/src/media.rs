//! Photos (随手拍): what an upload must be, and whose it is to attach.
//!
//! An image is recognised by its first bytes, never by the name or type the
//! client declared. Its pixels are bounded before decoding, so a small file
//! that claims a huge picture (a decompression bomb) is refused unread.

use uuid::Uuid;

use crate::DomainError;

/// The image formats we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    /// Recognises a format by its signature.
    pub fn sniff(head: &[u8]) -> Option<ImageKind> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    /// What we store it as: PNG stays PNG (screenshots, drawings); photos are JPEG.
    pub fn stored_as(self) -> StoredKind {
        match self {
            ImageKind::Png => StoredKind::Png,
            ImageKind::Jpeg | ImageKind::Webp => StoredKind::Jpeg,
        }
    }
}

/// The format of a stored file (re-encoded: no metadata survives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredKind {
    Jpeg,
    Png,
}

impl StoredKind {
    pub fn content_type(self) -> &'static str {
        match self {
            StoredKind::Jpeg => "image/jpeg",
            StoredKind::Png => "image/png",
        }
    }

    pub fn parse(content_type: &str) -> Option<StoredKind> {
        match content_type {
            "image/jpeg" => Some(StoredKind::Jpeg),
            "image/png" => Some(StoredKind::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            StoredKind::Jpeg => "jpg",
            StoredKind::Png => "png",
        }
    }
}

/// At most this many pixels (a 48-megapixel phone photo fits; a bomb does not).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Neither side longer than this.
pub const MAX_SIDE: u32 = 16_384;
/// Stored photos are scaled down to this long side (a phone screen needs far less).
pub const STORED_LONG_SIDE: u32 = 4096;
/// Thumbnails for lists: this long side.
pub const THUMB_LONG_SIDE: u32 = 320;

/// Checks the size an image header claims, before any pixel is decoded.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), DomainError> {
    if width == 0 || height == 0 {
        return Err(invalid("图片尺寸为零"));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(DomainError::Unprocessable {
            code: "media.too_many_pixels",
            errors: vec![crate::FieldError::new(
                "file",
                "too_many_pixels",
                format!("图片过大（{width} × {height} 像素），最多 {MAX_PIXELS} 像素"),
            )],
        });
    }
    Ok(())
}

/// The size to scale `(w, h)` to so its long side is at most `long`; never up.
pub fn fit_within(width: u32, height: u32, long: u32) -> (u32, u32) {
    let side = width.max(height);
    if side <= long {
        return (width, height);
    }
    let scale = f64::from(long) / f64::from(side);
    let w = (f64::from(width) * scale).round().max(1.0) as u32;
    let h = (f64::from(height) * scale).round().max(1.0) as u32;
    (w, h)
}

pub fn invalid(message: &str) -> DomainError {
    DomainError::Unprocessable {
        code: "media.invalid_image",
        errors: vec![crate::FieldError::new("file", "invalid_image", message.to_owned())],
    }
}

pub fn too_large(limit: u64) -> DomainError {
    DomainError::TooLarge {
        code: "media.too_large", message: format!("文件超过 {} MB", limit.div_ceil(1024 * 1024))
    }
}

pub fn unsupported() -> DomainError {
    DomainError::Unsupported { code: "media.unsupported_type", message: "仅支持 JPEG、PNG、WebP 图片".into() }
}

/// An upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub id: Uuid,
    pub uploader_id: Uuid,
    pub kind: StoredKind,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// The order it shows, once attached (to the report or to the resolution).
    pub order_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Media {
    pub fn key(id: Uuid, kind: StoredKind) -> String {
        format!("media/{id}.{}", kind.extension())
    }

    pub fn thumb_key(id: Uuid) -> String {
        format!("media/{id}.thumb.jpg")
    }
}

/// The photos of a command must be the caller's own uploads, not attached
/// yet: anything else is `order.unknown_photo`, each listed by its index.
/// `found` holds the uploads that exist among `ids`.
pub fn check_attachable(field: &str, ids: &[Uuid], found: &[Media], caller: Uuid) -> Result<(), DomainError> {
    let errors: Vec<_> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let message = match found.iter().find(|m| m.id == *id) {
                None => "照片不存在，请先上传",
                Some(m) if m.uploader_id != caller => "照片不存在，请先上传",
                Some(m) if m.order_id.is_some() => "照片已用于其他工单",
                Some(_) => return None,
            };
            Some(crate::FieldError::new(format!("{field}[{i}]"), "unknown_photo", message))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Unprocessable { code: "order.unknown_photo", errors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_known_by_their_bytes() {
        let table: &[(&[u8], Option<ImageKind>)] = &[
            (b"\xFF\xD8\xFF\xE0\x00\x10JFIF", Some(ImageKind::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\x00\x00", Some(ImageKind::Png)),
            (b"RIFF\x24\x00\x00\x00WEBPVP8 ", Some(ImageKind::Webp)),
            (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
            (b"GIF89a", None),
            (b"<svg xmlns=", None),
            (b"%PDF-1.7", None),
            (b"\xFF\xD8", None),
            (b"", None),
        ];
        for (head, want) in table {
            assert_eq!(ImageKind::sniff(head), *want, "{head:?}");
        }
    }

    #[test]
    fn bombs_and_empty_pictures_are_refused_by_their_header() {
        // (width, height, accepted)
        let table = [
            (4032, 3024, true),
            (8000, 6000, true),
            (50_000, 50_000, false),
            (16_385, 10, false),
            (10, 16_385, false),
            (8000, 7000, false),
            (0, 10, false),
        ];
        for (w, h, ok) in table {
            assert_eq!(check_dimensions(w, h).is_ok(), ok, "{w}x{h}");
        }
    }

    #[test]
    fn scaling_keeps_the_aspect_and_never_enlarges() {
        assert_eq!(fit_within(4032, 3024, 320), (320, 240));
        assert_eq!(fit_within(3024, 4032, 320), (240, 320));
        assert_eq!(fit_within(100, 50, 320), (100, 50));
        assert_eq!(fit_within(10_000, 1, 320), (320, 1));
    }

    #[test]
    fn only_the_callers_unattached_uploads_attach() {
        let me = Uuid::now_v7();
        let other = Uuid::now_v7();
        let media = |uploader, order_id| Media {
            id: Uuid::now_v7(),
            uploader_id: uploader,
            kind: StoredKind::Jpeg,
            width: 1,
            height: 1,
            bytes: 1,
            order_id,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        let mine = media(me, None);
        let theirs = media(other, None);
        let used = media(me, Some(Uuid::now_v7()));
        let unknown = Uuid::now_v7();
        let found = vec![mine.clone(), theirs.clone(), used.clone()];
        assert!(check_attachable("photos", &[mine.id], &found, me).is_ok());
        assert!(check_attachable("photos", &[], &found, me).is_ok());
        let Err(DomainError::Unprocessable { code, errors }) =
            check_attachable("photos", &[mine.id, theirs.id, used.id, unknown], &found, me)
        else {
            panic!("refused")
        };
        assert_eq!(code, "order.unknown_photo");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["photos[1]", "photos[2]", "photos[3]"]);
    }
}
