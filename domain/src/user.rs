//! Accounts: staff usernames and passwords, display names.

use crate::{text, DomainError};

/// Minimum length of a password set through the API or the CLI. The demo
/// fixtures use shorter ones; `MSB_ENV=prod` refuses to start while any remain.
pub const MIN_PASSWORD_LEN: usize = 8;

/// 3–32 characters: lowercase ASCII letters, digits, `.`, `_`, `-`.
pub fn parse_username(raw: &str) -> Result<String, DomainError> {
    let value = raw.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(value)
    } else {
        Err(DomainError::field("username", "invalid_username", "用户名为 3–32 个小写字母、数字或 . _ -"))
    }
}

pub fn check_new_password(raw: &str) -> Result<(), DomainError> {
    let len = raw.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DomainError::field("password", "too_short", format!("密码至少需要 {MIN_PASSWORD_LEN} 个字符")));
    }
    if len > 128 {
        return Err(DomainError::field("password", "too_long", "密码不能超过 128 个字符"));
    }
    Ok(())
}

pub fn parse_display_name(raw: &str) -> Result<String, DomainError> {
    text::bounded("display_name", raw, 1, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(parse_username(" Admin ").unwrap(), "admin");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("张三").is_err());
        assert!(parse_username("a b c").is_err());
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough").is_ok());
    }
}

/// A role held, with the region it covers (`None`: the whole city).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub role: crate::actor::Role,
    pub region: Option<crate::region::Region>,
}

/// An account as its owner and staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: uuid::Uuid,
    pub username: Option<String>,
    pub display_name: String,
    pub phone: Option<String>,
    /// WeChat vouched for `phone` (getPhoneNumber).
    pub phone_verified: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub grants: Vec<RoleGrant>,
}

impl Profile {
    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }
}
