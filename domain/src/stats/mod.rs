//! Statistics (三率 and the counts) for a region node and a range of days:
//! what each order adds (`tally`), the rates read from the sums (`summary`),
//! and the rules of a request (who may read, which days, which breakdown).

pub mod report;
pub mod summary;
pub mod tally;

use chrono::{Duration, NaiveDate};

use crate::actor::Actor;
use crate::region::{Region, RegionKind};
use crate::DomainError;

pub use summary::{Minutes, RatingMeans, Summary};
pub use tally::{delta, tally, Tally, TallyKey};

/// The longest range a request may cover (three years of days).
pub const MAX_DAYS: i64 = 1096;
/// The range when none is given: the last 30 days.
pub const DEFAULT_DAYS: i64 = 30;

crate::text_enum!(
    /// What a breakdown groups by.
    Breakdown, "by", "invalid_value" {
        /// The node's children (a street's communities, a community's grids).
        Region => "region" / "下级区域",
        Category => "category" / "问题类别",
        Day => "day" / "日期",
    }
);

fn bad_day(field: &str) -> crate::FieldError {
    crate::FieldError::new(field, "invalid_date", "日期格式应为 YYYY-MM-DD")
}

/// A day as a query gives it (`YYYY-MM-DD`); 422 `invalid_date` on `field` otherwise.
pub fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| DomainError::Validation(vec![bad_day(field)]))
}

/// Days from `from` to `to`, both included, in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DayRange {
    /// From the query's `from` and `to` (`YYYY-MM-DD`); without `to`, today;
    /// without `from`, the 30 days up to `to`. Both problems at once.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<DayRange, DomainError> {
        let day = |field: &str, raw: &str| NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad_day(field));
        let (to, to_err) = match to.map(|raw| day("to", raw)) {
            None => (Some(today), None),
            Some(Ok(d)) => (Some(d), None),
            Some(Err(e)) => (None, Some(e)),
        };
        let (from, from_err) = match from.map(|raw| day("from", raw)) {
            None => (to.map(|t| t - Duration::days(DEFAULT_DAYS - 1)), None),
            Some(Ok(d)) => (Some(d), None),
            Some(Err(e)) => (None, Some(e)),
        };
        let mut errors: Vec<_> = [from_err, to_err].into_iter().flatten().collect();
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.push(crate::FieldError::new("from", "after_to", "开始日期不能晚于结束日期"));
            } else if (to - from).num_days() + 1 > MAX_DAYS {
                errors.push(crate::FieldError::new("to", "range_too_long", format!("统计范围不能超过 {MAX_DAYS} 天")));
            }
            if errors.is_empty() {
                return Ok(DayRange { from, to });
            }
        }
        Err(DomainError::Validation(errors))
    }

    /// The range as instants: `[from 00:00, the day after to 00:00)` in China time.
    pub fn bounds(&self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        let start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8);
        (start(self.from), start(self.to + Duration::days(1)))
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while({
            let to = self.to;
            move |d| *d <= to
        })
    }
}

/// Statistics are kept for streets, communities and grids.
pub fn check_node(region: &Region) -> Result<(), DomainError> {
    match region.kind {
        RegionKind::Street | RegionKind::Community | RegionKind::Grid => Ok(()),
        RegionKind::Building => {
            Err(DomainError::field("region_id", "not_counted", "统计到网格为止，请选择街道、社区或网格"))
        }
    }
}

/// Statistics are for staff: residents and party members are refused at once.
pub fn staff_only(actor: &Actor) -> Result<(), DomainError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(DomainError::forbidden("stats.forbidden", "统计仅对工作人员开放"))
    }
}

/// Staff over the node (`None`: the whole city) read its statistics.
pub fn check_reader(actor: &Actor, node: Option<&Region>) -> Result<(), DomainError> {
    staff_only(actor)?;
    let allowed = match node {
        Some(r) => actor.is_staff_over(&r.path),
        None => actor.grants.iter().any(|g| g.role.is_staff() && g.scope == crate::region::Scope::All),
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::forbidden("stats.forbidden", "只能查看本辖区的统计"))
    }
}

/// The node a request without `region_id` means: the caller's own (the first
/// staff grant's), or the whole city (`None`) for city-wide staff.
pub fn default_node(actor: &Actor) -> Result<Option<uuid::Uuid>, DomainError> {
    let grant = actor.grants.iter().find(|g| g.role.is_staff());
    match grant.map(|g| &g.scope) {
        Some(crate::region::Scope::All) => Ok(None),
        Some(crate::region::Scope::Subtree { region_id, .. }) => Ok(Some(*region_id)),
        None => staff_only(actor).map(|()| None),
    }
}

/// The child kind a breakdown by region lists: none below grids.
pub fn child_kind(node: Option<&Region>) -> Result<RegionKind, DomainError> {
    match node.map(|r| r.kind) {
        None => Ok(RegionKind::Street),
        Some(RegionKind::Street) => Ok(RegionKind::Community),
        Some(RegionKind::Community) => Ok(RegionKind::Grid),
        Some(_) => Err(DomainError::field("by", "no_children", "网格以下不再分区统计")),
    }
}

#[cfg(test)]
mod tests;
