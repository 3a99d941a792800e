//! A new order and its clocks: due times come from the category item's SLA at
//! the moment of submission.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::event::{EventData, EventType, NewEvent};
use super::fields::Contact;
use super::model::{Due, Order, OverdueFlags, Place, Stamps};
use super::transition::{Transition, SYSTEM_ROLE};
use super::{Channel, Clock, Kind, Level, Status};
use crate::actor::Role;
use crate::category::CategoryItem;

/// The due times of an order submitted at `at` under `item`'s clock.
pub fn due_times(at: DateTime<Utc>, item: &CategoryItem) -> Due {
    Due {
        response: at + Duration::minutes(i64::from(item.response_minutes)),
        resolve: at + Duration::hours(i64::from(item.resolve_hours)),
    }
}

/// Everything a new order is made of, checked and resolved (item, building).
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub id: Uuid,
    pub number: String,
    pub kind: Kind,
    pub item: &'a CategoryItem,
    pub description: String,
    pub photos: Vec<Uuid>,
    pub place: Place,
    pub contact: Contact,
    pub reporter_id: Uuid,
    /// The role the reporter acts in (a resident, or staff on patrol).
    pub reporter_role: Role,
    pub channel: Channel,
    pub at: DateTime<Utc>,
}

impl Submission<'_> {
    /// The new order (submitted, at community level) and its `submitted` event.
    pub fn submit(self) -> Transition {
        let next = Order {
            id: self.id,
            number: self.number,
            kind: self.kind,
            status: Status::Submitted,
            category_id: self.item.category_id,
            item_id: self.item.id,
            description: self.description,
            photos: self.photos,
            place: self.place,
            contact: self.contact,
            reporter_id: self.reporter_id,
            channel: self.channel,
            level: Level::Community,
            assignee: None,
            handler_id: None,
            due: due_times(self.at, self.item),
            overdue: OverdueFlags::default(),
            at: Stamps::new(self.at),
            rating: None,
            duplicate_of: None,
            version: 0,
            updated_at: self.at,
        };
        Transition {
            next,
            events: vec![NewEvent::new(EventType::Submitted, EventData::Empty {})],
            role: self.reporter_role.as_str(),
        }
    }
}

/// The sweeper flags a clock that ran out, once: the order is unchanged but
/// for the flag, and the timeline says so.
pub fn flag_overdue(order: &Order, clock: Clock, at: DateTime<Utc>) -> Option<Transition> {
    if !order.unflagged_overdue(at).contains(&clock) {
        return None;
    }
    let mut next = order.clone();
    match clock {
        Clock::Response => next.overdue.response = Some(at),
        Clock::Resolve => next.overdue.resolve = Some(at),
    }
    next.version += 1;
    next.updated_at = at;
    Some(Transition {
        next,
        events: vec![NewEvent::new(EventType::Overdue, EventData::Overdue { clock })],
        role: SYSTEM_ROLE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_come_from_the_item_and_overdue_is_flagged_once_per_clock() {
        let order = Order::example(Uuid::nil(), "/s/c/g/b/");
        let t0 = order.at.submitted;
        assert_eq!(order.due.response - t0, Duration::minutes(30));
        assert_eq!(order.due.resolve - t0, Duration::hours(24));
        assert_eq!(order.overdue_clock(t0 + Duration::minutes(29)), None);
        assert_eq!(order.overdue_clock(t0 + Duration::minutes(30)), Some(Clock::Response));
        assert!(flag_overdue(&order, Clock::Response, t0).is_none(), "not yet due");
        let late = t0 + Duration::hours(25);
        assert_eq!(order.unflagged_overdue(late), vec![Clock::Response, Clock::Resolve]);
        let flagged = flag_overdue(&order, Clock::Response, late).unwrap().next;
        assert_eq!(flagged.overdue.response, Some(late));
        assert_eq!(flagged.version, order.version + 1);
        assert!(flag_overdue(&flagged, Clock::Response, late).is_none(), "flagged once");
        assert_eq!(flagged.unflagged_overdue(late), vec![Clock::Resolve]);
        let mut accepted = flagged.clone();
        accepted.status = Status::Accepted;
        assert_eq!(accepted.overdue_clock(late), Some(Clock::Resolve));
        accepted.status = Status::Resolved;
        assert_eq!(accepted.overdue_clock(late), None);
    }
}
