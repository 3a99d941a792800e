//! The region tree: street (街道) → community (社区) → grid (网格) → building (楼栋).
//!
//! Each node stores its materialised path of ancestor ids (`/street/community/`…),
//! so "everything below this node" is a prefix test, in memory and in SQL.

use uuid::Uuid;

use crate::DomainError;

crate::text_enum!(
    /// The four levels of the tree.
    RegionKind, "kind", "invalid_kind" {
        Street => "street" / "街道",
        Community => "community" / "社区",
        Grid => "grid" / "网格",
        Building => "building" / "楼栋",
    }
);

impl RegionKind {
    /// The kind a parent of this kind must have; streets are roots.
    pub fn parent_kind(self) -> Option<RegionKind> {
        match self {
            Self::Street => None,
            Self::Community => Some(Self::Street),
            Self::Grid => Some(Self::Community),
            Self::Building => Some(Self::Grid),
        }
    }
}

/// A stored node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub id: Uuid,
    pub kind: RegionKind,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// `/<root id>/…/<own id>/`: the node's own id is the last segment.
    pub path: String,
    pub address: Option<String>,
}

impl Region {
    /// The path a child of `parent` with id `id` gets.
    pub fn child_path(parent: Option<&Region>, id: Uuid) -> String {
        match parent {
            Some(p) => format!("{}{}/", p.path, id),
            None => format!("/{id}/"),
        }
    }

    /// Ancestor ids from the root down, this node included.
    pub fn lineage(&self) -> Vec<Uuid> {
        path_ids(&self.path)
    }
}

pub fn path_ids(path: &str) -> Vec<Uuid> {
    path.split('/').filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

/// Checks that a node of `kind` may hang under `parent`.
pub fn check_parent(kind: RegionKind, parent: Option<&Region>) -> Result<(), DomainError> {
    match (kind.parent_kind(), parent) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(DomainError::field("parent_id", "not_allowed", "街道是最高一级，不能有上级")),
        (Some(want), None) => {
            Err(DomainError::field("parent_id", "required", format!("{}必须挂在{}之下", kind.label(), want.label())))
        }
        (Some(want), Some(p)) if p.kind != want => Err(DomainError::field(
            "parent_id",
            "wrong_parent_kind",
            format!("{}的上级必须是{}，而不是{}", kind.label(), want.label(), p.kind.label()),
        )),
        _ => Ok(()),
    }
}

/// What part of the tree an account may see: everything, or one node and its subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Subtree { region_id: Uuid, path: String },
}

impl Scope {
    /// True when the node with `path` lies inside this scope.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtree { path: root, .. } => path.starts_with(root.as_str()),
        }
    }

    /// The path prefix that SQL filters on (`path LIKE prefix || '%'`); None means no filter.
    pub fn path_prefix(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Subtree { path, .. } => Some(path),
        }
    }
}

/// A new node's own fields (its parent is checked against storage), every
/// invalid one reported at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionDraft {
    pub kind: RegionKind,
    pub name: String,
    pub code: Option<String>,
    pub address: Option<String>,
}

impl RegionDraft {
    pub fn parse(kind: &str, name: &str, code: Option<&str>, address: Option<&str>) -> Result<Self, DomainError> {
        let mut problems = crate::error::Problems::new();
        let kind = problems.take(kind.parse::<RegionKind>());
        let name = problems.take(parse_name(name));
        let code = code.map(|c| problems.take(crate::text::code("code", c)));
        let address = address.map(|a| problems.take(parse_address(a)));
        problems.finish()?;
        match (kind, name) {
            (Some(kind), Some(name)) => {
                Ok(RegionDraft { kind, name, code: code.flatten(), address: address.flatten() })
            }
            _ => Err(DomainError::field("", "invalid", "区域信息有误")),
        }
    }
}

pub fn parse_name(raw: &str) -> Result<String, DomainError> {
    crate::text::bounded("name", raw, 1, 64)
}

pub fn parse_address(raw: &str) -> Result<String, DomainError> {
    crate::text::bounded("address", raw, 1, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: RegionKind, parent: Option<&Region>) -> Region {
        let id = Uuid::now_v7();
        Region {
            id,
            kind,
            code: id.to_string(),
            name: kind.label().into(),
            parent_id: parent.map(|p| p.id),
            path: Region::child_path(parent, id),
            address: None,
        }
    }

    #[test]
    fn parents_must_be_one_level_up() {
        let street = node(RegionKind::Street, None);
        let community = node(RegionKind::Community, Some(&street));
        assert!(check_parent(RegionKind::Street, None).is_ok());
        assert!(check_parent(RegionKind::Community, Some(&street)).is_ok());
        assert!(check_parent(RegionKind::Grid, Some(&community)).is_ok());
        assert!(check_parent(RegionKind::Grid, Some(&street)).is_err());
        assert!(check_parent(RegionKind::Building, None).is_err());
        assert!(check_parent(RegionKind::Street, Some(&street)).is_err());
    }

    #[test]
    fn a_subtree_scope_contains_descendants_only() {
        let street = node(RegionKind::Street, None);
        let a = node(RegionKind::Community, Some(&street));
        let b = node(RegionKind::Community, Some(&street));
        let grid = node(RegionKind::Grid, Some(&a));
        let scope = Scope::Subtree { region_id: a.id, path: a.path.clone() };
        assert!(scope.contains(&a.path));
        assert!(scope.contains(&grid.path));
        assert!(!scope.contains(&b.path));
        assert!(!scope.contains(&street.path));
        assert!(Scope::All.contains(&street.path));
        assert_eq!(grid.lineage(), vec![street.id, a.id, grid.id]);
    }

    #[test]
    fn kinds_round_trip_through_text() {
        for &kind in RegionKind::ALL {
            assert_eq!(kind.as_str().parse::<RegionKind>().unwrap(), kind);
        }
        assert!("city".parse::<RegionKind>().is_err());
    }
}
