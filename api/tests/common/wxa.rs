//! The fake's mini-program APIs: unlimited codes, phone numbers, content checks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::WxState;

/// The pages the fake mini-program has published (others answer 41030).
pub const PUBLISHED_PAGE: &str = "pages/report/index";

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    access_token: String,
}

fn err(code: i64, msg: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({"errcode": code, "errmsg": msg}))
}

/// The fake's answer before any work: -1 while busy, 40001 for a token it no longer takes.
fn refuse(wx: &WxState, token: &str) -> Option<HttpResponse> {
    if wx.busy {
        return Some(err(-1, "system error"));
    }
    (!wx.valid.contains(token)).then(|| err(40001, "invalid credential"))
}

/// What the fake's codes encode, so a test can read a poster's QR back to it.
pub fn wxacode_payload(scene: &str) -> String {
    format!("wxacode:{scene}")
}

/// `POST /wxa/getwxacodeunlimit`: a JPEG (as WeChat sends) of a QR of `wxacode:<scene>`.
pub async fn wxacode(
    wx: web::Data<Arc<Mutex<WxState>>>,
    q: web::Query<TokenQuery>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut wx = wx.lock().unwrap();
    if !wx.valid.contains(&q.access_token) {
        return err(40001, "invalid credential");
    }
    let scene = body["scene"].as_str().unwrap_or_default().to_owned();
    if scene.is_empty() || scene.len() > 32 {
        return err(40169, "invalid length for scene");
    }
    if body["page"].as_str().is_some_and(|p| p != PUBLISHED_PAGE) {
        return err(41030, "invalid page rid");
    }
    wx.wxacodes.push(body.into_inner());
    let code = qrcode::QrCode::new(wxacode_payload(&scene).as_bytes()).unwrap();
    let img = code.render::<image::Luma<u8>>().module_dimensions(8, 8).build();
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    HttpResponse::Ok().content_type("image/jpeg").body(jpeg)
}

/// `POST /wxa/business/getuserphonenumber`: a code `phone:<number>` is that number; others 40029.
pub async fn phone(
    wx: web::Data<Arc<Mutex<WxState>>>,
    q: web::Query<TokenQuery>,
    body: web::Json<Value>,
) -> HttpResponse {
    if !wx.lock().unwrap().valid.contains(&q.access_token) {
        return err(40001, "invalid credential");
    }
    match body["code"].as_str().and_then(|c| c.strip_prefix("phone:")) {
        Some(number) => HttpResponse::Ok().json(json!({
            "errcode": 0, "errmsg": "ok",
            "phone_info": {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86",
                           "watermark": {"timestamp": 1637744274, "appid": super::APPID}}
        })),
        None => err(40029, "invalid code"),
    }
}

/// Words the fake's content check flags.
pub const RISKY_WORD: &str = "违禁词";
pub const REVIEW_WORD: &str = "待审词";

/// `POST /wxa/msg_sec_check` v2: `risky` for RISKY_WORD, `review` for REVIEW_WORD; -1 while busy.
pub async fn msg_sec_check(
    wx: web::Data<Arc<Mutex<WxState>>>,
    q: web::Query<TokenQuery>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut wx = wx.lock().unwrap();
    if let Some(refused) = refuse(&wx, &q.access_token) {
        return refused;
    }
    if body["version"] != 2 || body["openid"].as_str().is_none_or(str::is_empty) {
        return err(40003, "invalid openid");
    }
    let content = body["content"].as_str().unwrap_or_default();
    wx.checked.push(content.to_owned());
    let (suggest, label) = if content.contains(RISKY_WORD) {
        ("risky", 20001)
    } else if content.contains(REVIEW_WORD) {
        ("review", 20006)
    } else {
        ("pass", 100)
    };
    HttpResponse::Ok().json(json!({
        "errcode": 0, "errmsg": "ok", "trace_id": format!("trace-{}", wx.checked.len()),
        "result": {"suggest": suggest, "label": label}, "detail": []
    }))
}

/// `POST /wxa/media_check_async`: takes the request, answers a trace id.
pub async fn media_check(
    wx: web::Data<Arc<Mutex<WxState>>>,
    q: web::Query<TokenQuery>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut wx = wx.lock().unwrap();
    if let Some(refused) = refuse(&wx, &q.access_token) {
        return refused;
    }
    wx.media_checks.push(body.into_inner());
    HttpResponse::Ok()
        .json(json!({"errcode": 0, "errmsg": "ok", "trace_id": format!("media-trace-{}", wx.media_checks.len())}))
}
