//! Webhooks admins register: where to POST which notifications, signed with a
//! shared secret. The signature rule lives here so receivers' docs and the
//! sender agree: HMAC-SHA256 over `"{timestamp}.{body}"`.

use crate::error::Problems;
use crate::{DomainError, FieldError};

/// A checked registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDraft {
    pub url: String,
    pub templates: Vec<String>,
    pub secret: String,
}

impl WebhookDraft {
    /// The URL must be http(s) with a host; at least one known template, no repeats;
    /// a secret of 16–128 visible ASCII characters.
    pub fn parse(url: &str, templates: &[String], secret: &str) -> Result<WebhookDraft, DomainError> {
        let mut p = Problems::new();
        let url = url.trim();
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default()).unwrap_or_default();
        if host.is_empty() || url.len() > 500 || !crate::text::is_clean(url) || url.contains(char::is_whitespace) {
            p.push(FieldError::new("url", "invalid_url", "请填写 http:// 或 https:// 开头的地址"));
        }
        let mut seen = std::collections::HashSet::new();
        for t in templates {
            if crate::order::notify::Template::parse(t).is_none() {
                p.push(FieldError::new("events", "invalid_value", format!("未知的通知类型 {t}")));
            } else if !seen.insert(t.as_str()) {
                p.push(FieldError::new("events", "duplicate", "通知类型不能重复"));
            }
        }
        if templates.is_empty() {
            p.push(FieldError::new("events", "required", "至少订阅一种通知"));
        }
        if !(16..=128).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            p.push(FieldError::new("secret", "invalid_secret", "密钥为 16–128 个可见 ASCII 字符"));
        }
        p.finish()?;
        Ok(WebhookDraft { url: url.to_owned(), templates: templates.to_vec(), secret: secret.to_owned() })
    }
}

/// What is signed: the timestamp (Unix seconds), a dot, and the raw body.
pub fn signed_content(timestamp: i64, body: &str) -> String {
    format!("{timestamp}.{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_checked_field_by_field() {
        let ok = |url: &str| WebhookDraft::parse(url, &["order.submitted".into()], "0123456789abcdef").is_ok();
        for (url, valid) in [
            ("https://example.org/hook", true),
            ("http://127.0.0.1:9000/x?y=1", true),
            ("ftp://example.org", false),
            ("https://", false),
            ("https://exa mple.org", false),
            ("https://a\u{0}b", false),
            ("example.org", false),
        ] {
            assert_eq!(ok(url), valid, "{url}");
        }
        let Err(DomainError::Validation(errors)) = WebhookDraft::parse("nope", &["order.nope".into()], "short") else {
            panic!("expected validation errors")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "events", "secret"]);
        assert!(WebhookDraft::parse("https://a.b", &[], "0123456789abcdef").is_err());
        assert_eq!(signed_content(1700000000, "{}"), "1700000000.{}");
    }
}
