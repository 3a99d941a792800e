//! Request extractors whose failures are problems, not actix's plain text:
//! a JSON body (content type, size, UTF-8, syntax, each field's type, then each
//! field's shape through `validator`), paths and queries. Shape (lengths,
//! counts, ranges) is checked here on the DTO; rules (what a phone number or a
//! reason is) stay in the domain's parsers. Both feed the same `errors[]`.

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use domain::FieldError;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::ApiError;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

/// A JSON request body. Errors: 415 wrong content type, 413 too large,
/// 400 not JSON, 422 a field missing or of the wrong type (each one named).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = JsonBytes::from_request(req, payload);
        Box::pin(async move { parse_json(&body.await?.0).map(Json) })
    }
}

/// The `#[validate(...)]` rules of a DTO, as 422 with every failing field.
pub fn check<T: Validate>(value: &T) -> Result<(), ApiError> {
    match shape_errors(value) {
        errors if errors.is_empty() => Ok(()),
        errors => Err(ApiError::validation(errors)),
    }
}

/// The fields of `value` that break its `#[validate(...)]` rules, sorted by field;
/// for DTOs whose domain parsing adds its own problems to the same list.
pub fn shape_errors<T: Validate>(value: &T) -> Vec<FieldError> {
    let Err(errors) = value.validate() else { return Vec::new() };
    let mut out = Vec::new();
    collect("", &errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = join(prefix, field);
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let code = match &e.code {
                        std::borrow::Cow::Borrowed(c) => *c,
                        std::borrow::Cow::Owned(_) => "invalid",
                    };
                    let message = e.message.as_deref().map(str::to_owned).unwrap_or_else(|| default_message(code));
                    out.push(FieldError::new(path.clone(), code, message));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn default_message(code: &str) -> String {
    match code {
        "out_of_range" => "超出允许范围",
        "too_many" => "数量超过上限",
        "count" => "数量不在允许范围内",
        _ => "格式不正确",
    }
    .to_owned()
}

pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

pub fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "request.unsupported_media_type",
        "请求体必须是 JSON（Content-Type: application/json）",
    )
}

pub fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large", "请求体过大")
        .detail(format!("JSON 请求体不能超过 {JSON_LIMIT} 字节"))
}

/// The raw bytes of a JSON body (content type and size checked), for handlers
/// that need them as sent (the Idempotency-Key hash).
#[derive(Debug)]
pub struct JsonBytes(pub web::Bytes);

impl FromRequest for JsonBytes {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(unsupported_media_type());
            }
            body.await.map(JsonBytes).map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    ApiError::new(StatusCode::BAD_REQUEST, "request.unreadable", "无法读取请求体")
                }
            })
        })
    }
}

/// A JSON body that may be left out entirely, or sent as `null`: `None` then.
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()) == Some("0")
            || (req.headers().get(header::CONTENT_LENGTH).is_none()
                && req.headers().get(header::TRANSFER_ENCODING).is_none());
        if empty {
            return Box::pin(async { Ok(OptionalJson(None)) });
        }
        let body = JsonBytes::from_request(req, payload);
        Box::pin(async move {
            let value: Option<T> = parse_unchecked(&body.await?.0)?;
            value.as_ref().map(check).transpose()?;
            Ok(OptionalJson(value))
        })
    }
}

/// Parses a JSON body and checks its `#[validate]` shape rules.
pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = parse_unchecked(bytes)?;
    check(&value)?;
    Ok(value)
}

/// Parses a JSON body without its shape rules: for DTOs that report shape and
/// domain problems together (call `shape_errors`).
pub fn parse_unchecked<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON is UTF-8 (RFC 8259): bytes that are not are a 400 whether or not the
    // field holding them would be read.
    std::str::from_utf8(bytes).map_err(|e| invalid_json(&format!("请求体不是有效的 UTF-8：{e}")))?;
    // Syntax first: a body that is not JSON at all is a 400 whatever its fields.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| invalid_json(&e.to_string()))?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match parsed {
        Ok(v) => v,
        Err(err) => return Err(json_error(err)),
    };
    de.end().map_err(|_| invalid_json("JSON 之后还有多余内容"))?;
    Ok(value)
}

fn invalid_json(detail: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "request.invalid_json", "请求体不是有效的 JSON").detail(detail)
}

fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let inner = err.inner();
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => invalid_json(&inner.to_string()),
        Category::Data => {
            let message = inner.to_string();
            let path = err.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let (field, code) = match between_backticks(&message, "missing field `") {
                Some(name) => (join(&path, name), "required"),
                None if message.starts_with("unknown field") => (path, "unknown_field"),
                None if message.starts_with("unknown variant") => (path, "invalid_value"),
                None => (path, "invalid_type"),
            };
            let text = message.split(" at line ").next().unwrap_or(&message).to_owned();
            ApiError::validation(vec![FieldError::new(field, code, text)])
        }
    }
}

fn between_backticks<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.split('`').next()
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// A path or query value that does not parse: 400, naming where it was.
fn bad_parameter(field: &str, code: &'static str, title: &str, err: impl std::fmt::Display) -> actix_web::Error {
    let mut e = ApiError::validation(vec![FieldError::new(field, "invalid_value", err.to_string())]);
    e.code = code;
    e.status = StatusCode::BAD_REQUEST;
    e.title = title.into();
    e.into()
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| bad_parameter("path", "request.invalid_path", "路径参数有误", err))
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| bad_parameter("query", "request.invalid_query", "查询参数有误", err))
}

pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(JSON_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize, Validate)]
    struct Inner {
        phone: String,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize, Validate)]
    struct Outer {
        name: String,
        #[validate(nested)]
        contact: Inner,
        #[validate(range(min = 1, max = 9, code = "out_of_range"))]
        count: Option<u8>,
        #[serde(default)]
        #[validate(length(max = 2, code = "too_many"))]
        tags: Vec<String>,
    }

    #[test]
    fn names_the_failing_field() {
        let e = parse_json::<Outer>(br#"{"name":"a","contact":{}}"#).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.errors[0].field.as_str(), e.errors[0].code.as_str()),
            (422, "contact.phone", "required")
        );
        let e = parse_json::<Outer>(br#"{"name":1,"contact":{"phone":"x"}}"#).unwrap_err();
        assert_eq!((e.errors[0].field.as_str(), e.errors[0].code.as_str()), ("name", "invalid_type"));
        let e = parse_json::<Outer>(br#"{"name":"a","contact":{"phone":"x"},"count":300}"#).unwrap_err();
        assert_eq!(e.errors[0].field, "count");
    }

    #[test]
    fn shape_rules_report_every_field_with_our_codes() {
        let e =
            parse_json::<Outer>(br#"{"name":"a","contact":{"phone":"x"},"count":0,"tags":["a","b","c"]}"#).unwrap_err();
        let got: Vec<(&str, &str)> = e.errors.iter().map(|f| (f.field.as_str(), f.code.as_str())).collect();
        assert_eq!((e.status.as_u16(), got), (422, vec![("count", "out_of_range"), ("tags", "too_many")]));
        assert!(parse_json::<Outer>(br#"{"name":"a","contact":{"phone":"x"},"count":9}"#).is_ok());
    }

    #[test]
    fn syntax_errors_are_400() {
        for body in [
            &b"{"[..],
            b"",
            b"nope",
            br#"{"name":"a","contact":{"phone":"x"}} {}"#,
            b"{\"name\":\"\xff\",\"contact\":{\"phone\":\"x\"}}",
            b"{\"x\":\"\xc3\"}",
        ] {
            let e = parse_json::<Outer>(body).unwrap_err();
            assert_eq!(e.code, "request.invalid_json", "{body:?}");
        }
    }
}
