//! Automatic escalation (吹哨报到): a region's policy says how far up an order
//! goes when nobody answers it in time. The sweeper flags the run-out
//! response clock, then, where a policy governs the order, moves it one
//! level up with a fresh response clock, naming the rule in the event.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::event::{EventData, EventType, NewEvent};
use super::sla::response_clock;
use super::transition::{Transition, SYSTEM_ROLE};
use super::{Level, Order, Status};
use crate::category::CategoryItem;

/// A region's escalation policy: unanswered orders below it climb, one level
/// per run-out response clock, up to `up_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationPolicy {
    pub region_id: Uuid,
    /// The region's name, for the rule the event names.
    pub region_name: String,
    pub up_to: Level,
}

impl EscalationPolicy {
    /// A ceiling must lie above where orders start (the community).
    pub fn check_ceiling(up_to: Level) -> Result<Level, crate::DomainError> {
        match up_to {
            Level::Community => {
                Err(crate::DomainError::field("up_to", "invalid_level", "上报的最高层级须为 street 或 department"))
            }
            level => Ok(level),
        }
    }

    /// How the event names the rule, e.g. `江南街道：响应超时自动上报，最高至职能部门`.
    pub fn rule(&self) -> String {
        format!("{}：响应超时自动上报，最高至{}", self.region_name, self.up_to.label())
    }
}

/// The policy that governs an order: the one set nearest its building (a
/// community's over its street's); `None` when no region on its path has one.
pub fn governing<'a>(order: &Order, policies: &'a [EscalationPolicy]) -> Option<&'a EscalationPolicy> {
    crate::region::path_ids(&order.place.path).iter().rev().find_map(|id| policies.iter().find(|p| p.region_id == *id))
}

/// One level up for an order whose response clock ran out unanswered, when
/// its policy allows; the new level's staff get a fresh response clock.
pub fn auto_escalate(
    order: &Order,
    policy: &EscalationPolicy,
    item: &CategoryItem,
    at: DateTime<Utc>,
) -> Option<Transition> {
    let to = order.level.up().filter(|to| *to <= policy.up_to)?;
    if !order.status.awaits_response() || order.due.response > at {
        return None;
    }
    let mut next = order.clone();
    next.status = Status::Submitted;
    next.level = to;
    next.assignee = None;
    next.handler_id = None;
    next.due.response = at + response_clock(item, order.priority);
    next.overdue.response = None;
    next.version += 1;
    next.updated_at = at;
    let data = EventData::Escalated { from: order.level, to, reason: policy.rule() };
    Some(Transition { next, events: vec![NewEvent::new(EventType::Escalated, data)], role: SYSTEM_ROLE })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn item() -> CategoryItem {
        CategoryItem::example(30, false)
    }

    #[test]
    fn the_nearest_policy_governs() {
        let (street, community) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let order = Order::example(
            Uuid::nil(),
            &format!("/{street}/{community}/{}/{}/", Uuid::from_u128(3), Uuid::from_u128(4)),
        );
        let policy = |id, up_to| EscalationPolicy { region_id: id, region_name: "x".into(), up_to };
        let both = [policy(street, Level::Department), policy(community, Level::Street)];
        assert_eq!(governing(&order, &both).map(|p| p.up_to), Some(Level::Street));
        assert_eq!(governing(&order, &both[..1]).map(|p| p.up_to), Some(Level::Department));
        assert_eq!(governing(&order, &[policy(Uuid::from_u128(9), Level::Street)]), None);
        assert!(EscalationPolicy::check_ceiling(Level::Community).is_err());
        assert_eq!(EscalationPolicy::check_ceiling(Level::Street).ok(), Some(Level::Street));
    }

    #[test]
    fn unanswered_orders_climb_one_level_at_a_time_up_to_the_policy() {
        let order = Order::example(Uuid::nil(), "/a/");
        let t0 = order.at.submitted;
        let late = t0 + Duration::minutes(31);
        let policy = |up_to| EscalationPolicy { region_id: Uuid::nil(), region_name: "江南街道".into(), up_to };
        // (level, status, at, policy's ceiling) → the level it climbs to
        let table = [
            (Level::Community, Status::Submitted, late, Level::Department, Some(Level::Street)),
            (Level::Community, Status::Dispatched, late, Level::Street, Some(Level::Street)),
            (Level::Street, Status::Submitted, late, Level::Department, Some(Level::Department)),
            (Level::Street, Status::Submitted, late, Level::Street, None),
            (Level::Department, Status::Submitted, late, Level::Department, None),
            (Level::Community, Status::Submitted, t0 + Duration::minutes(29), Level::Department, None),
            (Level::Community, Status::Accepted, late, Level::Department, None),
        ];
        for (level, status, at, up_to, want) in table {
            let mut o = order.clone();
            o.level = level;
            o.status = status;
            let got = auto_escalate(&o, &policy(up_to), &item(), at);
            assert_eq!(got.as_ref().map(|t| t.next.level), want, "{level:?} {status:?} {up_to:?}");
            if let Some(t) = got {
                assert_eq!(t.next.status, Status::Submitted);
                assert_eq!(t.next.assignee, None);
                assert_eq!(t.next.due.response, at + Duration::minutes(30), "a fresh clock for the new level");
                assert_eq!(t.next.overdue.response, None);
                assert_eq!(t.role, SYSTEM_ROLE);
                let EventData::Escalated { reason, .. } = &t.events[0].data else { panic!("escalated") };
                assert!(reason.contains("江南街道") && reason.contains("自动上报"), "{reason}");
            }
        }
    }
}
