//! Spreadsheet exports for staff (导出): orders and statistics as CSV that
//! Excel opens as it is (UTF-8 with a BOM). The order export streams.

use actix_web::{get, http::header, web, HttpResponse};
use domain::error::Problems;
use domain::order::{Kind, Status};
use domain::stats::DayRange;
use infra::usecase::export as usecase;
use infra::usecase::OrderFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::responses::{Auth, Query, Stats};
use crate::routes::printing::FileBytes;
use crate::routes::stats::{BreakdownQuery, StatsQuery};

const CSV: &str = "text/csv; charset=utf-8";

fn attachment(name: String) -> actix_web::HttpResponseBuilder {
    let mut answer = HttpResponse::Ok();
    answer
        .content_type(CSV)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    answer
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderExportQuery {
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    #[param(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// A category id or a category item id.
    pub category: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    /// Only open orders past a due time.
    #[param(default = false)]
    pub overdue: Option<bool>,
    /// First day of submission (`YYYY-MM-DD`, China time); default 29 days before `to`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day of submission, included; default today. At most 1,096 days in all.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
}

impl OrderExportQuery {
    fn parse(&self) -> Result<(OrderFilter, DayRange), domain::DomainError> {
        let mut p = Problems::new();
        let status = self.status.as_deref().and_then(|s| p.take(s.parse::<Status>()));
        let kind = self.kind.as_deref().and_then(|s| p.take(s.parse::<Kind>()));
        let today = domain::stats::tally::day_of(infra::ids::now_utc());
        let days = p.take(DayRange::parse(self.from.as_deref(), self.to.as_deref(), today));
        p.finish()?;
        let days = days.ok_or_else(|| domain::DomainError::fault("a checked range is missing"))?;
        let filter = OrderFilter {
            status,
            kind,
            category: self.category,
            community_id: self.community_id,
            grid_id: self.grid_id,
            overdue: self.overdue.unwrap_or(false),
            submitted: Some(days.bounds()),
            ..OrderFilter::default()
        };
        Ok((filter, days))
    }
}

/// The orders the caller may see, as CSV for Excel (staff)
///
/// Submitted in the range (`from`, `to`, China time; default the last 30 days), newest first,
/// narrowed like the order list. UTF-8 with a BOM, one row per order, phones masked; cells a
/// spreadsheet could run as a formula are quoted with `'`. Streamed: any number of rows.
#[utoipa::path(
    tag = "stats", security(("bearer" = [])),
    params(OrderExportQuery),
    responses((status = 200, description = "The orders, one CSV row each", body = FileBytes, content_type = "text/csv"), Auth, Query, Stats)
)]
#[get("/api/v1/exports/orders.csv")]
pub async fn export_orders_csv(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrderExportQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, days) = query.parse()?;
    let rows = usecase::orders_csv(&state.db, caller.0, filter, usecase::ORDER_PAGE).await?;
    Ok(attachment(format!("orders-{}-{}.csv", days.from, days.to)).streaming(rows))
}

/// A region's statistics as CSV for Excel, by child region, category or day (staff in scope)
///
/// The first row after the header is the total (合计); then one row per breakdown row, with
/// the counts, the rates as percentages (empty when nothing came due) and the minutes.
#[utoipa::path(
    tag = "stats", security(("bearer" = [])),
    params(BreakdownQuery, StatsQuery),
    responses((status = 200, description = "The statistics, one CSV row each", body = FileBytes, content_type = "text/csv"), Auth, Query, Stats)
)]
#[get("/api/v1/exports/stats.csv")]
pub async fn export_stats_csv(
    state: web::Data<AppState>,
    caller: Caller,
    by: web::Query<BreakdownQuery>,
    query: web::Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let (by, range) = crate::routes::stats::parse_breakdown(&by, &query)?;
    let bytes = usecase::stats_csv(&state.db, caller.0, query.region_id, range, by).await?;
    let name = format!("stats-{}-{}-{}.csv", by.as_str(), range.from, range.to);
    Ok(attachment(name).body(bytes))
}
