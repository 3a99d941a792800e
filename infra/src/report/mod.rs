//! The report drawn: the three rates' trend as a chart (plotters, SVG), and
//! the page as self-contained HTML or as a PNG rendered with the posters'
//! embedded font, so a server without fonts draws the Chinese. CPU-bound:
//! call from a blocking thread.

mod chart;

use std::fmt::Write;

use domain::stats::report::human;
use domain::stats::Summary;
use domain::DomainError;

pub use chart::chart_svg;

use crate::print::escape;
use crate::usecase::report::Report;

/// The PNG page: A4 portrait at 150 dpi.
pub const PAGE: (u32, u32) = (1240, 1754);
const CHART: (u32, u32) = (1140, 460);

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn minutes(m: Option<f64>) -> String {
    m.map_or_else(|| "—".to_owned(), |m| format!("{m:.0} 分钟"))
}

fn title(r: &Report) -> String {
    format!("{} 三率{} · {}", r.node_name(), r.period.label(), r.period.title(&r.range))
}

/// The headline figures: (label, value).
fn figures(s: &Summary) -> [(&'static str, String); 8] {
    [
        ("工单", s.orders.to_string()),
        ("及时响应率", percent(s.response_rate)),
        ("按时办结率", percent(s.on_time_resolution_rate)),
        ("解决率", percent(s.resolution_rate)),
        ("满意率", percent(s.satisfaction_rate)),
        ("超时", s.overdue.to_string()),
        ("平均接单", minutes(s.accept_minutes.mean)),
        ("15分钟到场", percent(s.on_site_within_15m)),
    ]
}

const CHILD_COLUMNS: [&str; 7] = ["下级区域", "工单", "及时响应率", "按时办结率", "解决率", "满意率", "超时"];

fn child_row(name: &str, s: &Summary) -> [String; 7] {
    [
        name.to_owned(),
        s.orders.to_string(),
        percent(s.response_rate),
        percent(s.on_time_resolution_rate),
        percent(s.resolution_rate),
        percent(s.satisfaction_rate),
        s.overdue.to_string(),
    ]
}

const WORST_COLUMNS: [&str; 5] = ["编号", "事项", "楼栋", "状态", "超时"];

fn worst_rows(r: &Report) -> Vec<[String; 5]> {
    r.worst
        .iter()
        .map(|(d, late)| {
            [
                d.order.number.clone(),
                d.item.name.clone(),
                d.building_name.clone(),
                d.order.status.label().to_owned(),
                human(*late),
            ]
        })
        .collect()
}

fn html_table<const N: usize>(out: &mut String, head: [&str; N], rows: impl IntoIterator<Item = [String; N]>) {
    out.push_str("<table><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(&cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

/// The report as one HTML page: styles inline, the chart as inline SVG, nothing fetched.
pub fn html(r: &Report) -> Result<String, DomainError> {
    let chart = chart_svg(&r.days, CHART)?;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;max-width:1180px;margin:24px auto;color:#222}}\
         .figures{{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}}.figure{{border:1px solid #ddd;border-radius:8px;padding:12px}}\
         .figure b{{display:block;font-size:28px}}table{{border-collapse:collapse;width:100%;margin:12px 0}}\
         th,td{{border:1px solid #ddd;padding:6px 10px;text-align:left}}th{{background:#f5f5f5}}\
         @media print{{body{{margin:0}}}}</style></head><body><h1>{t}</h1><div class=\"figures\">",
        t = escape(&title(r))
    );
    for (label, value) in figures(&r.summary) {
        let _ = write!(out, "<div class=\"figure\">{}<b>{}</b></div>", escape(label), escape(&value));
    }
    out.push_str("</div><h2>三率走势</h2>");
    out.push_str(&chart);
    if !r.children.is_empty() {
        out.push_str("<h2>各下级区域</h2>");
        html_table(&mut out, CHILD_COLUMNS, r.children.iter().map(|(n, s)| child_row(&n.name, s)));
    }
    out.push_str("<h2>超时最久的工单</h2>");
    if r.worst.is_empty() {
        out.push_str("<p>本期没有超时工单。</p>");
    } else {
        html_table(&mut out, WORST_COLUMNS, worst_rows(r));
    }
    let _ = write!(
        out,
        "<p><small>码上办 · 生成于 {}</small></p></body></html>",
        domain::export::china_time(Some(r.made_at))
    );
    Ok(out)
}

/// SVG text at (x, y).
fn text(out: &mut String, x: u32, y: u32, size: u32, bold: bool, body: &str) {
    let weight = if bold { 700 } else { 400 };
    let _ = write!(
        out,
        r##"<text x="{x}" y="{y}" font-family="{}" font-size="{size}" font-weight="{weight}" fill="#222">{}</text>"##,
        crate::print::FONT_FAMILY,
        escape(body)
    );
}

/// A table in the page from `y`, columns at `xs`; returns the y below it.
fn svg_table<const N: usize>(out: &mut String, y: u32, xs: [u32; N], head: [&str; N], rows: &[[String; N]]) -> u32 {
    let mut y = y;
    for (x, h) in xs.iter().zip(head) {
        text(out, *x, y, 20, true, h);
    }
    for row in rows {
        y += 32;
        for (x, cell) in xs.iter().zip(row) {
            let cut: String = cell.chars().take(16).collect();
            text(out, *x, y, 19, false, &cut);
        }
    }
    y + 48
}

/// The page laid out as SVG (what `png` renders).
pub fn page_svg(r: &Report) -> Result<String, DomainError> {
    let (w, h) = PAGE;
    let mut out = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#);
    text(&mut out, 50, 80, 38, true, &title(r));
    for (i, (label, value)) in figures(&r.summary).iter().enumerate() {
        let (x, y) = (50 + (i as u32 % 4) * 285, 130 + (i as u32 / 4) * 110);
        let _ = write!(out, r##"<rect x="{x}" y="{y}" width="265" height="95" rx="8" fill="none" stroke="#ccc"/>"##);
        text(&mut out, x + 16, y + 34, 20, false, label);
        text(&mut out, x + 16, y + 76, 34, true, value);
    }
    let chart = chart_svg(&r.days, CHART)?;
    text(&mut out, 50, 372, 26, true, "三率走势（按日）");
    let _ = write!(out, r#"<g transform="translate(50,385)">{chart}</g>"#);
    let mut y = 385 + CHART.1 + 50;
    if !r.children.is_empty() {
        let rows: Vec<[String; 7]> = r.children.iter().take(10).map(|(n, s)| child_row(&n.name, s)).collect();
        y = svg_table(&mut out, y, [50, 330, 450, 600, 750, 870, 1000], CHILD_COLUMNS, &rows);
    }
    text(&mut out, 50, y, 26, true, "超时最久的工单");
    let rows = worst_rows(r);
    if rows.is_empty() {
        text(&mut out, 50, y + 40, 20, false, "本期没有超时工单。");
    } else {
        let room = ((h.saturating_sub(y + 120)) / 32) as usize;
        let rows: Vec<[String; 5]> = rows.into_iter().take(room).collect();
        svg_table(&mut out, y + 40, [50, 320, 640, 900, 1040], WORST_COLUMNS, &rows);
    }
    text(&mut out, 50, h - 40, 16, false, &format!("码上办 · 生成于 {}", domain::export::china_time(Some(r.made_at))));
    out.push_str("</svg>");
    Ok(out)
}

/// The page as PNG.
pub fn png(r: &Report) -> Result<Vec<u8>, DomainError> {
    crate::print::svg_to_png(&page_svg(r)?, 1.0)
}
