//! Who is acting: a user with role grants, each grant scoped to a region node.

use uuid::Uuid;

use crate::region::{RegionKind, Scope};
use crate::DomainError;

crate::text_enum!(
    /// What a user may do, each granted over a region node.
    Role, "role", "invalid_role" {
        /// 居民: reports and rates; logs in with WeChat.
        Resident => "resident" / "居民",
        /// 党员 (双报到): serves one or more communities; logs in with WeChat.
        PartyMember => "party_member" / "党员",
        /// 网格员: scoped to a grid.
        GridWorker => "grid_worker" / "网格员",
        /// 社区工作者: scoped to a community.
        CommunityStaff => "community_staff" / "社区工作者",
        /// 街道工作人员: scoped to a street.
        StreetStaff => "street_staff" / "街道工作人员",
        /// 职能部门: receives escalated orders.
        DepartmentStaff => "department_staff" / "职能部门工作人员",
        /// 共建单位 / 志愿服务队 member.
        OrgMember => "org_member" / "共建单位成员",
        /// 管理员: sets up the tree, categories and accounts in its scope.
        Admin => "admin" / "管理员",
    }
);

impl Role {
    /// Staff log in with a password and work an inbox of their region.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::GridWorker | Role::CommunityStaff | Role::StreetStaff | Role::DepartmentStaff | Role::Admin
        )
    }

    /// The region kind a grant of this role must be scoped to; `None` means
    /// any kind (admin: a node, or no region at all for the whole city).
    pub fn scope_kind(self) -> Option<RegionKind> {
        match self {
            Role::GridWorker => Some(RegionKind::Grid),
            Role::CommunityStaff | Role::PartyMember => Some(RegionKind::Community),
            Role::StreetStaff => Some(RegionKind::Street),
            Role::Resident | Role::DepartmentStaff | Role::OrgMember | Role::Admin => None,
        }
    }
}

crate::text_enum!(
    /// The kinds of unit an order can be dispatched to.
    UnitKind, "kind", "invalid_value" {
        /// 共建单位
        Organization => "organization" / "共建单位",
        /// 志愿服务队
        Team => "team" / "志愿服务队",
        /// 职能部门
        Department => "department" / "职能部门",
    }
);

/// An organisation, volunteer team or department orders can be dispatched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: Uuid,
    pub kind: UnitKind,
    pub name: String,
    /// The region it serves; `None` for a city-wide department.
    pub region_id: Option<Uuid>,
}

/// A role held over part of the region tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

/// The authenticated caller, with every grant loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub grants: Vec<Grant>,
    /// Organisations, volunteer teams and departments the user acts for.
    pub units: Vec<Uuid>,
}

impl Actor {
    /// Whoever runs the command line on a server: a city-wide admin, on no account.
    pub fn operator() -> Actor {
        Actor { user_id: Uuid::nil(), grants: vec![Grant { role: Role::Admin, scope: Scope::All }], units: vec![] }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }

    /// May this actor set up regions, posters and accounts at the node with `path`?
    /// Admins may, inside their scope; `None` (a new root) needs a city-wide admin.
    pub fn may_administer(&self, path: Option<&str>) -> bool {
        self.grants.iter().filter(|g| g.role == Role::Admin).any(|g| match path {
            Some(p) => g.scope.contains(p),
            None => g.scope == Scope::All,
        })
    }

    /// Is this actor staff (of any staff role) over the node at `path`? Staff
    /// in scope print its posters and read its statistics.
    pub fn is_staff_over(&self, path: &str) -> bool {
        self.grants.iter().any(|g| g.role.is_staff() && g.scope.contains(path))
    }

    /// May this actor register party members (双报到) with the community at `path`?
    /// Community staff, street staff and admins covering it may.
    pub fn may_register_party_members(&self, path: &str) -> bool {
        self.grants
            .iter()
            .any(|g| matches!(g.role, Role::Admin | Role::StreetStaff | Role::CommunityStaff) && g.scope.contains(path))
    }

    /// The role recorded when this actor submits an order: a resident, unless
    /// they report only as staff (a patrol, a hotline call).
    pub fn reporting_role(&self) -> Role {
        if self.has_role(Role::Resident) {
            Role::Resident
        } else {
            self.grants.first().map(|g| g.role).unwrap_or(Role::Resident)
        }
    }

    /// Categories are city-wide: only a city-wide admin changes them.
    pub fn may_configure_categories(&self) -> bool {
        self.may_administer(None)
    }
}

/// Checks that a grant of `role` is scoped to a node of the right kind.
pub fn check_grant_scope(role: Role, scope_kind: Option<RegionKind>) -> Result<(), DomainError> {
    match (role.scope_kind(), scope_kind) {
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(want), _) => Err(DomainError::field(
            "region_id",
            "wrong_scope_kind",
            format!("{}必须归属到一个{}", role.label(), want.label()),
        )),
        (None, _) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(scope: Scope) -> Actor {
        Actor { user_id: Uuid::now_v7(), grants: vec![Grant { role: Role::Admin, scope }], units: vec![] }
    }

    #[test]
    fn admins_administer_inside_their_scope_only() {
        let city = admin(Scope::All);
        assert!(city.may_administer(None));
        assert!(city.may_administer(Some("/a/b/")));
        assert!(city.may_configure_categories());

        let local = admin(Scope::Subtree { region_id: Uuid::nil(), path: "/a/".into() });
        assert!(local.may_administer(Some("/a/b/")));
        assert!(!local.may_administer(Some("/c/")));
        assert!(!local.may_administer(None));
        assert!(!local.may_configure_categories());
    }

    #[test]
    fn staff_over_a_node_are_staff_whose_scope_contains_it() {
        let with = |role, path: &str| Actor {
            user_id: Uuid::now_v7(),
            grants: vec![Grant { role, scope: Scope::Subtree { region_id: Uuid::nil(), path: path.into() } }],
            units: vec![],
        };
        // (role, scope, node, staff over it)
        let table = [
            (Role::GridWorker, "/s/c/g/", "/s/c/g/b/", true),
            (Role::CommunityStaff, "/s/c/", "/s/c/g/b/", true),
            (Role::CommunityStaff, "/s/c/", "/s/d/g/b/", false),
            (Role::Resident, "/s/c/", "/s/c/g/b/", false),
            (Role::PartyMember, "/s/c/", "/s/c/g/b/", false),
        ];
        for (role, scope, node, want) in table {
            assert_eq!(with(role, scope).is_staff_over(node), want, "{role:?} {scope} {node}");
        }
    }

    #[test]
    fn community_and_street_staff_register_party_members_in_their_scope() {
        let staff = |role, path: &str| Actor {
            user_id: Uuid::now_v7(),
            grants: vec![Grant { role, scope: Scope::Subtree { region_id: Uuid::nil(), path: path.into() } }],
            units: vec![],
        };
        assert!(staff(Role::CommunityStaff, "/s/c/").may_register_party_members("/s/c/"));
        assert!(staff(Role::StreetStaff, "/s/").may_register_party_members("/s/c/"));
        assert!(!staff(Role::CommunityStaff, "/s/c/").may_register_party_members("/s/d/"));
        assert!(!staff(Role::GridWorker, "/s/c/").may_register_party_members("/s/c/"));
        assert!(admin(Scope::All).may_register_party_members("/s/c/"));
    }

    #[test]
    fn staff_roles_need_the_right_kind_of_node() {
        assert!(check_grant_scope(Role::GridWorker, Some(RegionKind::Grid)).is_ok());
        assert!(check_grant_scope(Role::GridWorker, Some(RegionKind::Community)).is_err());
        assert!(check_grant_scope(Role::StreetStaff, None).is_err());
        assert!(check_grant_scope(Role::Admin, None).is_ok());
        assert!(!Role::Resident.is_staff());
        assert!(Role::GridWorker.is_staff());
    }

    #[test]
    fn roles_round_trip_through_text() {
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
    }
}
