//! The rate limits of the API: which requests count under which key, and the
//! 429 they meet. The arithmetic is `domain::limit`; the counts live in Redis
//! when it is configured (shared by every node), in this process otherwise.

use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use domain::limit::{Quota, Setting, Verdict};
use infra::cache::Redis;
use infra::limit::Limiter;

use crate::error::{ApiError, ApiResult};

/// Each limit's quota (`off`: none), from `MSB_RATE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `MSB_RATE_LOGIN_IP`: password logins from one address, right or wrong.
    pub login_ip: Setting,
    /// `MSB_RATE_LOGIN_FAILURES`: wrong passwords for one account before it waits (then locked until refilled).
    pub login_failures: Setting,
    /// `MSB_RATE_SUBMIT_USER` and `MSB_RATE_SUBMIT_IP`: orders submitted.
    pub submit_user: Setting,
    pub submit_ip: Setting,
    /// `MSB_RATE_UPLOAD_USER` and `MSB_RATE_UPLOAD_IP`: photos uploaded.
    pub upload_user: Setting,
    pub upload_ip: Setting,
    /// `MSB_TRUSTED_PROXIES`: how many proxies of ours append to `X-Forwarded-For`
    /// (0: the peer address is the client).
    pub trusted_proxies: usize,
}

impl RateLimits {
    /// The defaults: generous for people, tight for scripts.
    pub const DEFAULT: [(&'static str, &'static str); 6] = [
        ("MSB_RATE_LOGIN_IP", "30/5m"),
        ("MSB_RATE_LOGIN_FAILURES", "5/15m"),
        ("MSB_RATE_SUBMIT_USER", "30/1h"),
        ("MSB_RATE_SUBMIT_IP", "300/1h"),
        ("MSB_RATE_UPLOAD_USER", "120/1h"),
        ("MSB_RATE_UPLOAD_IP", "600/1h"),
    ];

    pub fn off() -> RateLimits {
        let off = Setting(None);
        RateLimits {
            login_ip: off,
            login_failures: off,
            submit_user: off,
            submit_ip: off,
            upload_user: off,
            upload_ip: off,
            trusted_proxies: 0,
        }
    }
}

/// What is being limited, and the key prefix it counts under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    LoginIp,
    LoginFailures,
    SubmitUser,
    SubmitIp,
    UploadUser,
    UploadIp,
}

impl Rule {
    fn prefix(self) -> &'static str {
        match self {
            Rule::LoginIp => "login-ip",
            Rule::LoginFailures => "login-failures",
            Rule::SubmitUser => "submit-user",
            Rule::SubmitIp => "submit-ip",
            Rule::UploadUser => "upload-user",
            Rule::UploadIp => "upload-ip",
        }
    }
}

#[derive(Clone)]
pub struct Limits {
    limiter: Limiter,
    pub config: RateLimits,
}

impl Limits {
    pub fn new(config: RateLimits, redis: Option<&Redis>) -> Limits {
        let limiter = match redis {
            Some(r) => Limiter::shared(r.clone()),
            None => Limiter::local(),
        };
        Limits { limiter, config }
    }

    /// The same limits on another limiter (tests move its clock).
    pub fn with_limiter(self, limiter: Limiter) -> Limits {
        Limits { limiter, ..self }
    }

    fn quota(&self, rule: Rule) -> Option<Quota> {
        let c = &self.config;
        match rule {
            Rule::LoginIp => c.login_ip,
            Rule::LoginFailures => c.login_failures,
            Rule::SubmitUser => c.submit_user,
            Rule::SubmitIp => c.submit_ip,
            Rule::UploadUser => c.upload_user,
            Rule::UploadIp => c.upload_ip,
        }
        .0
    }

    /// Counts one request; 429 when the rule's quota is spent.
    pub async fn hit(&self, rule: Rule, key: &str) -> ApiResult<()> {
        self.run(rule, key, true).await
    }

    /// 429 when one more request would not pass; counts nothing.
    pub async fn peek(&self, rule: Rule, key: &str) -> ApiResult<()> {
        self.run(rule, key, false).await
    }

    pub async fn clear(&self, rule: Rule, key: &str) {
        if self.quota(rule).is_some() {
            if let Err(e) = self.limiter.clear(&format!("{}:{key}", rule.prefix())).await {
                tracing::warn!(error.cause = %e, "rate limit store failed");
            }
        }
    }

    async fn run(&self, rule: Rule, key: &str, count: bool) -> ApiResult<()> {
        let Some(quota) = self.quota(rule) else { return Ok(()) };
        let key = format!("{}:{key}", rule.prefix());
        let verdict = if count { self.limiter.hit(&key, quota).await } else { self.limiter.peek(&key, quota).await };
        match verdict {
            Ok(Verdict::Allow { .. }) => Ok(()),
            Ok(denied) => Err(throttled(rule, denied.retry_after_secs())),
            // A limit is a guard, not a gate: with its store down, requests pass (and the log says so).
            Err(e) => {
                tracing::warn!(error.cause = %e, rule = rule.prefix(), "rate limit store failed; letting the request through");
                Ok(())
            }
        }
    }
}

fn throttled(rule: Rule, seconds: u64) -> ApiError {
    let code = match rule {
        Rule::LoginFailures => "auth.too_many_failures",
        _ => "rate.limited",
    };
    let title = if rule == Rule::LoginFailures {
        "密码错误次数过多，请稍后再试"
    } else {
        "请求过于频繁，请稍后再试"
    };
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, title)
        .detail(format!("请在 {seconds} 秒后重试"))
        .retry_after(seconds)
}

/// The client's address: the peer's, or with `hops` proxies of ours in front,
/// the address the outermost of them saw (counted from the right of
/// `X-Forwarded-For`, whose left part the client could have written itself).
pub fn client_ip(req: &HttpRequest, hops: usize) -> String {
    let peer = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".to_owned());
    if hops == 0 {
        return peer;
    }
    let forwarded: Vec<String> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    // Fewer entries than proxies: all were written by ours, the first is the client.
    let outermost = forwarded.get(forwarded.len().saturating_sub(hops));
    outermost.and_then(|s| s.parse::<std::net::IpAddr>().ok()).map_or(peer, |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_client_is_counted_from_the_right_of_the_proxies() {
        let peer: std::net::SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let req = |xff: Option<&str>| {
            let r = TestRequest::default().peer_addr(peer);
            match xff {
                Some(v) => r.insert_header(("x-forwarded-for", v)).to_http_request(),
                None => r.to_http_request(),
            }
        };
        let table: &[(Option<&str>, usize, &str)] = &[
            (None, 0, "10.0.0.2"),
            (Some("203.0.113.7"), 0, "10.0.0.2"), // no proxy trusted: the header is anybody's
            (Some("203.0.113.7"), 1, "203.0.113.7"),
            (Some("1.1.1.1, 203.0.113.7"), 1, "203.0.113.7"), // a forged left part is ignored
            (Some("1.1.1.1, 203.0.113.7, 10.0.0.9"), 2, "203.0.113.7"),
            (Some("203.0.113.7"), 3, "203.0.113.7"), // fewer entries than hops: the outermost
            (Some("not-an-ip"), 1, "10.0.0.2"),
            (None, 1, "10.0.0.2"),
        ];
        for (xff, hops, want) in table {
            assert_eq!(client_ip(&req(*xff), *hops), *want, "{xff:?} with {hops} hops");
        }
    }
}
