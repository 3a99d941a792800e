//! Statistics for staff (三率): a node's overview and its breakdowns, read from
//! the rollup each order save keeps, never by scanning orders.

use actix_web::{get, http::header, web, HttpResponse};
use domain::error::Problems;
use domain::stats::report::Period;
use domain::stats::{Breakdown, DayRange};
use infra::usecase::report::{rendered, Rendering};
use infra::usecase::stats as usecase;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::responses::{Auth, Query, Stats};
use crate::routes::printing::FileBytes;
use crate::routes::stats_views::{StatsBreakdown, StatsOverview};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// A street, community or grid; without it, the caller's own region (the whole city for
    /// city-wide staff).
    pub region_id: Option<Uuid>,
    /// First day counted (`YYYY-MM-DD`, China time); default 29 days before `to`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day counted, included; default today. At most 1,096 days in all.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
}

impl StatsQuery {
    fn range(&self, p: &mut Problems) -> Option<DayRange> {
        let today = domain::stats::tally::day_of(infra::ids::now_utc());
        p.take(DayRange::parse(self.from.as_deref(), self.to.as_deref(), today))
    }
}

/// `by` and the range, their problems reported together.
pub fn parse_breakdown(by: &BreakdownQuery, query: &StatsQuery) -> Result<(Breakdown, DayRange), domain::DomainError> {
    let mut p = Problems::new();
    let by = p.take(by.by.parse::<Breakdown>());
    let range = query.range(&mut p);
    p.finish()?;
    match (by, range) {
        (Some(by), Some(range)) => Ok((by, range)),
        _ => Err(domain::DomainError::fault("checked parameters are missing")),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    /// `region`: the node's children; `category`; `day`: every day of the range.
    #[param(value_type = Breakdown)]
    pub by: String,
}

/// A region's statistics: counts, the three rates (三率), times to accept and arrive, ratings
///
/// For staff over the node. Orders count on the day they were submitted (China time); rates are
/// fractions 0–1, `null` when nothing came due. Read from counters kept with each order, so the
/// answer takes the same time at a million orders as at ten.
#[utoipa::path(
    tag = "stats", security(("bearer" = [])),
    params(StatsQuery),
    responses((status = 200, description = "The node's statistics", body = StatsOverview), Auth, Query, Stats)
)]
#[get("/api/v1/stats/overview")]
pub async fn get_stats_overview(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<StatsQuery>,
) -> crate::error::ApiResult<web::Json<StatsOverview>> {
    let mut p = Problems::new();
    let range = query.range(&mut p);
    p.finish()?;
    let range = range.ok_or_else(|| domain::DomainError::fault("a checked range is missing"))?;
    Ok(web::Json(usecase::overview(&state.db, caller.0, query.region_id, range).await?.into()))
}

/// A region's statistics broken down by child region, by category or by day
///
/// Each row carries the same figures as the overview. By region lists every child (a street's
/// communities, a community's grids), zeros included; by day, every day of the range.
#[utoipa::path(
    tag = "stats", security(("bearer" = [])),
    params(BreakdownQuery, StatsQuery),
    responses((status = 200, description = "One row per child, category or day", body = StatsBreakdown), Auth, Query, Stats)
)]
#[get("/api/v1/stats/breakdown")]
pub async fn get_stats_breakdown(
    state: web::Data<AppState>,
    caller: Caller,
    by: web::Query<BreakdownQuery>,
    query: web::Query<StatsQuery>,
) -> crate::error::ApiResult<web::Json<StatsBreakdown>> {
    let (by, range) = parse_breakdown(&by, &query)?;
    Ok(web::Json(usecase::breakdown(&state.db, caller.0, query.region_id, range, by).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A street, community or grid; without it, the caller's own region.
    pub region_id: Option<Uuid>,
    /// `week` (Monday–Sunday, the default) or `month`.
    #[param(value_type = Option<Period>)]
    pub period: Option<String>,
    /// Any day of the week or month (`YYYY-MM-DD`, China time); default today.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-06")]
    pub date: Option<String>,
}

async fn report(state: &AppState, caller: Caller, q: &ReportQuery, as_: Rendering) -> ApiResult<HttpResponse> {
    let mut p = Problems::new();
    let period = p.take(q.period.as_deref().unwrap_or("week").parse::<Period>());
    let today = domain::stats::tally::day_of(infra::ids::now_utc());
    let date = match q.date.as_deref() {
        None => Some(today),
        Some(raw) => p.take(domain::stats::parse_day("date", raw)),
    };
    p.finish()?;
    let (Some(period), Some(date)) = (period, date) else {
        return Err(domain::DomainError::fault("checked parameters are missing").into());
    };
    let (r, bytes) = rendered(&state.db, caller.0, q.region_id, period, date, as_).await?;
    let kind = if as_ == Rendering::Html { "text/html; charset=utf-8" } else { "image/png" };
    let name =
        format!("report-{}-{}.{}", period.as_str(), r.range.from, if as_ == Rendering::Html { "html" } else { "png" });
    Ok(HttpResponse::Ok()
        .content_type(kind)
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// A region's one-page report for a week or a month, as HTML (staff over the node)
///
/// What a street secretary brings to the joint meeting (联席会议): the figures, the three
/// rates' trend day by day as a chart, the children side by side and the ten orders that were
/// overdue longest. Self-contained: styles and the chart (SVG) inline, nothing fetched.
#[utoipa::path(
    tag = "stats", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report page", body = String, content_type = "text/html"), Auth, Query, Stats)
)]
#[get("/api/v1/stats/report.html")]
pub async fn get_stats_report_html(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    report(&state, caller, &query, Rendering::Html).await
}

/// A region's one-page report for a week or a month, as PNG (A4 at 150 dpi, staff over the node)
///
/// The same page as the HTML report, drawn on the server in the embedded CJK font.
#[utoipa::path(
    tag = "stats", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report, 1240 × 1754 pixels", body = FileBytes, content_type = "image/png"), Auth, Query, Stats)
)]
#[get("/api/v1/stats/report.png")]
pub async fn get_stats_report_png(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    report(&state, caller, &query, Rendering::Png).await
}
