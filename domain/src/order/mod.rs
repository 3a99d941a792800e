//! Orders (工单): what a resident reports, and the closed loop that takes it
//! to done. The state machine (`transition`) and who may do what (`policy`)
//! are pure functions of the stored state, the command and the actor.

pub mod command;
pub mod escalation;
pub mod event;
pub mod fields;
pub mod model;
pub mod notify;
pub mod policy;
pub mod sla;
pub mod transition;

#[cfg(test)]
mod table_tests;

use uuid::Uuid;

use crate::DomainError;

pub use command::Command;
pub use event::{EventData, EventType, NewEvent};
pub use model::{Due, Named, Order, OrderDetail, OverdueFlags, Place, Stamps};
pub use sla::{prioritize, priority_of, Submission};
pub use transition::{apply, Transition};

crate::text_enum!(
    /// 随手拍 / 微心愿 / 帮办代办
    Kind, "kind", "invalid_value" {
        Issue => "issue" / "随手拍",
        Wish => "wish" / "微心愿",
        Errand => "errand" / "帮办代办",
    }
);

crate::text_enum!(
    /// Where the order stands in the closed loop.
    Status, "status", "invalid_value" {
        Submitted => "submitted" / "待派单",
        Dispatched => "dispatched" / "待接单",
        Accepted => "accepted" / "已接单",
        OnSite => "on_site" / "已到场",
        Resolved => "resolved" / "已办结",
        Rated => "rated" / "已评价",
        Closed => "closed" / "已关闭",
        Cancelled => "cancelled" / "已撤销",
        Declined => "declined" / "不予受理",
    }
);

crate::text_enum!(
    /// How the order reached us.
    Channel, "channel", "invalid_value" {
        Poster => "poster" / "扫码上报",
        Snap => "snap" / "随手拍",
        Hotline => "hotline" / "热线电话",
        Patrol => "patrol" / "网格巡查",
        Open311 => "open311" / "开放接口",
    }
);

crate::text_enum!(
    /// Who must respond: the community, the street, or a city department (吹哨报到).
    Level, "level", "invalid_value" {
        Community => "community" / "社区",
        Street => "street" / "街道",
        Department => "department" / "职能部门",
    }
);

crate::text_enum!(
    /// What an order can be dispatched to.
    TargetType, "target.type", "invalid_value" {
        PartyMember => "party_member" / "党员",
        GridWorker => "grid_worker" / "网格员",
        Organization => "organization" / "共建单位",
        Team => "team" / "志愿服务队",
        Department => "department" / "职能部门",
        Pool => "pool" / "社区抢单池",
    }
);

crate::text_enum!(
    /// How fast it must be answered: urgent orders run the 15-minute response clock.
    Priority, "priority", "invalid_value" {
        Normal => "normal" / "普通",
        Urgent => "urgent" / "紧急",
    }
);

crate::text_enum!(
    /// The two service clocks of an order.
    Clock, "clock", "invalid_value" {
        /// Until someone accepts it.
        Response => "response" / "响应时限",
        /// Until it is resolved.
        Resolve => "resolve" / "办结时限",
    }
);

impl Status {
    /// Still somebody's work: escalation and the overdue sweeper apply.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Submitted | Status::Dispatched | Status::Accepted | Status::OnSite)
    }

    /// Nobody has accepted it yet: the response clock runs.
    pub fn awaits_response(self) -> bool {
        matches!(self, Status::Submitted | Status::Dispatched)
    }

    /// The statuses for which `pred` holds, as stored text (for SQL filters).
    pub fn names_where(pred: fn(Status) -> bool) -> Vec<&'static str> {
        Status::ALL.iter().copied().filter(|s| pred(*s)).map(Status::as_str).collect()
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled | Status::Declined)
    }
}

impl Level {
    pub fn up(self) -> Option<Level> {
        match self {
            Level::Community => Some(Level::Street),
            Level::Street => Some(Level::Department),
            Level::Department => None,
        }
    }
}

/// Who an order is assigned to. The pool is the open pool of the order's community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    PartyMember(Uuid),
    GridWorker(Uuid),
    Organization(Uuid),
    Team(Uuid),
    Department(Uuid),
    Pool,
}

impl Target {
    pub fn kind(&self) -> TargetType {
        match self {
            Target::PartyMember(_) => TargetType::PartyMember,
            Target::GridWorker(_) => TargetType::GridWorker,
            Target::Organization(_) => TargetType::Organization,
            Target::Team(_) => TargetType::Team,
            Target::Department(_) => TargetType::Department,
            Target::Pool => TargetType::Pool,
        }
    }

    pub fn id(&self) -> Option<Uuid> {
        match *self {
            Target::PartyMember(id)
            | Target::GridWorker(id)
            | Target::Organization(id)
            | Target::Team(id)
            | Target::Department(id) => Some(id),
            Target::Pool => None,
        }
    }

    /// A person (the id is a user) rather than a unit (organisation, team, department).
    pub fn user(&self) -> Option<Uuid> {
        match *self {
            Target::PartyMember(id) | Target::GridWorker(id) => Some(id),
            _ => None,
        }
    }

    pub fn unit(&self) -> Option<Uuid> {
        match *self {
            Target::Organization(id) | Target::Team(id) | Target::Department(id) => Some(id),
            _ => None,
        }
    }

    pub fn from_parts(kind: TargetType, id: Option<Uuid>) -> Result<Target, DomainError> {
        let need = |id: Option<Uuid>| id.ok_or_else(|| DomainError::field("target.id", "required", "请指定派单对象"));
        Ok(match kind {
            TargetType::Pool => match id {
                None => Target::Pool,
                Some(_) => return Err(DomainError::field("target.id", "not_allowed", "派到社区抢单池时不需要 id")),
            },
            TargetType::PartyMember => Target::PartyMember(need(id)?),
            TargetType::GridWorker => Target::GridWorker(need(id)?),
            TargetType::Organization => Target::Organization(need(id)?),
            TargetType::Team => Target::Team(need(id)?),
            TargetType::Department => Target::Department(need(id)?),
        })
    }
}
