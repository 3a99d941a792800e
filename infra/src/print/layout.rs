//! The A4 poster as SVG, in millimetres: a red band with the service's name and
//! the call to action, where the building is, the QR code, how to use it, and
//! the poster code in small print. Text is set in the embedded font (see
//! `fonts`); `super::svg` turns it into outlines so any viewer shows it.

use base64::Engine;

/// Everything printed on one poster.
#[derive(Debug, Clone)]
pub struct PosterSheet {
    pub code: String,
    pub street: String,
    pub community: String,
    pub grid: String,
    pub building: String,
    pub qr: QrPicture,
}

/// The code in the middle of the poster.
#[derive(Debug, Clone)]
pub enum QrPicture {
    /// A QR code drawn here: `true` is a dark module, row by row, `width` per row.
    Modules { width: usize, dark: Vec<bool>, payload: String },
    /// A WeChat mini-program code as WeChat drew it (JPEG or PNG bytes).
    Image { mime: &'static str, bytes: Vec<u8> },
}

pub const PAGE_W: f64 = 210.0;
pub const PAGE_H: f64 = 297.0;
const RED: &str = "#C7161E";
const INK: &str = "#1F1F1F";
const GREY: &str = "#5C5C5C";
pub const CALL_TO_ACTION: &str = "扫码反映问题 · 码上办";
const QR_SIZE: f64 = 124.0;
const QR_TOP: f64 = 112.0;

pub fn svg(sheet: &PosterSheet) -> String {
    let mut s = String::with_capacity(16 * 1024);
    s.push_str(&format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W}mm" height="{PAGE_H}mm" viewBox="0 0 {PAGE_W} {PAGE_H}">"#
    ));
    s.push_str(&format!(r#"<rect width="{PAGE_W}" height="{PAGE_H}" fill="white"/>"#));
    s.push_str(&format!(r#"<rect width="{PAGE_W}" height="64" fill="{RED}"/>"#));
    s.push_str(&text(PAGE_W / 2.0, 34.0, 24.0, "#fff", true, "码上办"));
    s.push_str(&text(PAGE_W / 2.0, 52.0, 9.0, "#fff", false, CALL_TO_ACTION));
    let place = format!("{} · {}", sheet.street, sheet.community);
    s.push_str(&text(PAGE_W / 2.0, 82.0, fit(&place, 7.5, 186.0), GREY, false, &place));
    s.push_str(&text(PAGE_W / 2.0, 101.0, fit(&sheet.building, 14.0, 186.0), INK, true, &sheet.building));
    s.push_str(&qr((PAGE_W - QR_SIZE) / 2.0, QR_TOP, QR_SIZE, &sheet.qr));
    let steps = "① 微信扫一扫　② 选类别、说问题、拍照片　③ 随时查看进度并评价";
    s.push_str(&text(PAGE_W / 2.0, 252.0, fit(steps, 5.2, 186.0), INK, false, steps));
    let grid = format!("所属网格：{}", sheet.grid);
    s.push_str(&text(PAGE_W / 2.0, 263.0, fit(&grid, 4.6, 186.0), GREY, false, &grid));
    s.push_str(&format!(r#"<rect x="12" y="274" width="186" height="0.3" fill="{GREY}"/>"#));
    s.push_str(&text_at(12.0, 284.0, 3.4, GREY, "start", &format!("码牌编号 {}", sheet.code)));
    s.push_str(&text_at(198.0, 284.0, 3.4, GREY, "end", "码牌破损或信息有误，请联系社区更换"));
    s.push_str("</svg>");
    s
}

fn qr(x: f64, y: f64, size: f64, picture: &QrPicture) -> String {
    match picture {
        QrPicture::Modules { width, dark, .. } => {
            // Four modules of quiet zone on each side, as the QR standard asks.
            let quiet = 4.0;
            let module = size / (*width as f64 + 2.0 * quiet);
            let mut d = String::new();
            for (i, on) in dark.iter().enumerate() {
                if *on {
                    let (col, row) = ((i % width) as f64 + quiet, (i / width) as f64 + quiet);
                    d.push_str(&format!("M{col} {row}h1v1h-1z"));
                }
            }
            format!(
                r#"<g transform="translate({x} {y}) scale({module})"><path d="{d}" fill="black" shape-rendering="crispEdges"/></g>"#
            )
        }
        QrPicture::Image { mime, bytes } => {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            format!(r#"<image x="{x}" y="{y}" width="{size}" height="{size}" href="data:{mime};base64,{data}"/>"#)
        }
    }
}

fn text(x: f64, y: f64, size: f64, fill: &str, bold: bool, content: &str) -> String {
    let weight = if bold { "bold" } else { "normal" };
    format!(
        r#"<text x="{x}" y="{y}" font-family="Noto Sans CJK SC" font-size="{size:.2}" font-weight="{weight}" fill="{fill}" text-anchor="middle">{}</text>"#,
        escape(content)
    )
}

fn text_at(x: f64, y: f64, size: f64, fill: &str, anchor: &str, content: &str) -> String {
    format!(
        r#"<text x="{x}" y="{y}" font-family="Noto Sans CJK SC" font-size="{size}" fill="{fill}" text-anchor="{anchor}">{}</text>"#,
        escape(content)
    )
}

/// The largest font size up to `max` at which `text` fits in `width`: a CJK
/// character is one em wide, other characters about half.
pub fn fit(text: &str, max: f64, width: f64) -> f64 {
    let ems: f64 = text.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum();
    if ems <= 0.0 {
        max
    } else {
        max.min(width / ems)
    }
}

/// Names come from administrators: XML-escape everything printed.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_shrink_to_fit_and_short_ones_keep_their_size() {
        let cases: &[(&str, f64, f64, f64)] = &[
            ("和安楼", 14.0, 186.0, 14.0),
            (&"楼".repeat(20), 14.0, 186.0, 9.3),
            ("AB", 14.0, 1.1, 1.0),
            ("", 14.0, 186.0, 14.0),
        ];
        for (text, max, width, want) in cases {
            assert!((fit(text, *max, *width) - want).abs() < 0.01, "{text}: {}", fit(text, *max, *width));
        }
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(escape(r#"<a&b>"'"#), "&lt;a&amp;b&gt;&quot;&apos;");
        assert_eq!(escape("和\u{0}安"), "和安");
    }
}
