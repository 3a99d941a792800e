//! Which notifications a transition causes. Written to the outbox in the
//! transition's own transaction; the notifications issue sends them.

use uuid::Uuid;

use super::event::{EventType, NewEvent};
use super::{Level, Order, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    User(Uuid),
    /// Every member of an organisation, team or department.
    Unit(Uuid),
    /// Staff responsible for the order at this level (its grid and community,
    /// the street, or departments).
    Staff {
        level: Level,
    },
    /// Party members serving the order's community (the pool's 叮咚).
    PoolWatchers,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub recipient: Recipient,
    /// Names the message template, e.g. `order.dispatched`.
    pub template: &'static str,
}

fn to_assignee(order: &Order, template: &'static str) -> Option<Notice> {
    let recipient = match order.assignee? {
        Target::Pool => Recipient::PoolWatchers,
        t => match (t.user(), t.unit()) {
            (Some(user), _) => Recipient::User(user),
            (_, Some(unit)) => Recipient::Unit(unit),
            _ => return None,
        },
    };
    Some(Notice { recipient, template })
}

/// `order` is the state after the transition.
pub fn notices(order: &Order, events: &[NewEvent]) -> Vec<Notice> {
    let reporter = |template| Notice { recipient: Recipient::User(order.reporter_id), template };
    let staff = |template| Notice { recipient: Recipient::Staff { level: order.level }, template };
    let mut out = Vec::new();
    for event in events {
        match event.kind {
            EventType::Submitted => out.push(staff("order.submitted")),
            EventType::Dispatched | EventType::Reopened => out.extend(to_assignee(order, "order.dispatched")),
            EventType::Accepted | EventType::Grabbed => out.push(reporter("order.accepted")),
            EventType::Rejected => out.push(staff("order.rejected")),
            EventType::Arrived => out.push(reporter("order.arrived")),
            EventType::Resolved => out.push(reporter("order.resolved")),
            EventType::Rated => out.push(staff("order.rated")),
            EventType::Escalated => out.push(staff("order.escalated")),
            EventType::Declined => out.push(reporter("order.declined")),
            EventType::Closed => out.push(reporter("order.closed")),
            EventType::Overdue => out.push(staff("order.overdue")),
            EventType::Cancelled | EventType::ReturnVisited => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::event::EventData;

    #[test]
    fn a_grab_tells_the_reporter_and_a_pool_dispatch_rings_the_pool() {
        let mut order = Order::example(Uuid::nil(), "/a/");
        order.assignee = Some(Target::Pool);
        let n = notices(&order, &[NewEvent::new(EventType::Dispatched, EventData::Empty {})]);
        assert_eq!(n[0].recipient, Recipient::PoolWatchers);
        let n = notices(&order, &[NewEvent::new(EventType::Grabbed, EventData::Empty {})]);
        assert_eq!(n[0].recipient, Recipient::User(Uuid::nil()));
    }
}
