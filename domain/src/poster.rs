//! Posters: the QR code in a stairwell. The code is the WeChat `scene` of an
//! unlimited mini-program code, so it obeys that field's limits.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A QR poster bound to a building; revoked posters scan as 410.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    pub code: String,
    pub building_id: uuid::Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// WeChat allows `0-9A-Za-z!#$&'()*+,/:;=?@-._~` in a `scene`; we keep the
/// URL-unreserved subset so a code is safe as a path segment without escaping.
const ALLOWED_PUNCTUATION: &[u8] = b"-._~";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PosterCode(String);

impl PosterCode {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.contains(&b));
        if ok {
            Ok(PosterCode(raw.to_owned()))
        } else {
            Err(DomainError::field("code", "invalid_poster_code", "码牌编码为 1–32 个字母、数字或 - . _ ~"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PosterCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PosterCode::parse(&value)
    }
}

impl From<PosterCode> for String {
    fn from(value: PosterCode) -> Self {
        value.0
    }
}

impl fmt::Display for PosterCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_wechat_scene_characters() {
        assert!(PosterCode::parse("dd-hean").is_ok());
        assert!(PosterCode::parse("A.b_c~1").is_ok());
        assert!(PosterCode::parse(&"x".repeat(32)).is_ok());
    }

    #[test]
    fn rejects_what_wechat_rejects() {
        for raw in ["", "和安楼", "a%20b", "a b", "a/b", "a?b", "a#b", &"x".repeat(33)] {
            assert!(PosterCode::parse(raw).is_err(), "{raw}");
        }
    }
}
