//! The order as the rules see it: every stored field, typed. Storage converts
//! its row into this once; views, notification payloads and statistics are
//! functions of it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::fields::{Contact, Rating};
use super::policy::Visibility;
use super::{Channel, Clock, Kind, Level, Priority, Status, Target};

/// Where the order is: its building and the nodes above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub building_id: Uuid,
    pub grid_id: Uuid,
    pub community_id: Uuid,
    pub street_id: Uuid,
    /// Materialised path of the building (`/street/community/grid/building/`).
    pub path: String,
    pub point: Option<(f64, f64)>,
    pub address: Option<String>,
}

/// The effective due times. Stored, so a pause or a calendar moves them in domain alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub response: DateTime<Utc>,
    pub resolve: DateTime<Utc>,
}

/// When each clock was flagged as run out (once each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverdueFlags {
    pub response: Option<DateTime<Utc>>,
    pub resolve: Option<DateTime<Utc>>,
}

/// When each stage was last reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamps {
    pub submitted: DateTime<Utc>,
    pub dispatched: Option<DateTime<Utc>>,
    pub accepted: Option<DateTime<Utc>>,
    pub arrived: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub rated: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
}

impl Stamps {
    pub fn new(submitted: DateTime<Utc>) -> Stamps {
        Stamps { submitted, dispatched: None, accepted: None, arrived: None, resolved: None, rated: None, closed: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: Uuid,
    /// Human-readable, unique: `20261124-000042`.
    pub number: String,
    pub kind: Kind,
    pub status: Status,
    pub category_id: Uuid,
    pub item_id: Uuid,
    pub description: String,
    pub photos: Vec<Uuid>,
    pub place: Place,
    pub contact: Contact,
    pub reporter_id: Uuid,
    pub channel: Channel,
    pub level: Level,
    pub priority: Priority,
    pub assignee: Option<Target>,
    /// The person who accepted or grabbed it.
    pub handler_id: Option<Uuid>,
    pub due: Due,
    pub overdue: OverdueFlags,
    pub at: Stamps,
    pub rating: Option<Rating>,
    pub duplicate_of: Option<Uuid>,
    /// The last return visit's verdict (回访): solved or not.
    pub return_visit: Option<bool>,
    /// Increases with every change; storage saves only over the version it read.
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// The path of the order's building, which scopes every rule.
    pub fn path(&self) -> &str {
        &self.place.path
    }

    /// Which clock the order has run out of at `now`, if any: not accepted by
    /// its response time, or still open at its resolve time.
    pub fn overdue_clock(&self, now: DateTime<Utc>) -> Option<Clock> {
        self.run_out(now).next()
    }

    /// The clocks run out at `now` that nobody has flagged yet.
    pub fn unflagged_overdue(&self, now: DateTime<Utc>) -> Vec<Clock> {
        let flagged = |c: &Clock| match c {
            Clock::Response => self.overdue.response.is_some(),
            Clock::Resolve => self.overdue.resolve.is_some(),
        };
        self.run_out(now).filter(|c| !flagged(c)).collect()
    }

    /// Every clock run out at `now`, the response clock first.
    fn run_out(&self, now: DateTime<Utc>) -> impl Iterator<Item = Clock> {
        let response = self.status.awaits_response() && self.due.response <= now;
        let resolve = self.status.is_open() && self.due.resolve <= now;
        [(Clock::Response, response), (Clock::Resolve, resolve)].into_iter().filter(|(_, out)| *out).map(|(c, _)| c)
    }
}

/// A stored thing's id with its code and display name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Named {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// An order with what a view needs besides it: names, and how much of it the
/// caller may see.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDetail {
    pub order: Order,
    pub category: Named,
    pub item: Named,
    pub building_name: String,
    pub visibility: Visibility,
    /// The content check that wants attention, if any (see `moderation::flag_of`).
    pub moderation: Option<crate::moderation::CheckStatus>,
}

#[cfg(test)]
impl Order {
    /// A submitted order at `path` for rule tests.
    pub(crate) fn example(reporter_id: Uuid, path: &str) -> Order {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let item = crate::category::CategoryItem::example(30, false);
        let ids = crate::region::path_ids(path);
        let id = |i: usize| ids.get(i).copied().unwrap_or_default();
        super::sla::Submission {
            id: Uuid::nil(),
            number: "19700101-000001".into(),
            kind: Kind::Issue,
            item: &item,
            description: "x".into(),
            photos: vec![],
            place: Place {
                building_id: id(3),
                grid_id: id(2),
                community_id: id(1),
                street_id: id(0),
                path: path.into(),
                point: None,
                address: None,
            },
            contact: Contact::parse("王", "13812341234").unwrap_or_else(|_| unreachable!()),
            reporter_id,
            reporter_role: crate::actor::Role::Resident,
            channel: Channel::Poster,
            priority: super::Priority::Normal,
            at,
        }
        .submit()
        .next
    }
}
