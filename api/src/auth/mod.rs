//! Authentication: JWT access tokens, the extractors that read them, and the
//! login flows (password, WeChat, refresh).

pub mod extract;
pub mod jwt;
pub mod login;

pub use extract::{AuthUser, Caller};
pub use jwt::JwtKeys;
