//! What every answer carries, whatever route (or none) made it:
//! - `X-Request-Id`: the client's own when it is a plain token (1–64 of
//!   `A-Z a-z 0-9 - _ . :`), else a new one; echoed in the answer, recorded in
//!   the request's log span (every line logged while serving it), and put in a
//!   5xx problem body as `request_id`, so a user's screenshot of an error
//!   finds its log lines;
//! - headers against content sniffing, framing and leaking the page address,
//!   and HSTS with `MSB_ENV=prod` (TLS ends at the proxy in front of us);
//! - `Cache-Control: no-store` on answers to signed-in requests and on token
//!   answers (a shared proxy or the browser's disk keeps neither tokens nor
//!   personal data), unless the handler chose a policy itself;
//! - CORS for the origins in `MSB_CORS_ORIGINS` only (none by default: an H5
//!   page on another origin is refused by its browser).

use actix_cors::Cors;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpMessage;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

pub const REQUEST_ID: &str = "x-request-id";

/// The request's id, kept in its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// A client's id is kept only when it is a plain token of sensible length
/// (it goes into log lines and headers).
pub fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The request's id, decided once: the one already chosen, else the client's,
/// else a new one (a time-ordered UUID, as hex).
pub fn request_id(req: &ServiceRequest) -> String {
    if let Some(id) = req.extensions().get::<RequestId>() {
        return id.0.clone();
    }
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| acceptable(v))
        .map_or_else(|| uuid::Uuid::now_v7().simple().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    id
}

/// Whether the answer may hold a token or personal data: the caller sent a
/// token, or asked for one.
pub fn is_personal(req: &ServiceRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION) || req.path().starts_with("/api/v1/auth/")
}

/// Adds the edge headers to an answer (those a handler set are kept).
pub fn finish(headers: &mut HeaderMap, id: &str, personal: bool, production: bool) {
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert(HeaderName::from_static(REQUEST_ID), value);
    }
    let mut default = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    default(header::REFERRER_POLICY, "no-referrer");
    default(header::X_FRAME_OPTIONS, "DENY");
    default(header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'");
    if personal {
        default(header::CACHE_CONTROL, "no-store");
    }
    if production {
        default(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
}

/// CORS for the configured origins; `None` without any (no CORS headers at all).
pub fn cors(origins: &[String]) -> Option<Cors> {
    if origins.is_empty() {
        return None;
    }
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static(REQUEST_ID),
            HeaderName::from_static(crate::middleware::METHOD_OVERRIDE),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            HeaderName::from_static(REQUEST_ID),
            header::RETRY_AFTER,
            header::LOCATION,
            header::ETAG,
            header::CONTENT_DISPOSITION,
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    Some(cors)
}

/// Each request's log span, with our request id (the client's `X-Request-Id`
/// when acceptable, see `crate::edge`) instead of tracing-actix-web's own.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let id = request_id(request);
        let empty = tracing::field::Empty;
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().unwrap_or_default(),
            http.target = %request.path(),
            request_id = %id,
            http.status_code = empty,
            otel.status_code = empty,
            exception.message = empty,
            exception.details = empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_client_ids_are_kept() {
        let cases = [
            ("req-42", true),
            ("0192f1c4-7a1b-7c3d-9e2f-0123456789ab", true),
            ("trace:abc.def_1", true),
            ("", false),
            ("has space", false),
            ("中文", false),
            ("a\"b", false),
            (&"x".repeat(64), true),
            (&"x".repeat(65), false),
        ];
        for (id, kept) in cases {
            assert_eq!(acceptable(id), kept, "{id:?}");
        }
    }

    #[test]
    fn headers_a_handler_set_are_kept_and_the_rest_added() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
        finish(&mut headers, "abc", true, false);
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "public, max-age=86400");
        assert_eq!(headers.get(REQUEST_ID).unwrap(), "abc");
        assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "HSTS only in prod");

        let mut public = HeaderMap::new();
        finish(&mut public, "abc", false, true);
        assert!(public.get(header::CACHE_CONTROL).is_none(), "public answers keep their caching");
        assert!(public.get(header::STRICT_TRANSPORT_SECURITY).is_some());
    }
}
