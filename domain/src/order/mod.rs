//! Orders (工单): what a resident reports, and the closed loop that takes it
//! to done. The state machine (`transition`) and who may do what (`policy`)
//! are pure functions of the stored state, the command and the actor.

pub mod command;
pub mod event;
pub mod fields;
pub mod notify;
pub mod policy;
pub mod transition;

#[cfg(test)]
mod table_tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::DomainError;

pub use command::Command;
pub use event::{EventData, EventType, NewEvent};
pub use transition::{apply, Transition};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let allowed: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    DomainError::field($field, "invalid_value", format!("必须是 {} 之一", allowed.join("、")))
                })
            }
        }
    };
}

text_enum!(
    /// 随手拍 / 微心愿 / 帮办代办
    Kind, "kind" { Issue => "issue", Wish => "wish", Errand => "errand" }
);

text_enum!(
    Status, "status" {
        Submitted => "submitted",
        Dispatched => "dispatched",
        Accepted => "accepted",
        OnSite => "on_site",
        Resolved => "resolved",
        Rated => "rated",
        Closed => "closed",
        Cancelled => "cancelled",
        Declined => "declined",
    }
);

text_enum!(
    /// How the order reached us.
    Channel, "channel" { Poster => "poster", Snap => "snap", Hotline => "hotline", Patrol => "patrol", Open311 => "open311" }
);

text_enum!(
    /// Who must respond: the community, the street, or a city department (吹哨报到).
    Level, "level" { Community => "community", Street => "street", Department => "department" }
);

text_enum!(
    /// What an order can be dispatched to.
    TargetType, "target.type" {
        PartyMember => "party_member",
        GridWorker => "grid_worker",
        Organization => "organization",
        Team => "team",
        Department => "department",
        Pool => "pool",
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

/// Which clock an order has run out of at `now`, if any: not accepted by its
/// response time, or still open at its resolve time.
pub fn overdue_clock<T: PartialOrd>(
    status: Status,
    response_due: &T,
    resolve_due: &T,
    now: &T,
) -> Option<&'static str> {
    if status.awaits_response() && response_due <= now {
        Some("response")
    } else if status.is_open() && resolve_due <= now {
        Some("resolve")
    } else {
        None
    }
}

/// The part of a stored order the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderState {
    pub status: Status,
    pub reporter_id: Uuid,
    /// Materialised path of the order's building (`/street/community/grid/building/`).
    pub path: String,
    pub level: Level,
    pub assignee: Option<Target>,
    /// The person who accepted or grabbed it.
    pub handler_id: Option<Uuid>,
}

impl OrderState {
    pub fn submitted(reporter_id: Uuid, path: String) -> OrderState {
        OrderState {
            status: Status::Submitted,
            reporter_id,
            path,
            level: Level::Community,
            assignee: None,
            handler_id: None,
        }
    }
}
