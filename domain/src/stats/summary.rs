//! The rates and figures a street is judged by (三率), read from summed counters.

use super::tally::{Durations, Tally, BIN_EDGES};
use crate::order::{Kind, Status};

/// A rate as a fraction 0–1; `None` when nothing came due.
pub fn rate(hits: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| hits as f64 / of as f64)
}

/// Mean and 90th percentile of a duration, in minutes; `None` without any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutes {
    pub count: i64,
    pub mean: Option<f64>,
    /// Read from the bins (see `BIN_EDGES`), interpolated linearly within the
    /// bin it falls in; past the last edge it is that edge.
    pub p90: Option<f64>,
}

impl Minutes {
    pub fn of(d: &Durations) -> Minutes {
        Minutes { count: d.count, mean: rate(d.minutes, d.count), p90: quantile(d, 0.9) }
    }
}

/// The `q` quantile of the binned durations.
pub fn quantile(d: &Durations, q: f64) -> Option<f64> {
    if d.count <= 0 {
        return None;
    }
    let target = q * d.count as f64;
    let mut below = 0.0;
    for (i, n) in d.bins.iter().enumerate() {
        let n = *n as f64;
        if n > 0.0 && below + n >= target {
            let lo = if i == 0 { 0.0 } else { BIN_EDGES[i - 1] as f64 };
            let Some(hi) = BIN_EDGES.get(i) else { return Some(lo) };
            return Some(lo + (*hi as f64 - lo) * ((target - below) / n).clamp(0.0, 1.0));
        }
        below += n;
    }
    BIN_EDGES.last().map(|e| *e as f64)
}

/// Means of the four rating dimensions (completion 完成是否到位, progress
/// 推进是否有力, effect 成效是否明显, satisfaction 群众是否满意).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingMeans {
    pub count: i64,
    pub completion: Option<f64>,
    pub progress: Option<f64>,
    pub effect: Option<f64>,
    pub satisfaction: Option<f64>,
}

/// Everything the overview shows for one set of orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub orders: i64,
    pub by_status: Vec<(Status, i64)>,
    pub by_kind: Vec<(Kind, i64)>,
    pub overdue: i64,
    /// 及时响应率: accepted within the response due time / responses that came due.
    pub response_rate: Option<f64>,
    /// 按时办结率: resolved within the resolve due time / resolves that came due.
    pub on_time_resolution_rate: Option<f64>,
    /// 解决率: confirmed solved / rated or return-visited.
    pub resolution_rate: Option<f64>,
    /// 满意率: satisfaction ≥ 4 / ratings.
    pub satisfaction_rate: Option<f64>,
    pub accept_minutes: Minutes,
    pub arrive_minutes: Minutes,
    /// Share of arrivals within 15 minutes of submission (15分钟服务圈).
    pub on_site_within_15m: Option<f64>,
    pub ratings: RatingMeans,
}

impl Summary {
    pub fn of(t: &Tally) -> Summary {
        let [c, p, e, s] = t.rating_sums;
        Summary {
            orders: t.orders,
            by_status: Status::ALL.iter().copied().zip(t.by_status).collect(),
            by_kind: Kind::ALL.iter().copied().zip(t.by_kind).collect(),
            overdue: t.overdue,
            response_rate: rate(t.response_on_time, t.response_due),
            on_time_resolution_rate: rate(t.resolve_on_time, t.resolve_due),
            resolution_rate: rate(t.solved, t.judged),
            satisfaction_rate: rate(t.satisfied, t.rated),
            accept_minutes: Minutes::of(&t.accept),
            arrive_minutes: Minutes::of(&t.arrive),
            on_site_within_15m: rate(t.on_site_15, t.arrive.count),
            ratings: RatingMeans {
                count: t.rated,
                completion: rate(c, t.rated),
                progress: rate(p, t.rated),
                effect: rate(e, t.rated),
                satisfaction: rate(s, t.rated),
            },
        }
    }
}
