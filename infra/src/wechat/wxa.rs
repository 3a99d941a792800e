//! The mini-program APIs: unlimited codes (posters), phone numbers, and
//! content security for texts and images.

use serde::Deserialize;

use super::client::{errcode_of, send_error, Reply};
use super::{WechatClient, WechatError};

/// A verified phone number from `getPhoneNumber`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PhoneInfo {
    /// With the country code for numbers outside mainland China.
    #[serde(rename = "phoneNumber")]
    pub phone_number: String,
    #[serde(rename = "purePhoneNumber")]
    pub pure_phone_number: String,
    #[serde(rename = "countryCode")]
    pub country_code: String,
}

/// `msg_sec_check` v2's verdict on a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextVerdict {
    /// `pass`, `review` or `risky`.
    pub suggest: String,
    pub label: i64,
    pub trace_id: String,
}

#[derive(Deserialize)]
struct CheckBody {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    result: Option<CheckResult>,
    #[serde(default)]
    phone_info: Option<PhoneInfo>,
}

#[derive(Deserialize)]
struct CheckResult {
    suggest: String,
    #[serde(default)]
    label: i64,
}

/// Sorts the errcodes of the mini-program APIs (codes, phone, content checks).
fn wxa_error(errcode: i64, errmsg: String) -> WechatError {
    match errcode {
        40029 | 40163 => WechatError::InvalidCode { errcode, errmsg },
        45009 | 45011 => WechatError::RateLimited,
        // Invalid scene, scene length, page, no permission, bad openid: asking again changes nothing.
        40129 | 40169 | 41030 | 45063 | 40003 | 61010 => WechatError::Refused { errcode, errmsg },
        other => send_error(other, errmsg),
    }
}

impl WechatClient {
    async fn post_json(&self, path: &str, token: &str, body: &serde_json::Value) -> Result<CheckBody, WechatError> {
        let response = self
            .http
            .post(self.url(path))
            .query(&[("access_token", token)])
            .json(body)
            .send()
            .await
            .map_err(|e| WechatError::Upstream(format!("{path}: {e}")))?;
        let body: CheckBody = response.json().await.map_err(|e| WechatError::Upstream(format!("{path} body: {e}")))?;
        match errcode_of(body.errcode.as_ref()) {
            0 => Ok(body),
            code => Err(wxa_error(code, body.errmsg.clone().unwrap_or_default())),
        }
    }

    /// An unlimited mini-program code (`/wxa/getwxacodeunlimit`): the image and
    /// its type. `request` is the JSON body (scene, page, width, env_version...).
    #[tracing::instrument(skip_all)]
    pub async fn wxacode_unlimit(
        &self,
        token: &str,
        request: &serde_json::Value,
    ) -> Result<(&'static str, Vec<u8>), WechatError> {
        let path = "/wxa/getwxacodeunlimit";
        let response = self
            .http
            .post(self.url(path))
            .query(&[("access_token", token)])
            .json(request)
            .send()
            .await
            .map_err(|e| WechatError::Upstream(format!("{path}: {e}")))?;
        let kind = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let mime = match kind.map(|k| k.split(';').next().unwrap_or_default().trim()) {
            Some("image/jpeg") => Some("image/jpeg"),
            Some("image/png") => Some("image/png"),
            _ => None,
        };
        let bytes = response.bytes().await.map_err(|e| WechatError::Upstream(format!("{path} body: {e}")))?;
        if let Some(mime) = mime {
            return Ok((mime, bytes.to_vec()));
        }
        let body: Reply = serde_json::from_slice(&bytes).map_err(|e| WechatError::Upstream(format!("{path}: {e}")))?;
        Err(wxa_error(errcode_of(body.errcode.as_ref()), body.errmsg.unwrap_or_default()))
    }

    /// The phone number behind a `getPhoneNumber` button's code.
    #[tracing::instrument(skip_all)]
    pub async fn user_phone_number(&self, token: &str, code: &str) -> Result<PhoneInfo, WechatError> {
        let body =
            self.post_json("/wxa/business/getuserphonenumber", token, &serde_json::json!({ "code": code })).await?;
        body.phone_info.ok_or_else(|| WechatError::Upstream("getuserphonenumber: success without phone_info".into()))
    }

    /// `msg_sec_check` v2 on a text a user wrote (`scene` 1 profile, 2 comment, 3 forum, 4 social log).
    #[tracing::instrument(skip_all)]
    pub async fn msg_sec_check(
        &self,
        token: &str,
        openid: &str,
        scene: u8,
        content: &str,
    ) -> Result<TextVerdict, WechatError> {
        let request = serde_json::json!({ "version": 2, "openid": openid, "scene": scene, "content": content });
        let body = self.post_json("/wxa/msg_sec_check", token, &request).await?;
        let result = body.result.ok_or_else(|| WechatError::Upstream("msg_sec_check: no result".into()))?;
        Ok(TextVerdict { suggest: result.suggest, label: result.label, trace_id: body.trace_id.unwrap_or_default() })
    }

    /// Asks WeChat to check an image at `media_url`; the verdict is pushed
    /// later to the message callback with this trace id.
    #[tracing::instrument(skip_all)]
    pub async fn media_check_async(
        &self,
        token: &str,
        media_url: &str,
        openid: &str,
        scene: u8,
    ) -> Result<String, WechatError> {
        let request = serde_json::json!({
            "media_url": media_url, "media_type": 2, "version": 2, "openid": openid, "scene": scene,
        });
        let body = self.post_json("/wxa/media_check_async", token, &request).await?;
        body.trace_id
            .filter(|t| !t.is_empty())
            .ok_or_else(|| WechatError::Upstream("media_check_async: no trace_id".into()))
    }
}
