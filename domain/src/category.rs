//! Categories (7 by default) and their items (26), each item with its clock:
//! minutes to respond and hours to resolve.

use uuid::Uuid;

use crate::error::Problems;
use crate::{text, DomainError, FieldError};

/// One week: no item may wait longer than this for a first response.
pub const MAX_RESPONSE_MINUTES: i32 = 7 * 24 * 60;
/// One year.
pub const MAX_RESOLVE_HOURS: i32 = 365 * 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryItem {
    pub id: Uuid,
    pub category_id: Uuid,
    pub code: String,
    pub name: String,
    pub response_minutes: i32,
    pub resolve_hours: i32,
    pub sort_order: i32,
    pub active: bool,
    /// Urgent by default (a tree on a power line, sewage on the road): orders
    /// of this item run the 15-minute response clock.
    pub urgent: bool,
}

#[cfg(test)]
impl CategoryItem {
    /// An item for rule tests: 30 minutes to answer, 24 hours to resolve.
    pub(crate) fn example(response_minutes: i32, urgent: bool) -> CategoryItem {
        CategoryItem {
            id: Uuid::nil(),
            category_id: Uuid::nil(),
            code: "x".into(),
            name: "x".into(),
            response_minutes,
            resolve_hours: 24,
            sort_order: 0,
            active: true,
            urgent,
        }
    }
}

/// The service clock of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    pub response_minutes: i32,
    pub resolve_hours: i32,
}

impl Sla {
    pub fn parse(response_minutes: i32, resolve_hours: i32) -> Result<Self, DomainError> {
        let mut problems = Problems::new();
        if !(1..=MAX_RESPONSE_MINUTES).contains(&response_minutes) {
            problems.push(FieldError::new(
                "response_minutes",
                "out_of_range",
                format!("响应时限必须在 1–{MAX_RESPONSE_MINUTES} 分钟之间"),
            ));
        }
        if !(1..=MAX_RESOLVE_HOURS).contains(&resolve_hours) {
            problems.push(FieldError::new(
                "resolve_hours",
                "out_of_range",
                format!("办结时限必须在 1–{MAX_RESOLVE_HOURS} 小时之间"),
            ));
        }
        // Resolving cannot be due before responding.
        if problems.is_empty() && i64::from(resolve_hours) * 60 < i64::from(response_minutes) {
            problems.push(FieldError::new("resolve_hours", "before_response", "办结时限不能早于响应时限"));
        }
        problems.finish()?;
        Ok(Sla { response_minutes, resolve_hours })
    }
}

pub fn parse_name(raw: &str) -> Result<String, DomainError> {
    text::bounded("name", raw, 1, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_bounds() {
        assert!(Sla::parse(15, 4).is_ok());
        assert!(Sla::parse(0, 4).is_err());
        assert!(Sla::parse(15, 0).is_err());
        assert!(Sla::parse(MAX_RESPONSE_MINUTES + 1, 24).is_err());
        assert!(Sla::parse(600, 8).is_err(), "resolve before respond");
        let DomainError::Validation(errors) = Sla::parse(0, 0).unwrap_err() else { panic!() };
        assert_eq!(errors.len(), 2);
    }
}

/// A new category's fields, every invalid one reported at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryDraft {
    pub code: String,
    pub name: String,
}

impl CategoryDraft {
    pub fn parse(code: &str, name: &str) -> Result<Self, DomainError> {
        let mut problems = Problems::new();
        let code = problems.take(text::code("code", code));
        let name = problems.take(parse_name(name));
        problems.finish()?;
        match (code, name) {
            (Some(code), Some(name)) => Ok(CategoryDraft { code, name }),
            _ => Err(DomainError::field("", "invalid", "分类信息有误")),
        }
    }
}

/// A new item's fields with its clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDraft {
    pub code: String,
    pub name: String,
    pub sla: Sla,
}

impl ItemDraft {
    pub fn parse(code: &str, name: &str, response_minutes: i32, resolve_hours: i32) -> Result<Self, DomainError> {
        let mut problems = Problems::new();
        let code = problems.take(text::code("code", code));
        let name = problems.take(parse_name(name));
        let sla = problems.take(Sla::parse(response_minutes, resolve_hours));
        problems.finish()?;
        match (code, name, sla) {
            (Some(code), Some(name), Some(sla)) => Ok(ItemDraft { code, name, sla }),
            _ => Err(DomainError::field("", "invalid", "事项信息有误")),
        }
    }
}
