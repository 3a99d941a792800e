//! Content checks (内容安全): what residents write (a report's description, a
//! resolution's feedback, a rating's comment) and the photos they upload go
//! through WeChat's checks when it is configured. Risky text is refused at
//! once; text WeChat wants reviewed is taken and flagged for staff; text
//! that could not be checked (WeChat down) is taken and checked later:
//! a check never blocks a report.

use crate::order::Command;
use crate::{DomainError, FieldError};

crate::text_enum! {
    /// Where a check of one text or photo stands.
    CheckStatus, "moderation", "invalid_moderation" {
        /// Not checked yet (WeChat was unavailable, or an image verdict is awaited).
        Pending => "pending" / "待检测",
        Pass => "pass" / "正常",
        /// WeChat suggests a person looks at it.
        Review => "review" / "待人工审核",
        Risky => "risky" / "违规",
        /// Staff looked and let it stand.
        Cleared => "cleared" / "已审核通过",
    }
}

impl CheckStatus {
    /// From `result.suggest` of msg_sec_check v2 or a media check's verdict.
    pub fn of_suggest(suggest: &str) -> Option<CheckStatus> {
        match suggest {
            "pass" => Some(CheckStatus::Pass),
            "review" => Some(CheckStatus::Review),
            "risky" => Some(CheckStatus::Risky),
            _ => None,
        }
    }

    /// Does it need a person to look?
    pub fn flags(self) -> bool {
        matches!(self, CheckStatus::Review | CheckStatus::Risky)
    }
}

/// `msg_sec_check` scenes: 2 comment, 3 forum post.
pub const SCENE_COMMENT: u8 = 2;
pub const SCENE_POST: u8 = 3;

/// A text to check: the field it came in, WeChat's scene, and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub field: &'static str,
    pub scene: u8,
    pub content: String,
}

/// The texts a command carries that residents or handlers wrote freely.
pub fn texts_of(command: &Command) -> Vec<Text> {
    let text = |field, scene, content: &str| Text { field, scene, content: content.to_owned() };
    match command {
        Command::Resolve { feedback, .. } => vec![text("feedback", SCENE_POST, feedback)],
        Command::Rate(r) if !r.comment.trim().is_empty() => vec![text("comment", SCENE_COMMENT, &r.comment)],
        _ => vec![],
    }
    .into_iter()
    .filter(|t| !t.content.trim().is_empty())
    .collect()
}

/// What one text's check says about the request: refused, or taken with
/// what to record (nothing for a pass).
#[derive(Debug)]
pub enum Decision {
    Refuse(DomainError),
    Take(Option<CheckStatus>),
}

/// `verdict` is WeChat's suggestion, or `None` when WeChat could not be asked.
pub fn decide(field: &'static str, verdict: Option<CheckStatus>) -> Decision {
    match verdict {
        Some(CheckStatus::Risky) => Decision::Refuse(DomainError::Unprocessable {
            code: "content.risky",
            errors: vec![FieldError::new(field, "risky", "内容含有违规信息，请修改后再提交")],
        }),
        Some(CheckStatus::Pass) | Some(CheckStatus::Cleared) => Decision::Take(None),
        Some(status) => Decision::Take(Some(status)),
        None => Decision::Take(Some(CheckStatus::Pending)),
    }
}

/// What an order shows of its checks: the worst status that wants attention
/// (risky over review over pending); none when all passed or were cleared.
pub fn flag_of(statuses: &[CheckStatus]) -> Option<CheckStatus> {
    [CheckStatus::Risky, CheckStatus::Review, CheckStatus::Pending].into_iter().find(|s| statuses.contains(s))
}

/// Minutes before checking a pending text again: 1, 2, 4 … capped at an hour.
pub fn retry_after_minutes(attempts: u32) -> i64 {
    1i64 << attempts.min(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::fields::Rating;

    #[test]
    fn risky_is_refused_review_and_unchecked_are_taken_and_recorded() {
        let table = [
            (Some(CheckStatus::Pass), Decision::Take(None)),
            (Some(CheckStatus::Review), Decision::Take(Some(CheckStatus::Review))),
            (None, Decision::Take(Some(CheckStatus::Pending))),
        ];
        for (verdict, want) in table {
            let got = decide("description", verdict);
            assert!(matches!((&got, &want), (Decision::Take(a), Decision::Take(b)) if a == b), "{verdict:?}: {got:?}");
        }
        let Decision::Refuse(DomainError::Unprocessable { code, errors }) =
            decide("description", Some(CheckStatus::Risky))
        else {
            panic!("risky must be refused")
        };
        assert_eq!((code, errors[0].field.as_str()), ("content.risky", "description"));
    }

    #[test]
    fn the_flag_is_the_status_that_wants_the_most_attention() {
        use CheckStatus::*;
        let table: &[(&[CheckStatus], Option<CheckStatus>)] = &[
            (&[], None),
            (&[Pass, Cleared], None),
            (&[Pending, Pass], Some(Pending)),
            (&[Pending, Review], Some(Review)),
            (&[Review, Risky, Pending], Some(Risky)),
        ];
        for (statuses, want) in table {
            assert_eq!(flag_of(statuses), *want, "{statuses:?}");
        }
        assert_eq!(CheckStatus::of_suggest("risky"), Some(Risky));
        assert_eq!(CheckStatus::of_suggest("other"), None);
    }

    #[test]
    fn commands_carry_their_free_texts() {
        let rate = |comment: &str| {
            Command::Rate(Rating { completion: 5, progress: 5, effect: 5, satisfaction: 5, comment: comment.into() })
        };
        assert_eq!(texts_of(&rate("")).len(), 0);
        assert_eq!(texts_of(&rate("很好")).first().map(|t| (t.field, t.scene)), Some(("comment", SCENE_COMMENT)));
        let resolve = Command::Resolve { feedback: "已疏通".into(), photos: vec![] };
        assert_eq!(texts_of(&resolve).first().map(|t| t.field), Some("feedback"));
        assert!(texts_of(&Command::Accept).is_empty());
        assert_eq!(retry_after_minutes(0), 1);
        assert_eq!(retry_after_minutes(20), 64);
    }
}
