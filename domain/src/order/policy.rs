//! Who may do what to an order, and who may see it. Pure functions of the
//! actor (roles, scopes, units) and the order's state.

use crate::actor::{Actor, Role};

use super::{Level, Order, Status, Target};

/// Staff roles that may work an order at its current escalation level, within
/// their scope. Returns the role the actor acts in.
pub fn staff_in_scope(actor: &Actor, order: &Order) -> Option<Role> {
    staff_roles(order.level)
        .iter()
        .copied()
        .find(|role| actor.grants.iter().any(|g| g.role == *role && g.scope.contains(order.path())))
}

/// The staff roles that work an order at `level` (and are told about it).
pub fn staff_roles(level: Level) -> &'static [Role] {
    match level {
        Level::Community => &[Role::Admin, Role::StreetStaff, Role::CommunityStaff, Role::GridWorker],
        Level::Street => &[Role::Admin, Role::StreetStaff],
        Level::Department => &[Role::Admin, Role::DepartmentStaff],
    }
}

/// Staff who may read the order and make return visits: any staff grant
/// covering it, except that departments see only what was escalated to them.
pub fn staff_sees(actor: &Actor, order: &Order) -> Option<Role> {
    actor
        .grants
        .iter()
        .filter(|g| g.role.is_staff() && g.scope.contains(order.path()))
        .find(|g| g.role != Role::DepartmentStaff || order.level == Level::Department)
        .map(|g| g.role)
}

/// The current assignee (a person, or a member of the assigned unit).
pub fn assignee_role(actor: &Actor, order: &Order) -> Option<Role> {
    match order.assignee? {
        Target::PartyMember(id) if id == actor.user_id => Some(Role::PartyMember),
        Target::GridWorker(id) if id == actor.user_id => Some(Role::GridWorker),
        Target::Organization(unit) | Target::Team(unit) if actor.units.contains(&unit) => Some(Role::OrgMember),
        Target::Department(unit) if actor.units.contains(&unit) => Some(Role::DepartmentStaff),
        _ => None,
    }
}

/// The person who accepted it, or a member of the unit it is assigned to.
pub fn handler_role(actor: &Actor, order: &Order) -> Option<Role> {
    if order.handler_id == Some(actor.user_id) {
        return Some(assignee_role(actor, order).unwrap_or(Role::GridWorker));
    }
    match order.assignee {
        Some(t) if t.unit().is_some() => assignee_role(actor, order),
        _ => None,
    }
}

/// A party member registered with (serving) the order's community.
pub fn serves_community(actor: &Actor, order: &Order) -> bool {
    actor.grants.iter().any(|g| g.role == Role::PartyMember && g.scope.contains(order.path()))
}

pub fn is_reporter(actor: &Actor, order: &Order) -> bool {
    actor.user_id == order.reporter_id
}

/// In the community's open pool, waiting to be grabbed.
pub fn in_pool(order: &Order) -> bool {
    order.status == Status::Dispatched && order.assignee == Some(Target::Pool)
}

/// How much of an order a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Not at all: answer 404.
    Hidden,
    /// Everything but the reporter's phone (PIPL art. 6, minimum necessary): party members
    /// browsing the pool, and staff overseeing an order they do not handle, who may reveal
    /// it with a recorded reason (`may_reveal`).
    Masked,
    /// Everything: the reporter, and whoever the order is assigned to or handled by (they call).
    Full,
}

pub fn visibility(actor: &Actor, order: &Order) -> Visibility {
    // A department works what is escalated to it: its staff are the handlers.
    let department_works = staff_in_scope(actor, order) == Some(Role::DepartmentStaff);
    if is_reporter(actor, order)
        || assignee_role(actor, order).is_some()
        || handler_role(actor, order).is_some()
        || department_works
    {
        Visibility::Full
    } else if staff_sees(actor, order).is_some()
        || staff_in_scope(actor, order).is_some()
        || (in_pool(order) && serves_community(actor, order))
    {
        Visibility::Masked
    } else {
        Visibility::Hidden
    }
}

/// The staff role in which a caller who sees an order masked may reveal the
/// reporter's phone (the reveal is recorded with it); `None` for everyone else:
/// a party member browsing the pool grabs it first, full viewers need no reveal.
pub fn reveal_role(actor: &Actor, order: &Order) -> Option<Role> {
    if visibility(actor, order) != Visibility::Masked {
        return None;
    }
    staff_sees(actor, order).or_else(|| staff_in_scope(actor, order))
}

pub fn may_reveal(actor: &Actor, order: &Order) -> bool {
    reveal_role(actor, order).is_some()
}
