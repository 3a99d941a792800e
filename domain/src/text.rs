//! Bounded, trimmed text fields.

use crate::DomainError;

/// Trims `raw` and checks its length in characters (not bytes: names are Chinese).
pub fn bounded(field: &str, raw: &str, min: usize, max: usize) -> Result<String, DomainError> {
    let value = raw.trim();
    let len = value.chars().count();
    if len < min {
        return Err(DomainError::field(
            field,
            if len == 0 { "required" } else { "too_short" },
            format!("至少需要 {min} 个字符"),
        ));
    }
    if len > max {
        return Err(DomainError::field(field, "too_long", format!("不能超过 {max} 个字符")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(DomainError::field(field, "invalid_characters", "不能包含控制字符"));
    }
    Ok(value.to_owned())
}

/// A short identifier as sent (a code, a search term, a cursor): trimmed,
/// 1 to `max` characters, no control characters. PostgreSQL refuses NUL in
/// text where SQLite stores it; refusing it here makes both answer 422.
pub fn token(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    bounded(field, raw, 1, max)
}

/// Whether text would reach storage unchanged on both backends.
pub fn is_clean(raw: &str) -> bool {
    !raw.chars().any(|c| c.is_control())
}

/// A machine code: lowercase ASCII letters, digits, `-` and `_`, 1 to 64 long.
pub fn code(field: &str, raw: &str) -> Result<String, DomainError> {
    let value = raw.trim();
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(DomainError::field(field, "invalid_code", "编码只能包含小写字母、数字、- 和 _，长度 1–64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(bounded("name", " 和安楼 ", 1, 3).unwrap(), "和安楼");
        assert!(bounded("name", "和安楼楼", 1, 3).is_err());
        assert!(bounded("name", "   ", 1, 3).is_err());
        assert!(bounded("name", "a\u{0}b", 1, 3).is_err());
        assert!(token("q", "\u{0}", 10).is_err());
        assert!(!is_clean("a\u{7f}") && is_clean("和安楼 1"));
    }

    #[test]
    fn codes_are_lowercase_ascii() {
        assert!(code("code", "dd-hean_1").is_ok());
        assert!(code("code", "DD").is_err());
        assert!(code("code", "和安").is_err());
        assert!(code("code", "").is_err());
    }
}
