//! Domain errors. Each variant has a stable machine `code` that the API
//! returns unchanged; storage and network causes are carried whole (with
//! their source chain) for the log only and never shown to a client.

use std::error::Error;
use std::fmt;

/// An infrastructure failure, kept whole for the log: the error and its sources.
#[derive(Debug)]
pub struct Fault(Box<dyn Error + Send + Sync>);

impl Fault {
    /// From any error (its `source()` chain is kept) or a message.
    pub fn new(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Fault {
        Fault(cause.into())
    }

    /// The cause, for callers that need to look inside.
    pub fn cause(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.0.as_ref()
    }
}

impl fmt::Display for Fault {
    /// The error and every source, `outer: inner: innermost`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// One invalid field of a command, as reported to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// 422: the command's fields are invalid; each is listed.
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// 422 with its own code: a well-formed request the stored state refuses
    /// (an unknown photo, a reused idempotency key); the fields are listed.
    #[error("{code}: {errors:?}")]
    Unprocessable { code: &'static str, errors: Vec<FieldError> },
    /// 404: the thing does not exist or the caller may not know it exists.
    #[error("{code}: not found")]
    NotFound { code: &'static str },
    /// 409: the request conflicts with what is stored (duplicate, stale version, state).
    #[error("{code}: {message}")]
    Conflict { code: &'static str, message: String },
    /// 410: it existed and was withdrawn (a revoked poster).
    #[error("{code}: gone")]
    Gone { code: &'static str, message: String },
    /// 413: the content is larger than allowed (an upload over the limit).
    #[error("{code}: too large")]
    TooLarge { code: &'static str, message: String },
    /// 415: the content is not of a kind we take (an upload that is no image we read).
    #[error("{code}: unsupported")]
    Unsupported { code: &'static str, message: String },
    /// 403: the caller is known and may see it, but may not do this.
    #[error("{code}: forbidden")]
    Forbidden { code: &'static str, message: String },
    /// 401: the credentials are missing, wrong, expired or revoked.
    #[error("{code}: unauthorized")]
    Unauthorized { code: &'static str },
    /// 500: storage or another dependency failed; the cause goes to the log only.
    #[error("storage: {0}")]
    Storage(Fault),
    /// 503: no capacity right now (the connection pool stayed exhausted); retry shortly.
    #[error("unavailable: {0}")]
    Unavailable(Fault),
}

impl DomainError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Conflict { code, message: message.into() }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Forbidden { code, message: message.into() }
    }

    pub fn not_found(code: &'static str) -> Self {
        DomainError::NotFound { code }
    }

    /// A storage failure from an error (its chain kept) or a message.
    pub fn fault(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        DomainError::Storage(Fault::new(cause))
    }
}

/// Collects field errors while a command is parsed, so the client learns
/// every invalid field at once instead of one per round trip.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts from problems found earlier (a DTO's shape checks).
    pub fn from_errors(errors: Vec<FieldError>) -> Self {
        Problems(errors)
    }

    /// Keeps the value when `result` is Ok; records its errors otherwise.
    pub fn take<T>(&mut self, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(DomainError::Validation(errors)) => {
                self.0.extend(errors);
                None
            }
            Err(other) => {
                self.0.push(FieldError::new("", "invalid", other.to_string()));
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every problem once: the same field and code reported twice (by a shape
    /// check and by a rule) is one problem.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let mut seen = std::collections::HashSet::new();
        let errors = self.0.into_iter().filter(|e| seen.insert((e.field.clone(), e.code))).collect();
        Err(DomainError::Validation(errors))
    }
}
