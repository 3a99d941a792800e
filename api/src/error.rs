//! The API's one error type, rendered as RFC 9457 `application/problem+json`.
//!
//! Policy: domain errors map to their status and stable `code`; storage and
//! upstream causes are logged here with the request's span and never shown
//! (the client sees a generic title). Bad input is always a 4xx.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use domain::{DomainError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Dotted path of the field, e.g. `contact.phone`.
    #[schema(example = "username")]
    pub field: String,
    /// Stable machine code, e.g. `required`, `too_long`, `invalid_type`.
    #[schema(example = "required")]
    pub code: String,
    /// Human-readable, Chinese by default.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:mashangban:problem:<code>`
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine code, e.g. `auth.invalid_credentials` (see docs/api-conventions.md).
    pub code: String,
    /// For validation failures: every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// On server errors (5xx): the request's `X-Request-Id`, to quote when reporting it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0192f1c47a1b7c3d9e2f0123456789ab")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: String,
    pub detail: Option<String>,
    pub errors: Vec<FieldProblem>,
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: impl Into<String>) -> Self {
        ApiError { status, code, title: title.into(), detail: None, errors: Vec::new(), retry_after: None }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation.failed", "请求参数有误");
        e.errors = errors
            .into_iter()
            .map(|f| FieldProblem { field: f.field, code: f.code.to_owned(), message: f.message })
            .collect();
        e
    }

    pub fn unauthorized(code: &'static str) -> Self {
        let title = match code {
            "auth.missing_token" => "需要登录",
            "auth.token_expired" => "登录已过期，请刷新令牌或重新登录",
            "auth.invalid_credentials" => "用户名或密码错误",
            "auth.refresh_invalid" => "刷新令牌无效或已过期，请重新登录",
            "auth.refresh_reused" => "刷新令牌已被使用过，为安全起见该登录已失效，请重新登录",
            "auth.user_disabled" => "账号已停用",
            _ => "身份验证失败",
        };
        ApiError::new(StatusCode::UNAUTHORIZED, code, title)
    }

    pub fn forbidden(code: &'static str, title: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, code, title)
    }

    pub fn not_found(code: &'static str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, code, "资源不存在")
    }

    pub fn internal() -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后重试")
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            type_: format!("urn:mashangban:problem:{}", self.code),
            title: self.title.clone(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
            request_id: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.title)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.response_with(None)
    }
}

impl ApiError {
    /// The problem answer, naming the request's id when given (server errors).
    pub fn response_with(&self, request_id: Option<String>) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(Problem { request_id, ..self.to_problem() })
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(errors) => ApiError::validation(errors),
            DomainError::Unprocessable { code, errors } => {
                let mut e = ApiError::validation(errors);
                e.code = code;
                e
            }
            DomainError::NotFound { code } => ApiError::not_found(code),
            DomainError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            DomainError::Gone { code, message } => ApiError::new(StatusCode::GONE, code, message),
            DomainError::TooLarge { code, message } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message),
            DomainError::Unsupported { code, message } => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, code, message)
            }
            DomainError::Forbidden { code, message } => ApiError::forbidden(code, message),
            DomainError::Unauthorized { code } => ApiError::unauthorized(code),
            DomainError::Storage(cause) => {
                tracing::error!(error.cause = %cause, "storage failure");
                ApiError::internal()
            }
            DomainError::Unavailable(cause) => {
                tracing::warn!(error.cause = %cause, "no capacity");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service.busy", "服务繁忙，请稍后重试").retry_after(1)
            }
        }
    }
}

impl From<infra::wechat::WechatError> for ApiError {
    fn from(e: infra::wechat::WechatError) -> Self {
        use infra::wechat::WechatError as W;
        match e {
            W::InvalidCode { errcode, .. } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "wechat.invalid_code",
                "微信登录凭证无效或已使用，请重新调用 wx.login 获取",
            )
            .detail(format!("WeChat errcode {errcode}")),
            W::Busy => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "wechat.busy", "微信服务繁忙，请稍后重试").retry_after(2)
            }
            W::RateLimited => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "wechat.rate_limited", "请求微信过于频繁，请稍后再试")
                    .retry_after(60)
            }
            W::HighRisk => ApiError::forbidden("wechat.high_risk_user", "微信判定该账号存在风险，暂不能登录"),
            W::Config { errcode, errmsg } => {
                tracing::error!(wechat.errcode = errcode, wechat.errmsg = %errmsg, "WeChat rejected our appid/secret");
                ApiError::new(StatusCode::BAD_GATEWAY, "wechat.misconfigured", "微信登录暂不可用，请联系管理员")
            }
            W::Upstream(cause) => {
                tracing::warn!(error.cause = %cause, "WeChat upstream failure");
                ApiError::new(StatusCode::BAD_GATEWAY, "wechat.unavailable", "暂时无法连接微信，请稍后重试")
                    .retry_after(5)
            }
            // Login does not meet these (they answer sends); should one ever come, it is WeChat's side.
            W::TokenRejected { errcode } => {
                tracing::warn!(wechat.errcode = errcode, "WeChat refused a fresh access_token");
                ApiError::new(StatusCode::BAD_GATEWAY, "wechat.unavailable", "暂时无法连接微信，请稍后重试")
                    .retry_after(5)
            }
            // A request WeChat will never take as it is (a poster's page not
            // published, no permission): asking again changes nothing.
            W::Refused { errcode, errmsg } => {
                tracing::warn!(wechat.errcode = errcode, wechat.errmsg = %errmsg, "WeChat refused a call");
                ApiError::new(StatusCode::BAD_GATEWAY, "wechat.refused", "微信拒绝了该请求，请联系管理员")
                    .detail(format!("WeChat errcode {errcode}: {errmsg}"))
            }
        }
    }
}

impl From<infra::usecase::CallError> for ApiError {
    fn from(e: infra::usecase::CallError) -> Self {
        match e {
            infra::usecase::CallError::Domain(e) => e.into(),
            infra::usecase::CallError::Wechat(e) => e.into(),
        }
    }
}
