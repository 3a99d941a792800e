//! The validated fields of order commands.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contact::Phone;
use crate::error::Problems;
use crate::{text, DomainError, FieldError};

pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_PHOTOS: usize = 9;

/// A short free-text reason (reject, escalate, decline, cancel): 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason(pub String);

impl Reason {
    pub fn parse(raw: &str) -> Result<Reason, DomainError> {
        text::bounded("reason", raw, 1, 200).map(Reason)
    }
}

/// Up to nine photo ids, no repeats.
pub fn parse_photos(field: &str, photos: &[Uuid]) -> Result<Vec<Uuid>, DomainError> {
    if photos.len() > MAX_PHOTOS {
        return Err(DomainError::field(field, "too_many", format!("最多 {MAX_PHOTOS} 张照片")));
    }
    let mut seen = std::collections::HashSet::new();
    if !photos.iter().all(|p| seen.insert(*p)) {
        return Err(DomainError::field(field, "duplicate", "照片不能重复"));
    }
    Ok(photos.to_vec())
}

/// Latitude and longitude, both or neither.
pub fn parse_point(lat: Option<f64>, lng: Option<f64>) -> Result<Option<(f64, f64)>, DomainError> {
    match (lat, lng) {
        (None, None) => Ok(None),
        (Some(lat), Some(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => {
            Ok(Some((lat, lng)))
        }
        (Some(_), Some(_)) => Err(DomainError::field("location", "out_of_range", "经纬度超出范围")),
        _ => Err(DomainError::field("location", "incomplete", "经度和纬度需同时提供")),
    }
}

/// The four dimensions of 评单, each 1–5, and a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 完成是否到位
    pub completion: u8,
    /// 推进是否有力
    pub progress: u8,
    /// 成效是否明显
    pub effect: u8,
    /// 群众是否满意
    pub satisfaction: u8,
    pub comment: String,
}

impl Rating {
    /// At or below this satisfaction the order is reopened.
    pub const REOPEN_AT_OR_BELOW: u8 = 2;

    pub fn parse(
        completion: i64,
        progress: i64,
        effect: i64,
        satisfaction: i64,
        comment: &str,
    ) -> Result<Rating, DomainError> {
        let mut problems = Problems::new();
        let mut score = |field: &str, v: i64| -> u8 {
            match u8::try_from(v) {
                Ok(s @ 1..=5) => s,
                _ => {
                    problems.push(FieldError::new(field, "out_of_range", "评分为 1–5 分"));
                    0
                }
            }
        };
        let rating = Rating {
            completion: score("completion", completion),
            progress: score("progress", progress),
            effect: score("effect", effect),
            satisfaction: score("satisfaction", satisfaction),
            comment: String::new(),
        };
        let comment = problems.take(text::bounded("comment", comment, 0, MAX_DESCRIPTION));
        problems.finish()?;
        Ok(Rating { comment: comment.unwrap_or_default(), ..rating })
    }

    pub fn unsatisfied(&self) -> bool {
        self.satisfaction <= Self::REOPEN_AT_OR_BELOW
    }
}

/// Who to call back: a name and a mainland mobile, until they are erased
/// (the reporter deleted their account, or the retention period ran out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    /// `None` once erased: nobody can call any more.
    pub phone: Option<Phone>,
}

impl Contact {
    /// What is left of a contact after erasure.
    pub fn erased() -> Contact {
        Contact { name: crate::privacy::ERASED_NAME.to_owned(), phone: None }
    }

    pub fn is_erased(&self) -> bool {
        self.phone.is_none()
    }

    /// As stored: an empty phone is an erased contact.
    pub fn from_stored(name: &str, phone: &str) -> Result<Contact, DomainError> {
        if phone.is_empty() {
            return Ok(Contact::erased());
        }
        Contact::parse(name, phone)
    }

    pub fn parse(name: &str, phone: &str) -> Result<Contact, DomainError> {
        let mut problems = Problems::new();
        let name = problems.take(text::bounded("contact.name", name, 1, 20));
        let phone = problems.take(
            Phone::parse(phone)
                .map_err(|_| DomainError::field("contact.phone", "invalid_phone", "请输入有效的 11 位手机号码")),
        );
        problems.finish()?;
        match (name, phone) {
            (Some(name), Some(phone)) => Ok(Contact { name, phone: Some(phone) }),
            _ => Err(DomainError::field("contact", "invalid", "联系人信息有误")),
        }
    }
}

/// The contact as the form gave it: the phone may be left out, and then the
/// number WeChat verified for the reporter is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDraft {
    pub name: String,
    pub phone: Option<Phone>,
}

impl ContactDraft {
    pub fn parse(name: &str, phone: Option<&str>) -> Result<ContactDraft, DomainError> {
        match phone {
            Some(p) => Contact::parse(name, p).map(|c| ContactDraft { name: c.name, phone: c.phone }),
            None => Ok(ContactDraft { name: text::bounded("contact.name", name, 1, 20)?, phone: None }),
        }
    }

    /// The phone given wins; without one, the verified number; without that, 422.
    pub fn complete(self, verified: Option<&str>) -> Result<Contact, DomainError> {
        let phone = match (self.phone, verified.map(Phone::parse)) {
            (Some(given), _) => given,
            (None, Some(Ok(verified))) => verified,
            (None, _) => {
                return Err(DomainError::field(
                    "contact.phone",
                    "required",
                    "请填写手机号，或先通过微信授权手机号（POST /api/v1/me/phone）",
                ))
            }
        };
        Ok(Contact { name: self.name, phone: Some(phone) })
    }
}

/// A window like `30m`, `2h` or `1d` (1 minute to 7 days): for orders about to fall due.
pub fn parse_window(field: &str, raw: &str) -> Result<chrono::Duration, DomainError> {
    let bad = || DomainError::field(field, "invalid_window", "时间窗口如 30m、2h、1d（1 分钟到 7 天）");
    let raw = raw.trim();
    // The unit is the last character, whatever its width (a byte split panics on `1¡`).
    let unit = raw.chars().next_back().ok_or_else(bad)?;
    let n: i64 = raw[..raw.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let minutes = match unit {
        'm' => n,
        'h' => n.checked_mul(60).ok_or_else(bad)?,
        'd' => n.checked_mul(24 * 60).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if (1..=7 * 24 * 60).contains(&minutes) {
        Ok(chrono::Duration::minutes(minutes))
    } else {
        Err(bad())
    }
}

pub fn parse_description(raw: &str) -> Result<String, DomainError> {
    text::bounded("description", raw, 1, MAX_DESCRIPTION)
}

pub fn parse_feedback(raw: &str) -> Result<String, DomainError> {
    text::bounded("feedback", raw, 1, MAX_DESCRIPTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_minutes_hours_or_days_up_to_a_week() {
        let table = [
            ("30m", Some(30)),
            ("2h", Some(120)),
            ("1d", Some(1440)),
            ("7d", Some(10080)),
            ("8d", None),
            ("0m", None),
            ("-5m", None),
            ("30", None),
            ("m", None),
            ("", None),
            ("1.5h", None),
            ("99999999999999999d", None),
            // Not ASCII: refused, never a slice through a character (schemathesis found `¡`).
            ("¡", None),
            ("1¡", None),
            ("Q\u{933cb}Û", None),
            ("3０m", None),
        ];
        for (raw, want) in table {
            assert_eq!(parse_window("due_within", raw).ok().map(|d| d.num_minutes()), want, "{raw}");
        }
    }

    #[test]
    fn a_left_out_phone_is_the_verified_one() {
        // (given, verified, the phone used, or the error's field code)
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Result<&'a str, &'a str>);
        let table: &[Case] = &[
            (Some("13812341234"), None, Ok("13812341234")),
            (Some("13812341234"), Some("13900001111"), Ok("13812341234")),
            (None, Some("13900001111"), Ok("13900001111")),
            (None, None, Err("required")),
            (None, Some("12345"), Err("required")),
            (Some("12345"), Some("13900001111"), Err("invalid_phone")),
        ];
        for (given, verified, want) in table {
            let got = ContactDraft::parse("王阿姨", *given).and_then(|d| d.complete(*verified));
            match (got, want) {
                (Ok(c), Ok(phone)) => assert_eq!(c.phone.unwrap().as_str(), *phone),
                (Err(DomainError::Validation(errors)), Err(code)) => assert_eq!(errors[0].code, *code, "{given:?}"),
                (other, _) => panic!("{given:?} {verified:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert!(Rating::parse(5, 4, 3, 1, "").unwrap().unsatisfied());
        assert!(!Rating::parse(5, 4, 3, 3, "好").unwrap().unsatisfied());
        let DomainError::Validation(errors) = Rating::parse(0, 6, 3, -1, "").unwrap_err() else { panic!() };
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn photos_and_points() {
        let ids: Vec<Uuid> = (0..10).map(|_| Uuid::now_v7()).collect();
        assert!(parse_photos("photos", &ids[..9]).is_ok());
        assert!(parse_photos("photos", &ids).is_err());
        assert!(parse_photos("photos", &[ids[0], ids[0]]).is_err());
        assert!(parse_point(Some(24.4), Some(111.5)).unwrap().is_some());
        assert!(parse_point(Some(24.4), None).is_err());
        assert!(parse_point(Some(95.0), Some(0.0)).is_err());
    }

    #[test]
    fn contacts() {
        assert_eq!(Contact::parse(" 王阿姨 ", "13812341234").unwrap().name, "王阿姨");
        let DomainError::Validation(errors) = Contact::parse("", "123").unwrap_err() else { panic!() };
        assert_eq!(errors.len(), 2);
    }
}
