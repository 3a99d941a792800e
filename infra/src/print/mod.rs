//! Printable posters: the layout as SVG, and that SVG as outlined SVG, PNG and
//! multi-page PDF, with the embedded font, so a machine without fonts prints
//! Chinese. CPU-bound: call from a blocking thread.
//!
//! The font is Noto Sans CJK SC (SIL Open Font License 1.1) from Debian's
//! `fonts-noto-cjk`, cut by `scripts/subset-font.py` to ASCII, CJK punctuation
//! and the 6,763 hanzi of GB 2312, in regular and bold (2.9 MB each).

mod layout;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use domain::DomainError;
pub use layout::{escape, fit, PosterSheet, QrPicture, CALL_TO_ACTION};
use resvg::{tiny_skia, usvg};

use crate::db::storage;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular.subset.otf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold.subset.otf");
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";

/// Printing resolution of the PNG: 200 dpi, 1654 × 2340 pixels for A4.
pub const PNG_DPI: f32 = 200.0;

fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(REGULAR.to_vec());
            db.load_font_data(BOLD.to_vec());
            db.set_sans_serif_family(FONT_FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Whether the embedded font can draw every character of `text`; posters of
/// names with other characters would show boxes.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let db = fonts();
    let Some(face) = db.faces().next() else { return text.chars().collect() };
    db.with_face_data(face.id, |data, index| {
        let Ok(face) = ttf_parser::Face::parse(data, index) else { return text.chars().collect() };
        text.chars().filter(|c| !c.is_control() && face.glyph_index(*c).is_none()).collect()
    })
    .unwrap_or_default()
}

/// A QR code of `payload`, drawn here (error correction M: a quarter of a
/// smudged or torn code still reads).
pub fn qr_modules(payload: &str) -> Result<QrPicture, DomainError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| DomainError::fault(format!("QR of {payload:?}: {e}")))?;
    let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    Ok(QrPicture::Modules { width: code.width(), dark, payload: payload.to_owned() })
}

fn tree(sheet: &PosterSheet) -> Result<usvg::Tree, DomainError> {
    let options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    usvg::Tree::from_str(&layout::svg(sheet), &options).map_err(storage)
}

/// The poster as a self-contained SVG: text turned into outlines.
pub fn svg(sheet: &PosterSheet) -> Result<String, DomainError> {
    Ok(tree(sheet)?.to_string(&usvg::WriteOptions::default()))
}

/// The poster as a PNG at `PNG_DPI`.
pub fn png(sheet: &PosterSheet) -> Result<Vec<u8>, DomainError> {
    let tree = tree(sheet)?;
    // usvg sizes "210mm" at 96 px per inch.
    let scale = PNG_DPI / 96.0;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| storage("poster size"))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| storage("pixmap"))?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(storage)
}

/// Any page laid out as SVG (the report), as PNG at `scale` times its size, in the embedded font.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, DomainError> {
    let options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(storage)?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| storage("page size"))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| storage("pixmap"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(storage)
}

/// Posters as one PDF, one A4 page each, text embedded as (subset) font.
pub fn pdf(sheets: &[PosterSheet]) -> Result<Vec<u8>, DomainError> {
    pdf_with_progress(sheets, || {})
}

/// `pdf`, calling `page_done` after each page (a progress bar).
pub fn pdf_with_progress(sheets: &[PosterSheet], page_done: impl Fn()) -> Result<Vec<u8>, DomainError> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref};
    let mut alloc = Ref::new(1);
    let catalog = alloc.bump();
    let pages = alloc.bump();
    let mut pdf = Pdf::new();
    let mut kids = Vec::with_capacity(sheets.len());
    // A4 in points.
    let (w, h) = (layout::PAGE_W as f32 / 25.4 * 72.0, layout::PAGE_H as f32 / 25.4 * 72.0);
    for sheet in sheets {
        let (chunk, svg_ref) = svg2pdf::to_chunk(&tree(sheet)?, svg2pdf::ConversionOptions::default())
            .map_err(|e| storage(format!("pdf: {e}")))?;
        let mut map = HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let svg_ref = *map.get(&svg_ref).ok_or_else(|| storage("pdf: chunk lost its form"))?;
        let (page, content) = (alloc.bump(), alloc.bump());
        let mut p = pdf.page(page);
        p.media_box(Rect::new(0.0, 0.0, w, h)).parent(pages).contents(content);
        p.resources().x_objects().pair(Name(b"P"), svg_ref);
        p.finish();
        let mut c = Content::new();
        c.transform([w, 0.0, 0.0, h, 0.0, 0.0]).x_object(Name(b"P"));
        pdf.stream(content, &c.finish());
        pdf.extend(&chunk);
        kids.push(page);
        page_done();
    }
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).count(kids.len() as i32).kids(kids);
    Ok(pdf.finish())
}

/// Files as one ZIP (stored: PNG and PDF are compressed already).
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, DomainError> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        out.start_file(name.as_str(), options).map_err(storage)?;
        out.write_all(bytes).map_err(storage)?;
    }
    Ok(out.finish().map_err(storage)?.into_inner())
}
