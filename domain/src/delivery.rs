//! Delivering notifications: when to try again after a failure, when to give
//! up, and how long a claim on a row lasts. Pure; the dispatcher in infra
//! applies it.

use chrono::{DateTime, Duration, Utc};

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
    fn unknown_templates_get_a_general_title() {
        assert_eq!(title("order.submitted"), "有新的工单待派单");
        assert_eq!(title("something.else"), "工单动态");
    }
}
