//! What one order adds to the statistics (三率 and the counts), as a pure
//! function of the order as it stands. Storage keeps the sums per region node,
//! day and category, and on every save adds `tally(next) - tally(before)`, so
//! the stored counters always equal the sum of `tally` over the orders: a
//! recount is the same function run over every order.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use uuid::Uuid;

use crate::order::{Kind, Order, Status};

/// Upper edges (exclusive, minutes) of the duration bins; the last is open.
/// p90 is read from them, interpolated within its bin.
pub const BIN_EDGES: [i64; 11] = [5, 10, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080];
pub const BINS: usize = BIN_EDGES.len() + 1;

/// The 15-minute service circle (15分钟服务圈): on site within this of submission.
pub const ON_SITE_MINUTES: i64 = 15;

/// The day an order counts for: the day of its submission in China time.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"));
    at.with_timezone(&china).date_naive()
}

/// Where an order's numbers are kept: its day, its category and the three
/// region nodes above its building (street, community, grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TallyKey {
    pub day: NaiveDate,
    pub category_id: Uuid,
    pub regions: [Uuid; 3],
}

impl TallyKey {
    pub fn of(order: &Order) -> TallyKey {
        let p = &order.place;
        TallyKey {
            day: day_of(order.at.submitted),
            category_id: order.category_id,
            regions: [p.street_id, p.community_id, p.grid_id],
        }
    }
}

/// How many took how long: a count, the sum of minutes, and the bins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Durations {
    pub count: i64,
    pub minutes: i64,
    pub bins: [i64; BINS],
}

impl Durations {
    fn one(minutes: i64) -> Durations {
        let mut d = Durations { count: 1, minutes, ..Default::default() };
        d.bins[bin_of(minutes)] = 1;
        d
    }
}

/// The bin a duration falls in.
pub fn bin_of(minutes: i64) -> usize {
    BIN_EDGES.iter().position(|edge| minutes < *edge).unwrap_or(BIN_EDGES.len())
}

/// Counters; every field is a column of the stored rollup (see `columns`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub orders: i64,
    /// In `Kind::ALL` order.
    pub by_kind: [i64; 3],
    /// In `Status::ALL` order.
    pub by_status: [i64; 9],
    /// Either clock flagged as run out.
    pub overdue: i64,
    /// Answered, or flagged as unanswered in time.
    pub response_due: i64,
    pub response_on_time: i64,
    /// Resolved, or flagged as unresolved in time.
    pub resolve_due: i64,
    pub resolve_on_time: i64,
    pub rated: i64,
    /// Rated with satisfaction ≥ 4.
    pub satisfied: i64,
    /// Rated or return-visited: whether it was solved is known.
    pub judged: i64,
    /// Completion ≥ 4, or a return visit found it solved.
    pub solved: i64,
    /// Sums of completion, progress, effect, satisfaction.
    pub rating_sums: [i64; 4],
    /// Submission to acceptance.
    pub accept: Durations,
    /// Submission to arrival on site.
    pub arrive: Durations,
    /// On site within 15 minutes of submission.
    pub on_site_15: i64,
}

/// Rating scores at or above this count as satisfied / complete.
const GOOD: u8 = 4;

fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_minutes().max(0)
}

/// What `order` adds to its key's counters.
pub fn tally(order: &Order) -> Tally {
    let at = &order.at;
    let mut t = Tally { orders: 1, ..Default::default() };
    t.by_kind[index_of(Kind::ALL, order.kind)] = 1;
    t.by_status[index_of(Status::ALL, order.status)] = 1;
    let flags = &order.overdue;
    t.overdue = i64::from(flags.response.is_some() || flags.resolve.is_some());
    t.response_due = i64::from(at.accepted.is_some() || flags.response.is_some());
    t.response_on_time = i64::from(flags.response.is_none() && at.accepted.is_some_and(|a| a <= order.due.response));
    t.resolve_due = i64::from(at.resolved.is_some() || flags.resolve.is_some());
    t.resolve_on_time = i64::from(flags.resolve.is_none() && at.resolved.is_some_and(|r| r <= order.due.resolve));
    if let Some(r) = &order.rating {
        t.rated = 1;
        t.satisfied = i64::from(r.satisfaction >= GOOD);
        t.rating_sums = [r.completion, r.progress, r.effect, r.satisfaction].map(i64::from);
    }
    t.judged = i64::from(order.rating.is_some() || order.return_visit.is_some());
    let rated_solved = order.rating.as_ref().is_some_and(|r| r.completion >= GOOD);
    t.solved = i64::from(rated_solved || order.return_visit == Some(true));
    if let Some(a) = at.accepted {
        t.accept = Durations::one(minutes_between(at.submitted, a));
    }
    if let Some(a) = at.arrived {
        let m = minutes_between(at.submitted, a);
        t.arrive = Durations::one(m);
        t.on_site_15 = i64::from(a - at.submitted <= Duration::minutes(ON_SITE_MINUTES));
    }
    t
}

fn index_of<T: PartialEq + Copy>(all: &[T], v: T) -> usize {
    all.iter().position(|x| *x == v).unwrap_or_else(|| unreachable!("ALL lists every variant"))
}

impl Tally {
    /// Every counter with its column name, in one fixed order: the stored
    /// columns, the SQL and the conversions all come from here.
    pub fn each_mut(&mut self, mut f: impl FnMut(&str, &mut i64)) {
        f("orders", &mut self.orders);
        for (k, v) in Kind::ALL.iter().zip(self.by_kind.iter_mut()) {
            f(&format!("kind_{}", k.as_str()), v);
        }
        for (s, v) in Status::ALL.iter().zip(self.by_status.iter_mut()) {
            f(&format!("status_{}", s.as_str()), v);
        }
        f("overdue", &mut self.overdue);
        f("response_due", &mut self.response_due);
        f("response_on_time", &mut self.response_on_time);
        f("resolve_due", &mut self.resolve_due);
        f("resolve_on_time", &mut self.resolve_on_time);
        f("rated", &mut self.rated);
        f("satisfied", &mut self.satisfied);
        f("judged", &mut self.judged);
        f("solved", &mut self.solved);
        let dims = ["completion", "progress", "effect", "satisfaction"];
        for (d, v) in dims.iter().zip(self.rating_sums.iter_mut()) {
            f(&format!("sum_{d}"), v);
        }
        for (name, d) in [("accept", &mut self.accept), ("arrive", &mut self.arrive)] {
            f(&format!("{name}_count"), &mut d.count);
            f(&format!("{name}_minutes"), &mut d.minutes);
            for (i, v) in d.bins.iter_mut().enumerate() {
                f(&format!("{name}_bin{i}"), v);
            }
        }
        f("on_site_15", &mut self.on_site_15);
    }

    /// The stored column names, in `each_mut` order.
    pub fn columns() -> Vec<String> {
        let mut names = Vec::new();
        Tally::default().each_mut(|n, _| names.push(n.to_owned()));
        names
    }

    pub fn values(&self) -> Vec<i64> {
        let mut copy = *self;
        let mut out = Vec::new();
        copy.each_mut(|_, v| out.push(*v));
        out
    }

    /// From values in `columns` order (missing ones are zero).
    pub fn from_values(values: &[i64]) -> Tally {
        let mut t = Tally::default();
        let mut it = values.iter();
        t.each_mut(|_, v| *v = it.next().copied().unwrap_or(0));
        t
    }

    fn zip_with(&self, other: &Tally, op: fn(i64, i64) -> i64) -> Tally {
        let theirs = other.values();
        let mut out = *self;
        let mut i = 0;
        out.each_mut(|_, v| {
            *v = op(*v, theirs.get(i).copied().unwrap_or(0));
            i += 1;
        });
        out
    }

    pub fn plus(&self, other: &Tally) -> Tally {
        self.zip_with(other, i64::saturating_add)
    }

    pub fn minus(&self, other: &Tally) -> Tally {
        self.zip_with(other, i64::saturating_sub)
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// The columns that change, with their change (for the upsert).
    pub fn nonzero(&self) -> Vec<(String, i64)> {
        let mut copy = *self;
        let mut out = Vec::new();
        copy.each_mut(|n, v| {
            if *v != 0 {
                out.push((n.to_owned(), *v));
            }
        });
        out
    }
}

/// What a save changes: the counters to add at each key (at most two keys;
/// an order's key never changes in practice, but nothing relies on it).
pub fn delta(before: Option<&Order>, after: &Order) -> Vec<(TallyKey, Tally)> {
    let new = (TallyKey::of(after), tally(after));
    match before {
        None => vec![new],
        Some(b) => {
            let old_key = TallyKey::of(b);
            let old = tally(b);
            let changes = if old_key == new.0 {
                vec![(new.0, new.1.minus(&old))]
            } else {
                vec![(old_key, Tally::default().minus(&old)), new]
            };
            changes.into_iter().filter(|(_, t)| !t.is_zero()).collect()
        }
    }
}
