use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct WechatConfig {
    pub api_base: String,
    pub appid: String,
    pub secret: String,
    pub timeout: Duration,
}

pub const PUBLIC_API_BASE: &str = "https://api.weixin.qq.com";

/// What went wrong talking to WeChat, sorted by what the caller should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WechatError {
    /// 40029 invalid, 40163 already used: the user must call `wx.login` again.
    #[error("login code rejected ({errcode}: {errmsg})")]
    InvalidCode { errcode: i64, errmsg: String },
    /// -1: WeChat is busy; try again shortly.
    #[error("wechat busy")]
    Busy,
    /// 45011: too many logins for this user.
    #[error("wechat rate limit")]
    RateLimited,
    /// 40226: WeChat marks the user as high risk.
    #[error("wechat high-risk user")]
    HighRisk,
    /// 40013 / 40125 and the like: our appid or secret is wrong. An operator problem.
    #[error("wechat rejected our credentials ({errcode}: {errmsg})")]
    Config { errcode: i64, errmsg: String },
    /// 40001 / 40014 / 42001: the access_token was refused (expired, replaced, invalid).
    #[error("wechat refused the access_token ({errcode})")]
    TokenRejected { errcode: i64 },
    /// A message WeChat will never take as it is: 43101 (the user refused or has no
    /// subscription left), 40003 (unknown openid), 40037 (bad template id), 47003
    /// (a data value), 41030 (bad page). Not retried.
    #[error("wechat refused the message ({errcode}: {errmsg})")]
    Refused { errcode: i64, errmsg: String },
    /// Anything else: a network failure, a timeout, a body we cannot read, an unknown errcode.
    #[error("wechat upstream: {0}")]
    Upstream(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub openid: String,
    pub unionid: Option<String>,
}

#[derive(Deserialize)]
struct SessionBody {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<String>,
    openid: Option<String>,
    unionid: Option<String>,
    // session_key is deliberately not read: it never leaves WeChat's side of us.
}

/// errcode arrives as a number, sometimes as a string, or not at all (success).
pub(super) fn errcode_of(value: Option<&serde_json::Value>) -> i64 {
    match value {
        Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(-1),
        Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(-1),
        _ => 0,
    }
}

/// A fresh access_token and how many seconds it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: u64,
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<String>,
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
pub(super) struct Reply {
    #[serde(default)]
    pub(super) errcode: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) errmsg: Option<String>,
}

/// Sorts a send's errcode: what to do about it.
pub(super) fn send_error(errcode: i64, errmsg: String) -> WechatError {
    match errcode {
        40001 | 40014 | 42001 => WechatError::TokenRejected { errcode },
        -1 => WechatError::Busy,
        43101 | 40003 | 40037 | 47003 | 41030 => WechatError::Refused { errcode, errmsg },
        40013 | 40125 | 41002 | 41004 => WechatError::Config { errcode, errmsg },
        _ => WechatError::Upstream(format!("errcode {errcode}: {errmsg}")),
    }
}

#[derive(Clone)]
pub struct WechatClient {
    pub(super) http: reqwest::Client,
    config: WechatConfig,
}

impl WechatClient {
    pub fn new(config: WechatConfig) -> Result<Self, WechatError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| WechatError::Upstream(e.to_string()))?;
        Ok(Self { http, config })
    }

    /// `wx.login` code → openid (code2Session).
    #[tracing::instrument(skip_all)]
    pub async fn code2session(&self, code: &str) -> Result<Session, WechatError> {
        let url = format!("{}/sns/jscode2session", self.config.api_base.trim_end_matches('/'));
        let response = self
            .http
            .get(url)
            .query(&[
                ("appid", self.config.appid.as_str()),
                ("secret", self.config.secret.as_str()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(|e| WechatError::Upstream(format!("jscode2session: {e}")))?;
        if !response.status().is_success() {
            return Err(WechatError::Upstream(format!("jscode2session: HTTP {}", response.status())));
        }
        let body: SessionBody =
            response.json().await.map_err(|e| WechatError::Upstream(format!("jscode2session body: {e}")))?;
        let errcode = errcode_of(body.errcode.as_ref());
        let errmsg = body.errmsg.unwrap_or_default();
        match errcode {
            0 => match body.openid.filter(|o| !o.is_empty()) {
                Some(openid) => Ok(Session { openid, unionid: body.unionid.filter(|u| !u.is_empty()) }),
                None => Err(WechatError::Upstream("jscode2session: success without openid".into())),
            },
            40029 | 40163 => Err(WechatError::InvalidCode { errcode, errmsg }),
            -1 => Err(WechatError::Busy),
            45011 => Err(WechatError::RateLimited),
            40226 => Err(WechatError::HighRisk),
            40013 | 40125 | 41002 | 41004 => Err(WechatError::Config { errcode, errmsg }),
            _ => Err(WechatError::Upstream(format!("jscode2session errcode {errcode}: {errmsg}"))),
        }
    }
}

impl WechatClient {
    pub fn appid(&self) -> &str {
        &self.config.appid
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.api_base.trim_end_matches('/'))
    }

    /// A new access_token from `/cgi-bin/stable_token` (the one WeChat recommends:
    /// fetching it does not invalidate the token other nodes hold).
    #[tracing::instrument(skip_all)]
    pub async fn stable_token(&self) -> Result<AccessToken, WechatError> {
        let body = serde_json::json!({
            "grant_type": "client_credential",
            "appid": self.config.appid,
            "secret": self.config.secret,
            "force_refresh": false,
        });
        let response = self
            .http
            .post(self.url("/cgi-bin/stable_token"))
            .json(&body)
            .send()
            .await
            .map_err(|e| WechatError::Upstream(format!("stable_token: {e}")))?;
        let body: TokenBody =
            response.json().await.map_err(|e| WechatError::Upstream(format!("stable_token body: {e}")))?;
        match errcode_of(body.errcode.as_ref()) {
            0 => {
                let token = body.access_token.filter(|t| !t.is_empty());
                let expires_in = match body.expires_in {
                    Some(serde_json::Value::Number(n)) => n.as_u64(),
                    Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                    _ => None,
                };
                match token {
                    Some(token) => Ok(AccessToken { token, expires_in: expires_in.unwrap_or(7200) }),
                    None => Err(WechatError::Upstream("stable_token: success without a token".into())),
                }
            }
            code => Err(send_error(code, body.errmsg.unwrap_or_default())),
        }
    }

    /// Sends one subscribe message (`/cgi-bin/message/subscribe/send`).
    #[tracing::instrument(skip_all)]
    pub async fn send_subscribe(&self, token: &str, message: &serde_json::Value) -> Result<(), WechatError> {
        let response = self
            .http
            .post(self.url("/cgi-bin/message/subscribe/send"))
            .query(&[("access_token", token)])
            .json(message)
            .send()
            .await
            .map_err(|e| WechatError::Upstream(format!("subscribe/send: {e}")))?;
        let reply: Reply =
            response.json().await.map_err(|e| WechatError::Upstream(format!("subscribe/send body: {e}")))?;
        match errcode_of(reply.errcode.as_ref()) {
            0 => Ok(()),
            code => Err(send_error(code, reply.errmsg.unwrap_or_default())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errcodes_come_as_numbers_strings_or_nothing() {
        assert_eq!(errcode_of(None), 0);
        assert_eq!(errcode_of(Some(&serde_json::json!(40029))), 40029);
        assert_eq!(errcode_of(Some(&serde_json::json!("-1"))), -1);
        assert_eq!(errcode_of(Some(&serde_json::json!("0"))), 0);
    }

    #[test]
    fn send_errcodes_say_what_to_do() {
        // (errcode, retry after a new token, never retried, back off)
        let table = [
            (40001, true, false, false),
            (42001, true, false, false),
            (40014, true, false, false),
            (43101, false, true, false),
            (40003, false, true, false),
            (47003, false, true, false),
            (-1, false, false, true),
            (45009, false, false, false),
        ];
        for (code, token, refused, busy) in table {
            let e = send_error(code, "m".into());
            assert_eq!(matches!(e, WechatError::TokenRejected { .. }), token, "{code}");
            assert_eq!(matches!(e, WechatError::Refused { .. }), refused, "{code}");
            assert_eq!(e == WechatError::Busy, busy, "{code}");
        }
    }
}
