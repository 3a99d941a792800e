//! Posters as printed: the QR in the PNG reads back to its payload, the SVG
//! stands alone (its text is outlines), the PDF has a page per poster with
//! the font embedded, and the ZIP holds every file.

use infra::print::{self, PosterSheet, QrPicture};

fn sheet(code: &str, building: &str) -> PosterSheet {
    let payload = format!("https://msb.example.cn/s/{code}");
    PosterSheet {
        code: code.into(),
        street: "点灯街道".into(),
        community: "和安社区".into(),
        grid: "和安第一网格".into(),
        building: building.into(),
        qr: print::qr_modules(&payload).unwrap_or_else(|e| panic!("{e}")),
    }
}

fn decode(rgba: image::RgbaImage) -> Vec<String> {
    let luma = image::DynamicImage::ImageRgba8(rgba).to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    prepared.detect_grids().iter().filter_map(|g| g.decode().ok()).map(|(_, content)| content).collect()
}

#[test]
fn the_png_is_a4_at_200_dpi_and_its_qr_reads_back() {
    let png = print::png(&sheet("dd-hean", "和安楼 3 栋")).unwrap_or_else(|e| panic!("{e}"));
    if let Ok(dir) = std::env::var("MSB_POSTER_SAMPLE") {
        std::fs::write(format!("{dir}/poster.png"), &png).unwrap_or_else(|e| panic!("{e}"));
    }
    let img = image::load_from_memory(&png).unwrap_or_else(|e| panic!("{e}")).to_rgba8();
    assert_eq!((img.width(), img.height()), (1654, 2340));
    assert_eq!(decode(img.clone()), vec!["https://msb.example.cn/s/dd-hean".to_owned()]);
    // The band at the top is red, the page below it white.
    assert_eq!(img.get_pixel(20, 20).0, [0xC7, 0x16, 0x1E, 255]);
    assert_eq!(img.get_pixel(20, 1000).0, [255, 255, 255, 255]);
}

#[test]
fn the_svg_needs_no_font_to_render() {
    let svg = print::svg(&sheet("dd-hean", "和安楼")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!svg.contains("<text"), "text should be outlines");
    // Rendered with no fonts at all, the building name still draws: the
    // area where it stands has dark pixels.
    let options = resvg::usvg::Options::default();
    let tree = resvg::usvg::Tree::from_str(&svg, &options).unwrap_or_else(|e| panic!("{e}"));
    let scale = 2.0;
    let size = tree.size().to_int_size().scale_by(scale).unwrap_or_else(|| panic!("size"));
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap_or_else(|| panic!("pixmap"));
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let img = image::RgbaImage::from_raw(size.width(), size.height(), pixmap.data().to_vec())
        .unwrap_or_else(|| panic!("image"));
    let name_row = (96.0 / 297.0 * f64::from(size.height())) as u32;
    let dark = (0..size.width()).filter(|x| img.get_pixel(*x, name_row).0[0] < 100).count();
    assert!(dark > 20, "building name not drawn ({dark} dark pixels)");
    assert_eq!(decode(img), vec!["https://msb.example.cn/s/dd-hean".to_owned()]);
}

#[test]
fn names_are_escaped_not_interpreted() {
    let svg = print::svg(&sheet("x1", "<b>&\"楼\"</b>")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!svg.contains("<b>"));
}

#[test]
fn a_community_pdf_has_a_page_per_poster_and_embeds_the_font() {
    let sheets = vec![sheet("a1", "一号楼"), sheet("a2", "二号楼"), sheet("a3", "三号楼")];
    let pdf = print::pdf(&sheets).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 3);
    assert!(text.contains("/Count 3"));
    assert!(text.contains("/FontFile"), "font not embedded");
}

#[test]
fn the_zip_holds_every_file() {
    let files = vec![("a1.png".to_owned(), vec![1, 2, 3]), ("a2.png".to_owned(), vec![4])];
    let bytes = print::zip(&files).unwrap_or_else(|e| panic!("{e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(archive.len(), 2);
    assert_eq!(archive.by_name("a2.png").map(|f| f.size()).unwrap_or_default(), 1);
}

#[test]
fn the_font_covers_everyday_place_names() {
    assert!(print::missing_glyphs("点灯街道和安社区厦良 3 栋（东）·码上办①②③").is_empty());
    // A rare character outside GB 2312 is reported, not silently dropped.
    assert_eq!(print::missing_glyphs("𠀋楼"), vec!['𠀋']);
}

#[test]
fn a_wechat_code_is_placed_as_the_picture_it_came_as() {
    let mut s = sheet("w1", "和安楼");
    let mut jpeg = Vec::new();
    image::DynamicImage::new_rgb8(8, 8)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap_or_else(|e| panic!("{e}"));
    s.qr = QrPicture::Image { mime: "image/jpeg", bytes: jpeg };
    let svg = print::svg(&s).unwrap_or_else(|e| panic!("{e}"));
    assert!(svg.contains("data:image/jpeg;base64,"));
}
