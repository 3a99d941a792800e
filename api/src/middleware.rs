//! What every request passes through before routing, and every answer after:
//! - text in the path and query must be clean (no control characters such as
//!   NUL, which PostgreSQL refuses and SQLite stores): 422, on both backends;
//! - `POST` with `X-HTTP-Method-Override: PATCH` is a PATCH (`wx.request` cannot send PATCH);
//! - an error answer that is not JSON (actix's own 404 and 405, a Swagger UI
//!   miss) becomes problem+json, with the same status; a server error's
//!   problem carries the request's id (`request_id`, see `crate::edge`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::HttpMessage;
use domain::FieldError;

use crate::edge::RequestId;
use crate::error::{ApiError, PROBLEM_JSON};

pub const METHOD_OVERRIDE: &str = "x-http-method-override";

fn decoded_is_clean(raw: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    domain::text::is_clean(&decoded)
}

/// The checks before routing; `Err` is the answer to send instead.
pub fn admit(req: &mut ServiceRequest) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !decoded_is_clean(req.path()) {
        errors.push(FieldError::new("path", "invalid_characters", "路径不能包含控制字符"));
    }
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if !domain::text::is_clean(&name) || !domain::text::is_clean(&value) {
            errors.push(FieldError::new(name.into_owned(), "invalid_characters", "查询参数不能包含控制字符"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let wants_patch = req.headers().get(METHOD_OVERRIDE).and_then(|v| v.to_str().ok()).map(str::trim);
    match wants_patch {
        None => {}
        Some(m) if m.eq_ignore_ascii_case("PATCH") && req.method() == Method::POST => {
            req.head_mut().method = Method::PATCH;
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request.invalid_method_override",
                "X-HTTP-Method-Override 只支持在 POST 请求上使用 PATCH",
            ))
        }
    }
    Ok(())
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "route.not_found",
        405 => "request.method_not_allowed",
        413 => "request.too_large",
        415 => "request.unsupported_media_type",
        431 => "request.headers_too_large",
        s if s >= 500 => "internal",
        _ => "request.invalid",
    }
}

/// Adds `request_id` to a JSON object body (a problem); other bodies are kept.
fn with_request_id(body: &[u8], id: &str) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.insert("request_id".into(), serde_json::Value::String(id.to_owned()));
            serde_json::to_vec(&map).unwrap_or_else(|_| body.to_vec())
        }
        _ => body.to_vec(),
    }
}

/// Turns any error answer that is not problem+json into one, and puts the
/// request id into server errors' problems.
pub fn problems<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        // Ours already are problems, and /readyz's 503 is a JSON report on purpose.
        let is_json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            let mime = v.split(';').next().unwrap_or("").trim();
            mime == PROBLEM_JSON || mime == "application/json"
        });
        let status = res.status();
        let request_id = match status.is_server_error() {
            true => res.request().extensions().get::<RequestId>().map(|r| r.0.clone()),
            false => None,
        };
        match (is_json, request_id) {
            (true, None) => Ok(ErrorHandlerResponse::Response(res.map_into_left_body())),
            (true, Some(id)) => Ok(ErrorHandlerResponse::Future(Box::pin(async move {
                let (req, response) = res.into_parts();
                let (head, body) = response.into_parts();
                let bytes = actix_web::body::to_bytes(body)
                    .await
                    .map_err(|_| actix_web::error::ErrorInternalServerError("unreadable error body"))?;
                let response = head.set_body(with_request_id(&bytes, &id)).map_into_boxed_body();
                Ok(ServiceResponse::new(req, response).map_into_right_body())
            }))),
            (false, request_id) => {
                let title = status.canonical_reason().unwrap_or("Error");
                let problem = ApiError::new(status, code_for(status), title).response_with(request_id);
                let (req, _) = res.into_parts();
                Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, problem).map_into_right_body()))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_joins_a_problem_and_nothing_else() {
        let problem = br#"{"code":"internal","status":500}"#;
        let with: serde_json::Value = serde_json::from_slice(&with_request_id(problem, "r-1")).unwrap_or_default();
        assert_eq!(with["request_id"], "r-1");
        assert_eq!(with["code"], "internal");
        assert_eq!(with_request_id(b"not json", "r-1"), b"not json");
        assert_eq!(with_request_id(b"[1]", "r-1"), b"[1]");
    }
}
