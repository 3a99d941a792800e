//! What a spreadsheet export holds (导出): the columns and one record per order
//! or per statistics row, as text in China time. Cells are made safe for
//! spreadsheets: text a resident typed cannot become a formula.

use chrono::{DateTime, FixedOffset, Utc};

use crate::order::OrderDetail;
use crate::stats::Summary;

/// The order columns, in the order `order_record` fills them.
pub const ORDER_COLUMNS: [&str; 20] = [
    "编号",
    "类型",
    "状态",
    "类别",
    "事项",
    "紧急程度",
    "层级",
    "楼栋",
    "描述",
    "联系人",
    "联系电话（脱敏）",
    "提交时间",
    "响应期限",
    "接单时间",
    "到场时间",
    "办结期限",
    "办结时间",
    "超时",
    "满意度",
    "评价",
];

/// A cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading apostrophe (OWASP's advice for
/// CSV injection); control characters other than line breaks are dropped.
pub fn cell(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect();
    match clean.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{clean}"),
        _ => clean,
    }
}

/// `2026-12-06 13:05` in China time, or empty.
pub fn china_time(at: Option<DateTime<Utc>>) -> String {
    let china = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"));
    at.map(|t| t.with_timezone(&china).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

/// One order as its export row. The phone is always masked: an export leaves
/// the system, so it carries no more personal data than a list needs.
pub fn order_record(d: &OrderDetail) -> [String; 20] {
    let o = &d.order;
    let overdue = match (o.overdue.response.is_some(), o.overdue.resolve.is_some()) {
        (true, true) => "响应、办结超时",
        (true, false) => "响应超时",
        (false, true) => "办结超时",
        (false, false) => "",
    };
    let rating = o.rating.as_ref();
    [
        o.number.clone(),
        o.kind.label().to_owned(),
        o.status.label().to_owned(),
        cell(&d.category.name),
        cell(&d.item.name),
        o.priority.label().to_owned(),
        o.level.label().to_owned(),
        cell(&d.building_name),
        cell(&o.description),
        cell(&o.contact.name),
        o.contact.phone.as_ref().map_or_else(String::new, |p| p.masked()),
        china_time(Some(o.at.submitted)),
        china_time(Some(o.due.response)),
        china_time(o.at.accepted),
        china_time(o.at.arrived),
        china_time(Some(o.due.resolve)),
        china_time(o.at.resolved),
        overdue.to_owned(),
        rating.map(|r| r.satisfaction.to_string()).unwrap_or_default(),
        rating.map(|r| cell(&r.comment)).unwrap_or_default(),
    ]
}

/// The statistics columns after the row's label, in the order `summary_record` fills them.
pub const SUMMARY_COLUMNS: [&str; 12] = [
    "工单数",
    "超时数",
    "及时响应率",
    "按时办结率",
    "解决率",
    "满意率",
    "平均接单分钟",
    "接单分钟P90",
    "平均到场分钟",
    "15分钟到场率",
    "评价数",
    "平均满意度",
];

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default()
}

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_default()
}

/// One statistics row: rates as percentages with one decimal, empty where nothing came due.
pub fn summary_record(s: &Summary) -> [String; 12] {
    [
        s.orders.to_string(),
        s.overdue.to_string(),
        percent(s.response_rate),
        percent(s.on_time_resolution_rate),
        percent(s.resolution_rate),
        percent(s.satisfaction_rate),
        number(s.accept_minutes.mean),
        number(s.accept_minutes.p90),
        number(s.arrive_minutes.mean),
        percent(s.on_site_within_15m),
        s.ratings.count.to_string(),
        number(s.ratings.satisfaction),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_become_formulas() {
        let cases = [
            ("路灯不亮", "路灯不亮"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+86 138", "'+86 138"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("a\u{0}b\u{7}c", "abc"),
            ("第一行\n第二行", "第一行\n第二行"),
            ("", ""),
        ];
        for (raw, safe) in cases {
            assert_eq!(cell(raw), safe, "{raw:?}");
        }
    }

    #[test]
    fn times_are_china_time_to_the_minute() {
        let at: DateTime<Utc> = "2026-12-06T23:30:59Z".parse().unwrap_or_default();
        assert_eq!(china_time(Some(at)), "2026-12-07 07:30");
        assert_eq!(china_time(None), "");
    }

    #[test]
    fn rates_are_percentages_and_empty_when_nothing_came_due() {
        let mut t = crate::stats::Tally { orders: 4, response_due: 3, response_on_time: 2, ..Default::default() };
        t.by_kind[0] = 4;
        let row = summary_record(&Summary::of(&t));
        assert_eq!((row[0].as_str(), row[2].as_str(), row[3].as_str(), row[5].as_str()), ("4", "66.7%", "", ""));
    }
}
