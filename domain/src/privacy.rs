//! The residents' rights under PIPL (个人信息保护法): what is kept about them
//! and why, how long, and who may erase their own account. Pure rules; the
//! erasure itself is `infra::usecase::privacy`.

use chrono::{DateTime, Duration, Utc};

use crate::account::is_account_role;
use crate::actor::Actor;
use crate::DomainError;

/// The contact name an erased order shows.
pub const ERASED_NAME: &str = "已删除";
/// The display name of a deleted account (its orders keep their history).
pub const DELETED_USER_NAME: &str = "已注销用户";

/// One kind of personal data: what, why, on which ground, how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purpose {
    pub data: &'static str,
    pub purpose: &'static str,
    /// The PIPL article relied on (13 for the grounds).
    pub basis: &'static str,
    pub kept: Kept,
}

/// How long one kind of data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// The configured retention period after the order is closed.
    Retention,
    /// Stated as this text.
    Stated(&'static str),
}

/// What the system holds about a resident, for `GET /api/v1/privacy`.
pub const PURPOSES: &[Purpose] = &[
    Purpose {
        data: "联系人姓名、手机号",
        purpose: "办理您提交的诉求：工作人员回电、上门、回访",
        basis: "第十三条第一款第一项（您提交诉求时同意）、第三项（履行法定职责）",
        kept: Kept::Retention,
    },
    Purpose {
        data: "诉求内容、照片、位置、地址",
        purpose: "派单、处置和核实；地址与坐标在保存期限届满后删除，内容与照片留作案卷",
        basis: "第十三条第一款第三项（履行法定职责）",
        kept: Kept::Retention,
    },
    Purpose {
        data: "评价与回访意见",
        purpose: "考核办理质量（三率统计）",
        basis: "第十三条第一款第三项（履行法定职责）",
        kept: Kept::Stated("与诉求案卷相同；不含联系方式"),
    },
    Purpose {
        data: "微信 openid、显示名、微信授权的手机号",
        purpose: "登录和消息通知（订阅消息）",
        basis: "第十三条第一款第一项（您登录时同意）",
        kept: Kept::Stated("至您注销账号"),
    },
    Purpose {
        data: "站内通知、订阅消息授权",
        purpose: "告诉您诉求的进展",
        basis: "第十三条第一款第一项",
        kept: Kept::Stated("至您注销账号"),
    },
];

/// The moment before which closed orders lose their contact data, or `None`
/// when the period is 0 (kept until the reporter deletes their account).
pub fn retention_cutoff(now: DateTime<Utc>, days: u32) -> Option<DateTime<Utc>> {
    (days > 0).then(|| now - Duration::days(i64::from(days)))
}

/// A resident may delete their own account; a staff account is ended by its
/// managers (disable), because its work stays on record under its name.
pub fn may_delete_self(actor: &Actor) -> Result<(), DomainError> {
    if actor.grants.iter().any(|g| is_account_role(g.role)) {
        return Err(DomainError::conflict("privacy.staff_account", "工作人员账号不能自行注销，请联系管理员停用"));
    }
    Ok(())
}

/// Why a phone is revealed, as the audit trail keeps it: 2 to 200 characters.
pub fn check_reveal_reason(raw: &str) -> Result<String, DomainError> {
    crate::text::bounded("reason", raw, 2, 200)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Grant, Role};
    use crate::region::Scope;
    use uuid::Uuid;

    fn actor(roles: &[Role]) -> Actor {
        let grants = roles.iter().map(|&role| Grant { role, scope: Scope::All }).collect();
        Actor { user_id: Uuid::nil(), grants, units: vec![] }
    }

    #[test]
    fn who_may_delete_their_own_account() {
        let table: &[(&[Role], bool)] = &[
            (&[Role::Resident], true),
            (&[Role::Resident, Role::PartyMember], true),
            (&[Role::GridWorker], false),
            (&[Role::Resident, Role::CommunityStaff], false),
            (&[Role::OrgMember], false),
            (&[Role::Admin], false),
        ];
        for (roles, allowed) in table {
            assert_eq!(may_delete_self(&actor(roles)).is_ok(), *allowed, "{roles:?}");
        }
    }

    #[test]
    fn a_reveal_needs_a_reason() {
        for (raw, ok) in
            [("", false), ("回", false), ("  回访  ", true), ("核实地址", true), (&"长".repeat(201)[..], false)]
        {
            assert_eq!(check_reveal_reason(raw).is_ok(), ok, "{raw:?}");
        }
        assert_eq!(check_reveal_reason("  回访  ").unwrap(), "回访");
    }

    #[test]
    fn the_retention_cutoff_is_that_many_days_back_and_zero_keeps() {
        let now = DateTime::parse_from_rfc3339("2026-12-08T00:00:00Z").unwrap().with_timezone(&Utc);
        let table = [(0, None), (1, Some("2026-12-07T00:00:00Z")), (180, Some("2026-06-11T00:00:00Z"))];
        for (days, want) in table {
            let want = want.map(|w| DateTime::parse_from_rfc3339(w).unwrap().with_timezone(&Utc));
            assert_eq!(retention_cutoff(now, days), want, "{days}");
        }
    }
}
