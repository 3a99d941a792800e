//! The one-page report a street secretary brings to the joint meeting (联席会议):
//! which days a week or a month covers, and which overdue orders were worst.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::DayRange;
use crate::order::Order;

crate::text_enum!(
    /// What a report covers.
    Period, "period", "invalid_value" {
        /// Monday to Sunday.
        Week => "week" / "周报",
        /// The calendar month.
        Month => "month" / "月报",
    }
);

impl Period {
    /// The week (Monday–Sunday) or calendar month holding `date`.
    pub fn range(self, date: NaiveDate) -> DayRange {
        match self {
            Period::Week => {
                let from = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
                DayRange { from, to: from + Duration::days(6) }
            }
            Period::Month => {
                let from = date.with_day(1).unwrap_or(date);
                let next = if from.month() == 12 {
                    NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
                };
                DayRange { from, to: next.map_or(from, |n| n - Duration::days(1)) }
            }
        }
    }

    /// `2026年12月` or `2026-11-30 至 2026-12-06`.
    pub fn title(self, range: &DayRange) -> String {
        match self {
            Period::Week => format!("{} 至 {}", range.from, range.to),
            Period::Month => format!("{}年{}月", range.from.year(), range.from.month()),
        }
    }
}

/// How late an order that ran out of a clock is: the longest of the clocks
/// that ran out, measured to when it was answered (or resolved), or to `now`
/// while still open. `None` for an order that never ran late.
pub fn lateness(order: &Order, now: DateTime<Utc>) -> Option<Duration> {
    let late = |due: DateTime<Utc>, done: Option<DateTime<Utc>>| {
        let end = done.unwrap_or(now);
        (end > due).then(|| end - due)
    };
    let response = order.overdue.response.and_then(|_| late(order.due.response, order.at.accepted.or(order.at.closed)));
    let resolve = order.overdue.resolve.and_then(|_| late(order.due.resolve, order.at.resolved.or(order.at.closed)));
    response.into_iter().chain(resolve).max()
}

/// The `n` latest orders, latest first (ties: the older order first).
pub fn worst<T>(mut late: Vec<(T, Duration)>, n: usize) -> Vec<(T, Duration)> {
    late.sort_by_key(|l| std::cmp::Reverse(l.1));
    late.truncate(n);
    late
}

/// `3天4小时` / `5小时20分` / `12分`: how late, for people.
pub fn human(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}分"),
        (0, h) => format!("{h}小时{mins}分"),
        (d, h) => format!("{d}天{h}小时"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods_cover_their_week_or_month() {
        let cases = [
            (Period::Week, "2026-12-06", "2026-11-30", "2026-12-06"), // a Sunday
            (Period::Week, "2026-11-30", "2026-11-30", "2026-12-06"), // a Monday
            (Period::Week, "2026-01-01", "2025-12-29", "2026-01-04"),
            (Period::Month, "2026-12-06", "2026-12-01", "2026-12-31"),
            (Period::Month, "2028-02-10", "2028-02-01", "2028-02-29"),
            (Period::Month, "2026-02-28", "2026-02-01", "2026-02-28"),
        ];
        for (period, date, from, to) in cases {
            assert_eq!(period.range(d(date)), DayRange { from: d(from), to: d(to) }, "{period:?} {date}");
        }
        assert_eq!(Period::Month.title(&Period::Month.range(d("2026-12-06"))), "2026年12月");
        assert_eq!(Period::Week.title(&Period::Week.range(d("2026-12-06"))), "2026-11-30 至 2026-12-06");
    }

    #[test]
    fn lateness_is_the_longest_run_out_clock() {
        let t0: DateTime<Utc> = "2026-12-01T08:00:00Z".parse().unwrap_or_default();
        let now = t0 + Duration::days(3);
        let mut o = Order::example(uuid::Uuid::nil(), "/a/b/c/d/");
        o.at.submitted = t0;
        o.due.response = t0 + Duration::minutes(60);
        o.due.resolve = t0 + Duration::hours(24);
        assert_eq!(lateness(&o, now), None, "never flagged");
        o.overdue.response = Some(o.due.response);
        assert_eq!(lateness(&o, now), Some(now - o.due.response), "still unanswered: late until now");
        o.at.accepted = Some(t0 + Duration::minutes(90));
        assert_eq!(lateness(&o, now), Some(Duration::minutes(30)), "answered 30 minutes late");
        o.overdue.resolve = Some(o.due.resolve);
        o.at.resolved = Some(t0 + Duration::hours(30));
        assert_eq!(lateness(&o, now), Some(Duration::hours(6)), "the resolve clock ran out longer");
        let ranked = worst(vec![("a", Duration::minutes(5)), ("b", Duration::hours(2)), ("c", Duration::hours(1))], 2);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn lateness_reads_for_people() {
        let cases = [(12, "12分"), (320, "5小时20分"), (4560, "3天4小时"), (-5, "0分")];
        for (minutes, text) in cases {
            assert_eq!(human(Duration::minutes(minutes)), text);
        }
    }
}
