//! The WeChat server API client (see shared/design/wechat.md). Every API
//! answers HTTP 200; failures are `{errcode, errmsg}` in the body.

mod client;

pub use client::{Session, WechatClient, WechatConfig, WechatError, PUBLIC_API_BASE};
