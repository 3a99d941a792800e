use uuid::Uuid;

use super::fields::{Rating, Reason};
use super::Target;

/// What someone asks to do to an order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Dispatch { target: Target },
    Accept,
    Grab,
    Reject { reason: Reason },
    Arrive { lat: Option<f64>, lng: Option<f64> },
    Resolve { feedback: String, photos: Vec<Uuid> },
    Rate(Rating),
    ReturnVisit { satisfied: bool, note: String },
    Escalate { reason: Reason },
    Decline { reason: Reason, duplicate_of: Option<Uuid> },
    Cancel { reason: Reason },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Dispatch { .. } => "dispatch",
            Command::Accept => "accept",
            Command::Grab => "grab",
            Command::Reject { .. } => "reject",
            Command::Arrive { .. } => "arrive",
            Command::Resolve { .. } => "resolve",
            Command::Rate(_) => "rate",
            Command::ReturnVisit { .. } => "return_visit",
            Command::Escalate { .. } => "escalate",
            Command::Decline { .. } => "decline",
            Command::Cancel { .. } => "cancel",
        }
    }
}
