//! What statistics look like on the wire: pure functions of `domain::stats::Summary`
//! and of the use case's results.

use chrono::NaiveDate;
use domain::order::{Kind, Status};
use domain::stats::{Breakdown, DayRange, Minutes, RatingMeans, Summary};
use infra::usecase::stats::{Breakdowns, Key, Overview};
use serde::Serialize;
use utoipa::ToSchema;

use crate::routes::order_views::Named;
use crate::views::RegionView;

/// Days counted, both included, in China time (orders count on the day they were submitted).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RangeView {
    #[schema(example = "2026-11-07")]
    pub from: NaiveDate,
    #[schema(example = "2026-12-06")]
    pub to: NaiveDate,
    #[schema(example = 30)]
    pub days: i64,
}

impl From<DayRange> for RangeView {
    fn from(r: DayRange) -> Self {
        RangeView { from: r.from, to: r.to, days: (r.to - r.from).num_days() + 1 }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: Status,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: Kind,
    pub count: i64,
}

/// Minutes from submission: how many, the mean and the 90th percentile
/// (`null` without any). The p90 is read from bins (5, 10, 15, 30, 60, 120 … minutes)
/// and interpolated within its bin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinutesView {
    pub count: i64,
    #[schema(example = 12.5)]
    pub mean: Option<f64>,
    #[schema(example = 28.0)]
    pub p90: Option<f64>,
}

impl From<Minutes> for MinutesView {
    fn from(m: Minutes) -> Self {
        MinutesView { count: m.count, mean: m.mean, p90: m.p90 }
    }
}

/// Means (1–5) of the four rating dimensions over `count` ratings; `null` without ratings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingMeansView {
    pub count: i64,
    /// 完成是否到位
    pub completion: Option<f64>,
    /// 推进是否有力
    pub progress: Option<f64>,
    /// 成效是否明显
    pub effect: Option<f64>,
    /// 群众是否满意
    pub satisfaction: Option<f64>,
}

impl From<RatingMeans> for RatingMeansView {
    fn from(r: RatingMeans) -> Self {
        RatingMeansView {
            count: r.count,
            completion: r.completion,
            progress: r.progress,
            effect: r.effect,
            satisfaction: r.satisfaction,
        }
    }
}

/// The counts and rates of a set of orders. Rates are fractions 0–1, `null` when nothing came due.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryView {
    pub orders: i64,
    /// Every status, with zero where none.
    pub by_status: Vec<StatusCount>,
    pub by_kind: Vec<KindCount>,
    /// Orders the sweeper flagged overdue (a due time passed unanswered or unresolved).
    pub overdue: i64,
    /// 及时响应率: accepted within the response due time / responses that came due.
    #[schema(example = 0.92, minimum = 0, maximum = 1)]
    pub response_rate: Option<f64>,
    /// 按时办结率: resolved within the resolve due time / resolves that came due.
    #[schema(example = 0.87, minimum = 0, maximum = 1)]
    pub on_time_resolution_rate: Option<f64>,
    /// 解决率: confirmed solved (completion ≥ 4, or a return visit marked solved) / orders rated or visited.
    #[schema(example = 0.9, minimum = 0, maximum = 1)]
    pub resolution_rate: Option<f64>,
    /// 满意率: ratings with satisfaction ≥ 4 / ratings.
    #[schema(example = 0.95, minimum = 0, maximum = 1)]
    pub satisfaction_rate: Option<f64>,
    /// From submission to the (last) acceptance.
    pub accept_minutes: MinutesView,
    /// From submission to arrival on site.
    pub arrive_minutes: MinutesView,
    /// Share of arrivals on site within 15 minutes of submission (15分钟服务圈).
    #[schema(example = 0.64, minimum = 0, maximum = 1)]
    pub on_site_within_15m: Option<f64>,
    pub ratings: RatingMeansView,
}

impl From<Summary> for SummaryView {
    fn from(s: Summary) -> Self {
        SummaryView {
            orders: s.orders,
            by_status: s.by_status.into_iter().map(|(status, count)| StatusCount { status, count }).collect(),
            by_kind: s.by_kind.into_iter().map(|(kind, count)| KindCount { kind, count }).collect(),
            overdue: s.overdue,
            response_rate: s.response_rate,
            on_time_resolution_rate: s.on_time_resolution_rate,
            resolution_rate: s.resolution_rate,
            satisfaction_rate: s.satisfaction_rate,
            accept_minutes: s.accept_minutes.into(),
            arrive_minutes: s.arrive_minutes.into(),
            on_site_within_15m: s.on_site_within_15m,
            ratings: s.ratings.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryCountView {
    pub category: Named,
    pub orders: i64,
}

/// A region node's (or, for city-wide staff without `region_id`, the whole city's) statistics.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsOverview {
    /// The node counted; `null`: the whole city.
    pub region: Option<RegionView>,
    pub range: RangeView,
    pub summary: SummaryView,
    /// Categories with orders in the range, most first.
    pub by_category: Vec<CategoryCountView>,
}

impl From<Overview> for StatsOverview {
    fn from(o: Overview) -> Self {
        StatsOverview {
            region: o.node.map(Into::into),
            range: o.range.into(),
            summary: o.summary.into(),
            by_category: o
                .by_category
                .into_iter()
                .map(|c| CategoryCountView { category: c.category.into(), orders: c.orders })
                .collect(),
        }
    }
}

/// One row of a breakdown: a child region, a category or a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakdownRow {
    /// The child region's or category's id, or the day (`YYYY-MM-DD`).
    #[schema(example = "2026-12-01")]
    pub key: String,
    /// The region's or category's code; `null` for a day.
    pub code: Option<String>,
    /// What a table shows: the name, or the day.
    #[schema(example = "点灯社区")]
    pub name: String,
    pub summary: SummaryView,
}

impl BreakdownRow {
    fn of(key: Key, summary: Summary) -> BreakdownRow {
        let (key, code, name) = match key {
            Key::Region(n) | Key::Category(n) => (n.id.to_string(), Some(n.code), n.name),
            Key::Day(d) => (d.to_string(), None, d.to_string()),
        };
        BreakdownRow { key, code, name, summary: summary.into() }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsBreakdown {
    pub region: Option<RegionView>,
    pub range: RangeView,
    pub by: Breakdown,
    /// By region: every child, zeros included; by day: every day of the range;
    /// by category: categories with orders, most first.
    pub rows: Vec<BreakdownRow>,
}

impl From<Breakdowns> for StatsBreakdown {
    fn from(b: Breakdowns) -> Self {
        StatsBreakdown {
            region: b.node.map(Into::into),
            range: b.range.into(),
            by: b.by,
            rows: b.rows.into_iter().map(|(k, s)| BreakdownRow::of(k, s)).collect(),
        }
    }
}
