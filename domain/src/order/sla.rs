//! A new order and its clocks: due times come from the category item's SLA at
//! the moment of submission.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::event::{EventData, EventType, NewEvent};
use super::fields::Contact;
use super::model::{Due, Order, OverdueFlags, Place, Stamps};
use super::transition::{Transition, SYSTEM_ROLE};
use super::{Channel, Clock, Kind, Level, Priority, Status};
use crate::actor::Role;
use crate::category::CategoryItem;
use crate::DomainError;

/// The response clock of an urgent order (the 15-minute service circle).
pub const URGENT_RESPONSE_MINUTES: i32 = 15;

/// The due times of an order submitted at `at` under `item`'s clock; an
/// urgent order must be answered within 15 minutes (or the item's own
/// clock, if that is shorter).
pub fn due_times(at: DateTime<Utc>, item: &CategoryItem, priority: Priority) -> Due {
    Due { response: at + response_clock(item, priority), resolve: at + Duration::hours(i64::from(item.resolve_hours)) }
}

/// How long an order of `item` at `priority` may wait for an answer.
pub fn response_clock(item: &CategoryItem, priority: Priority) -> Duration {
    let minutes = match priority {
        Priority::Urgent => item.response_minutes.min(URGENT_RESPONSE_MINUTES),
        Priority::Normal => item.response_minutes,
    };
    Duration::minutes(i64::from(minutes))
}

/// The priority a new order gets: what staff asked for, else the item's
/// default. Only staff choose (a patrol, a hotline call): a resident asking
/// for one is refused, since every resident would ask for urgent.
pub fn priority_of(requested: Option<Priority>, item: &CategoryItem, by_staff: bool) -> Result<Priority, DomainError> {
    match requested {
        Some(_) if !by_staff => Err(DomainError::field("priority", "staff_only", "仅工作人员可设置紧急程度")),
        Some(p) => Ok(p),
        None if item.urgent => Ok(Priority::Urgent),
        None => Ok(Priority::Normal),
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
    /// From `priority_of`.
    pub priority: Priority,
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
            priority: self.priority,
            due: due_times(self.at, self.item, self.priority),
            overdue: OverdueFlags::default(),
            at: Stamps::new(self.at),
            rating: None,
            duplicate_of: None,
            return_visit: None,
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

/// Staff over an open order change its priority. Made urgent while nobody
/// has answered, it must be answered within 15 minutes from now (or by its
/// current due time, if sooner); back to normal, the item's clock from
/// submission applies again.
pub fn prioritize(
    order: &Order,
    item: &CategoryItem,
    to: Priority,
    actor: &crate::actor::Actor,
    at: DateTime<Utc>,
) -> Result<Transition, DomainError> {
    let role = super::policy::staff_in_scope(actor, order)
        .ok_or_else(|| DomainError::forbidden("order.forbidden", "无权调整该工单的紧急程度"))?;
    if !order.status.is_open() || order.priority == to {
        return Err(DomainError::conflict(
            "order.invalid_transition",
            format!("工单当前状态为 {}、紧急程度为 {}，不能调整为 {to}", order.status, order.priority),
        ));
    }
    let mut next = order.clone();
    next.priority = to;
    if order.status.awaits_response() {
        next.due.response = match to {
            Priority::Urgent => order.due.response.min(at + Duration::minutes(i64::from(URGENT_RESPONSE_MINUTES))),
            Priority::Normal => due_times(order.at.submitted, item, Priority::Normal).response,
        };
    }
    next.version += 1;
    next.updated_at = at;
    let data = EventData::Prioritized { from: order.priority, to };
    Ok(Transition { next, events: vec![NewEvent::new(EventType::Prioritized, data)], role: role.as_str() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_make_an_open_order_urgent_and_back() {
        use crate::actor::{Actor, Grant, Role};
        use crate::region::Scope;
        let path = "/00000000-0000-0000-0000-000000000001/";
        let staff = Actor {
            user_id: Uuid::now_v7(),
            grants: vec![Grant {
                role: Role::CommunityStaff,
                scope: Scope::Subtree { region_id: Uuid::nil(), path: path.into() },
            }],
            units: vec![],
        };
        let resident = Actor {
            user_id: Uuid::now_v7(),
            grants: vec![Grant { role: Role::Resident, scope: Scope::All }],
            units: vec![],
        };
        let order = Order::example(resident.user_id, &format!("{path}a/b/c/"));
        let item = CategoryItem::example(30, false);
        let t0 = order.at.submitted;
        let at = t0 + Duration::minutes(5);
        let urgent = prioritize(&order, &item, Priority::Urgent, &staff, at).unwrap();
        assert_eq!(urgent.next.priority, Priority::Urgent);
        assert_eq!(urgent.next.due.response, t0 + Duration::minutes(20), "15 minutes from now");
        assert_eq!(urgent.next.due.resolve, order.due.resolve);
        assert_eq!(urgent.events[0].kind, EventType::Prioritized);
        let late = prioritize(&order, &item, Priority::Urgent, &staff, t0 + Duration::minutes(25)).unwrap();
        assert_eq!(late.next.due.response, order.due.response, "never later than it was");
        let back = prioritize(&urgent.next, &item, Priority::Normal, &staff, at).unwrap();
        assert_eq!(back.next.due.response, t0 + Duration::minutes(30), "the item's clock again");
        assert!(matches!(prioritize(&order, &item, Priority::Normal, &staff, at), Err(DomainError::Conflict { .. })));
        assert!(matches!(
            prioritize(&order, &item, Priority::Urgent, &resident, at),
            Err(DomainError::Forbidden { .. })
        ));
        let mut accepted = order.clone();
        accepted.status = Status::Accepted;
        let t = prioritize(&accepted, &item, Priority::Urgent, &staff, at).unwrap();
        assert_eq!(t.next.due.response, order.due.response, "answered: the response clock no longer runs");
        let mut closed = order.clone();
        closed.status = Status::Closed;
        assert!(matches!(prioritize(&closed, &item, Priority::Urgent, &staff, at), Err(DomainError::Conflict { .. })));
    }

    #[test]
    fn urgent_orders_run_the_fifteen_minute_response_clock() {
        let item = CategoryItem::example;
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        // (item's response minutes, item urgent by default, requested, by staff, response minutes or refused)
        let table = [
            (60, false, None, false, Some(60)),
            (60, true, None, false, Some(15)),
            (10, true, None, false, Some(10)),
            (60, false, Some(Priority::Urgent), true, Some(15)),
            (60, true, Some(Priority::Normal), true, Some(60)),
            (60, false, Some(Priority::Urgent), false, None),
            (60, false, Some(Priority::Normal), false, None),
        ];
        for (minutes, urgent, requested, staff, want) in table {
            let it = item(minutes, urgent);
            let got = priority_of(requested, &it, staff).map(|p| (due_times(t0, &it, p).response - t0).num_minutes());
            assert_eq!(got.ok(), want, "{minutes} {urgent} {requested:?} {staff}");
            if let Ok(p) = priority_of(requested, &it, staff) {
                assert_eq!(due_times(t0, &it, p).resolve - t0, Duration::hours(24), "the resolve clock is the item's");
            }
        }
    }

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
