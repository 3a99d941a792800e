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
use crate::user::RoleGrant;
use crate::DomainError;

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

/// The roles the accounts API gives: staff roles and organisation members.
/// Residents and party members come through WeChat (and 双报到), not here.
pub fn is_account_role(role: Role) -> bool {
    role.is_staff() || role == Role::OrgMember
}

/// A role the accounts API may give, or a field error naming `field`.
pub fn check_account_role(field: &str, role: Role) -> Result<Role, DomainError> {
    if is_account_role(role) {
        Ok(role)
    } else {
        Err(DomainError::field(field, "not_staff", format!("{}使用微信登录，无需创建账号", role.label())))
    }
}

/// The seats of an account that the accounts API manages (its staff and
/// organisation roles; a party-member grant beside them is 双报到's).
pub fn account_seats(grants: &[RoleGrant]) -> Vec<Seat<'_>> {
    grants
        .iter()
        .filter(|g| is_account_role(g.role))
        .map(|g| Seat { role: g.role, path: g.region.as_ref().map(|r| r.path.as_str()) })
        .collect()
}

/// May `actor` move the account `owner` from the seats it holds to `to`? Both
/// ends must be theirs: a street secretary cannot promote a worker to admin,
/// nor take over a worker of another street.
pub fn may_move(actor: &Actor, owner: Uuid, from: &[Seat<'_>], to: Seat<'_>) -> bool {
    may_manage(actor, owner, from) && may_give(actor, to)
}

/// Which accounts an actor looks after (lists and reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oversight {
    /// Not a manager of accounts (grid workers, departments, residents).
    None,
    /// A city-wide admin: every account.
    City,
    /// Accounts seated at or under these paths.
    Within(Vec<String>),
}

fn is_manager(role: Role) -> bool {
    matches!(role, Role::Admin | Role::StreetStaff | Role::CommunityStaff)
}

pub fn oversight(actor: &Actor) -> Oversight {
    let mut paths = Vec::new();
    for grant in actor.grants.iter().filter(|g| is_manager(g.role)) {
        match &grant.scope {
            Scope::All if grant.role == Role::Admin => return Oversight::City,
            Scope::All => {}
            Scope::Subtree { path, .. } => paths.push(path.clone()),
        }
    }
    if paths.is_empty() {
        Oversight::None
    } else {
        Oversight::Within(paths)
    }
}

/// May `actor` see the account holding `seats` (in lists and reads)? Any
/// seat in their oversight will do; managing it is `may_manage`.
pub fn may_see(actor: &Actor, seats: &[Seat<'_>]) -> bool {
    match oversight(actor) {
        Oversight::None => false,
        Oversight::City => true,
        Oversight::Within(paths) => {
            seats.iter().any(|s| s.path.is_some_and(|p| paths.iter().any(|root| p.starts_with(root.as_str()))))
        }
    }
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

    #[test]
    fn who_oversees_which_accounts() {
        let worker = [Seat { role: Role::GridWorker, path: Some("/s/c/g/") }];
        let peer = [Seat { role: Role::StreetStaff, path: Some("/s/") }];
        let department = [Seat { role: Role::DepartmentStaff, path: None }];
        let cases: &[(Actor, Oversight, [bool; 3])] = &[
            (actor(Role::Admin, None), Oversight::City, [true, true, true]),
            (actor(Role::StreetStaff, Some("/s/")), Oversight::Within(vec!["/s/".into()]), [true, true, false]),
            (actor(Role::CommunityStaff, Some("/s/c/")), Oversight::Within(vec!["/s/c/".into()]), [true, false, false]),
            (
                actor(Role::CommunityStaff, Some("/t/c/")),
                Oversight::Within(vec!["/t/c/".into()]),
                [false, false, false],
            ),
            (actor(Role::GridWorker, Some("/s/c/g/")), Oversight::None, [false, false, false]),
            (actor(Role::DepartmentStaff, None), Oversight::None, [false, false, false]),
        ];
        for (who, want, sees) in cases {
            assert_eq!(&oversight(who), want, "{:?}", who.grants);
            assert_eq!(
                [may_see(who, &worker), may_see(who, &peer), may_see(who, &department)],
                *sees,
                "{:?}",
                who.grants
            );
        }
    }

    #[test]
    fn a_move_needs_both_ends() {
        let street = actor(Role::StreetStaff, Some("/s/"));
        let other = Uuid::from_u128(2);
        let here = Seat { role: Role::GridWorker, path: Some("/s/c/g/") };
        let cases = [
            (here, Seat { role: Role::CommunityStaff, path: Some("/s/c/") }, true),
            (here, Seat { role: Role::GridWorker, path: Some("/t/c/g/") }, false), // out of the street
            (Seat { role: Role::GridWorker, path: Some("/t/c/g/") }, here, false), // not theirs to take
            (here, Seat { role: Role::Admin, path: Some("/s/c/") }, false),
            (here, Seat { role: Role::StreetStaff, path: Some("/s/") }, false), // not beside themselves
        ];
        for (from, to, want) in cases {
            assert_eq!(may_move(&street, other, &[from], to), want, "{from:?} -> {to:?}");
        }
        assert!(!may_move(&street, street.user_id, &[here], here));
    }

    #[test]
    fn the_accounts_api_gives_staff_and_organisation_roles_only() {
        use Role::*;
        for (role, want) in [
            (Admin, true),
            (StreetStaff, true),
            (CommunityStaff, true),
            (GridWorker, true),
            (DepartmentStaff, true),
            (OrgMember, true),
            (PartyMember, false),
            (Resident, false),
        ] {
            assert_eq!(check_account_role("role", role).is_ok(), want, "{role:?}");
        }
    }

    #[test]
    fn only_staff_and_organisation_grants_are_seats() {
        let region = |path: &str| crate::region::Region {
            id: Uuid::nil(),
            parent_id: None,
            kind: crate::region::RegionKind::Community,
            name: "c".into(),
            code: "c".into(),
            path: path.into(),
            address: None,
        };
        let grants = [
            RoleGrant { role: Role::GridWorker, region: Some(region("/s/c/g/")) },
            RoleGrant { role: Role::PartyMember, region: Some(region("/s/c/")) },
            RoleGrant { role: Role::DepartmentStaff, region: None },
        ];
        assert_eq!(
            account_seats(&grants),
            [Seat { role: Role::GridWorker, path: Some("/s/c/g/") }, Seat { role: Role::DepartmentStaff, path: None }]
        );
    }
}
