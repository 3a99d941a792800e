//! The one-page report of a region for a week or a month (联席会议): the
//! figures, the three rates day by day, the children side by side and the
//! worst overdue orders; rendered as HTML or PNG by `crate::report`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::actor::Actor;
use domain::order::{Named, OrderDetail};
use domain::region::{Region, RegionKind};
use domain::stats::report::{lateness, worst, Period};
use domain::stats::{Breakdown, DayRange, Summary};
use domain::DomainError;
use uuid::Uuid;

use super::stats::{breakdown, overview, Key};
use crate::db::Db;
use crate::ids::now_utc;
use crate::repo::orders;

/// Overdue orders a report lists.
pub const WORST: usize = 10;
/// Flagged orders read to find them (the earliest resolve due times first).
const CANDIDATES: i64 = 500;

#[derive(Debug, Clone)]
pub struct Report {
    pub node: Option<Region>,
    pub period: Period,
    pub range: DayRange,
    pub summary: Summary,
    pub days: Vec<(NaiveDate, Summary)>,
    /// The node's children (empty for a grid).
    pub children: Vec<(Named, Summary)>,
    /// The latest overdue orders submitted in the range, latest first, with how late.
    pub worst: Vec<(OrderDetail, Duration)>,
    pub made_at: DateTime<Utc>,
}

impl Report {
    /// `江南街道` or `全市`.
    pub fn node_name(&self) -> &str {
        self.node.as_ref().map_or("全市", |r| r.name.as_str())
    }
}

pub async fn report(
    db: &Db,
    actor: Actor,
    region_id: Option<Uuid>,
    period: Period,
    date: NaiveDate,
) -> Result<Report, DomainError> {
    let range = period.range(date);
    let total = overview(db, actor.clone(), region_id, range).await?;
    let by_day = breakdown(db, actor.clone(), region_id, range, Breakdown::Day).await?;
    let days = by_day.rows.into_iter().filter_map(|(k, s)| if let Key::Day(d) = k { Some((d, s)) } else { None });
    let children = match total.node.as_ref().map(|r| r.kind) {
        Some(RegionKind::Grid) => Vec::new(),
        _ => breakdown(db, actor, region_id, range, Breakdown::Region)
            .await?
            .rows
            .into_iter()
            .filter_map(|(k, s)| if let Key::Region(n) = k { Some((n, s)) } else { None })
            .collect(),
    };
    let prefix = total.node.as_ref().map_or_else(|| "/".to_owned(), |r| r.path.clone());
    let made_at = now_utc();
    let worst = db
        .run(move |c| {
            let flagged = orders::flagged_late(c, &prefix, range.bounds(), CANDIDATES)?;
            let late = flagged.into_iter().filter_map(|o| lateness(&o, made_at).map(|d| (o, d))).collect();
            let ranked = worst(late, WORST);
            let (picked, late): (Vec<_>, Vec<_>) = ranked.into_iter().unzip();
            let visible = picked.into_iter().map(|o| (o, domain::order::policy::Visibility::Masked)).collect();
            Ok(orders::details(c, visible)?.into_iter().zip(late).collect())
        })
        .await?;
    Ok(Report {
        node: total.node,
        period,
        range,
        summary: total.summary,
        days: days.collect(),
        children,
        worst,
        made_at,
    })
}

/// How a report is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    Html,
    Png,
}

/// The report rendered (on a blocking thread: drawing is CPU work).
pub async fn rendered(
    db: &Db,
    actor: Actor,
    region_id: Option<Uuid>,
    period: Period,
    date: NaiveDate,
    as_: Rendering,
) -> Result<(Report, Vec<u8>), DomainError> {
    let report = report(db, actor, region_id, period, date).await?;
    tokio::task::spawn_blocking(move || {
        let bytes = match as_ {
            Rendering::Html => crate::report::html(&report)?.into_bytes(),
            Rendering::Png => crate::report::png(&report)?,
        };
        Ok((report, bytes))
    })
    .await
    .map_err(|e| DomainError::fault(format!("report rendering: {e}")))?
}
