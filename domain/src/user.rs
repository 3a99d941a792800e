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

/// A password someone picks: 8–128 characters. `field` names it in the error.
pub fn check_new_password(field: &str, raw: &str) -> Result<(), DomainError> {
    let len = raw.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DomainError::field(field, "too_short", format!("密码至少需要 {MIN_PASSWORD_LEN} 个字符")));
    }
    if len > 128 {
        return Err(DomainError::field(field, "too_long", "密码不能超过 128 个字符"));
    }
    Ok(())
}

/// A password change: the new one must be a good one and not the current one.
pub fn check_password_change(current: &str, new: &str) -> Result<(), DomainError> {
    check_new_password("new_password", new)?;
    if current == new {
        return Err(DomainError::field("new_password", "same_as_current", "新密码不能与当前密码相同"));
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
        assert!(check_new_password("password", "short").is_err());
        assert!(check_new_password("password", "long enough").is_ok());
        assert!(check_new_password("password", &"x".repeat(129)).is_err());
        // (current, new, the code of the refusal)
        let cases = [
            ("k7mq-3hxa-w9pe", "my own secret", None),
            ("k7mq-3hxa-w9pe", "k7mq-3hxa-w9pe", Some("same_as_current")),
            ("k7mq-3hxa-w9pe", "short", Some("too_short")),
        ];
        for (current, new, want) in cases {
            let got = check_password_change(current, new).err().map(|e| match e {
                DomainError::Validation(errors) => (errors[0].field.clone(), errors[0].code),
                other => panic!("{other:?}"),
            });
            assert_eq!(got, want.map(|code| ("new_password".to_owned(), code)), "{new}");
        }
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
    /// Disabled by an administrator: no login, refresh or call works.
    pub disabled: bool,
    /// Given a one-time password: only `POST /api/v1/me/password` works until it is changed.
    pub must_change_password: bool,
}

impl Profile {
    pub fn is_staff(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_staff())
    }
}
