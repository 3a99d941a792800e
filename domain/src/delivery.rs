//! Delivering notifications: when to try again after a failure, when to give
//! up, and how long a claim on a row lasts. Pure; the dispatcher in infra
//! applies it.

use chrono::{DateTime, Duration, Utc};

use crate::DomainError;

crate::text_enum! {
    /// Where a notification can go.
    NotifyChannel, "channel", "invalid_channel" {
        Inbox => "inbox" / "站内信",
        Wechat => "wechat" / "微信订阅消息",
        Wecom => "wecom" / "企业微信群",
        Webhook => "webhook" / "回调地址",
    }
}

crate::text_enum! {
    /// Where a notification stands, as a whole or on one channel.
    DeliveryStatus, "status", "invalid_status" {
        /// Not tried yet.
        Pending => "pending" / "待发送",
        /// A dispatcher holds it right now.
        Sending => "sending" / "发送中",
        /// Tried and failed; it will be tried again (`next_attempt_at`).
        Failed => "failed" / "待重试",
        Sent => "sent" / "已送达",
        /// Given up after `MAX_ATTEMPTS`; an admin may retry it.
        Dead => "dead" / "已放弃",
    }
}

impl DeliveryStatus {
    /// The status of an outbox row: stored `pending` with attempts behind it is `failed`.
    pub fn of_row(stored: &str, attempts: i32) -> Option<DeliveryStatus> {
        match (stored.parse().ok()?, attempts) {
            (DeliveryStatus::Pending, n) if n > 0 => Some(DeliveryStatus::Failed),
            (status, _) => Some(status),
        }
    }
}

/// An admin's retry of a notification: only a dead one goes back to the queue
/// (one still pending retries by itself; a sent one is not sent twice).
pub fn check_retry(status: DeliveryStatus) -> Result<(), DomainError> {
    match status {
        DeliveryStatus::Dead => Ok(()),
        other => Err(DomainError::conflict(
            "delivery.not_dead",
            format!("只有已放弃的通知可以重发，这条是「{}」", other.label()),
        )),
    }
}

/// After this many failed attempts a notification is dead (kept, listed, retried by hand).
pub const MAX_ATTEMPTS: i32 = 8;

/// A dispatcher that claimed a row and vanished (killed mid-send) loses it after this.
pub fn claim_lease() -> Duration {
    Duration::minutes(5)
}

/// What becomes of a notification whose delivery just failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Give up: the dead letter.
    Dead,
}

/// Exponential backoff with jitter: 10 s, 20 s, 40 s … capped at one hour, each
/// spread by ±20 % (`jitter` in 0..=1) so that failures do not retry in lockstep.
pub fn after_failure(attempts_made: i32, now: DateTime<Utc>, jitter: f64) -> AfterFailure {
    if attempts_made >= MAX_ATTEMPTS {
        return AfterFailure::Dead;
    }
    let exponent = u32::try_from(attempts_made.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    let base = (10_i64.saturating_mul(1_i64 << exponent)).min(3600);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    // Seconds, rounded to milliseconds: exact enough for a retry.
    let millis = (base as f64 * spread * 1000.0).round() as i64;
    AfterFailure::RetryAt(now + Duration::milliseconds(millis))
}

/// The title a person sees for a notification, by its stored template.
pub fn title(template: &str) -> &'static str {
    crate::order::notify::Template::parse(template).map_or("工单动态", |t| t.title())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_spreads_caps_and_gives_up() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let at = |attempts, jitter| match after_failure(attempts, now, jitter) {
            AfterFailure::RetryAt(t) => Some((t - now).num_milliseconds()),
            AfterFailure::Dead => None,
        };
        // (attempts made, jitter) → delay in ms, or dead
        let table = [
            (1, 0.5, Some(10_000)),
            (2, 0.5, Some(20_000)),
            (3, 0.5, Some(40_000)),
            (1, 0.0, Some(8_000)),
            (1, 1.0, Some(12_000)),
            (7, 0.5, Some(640_000)),
            (0, 0.5, Some(10_000)),
            (1, 7.0, Some(12_000)),
            (MAX_ATTEMPTS, 0.5, None),
            (MAX_ATTEMPTS + 3, 0.5, None),
        ];
        for (attempts, jitter, want) in table {
            assert_eq!(at(attempts, jitter), want, "attempts {attempts}, jitter {jitter}");
        }
        // The cap holds however long it went on.
        assert!(
            matches!(after_failure(MAX_ATTEMPTS - 1, now, 1.0), AfterFailure::RetryAt(t) if t - now <= Duration::seconds(4320))
        );
    }

    #[test]
    fn row_status_and_who_may_be_retried() {
        // (stored status, attempts) → status shown, may an admin retry it
        let table = [
            ("pending", 0, Some(DeliveryStatus::Pending), false),
            ("pending", 3, Some(DeliveryStatus::Failed), false),
            ("sending", 2, Some(DeliveryStatus::Sending), false),
            ("sent", 1, Some(DeliveryStatus::Sent), false),
            ("dead", 8, Some(DeliveryStatus::Dead), true),
            ("bogus", 0, None, false),
        ];
        for (stored, attempts, want, retry) in table {
            let got = DeliveryStatus::of_row(stored, attempts);
            assert_eq!(got, want, "{stored}/{attempts}");
            assert_eq!(got.is_some_and(|s| check_retry(s).is_ok()), retry, "{stored}/{attempts}");
        }
        assert!(matches!(
            check_retry(DeliveryStatus::Sent),
            Err(DomainError::Conflict { code: "delivery.not_dead", .. })
        ));
    }

    #[test]
    fn unknown_templates_get_a_general_title() {
        assert_eq!(title("order.submitted"), "有新的工单待派单");
        assert_eq!(title("something.else"), "工单动态");
    }
}
