//! Rate limits: the generic cell rate algorithm (GCRA), one quota per rule.
//!
//! A quota of `burst` per `period` lets `burst` requests through at once and
//! then one every `period / burst`. The whole state of a key is one number,
//! its theoretical arrival time (TAT); the store (Redis across nodes, a map
//! in one process) only keeps it and swaps it atomically. What passes and
//! what waits, and for how long, is decided here alone.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// `burst` requests per `period`, refilled evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub burst: u32,
    pub period: Duration,
}

impl Quota {
    /// The gap between two requests once the burst is spent, in milliseconds (at least 1).
    pub fn interval_ms(&self) -> i64 {
        let period = i64::try_from(self.period.as_millis()).unwrap_or(i64::MAX);
        (period / i64::from(self.burst.max(1))).max(1)
    }

    fn tolerance_ms(&self) -> i64 {
        self.interval_ms().saturating_mul(i64::from(self.burst.max(1)))
    }
}

/// What one request (or one peek) meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let it through; store `tat` for the key, for `ttl_ms` (after that the key is as new).
    Allow { tat: i64, ttl_ms: i64 },
    /// Refuse it; it would pass in `retry_after_ms`. Nothing is stored.
    Deny { retry_after_ms: i64 },
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        matches!(self, Verdict::Allow { .. })
    }

    /// Whole seconds a client should wait (`Retry-After`), at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        match *self {
            Verdict::Allow { .. } => 0,
            Verdict::Deny { retry_after_ms } => u64::try_from((retry_after_ms + 999) / 1000).unwrap_or(1).max(1),
        }
    }
}

/// One request at `now_ms` against a key whose stored TAT is `tat` (none: never seen or expired).
pub fn check(quota: Quota, tat: Option<i64>, now_ms: i64) -> Verdict {
    let interval = quota.interval_ms();
    let next = tat.unwrap_or(now_ms).max(now_ms).saturating_add(interval);
    let over = next - now_ms - quota.tolerance_ms();
    if over > 0 {
        Verdict::Deny { retry_after_ms: over }
    } else {
        Verdict::Allow { tat: next, ttl_ms: next - now_ms }
    }
}

/// A rule's quota as configuration writes it: `5/300s`, `20/1m`, `100/1h`, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting(pub Option<Quota>);

impl FromStr for Setting {
    type Err = String;

    fn from_str(raw: &str) -> Result<Setting, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("off") {
            return Ok(Setting(None));
        }
        let bad = || format!("{raw:?} is not a quota like 5/300s, 20/1m, 100/1h or off");
        let (burst, period) = raw.split_once('/').ok_or_else(bad)?;
        let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let split = period.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (count, unit) = period.split_at(split);
        let count: u64 = count.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "s" => count,
            "m" => count.saturating_mul(60),
            "h" => count.saturating_mul(3600),
            _ => return Err(bad()),
        };
        if burst == 0 || seconds == 0 || seconds > 86_400 {
            return Err(bad());
        }
        Ok(Setting(Some(Quota { burst, period: Duration::from_secs(seconds) })))
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(q) => write!(f, "{}/{}s", q.burst, q.period.as_secs()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(burst: u32, secs: u64) -> Quota {
        Quota { burst, period: Duration::from_secs(secs) }
    }

    /// Runs requests at the given times (ms) and tells which passed.
    fn run(q: Quota, times: &[i64]) -> Vec<bool> {
        let mut tat = None;
        times
            .iter()
            .map(|&now| match check(q, tat, now) {
                Verdict::Allow { tat: next, .. } => {
                    tat = Some(next);
                    true
                }
                Verdict::Deny { .. } => false,
            })
            .collect()
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let five_per_5s = quota(5, 5);
        let table: &[(&[i64], &[bool])] = &[
            // five at once pass, the sixth waits
            (&[0, 0, 0, 0, 0, 0], &[true, true, true, true, true, false]),
            // after a spent burst, one more per second
            (&[0, 0, 0, 0, 0, 999, 1000, 1000], &[true, true, true, true, true, false, true, false]),
            // spaced at the interval, never refused
            (&[0, 1000, 2000, 3000, 4000, 5000, 6000, 7000], &[true; 8]),
            // a quiet period refills the whole burst, and no more than it
            (
                &[0, 0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000],
                &[true, true, true, true, true, true, true, true, true, true, false],
            ),
            // refusals do not push the time back (nothing stored when denied)
            (&[0, 0, 0, 0, 0, 1, 2, 3, 1000], &[true, true, true, true, true, false, false, false, true]),
        ];
        for (times, want) in table {
            assert_eq!(run(five_per_5s, times), *want, "times {times:?}");
        }
    }

    #[test]
    fn retry_after_is_the_wait_until_it_would_pass() {
        let q = quota(5, 300); // one a minute after five
        let mut tat = None;
        for _ in 0..5 {
            match check(q, tat, 0) {
                Verdict::Allow { tat: t, ttl_ms } => {
                    assert!(ttl_ms <= 300_000);
                    tat = Some(t);
                }
                Verdict::Deny { .. } => panic!("within the burst"),
            }
        }
        let denied = check(q, tat, 10_000);
        assert_eq!(denied, Verdict::Deny { retry_after_ms: 50_000 });
        assert_eq!(denied.retry_after_secs(), 50);
        assert!(check(q, tat, 60_000).allowed(), "allowed exactly when Retry-After says");
        assert_eq!(Verdict::Deny { retry_after_ms: 1 }.retry_after_secs(), 1, "never 0");
    }

    #[test]
    fn the_ttl_is_when_the_key_is_as_new() {
        // stored for exactly as long as it matters: after ttl the burst is whole again
        let q = quota(3, 3);
        let Verdict::Allow { tat, ttl_ms } = check(q, None, 500) else { panic!() };
        assert_eq!((tat, ttl_ms), (1500, 1000));
        let Verdict::Allow { tat, ttl_ms } = check(q, Some(tat), 500) else { panic!() };
        assert_eq!((tat, ttl_ms), (2500, 2000));
        assert_eq!(run(q, &[0, 0, 0, 3000, 3000, 3000]), [true; 6]);
    }

    #[test]
    fn settings_parse_and_print() {
        let table: &[(&str, Option<(u32, u64)>)] = &[
            ("5/300s", Some((5, 300))),
            (" 20/1m ", Some((20, 60))),
            ("100/1h", Some((100, 3600))),
            ("off", None),
            ("OFF", None),
        ];
        for (raw, want) in table {
            let got: Setting = raw.parse().unwrap();
            assert_eq!(got.0.map(|q| (q.burst, q.period.as_secs())), *want, "{raw}");
            assert_eq!(got.to_string().parse::<Setting>().unwrap(), got, "round trip of {raw}");
        }
        for bad in ["", "5", "5/", "/60s", "0/60s", "5/0s", "5/60", "5/60d", "-1/60s", "5/2d", "x/1m", "5/1m1s"] {
            assert!(bad.parse::<Setting>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn tiny_periods_still_refill() {
        // a burst larger than the period in ms keeps an interval of 1 ms
        let q = Quota { burst: 5000, period: Duration::from_secs(1) };
        assert_eq!(q.interval_ms(), 1);
        assert!(check(q, Some(9_999), 5_000).allowed());
        assert!(!check(q, Some(10_000), 5_000).allowed());
    }
}
