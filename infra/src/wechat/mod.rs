//! The WeChat server API client (see shared/design/wechat.md). Every API
//! answers HTTP 200; failures are `{errcode, errmsg}` in the body.

mod client;
mod token;
mod wxa;

pub use client::{AccessToken, Session, WechatClient, WechatConfig, WechatError, PUBLIC_API_BASE};
pub use token::AccessTokens;
pub use wxa::{PhoneInfo, TextVerdict};
