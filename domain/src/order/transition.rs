//! The state machine: `apply` checks that the status allows the command
//! (409 `order.invalid_transition` otherwise), then that the actor may give it
//! (403 `order.forbidden`), and returns the next state with its events.

use crate::actor::{Actor, Role};
use crate::DomainError;

use super::event::{EventData, EventType, NewEvent};
use super::policy::{assignee_role, handler_role, is_reporter, serves_community, staff_in_scope};
use chrono::{DateTime, Utc};

use super::{Command, Order, Status, Target};

/// The role recorded for what the system does by itself (auto-close, overdue).
pub const SYSTEM_ROLE: &str = "system";

#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The whole order after the change (timestamps, version and all).
    pub next: Order,
    pub events: Vec<NewEvent>,
    /// The role the actor acted in, for the timeline (`system` for the sweeper).
    pub role: &'static str,
}

/// Statuses each command may start from.
pub fn allowed_from(command: &Command) -> &'static [Status] {
    use Status::*;
    match command {
        Command::Dispatch { .. } => &[Submitted, Dispatched],
        Command::Accept | Command::Grab | Command::Reject { .. } => &[Dispatched],
        Command::Arrive { .. } => &[Accepted],
        Command::Resolve { .. } => &[Accepted, OnSite],
        Command::Rate(_) => &[Resolved],
        Command::ReturnVisit { .. } => &[Resolved, Rated],
        Command::Escalate { .. } => &[Submitted, Dispatched, Accepted, OnSite],
        Command::Decline { .. } => &[Submitted, Dispatched],
        Command::Cancel { .. } => &[Submitted, Dispatched],
    }
}

fn invalid(command: &Command, status: Status) -> DomainError {
    DomainError::conflict("order.invalid_transition", format!("工单当前状态为 {status}，不能执行 {}", command.name()))
}

fn forbidden(command: &Command) -> DomainError {
    DomainError::forbidden("order.forbidden", format!("无权对该工单执行 {}", command.name()))
}

pub fn apply(order: &Order, command: &Command, actor: &Actor, at: DateTime<Utc>) -> Result<Transition, DomainError> {
    if !allowed_from(command).contains(&order.status) {
        return Err(invalid(command, order.status));
    }
    let pooled = order.assignee == Some(Target::Pool);
    match command {
        Command::Accept | Command::Reject { .. } if pooled => return Err(invalid(command, order.status)),
        Command::Grab if !pooled => return Err(invalid(command, order.status)),
        Command::Escalate { .. } if order.level.up().is_none() => {
            return Err(DomainError::conflict("order.invalid_transition", "工单已在最高层级，不能再上报"));
        }
        _ => {}
    }
    let role = authorize(order, command, actor).ok_or_else(|| forbidden(command))?;
    let mut next = order.clone();
    next.version += 1;
    next.updated_at = at;
    let one = |kind, data| vec![NewEvent::new(kind, data)];
    let events = match command {
        Command::Dispatch { target } => {
            next.status = Status::Dispatched;
            next.assignee = Some(*target);
            next.handler_id = None;
            next.at.dispatched = Some(at);
            one(EventType::Dispatched, EventData::Dispatched { target: (*target).into() })
        }
        Command::Accept => {
            next.status = Status::Accepted;
            next.handler_id = Some(actor.user_id);
            next.at.accepted = Some(at);
            one(EventType::Accepted, EventData::Empty {})
        }
        Command::Grab => {
            next.status = Status::Accepted;
            next.assignee = Some(Target::PartyMember(actor.user_id));
            next.handler_id = Some(actor.user_id);
            next.at.accepted = Some(at);
            one(EventType::Grabbed, EventData::Empty {})
        }
        Command::Reject { reason } => {
            next.status = Status::Submitted;
            next.assignee = None;
            next.handler_id = None;
            one(EventType::Rejected, EventData::Reason { reason: reason.0.clone() })
        }
        Command::Arrive { lat, lng } => {
            next.status = Status::OnSite;
            next.at.arrived = Some(at);
            one(EventType::Arrived, EventData::Arrived { lat: *lat, lng: *lng })
        }
        Command::Resolve { feedback, photos } => {
            next.status = Status::Resolved;
            next.at.resolved = Some(at);
            one(EventType::Resolved, EventData::Resolved { feedback: feedback.clone(), photos: photos.clone() })
        }
        Command::Rate(rating) => {
            let mut events = one(EventType::Rated, rating.into());
            next.rating = Some(rating.clone());
            next.at.rated = Some(at);
            if rating.unsatisfied() {
                reopen(&mut next, &mut events, "rating", at);
            } else {
                next.status = Status::Rated;
            }
            events
        }
        Command::ReturnVisit { satisfied, note } => {
            next.return_visit = Some(*satisfied);
            let mut events =
                one(EventType::ReturnVisited, EventData::ReturnVisited { satisfied: *satisfied, note: note.clone() });
            if *satisfied {
                next.status = Status::Closed;
                next.at.closed = Some(at);
                events.push(NewEvent::new(EventType::Closed, EventData::Closed { because: "return_visit" }));
            } else {
                reopen(&mut next, &mut events, "return_visit", at);
            }
            events
        }
        Command::Escalate { reason } => {
            let to = order.level.up().ok_or_else(|| invalid(command, order.status))?;
            next.status = Status::Submitted;
            next.level = to;
            next.assignee = None;
            next.handler_id = None;
            one(EventType::Escalated, EventData::Escalated { from: order.level, to, reason: reason.0.clone() })
        }
        Command::Decline { reason, duplicate_of } => {
            next.status = Status::Declined;
            next.duplicate_of = *duplicate_of;
            next.at.closed = Some(at);
            one(EventType::Declined, EventData::Declined { reason: reason.0.clone(), duplicate_of: *duplicate_of })
        }
        Command::Cancel { reason } => {
            next.status = Status::Cancelled;
            next.at.closed = Some(at);
            one(EventType::Cancelled, EventData::Reason { reason: reason.0.clone() })
        }
    };
    Ok(Transition { next, events, role: role.as_str() })
}

/// Unsatisfied: back to the community's open pool, at community level.
fn reopen(next: &mut Order, events: &mut Vec<NewEvent>, because: &'static str, at: DateTime<Utc>) {
    next.status = Status::Dispatched;
    next.at.dispatched = Some(at);
    next.level = super::Level::Community;
    next.assignee = Some(Target::Pool);
    next.handler_id = None;
    events.push(NewEvent::new(EventType::Reopened, EventData::Reopened { to: Target::Pool.into(), because }));
}

fn authorize(order: &Order, command: &Command, actor: &Actor) -> Option<Role> {
    match command {
        Command::Dispatch { .. } | Command::Escalate { .. } | Command::Decline { .. } => staff_in_scope(actor, order),
        Command::ReturnVisit { .. } => super::policy::staff_sees(actor, order),
        Command::Accept | Command::Reject { .. } => assignee_role(actor, order),
        Command::Grab => serves_community(actor, order).then_some(Role::PartyMember),
        Command::Arrive { .. } | Command::Resolve { .. } => handler_role(actor, order),
        Command::Rate(_) | Command::Cancel { .. } => is_reporter(actor, order).then_some(Role::Resident),
    }
}

/// The sweeper closes a resolved order nobody rated in time.
pub fn auto_close(order: &Order, at: DateTime<Utc>) -> Option<Transition> {
    (order.status == Status::Resolved).then(|| {
        let mut next = order.clone();
        next.status = Status::Closed;
        next.at.closed = Some(at);
        next.version += 1;
        next.updated_at = at;
        Transition {
            next,
            events: vec![NewEvent::new(EventType::Closed, EventData::Closed { because: "no_rating" })],
            role: SYSTEM_ROLE,
        }
    })
}
