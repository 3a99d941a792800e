//! Who may manage whose staff account: create it, change its role or region,
//! disable it, reset its password.
//!
//! A manager gives only roles below their own, and only inside their scope:
//! an admin any role in their subtree (a city-wide admin also city-wide roles
//! and other admins); street staff community staff and grid workers of their
//! street; community staff grid workers of their community. An account is
//! managed by whoever may manage every role it holds, never by its owner.

use uuid::Uuid;

use crate::actor::{Actor, Role};
use crate::region::Scope;

/// A role held (or to be held) at a node: the node's path, `None` city-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat<'a> {
    pub role: Role,
    pub path: Option<&'a str>,
}

/// The roles a grant of `manager` may give, below it.
fn gives(manager: Role, role: Role) -> bool {
    match manager {
        Role::Admin => true,
        Role::StreetStaff => matches!(role, Role::CommunityStaff | Role::GridWorker),
        Role::CommunityStaff => role == Role::GridWorker,
        _ => false,
    }
}

/// May `actor` give the role `seat.role` at `seat.path`?
pub fn may_give(actor: &Actor, seat: Seat<'_>) -> bool {
    actor.grants.iter().any(|g| {
        gives(g.role, seat.role)
            && match (seat.path, &g.scope) {
                // City-wide seats (departments, residents, city admins) need a city-wide admin.
                (None, scope) => *scope == Scope::All && g.role == Role::Admin,
                // An admin scoped to a subtree may not make an admin over its own root.
                (Some(path), Scope::Subtree { path: root, .. }) if seat.role == Role::Admin => {
                    path.starts_with(root.as_str()) && path != root
                }
                (Some(path), scope) => scope.contains(path),
            }
    })
}

/// May `actor` manage the account `owner`, which holds `seats`? An account
/// without any seat (a resident known only by WeChat) is a city-wide admin's.
pub fn may_manage(actor: &Actor, owner: Uuid, seats: &[Seat<'_>]) -> bool {
    if owner == actor.user_id {
        return false;
    }
    if seats.is_empty() {
        return may_give(actor, Seat { role: Role::Resident, path: None });
    }
    seats.iter().all(|seat| may_give(actor, *seat))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Grant;

    fn actor(role: Role, path: Option<&str>) -> Actor {
        let scope = match path {
            None => Scope::All,
            Some(p) => Scope::Subtree { region_id: Uuid::nil(), path: p.into() },
        };
        Actor { user_id: Uuid::from_u128(1), grants: vec![Grant { role, scope }], units: vec![] }
    }

    #[test]
    fn who_may_give_which_role_where() {
        use Role::*;
        let street = Some("/s/");
        let community = Some("/s/c/");
        let grid = Some("/s/c/g/");
        let elsewhere = Some("/t/c/g/");
        // (manager role, manager scope, role given, where, allowed)
        type Row = (Role, Option<&'static str>, Role, Option<&'static str>, bool);
        let table: &[Row] = &[
            (Admin, None, Admin, None, true),
            (Admin, None, DepartmentStaff, None, true),
            (Admin, None, StreetStaff, street, true),
            (Admin, street, StreetStaff, street, true),
            (Admin, street, GridWorker, grid, true),
            (Admin, street, GridWorker, elsewhere, false),
            (Admin, street, Admin, community, true),
            (Admin, street, Admin, street, false), // not a second admin over its own root
            (Admin, street, DepartmentStaff, None, false),
            (Admin, street, Admin, None, false),
            (StreetStaff, street, CommunityStaff, community, true),
            (StreetStaff, street, GridWorker, grid, true),
            (StreetStaff, street, GridWorker, elsewhere, false),
            (StreetStaff, street, StreetStaff, street, false),
            (StreetStaff, street, Admin, community, false),
            (CommunityStaff, community, GridWorker, grid, true),
            (CommunityStaff, community, CommunityStaff, community, false),
            (CommunityStaff, community, GridWorker, elsewhere, false),
            (GridWorker, grid, GridWorker, grid, false),
            (DepartmentStaff, None, GridWorker, grid, false),
            (Resident, None, GridWorker, grid, false),
            (PartyMember, community, GridWorker, grid, false),
        ];
        for &(manager, scope, role, path, want) in table {
            assert_eq!(
                may_give(&actor(manager, scope), Seat { role, path }),
                want,
                "{manager:?} over {scope:?} gives {role:?} at {path:?}"
            );
        }
    }

    #[test]
    fn an_account_is_managed_by_whoever_may_manage_all_it_holds() {
        let street = actor(Role::StreetStaff, Some("/s/"));
        let other = Uuid::from_u128(2);
        let worker = [Seat { role: Role::GridWorker, path: Some("/s/c/g/") }];
        assert!(may_manage(&street, other, &worker));
        let also_elsewhere = [worker[0], Seat { role: Role::GridWorker, path: Some("/t/c/g/") }];
        assert!(!may_manage(&street, other, &also_elsewhere), "one seat out of scope is enough to refuse");
        let also_admin = [worker[0], Seat { role: Role::Admin, path: Some("/s/c/") }];
        assert!(!may_manage(&street, other, &also_admin));
        assert!(!may_manage(&street, street.user_id, &worker), "never one's own account");
        assert!(!may_manage(&street, other, &[]), "a WeChat-only account: a city-wide admin's");
        assert!(may_manage(&actor(Role::Admin, None), other, &[]));
        assert!(!may_manage(&actor(Role::Admin, Some("/s/")), other, &[]));
    }
}
