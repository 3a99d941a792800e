//! Contact details: mainland mobile numbers and their masking.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A mainland China mobile number: 11 digits starting with 1[3-9].
/// Accepts `+86`/`86` prefixes, spaces and dashes, and stores the bare 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| if digits.len() == 13 { digits.strip_prefix("86") } else { None })
            .unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid {
            Ok(Phone(digits.to_owned()))
        } else {
            Err(DomainError::field("phone", "invalid_phone", "请输入有效的 11 位手机号码"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: for viewers who have no need to call.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl TryFrom<String> for Phone {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        for raw in ["13812341234", "+86 138 1234 1234", "86-138-1234-1234", "138-1234-1234"] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "13812341234", "{raw}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_mobile() {
        for raw in ["", "12812341234", "1381234123", "138123412345", "0771-1234567", "1381234123a"] {
            assert!(Phone::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn masks_the_middle_four() {
        assert_eq!(Phone::parse("13812341234").unwrap().masked(), "138****1234");
    }
}
