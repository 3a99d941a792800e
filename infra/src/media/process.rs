//! An upload turned into what we keep: recognised by its bytes, bounded before
//! decoding, turned upright, scaled to at most 4096 pixels, re-encoded (so no
//! EXIF, GPS position included, survives), and a thumbnail. CPU-bound: run on
//! a blocking thread.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use domain::media::{self, check_dimensions, fit_within, ImageKind, StoredKind, MAX_PIXELS, MAX_SIDE};
use domain::DomainError;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use crate::db::storage;

/// The picture to store and its thumbnail.
#[derive(Debug, Clone)]
pub struct Processed {
    pub kind: StoredKind,
    pub width: u32,
    pub height: u32,
    pub main: Vec<u8>,
    /// JPEG, long side 320.
    pub thumb: Vec<u8>,
}

pub fn process(path: &Path) -> Result<Processed, DomainError> {
    let mut head = [0u8; 16];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).map_err(storage)?;
    let kind = ImageKind::sniff(&head[..n]).ok_or_else(media::unsupported)?;
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Webp => ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(BufReader::new(File::open(path).map_err(storage)?), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // Four bytes a pixel and room for the decoder's own buffers.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h)?;
    if kind == ImageKind::Jpeg {
        require_jpeg_end(path)?;
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(refused)?;
    img.apply_orientation(orientation);
    let (sw, sh) = fit_within(img.width(), img.height(), media::STORED_LONG_SIDE);
    if (sw, sh) != (img.width(), img.height()) {
        img = img.resize_exact(sw, sh, FilterType::Triangle);
    }
    let stored = kind.stored_as();
    let main = match stored {
        StoredKind::Jpeg => jpeg(&img, 85)?,
        StoredKind::Png => {
            let mut out = Vec::new();
            img.write_with_encoder(PngEncoder::new(&mut out)).map_err(storage)?;
            out
        }
    };
    let (tw, th) = fit_within(img.width(), img.height(), media::THUMB_LONG_SIDE);
    let thumb = jpeg(&img.thumbnail(tw, th), 80)?;
    Ok(Processed { kind: stored, width: img.width(), height: img.height(), main, thumb })
}

fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, DomainError> {
    let mut out = Vec::new();
    // JPEG has no alpha: flatten onto the image's own colours.
    DynamicImage::ImageRgb8(img.to_rgb8())
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .map_err(storage)?;
    Ok(out)
}

/// The JPEG decoder fills a cut-off file with grey rather than failing: a
/// JPEG must carry its end marker (cameras may append data after it, so it
/// is looked for in the last 64 KiB).
fn require_jpeg_end(path: &Path) -> Result<(), DomainError> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path).map_err(storage)?;
    let len = f.metadata().map_err(storage)?.len();
    let tail = len.min(64 * 1024);
    f.seek(SeekFrom::Start(len - tail)).map_err(storage)?;
    let mut buf = Vec::with_capacity(tail as usize);
    f.read_to_end(&mut buf).map_err(storage)?;
    if buf.windows(2).any(|w| w == [0xFF, 0xD9]) {
        Ok(())
    } else {
        Err(media::invalid("图片不完整（可能上传中断），请重新上传"))
    }
}

/// A decoder's refusal: the bytes are not the picture they claim to be.
fn refused(e: image::ImageError) -> DomainError {
    match e {
        image::ImageError::Limits(_) => {
            check_dimensions(u32::MAX, u32::MAX).err().unwrap_or_else(|| media::invalid("图片过大"))
        }
        image::ImageError::Unsupported(_) => media::unsupported(),
        _ => media::invalid("图片已损坏或不完整，请重新上传"),
    }
}
