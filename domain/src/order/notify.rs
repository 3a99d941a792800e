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

/// What a notification says: one per kind of news, with the title people see
/// and whether staff chat groups (WeCom robots) hear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    Submitted,
    Dispatched,
    Accepted,
    Rejected,
    Arrived,
    Resolved,
    Rated,
    Escalated,
    Declined,
    Closed,
    Overdue,
    Reopened,
    Cancelled,
}

impl Template {
    pub const ALL: &'static [Template] = &[
        Template::Submitted,
        Template::Dispatched,
        Template::Accepted,
        Template::Rejected,
        Template::Arrived,
        Template::Resolved,
        Template::Rated,
        Template::Escalated,
        Template::Declined,
        Template::Closed,
        Template::Overdue,
        Template::Reopened,
        Template::Cancelled,
    ];

    /// As stored and sent, e.g. `order.submitted`.
    pub fn as_str(self) -> &'static str {
        self.parts().0
    }

    /// The Chinese title a person sees.
    pub fn title(self) -> &'static str {
        self.parts().1
    }

    /// News for the staff of the order's area rather than for one person.
    pub fn for_staff(self) -> bool {
        self.parts().2
    }

    fn parts(self) -> (&'static str, &'static str, bool) {
        match self {
            Template::Submitted => ("order.submitted", "有新的工单待派单", true),
            Template::Dispatched => ("order.dispatched", "有工单派给您", false),
            Template::Accepted => ("order.accepted", "您的工单已被接单", false),
            Template::Rejected => ("order.rejected", "工单被退回，待重新派单", true),
            Template::Arrived => ("order.arrived", "工作人员已到场", false),
            Template::Resolved => ("order.resolved", "您的工单已办结，请评价", false),
            Template::Rated => ("order.rated", "工单收到评价", true),
            Template::Escalated => ("order.escalated", "有工单上报到本级", true),
            Template::Declined => ("order.declined", "您的工单未予受理", false),
            Template::Closed => ("order.closed", "您的工单已关闭", false),
            Template::Overdue => ("order.overdue", "有工单超时", true),
            Template::Reopened => ("order.reopened", "居民不满意，工单重新办理", true),
            Template::Cancelled => ("order.cancelled", "居民撤回了工单", true),
        }
    }

    pub fn parse(s: &str) -> Option<Template> {
        Template::ALL.iter().copied().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub recipient: Recipient,
    pub template: Template,
}

fn to_assignee(order: &Order, template: Template) -> Option<Notice> {
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
            EventType::Submitted => out.push(staff(Template::Submitted)),
            EventType::Dispatched => out.extend(to_assignee(order, Template::Dispatched)),
            EventType::Reopened => {
                out.push(staff(Template::Reopened));
                out.extend(to_assignee(order, Template::Dispatched));
            }
            EventType::Accepted | EventType::Grabbed => out.push(reporter(Template::Accepted)),
            EventType::Rejected => out.push(staff(Template::Rejected)),
            EventType::Arrived => out.push(reporter(Template::Arrived)),
            EventType::Resolved => out.push(reporter(Template::Resolved)),
            EventType::Rated => out.push(staff(Template::Rated)),
            EventType::Escalated => out.push(staff(Template::Escalated)),
            EventType::Declined => out.push(reporter(Template::Declined)),
            EventType::Closed => out.push(reporter(Template::Closed)),
            EventType::Overdue => out.push(staff(Template::Overdue)),
            // The other side: whoever was working on it, else the staff who would have.
            EventType::Cancelled => {
                out.push(to_assignee(order, Template::Cancelled).unwrap_or(staff(Template::Cancelled)))
            }
            // Consoles see these live; no push of their own (a priority change shows in the
            // assignee's list and its due time).
            EventType::ReturnVisited | EventType::Prioritized => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::event::EventData;

    #[test]
    fn templates_round_trip_and_have_chinese_titles() {
        for t in Template::ALL {
            assert_eq!(Template::parse(t.as_str()), Some(*t));
            assert!(!t.title().is_ascii());
        }
        assert_eq!(Template::parse("order.nope"), None);
        assert!(Template::Submitted.for_staff() && !Template::Resolved.for_staff());
    }

    #[test]
    fn who_is_told_what() {
        let worker = Uuid::from_u128(7);
        let reporter = Uuid::nil();
        let mut assigned = Order::example(reporter, "/a/");
        assigned.assignee = Some(Target::GridWorker(worker));
        let unassigned = Order::example(reporter, "/a/");
        let staff = |level| Recipient::Staff { level };
        let level = unassigned.level;
        // (event, order after it) → who hears which news
        let table = [
            (EventType::Submitted, &unassigned, vec![(staff(level), Template::Submitted)]),
            (EventType::Dispatched, &assigned, vec![(Recipient::User(worker), Template::Dispatched)]),
            (EventType::Accepted, &assigned, vec![(Recipient::User(reporter), Template::Accepted)]),
            (EventType::Rejected, &unassigned, vec![(staff(level), Template::Rejected)]),
            (EventType::Arrived, &assigned, vec![(Recipient::User(reporter), Template::Arrived)]),
            (EventType::Resolved, &assigned, vec![(Recipient::User(reporter), Template::Resolved)]),
            (EventType::Rated, &assigned, vec![(staff(level), Template::Rated)]),
            (
                EventType::Reopened,
                &assigned,
                vec![(staff(level), Template::Reopened), (Recipient::User(worker), Template::Dispatched)],
            ),
            (EventType::Escalated, &unassigned, vec![(staff(level), Template::Escalated)]),
            (EventType::Declined, &unassigned, vec![(Recipient::User(reporter), Template::Declined)]),
            (EventType::Cancelled, &assigned, vec![(Recipient::User(worker), Template::Cancelled)]),
            (EventType::Cancelled, &unassigned, vec![(staff(level), Template::Cancelled)]),
            (EventType::Closed, &assigned, vec![(Recipient::User(reporter), Template::Closed)]),
            (EventType::Overdue, &assigned, vec![(staff(level), Template::Overdue)]),
            (EventType::ReturnVisited, &assigned, vec![]),
            (EventType::Prioritized, &assigned, vec![]),
        ];
        let mut kinds: std::collections::HashSet<EventType> = table.iter().map(|(k, _, _)| *k).collect();
        kinds.insert(EventType::Grabbed); // the test below
        assert_eq!(kinds, EventType::ALL.iter().copied().collect(), "every event type has a row");
        for (kind, order, want) in table {
            let got: Vec<(Recipient, Template)> = notices(order, &[NewEvent::new(kind, EventData::Empty {})])
                .into_iter()
                .map(|n| (n.recipient, n.template))
                .collect();
            assert_eq!(got, want, "{kind:?}");
        }
    }

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
