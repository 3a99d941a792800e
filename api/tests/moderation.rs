//! Content checks through WeChat: risky text refused, review flagged for
//! staff, WeChat down never blocks (checked later), photos checked by a
//! signed link with the verdict pushed to a verified callback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::{wxa, TestApp};
use infra::both_backends;
use serde_json::{json, Value};

const TOKEN: &str = "push-token-123";

fn order(description: &str) -> Value {
    json!({"kind": "issue", "category": "sewage-blockage", "description": description, "poster_code": "dd-hean",
           "contact": {"name": "王阿姨", "phone": "13812341234"}})
}

async fn app(db: infra::Db) -> TestApp {
    db.run(|c| infra::seed::run(c, true)).await.unwrap();
    TestApp::with_config(db, &[("MSB_WECHAT_CALLBACK_TOKEN", TOKEN), ("MSB_PUBLIC_URL", "https://msb.example.cn")])
        .await
}

fn signed(path: &str) -> String {
    use sha1::{Digest, Sha1};
    let (timestamp, nonce) = ("1700000000", "424242");
    let mut parts = [TOKEN, timestamp, nonce];
    parts.sort_unstable();
    let sig = hex::encode(Sha1::digest(parts.concat()));
    format!("{path}?signature={sig}&timestamp={timestamp}&nonce={nonce}")
}

async fn push(app: &TestApp, trace: &str, suggest: &str) -> common::Resp {
    let body = json!({"ToUserName": "gh_1", "FromUserName": "o1", "CreateTime": 1_700_000_000, "MsgType": "event",
                      "Event": "wxa_media_check", "appid": common::APPID, "trace_id": trace, "version": 2,
                      "errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": 20002}});
    app.send(TestRequest::post().uri(&signed("/api/v1/wechat/callback")).set_json(body)).await
}

/// Uploads a small JPEG as the mini-program does.
async fn upload_photo(app: &TestApp, token: &str) -> common::Resp {
    let mut jpeg = Vec::new();
    image::DynamicImage::new_rgb8(16, 16)
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    let boundary = "b0undary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg\"\r\n\r\n").into_bytes();
    body.extend_from_slice(&jpeg);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.send(
        TestRequest::post()
            .uri("/api/v1/media")
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .insert_header((header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}")))
            .set_payload(body),
    )
    .await
}

both_backends! {
    #[actix_web::test]
    async fn risky_text_is_refused_and_review_is_flagged_for_staff(db) {
        let app = app(db).await;
        let resident = app.token_for("jumin").await;
        let r = app.post("/api/v1/orders", order(&format!("楼下{}", wxa::RISKY_WORD)), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, "content.risky"), "{:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "description");
        assert_eq!(app.count("orders").await, 0);

        let flagged = app.post("/api/v1/orders", order(&format!("楼下{}", wxa::REVIEW_WORD)), Some(&resident)).await;
        assert_eq!(flagged.status, 201);
        assert_eq!(flagged.body["moderation"], "review");
        let clean = app.post("/api/v1/orders", order("楼下污水井堵了"), Some(&resident)).await;
        assert!(clean.body["moderation"].is_null());

        let staff = app.token("diandeng", "demo").await;
        let list = app.get("/api/v1/orders?flagged=true", Some(&staff)).await;
        let ids: Vec<&Value> = list.body["items"].as_array().unwrap().iter().map(|o| &o["id"]).collect();
        assert_eq!(ids, vec![&flagged.body["id"]]);
        // Staff write without WeChat: their texts are not sent to it.
        let checked = app.wechat.wx.lock().unwrap().checked.len();
        let r = app.post("/api/v1/orders", order("巡查发现井盖松动"), Some(&app.token("dd-grid1", "demo").await)).await;
        assert_eq!(r.status, 201);
        assert_eq!(app.wechat.wx.lock().unwrap().checked.len(), checked);
    }

    #[actix_web::test]
    async fn wechat_down_never_blocks_a_report_which_is_checked_later(db) {
        let app = app(db).await;
        let resident = app.token_for("jumin").await;
        app.wechat.wx.lock().unwrap().busy = true;
        let a = app.post("/api/v1/orders", order("楼道灯不亮"), Some(&resident)).await;
        let b = app.post("/api/v1/orders", order(&format!("楼下{}", wxa::REVIEW_WORD)), Some(&resident)).await;
        assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
        assert_eq!((a.body["moderation"].as_str(), b.body["moderation"].as_str()), (Some("pending"), Some("pending")));
        // WeChat is back: the dispatcher's pass checks both.
        app.wechat.wx.lock().unwrap().busy = false;
        let check = app.state.content_check.clone().unwrap();
        let report = infra::usecase::moderation::check_pending(&app.state.db, &check).await.unwrap();
        assert_eq!(report.settled, 2);
        let get = |id: &Value| format!("/api/v1/orders/{}", id.as_str().unwrap());
        assert!(app.get(&get(&a.body["id"]), Some(&resident)).await.body["moderation"].is_null());
        assert_eq!(app.get(&get(&b.body["id"]), Some(&resident)).await.body["moderation"], "review");
    }

    #[actix_web::test]
    async fn a_rating_comment_is_checked_too(db) {
        let app = app(db).await;
        let resident = app.token_for("jumin").await;
        let id = app.post("/api/v1/orders", order("楼下污水井堵了"), Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let staff = app.token("diandeng", "demo").await;
        let r = app.post(&format!("/api/v1/orders/{id}/dispatch"), json!({"target": {"type": "pool"}}), Some(&staff)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let party = app.token_for("dangyuan").await;
        for step in ["grab", "arrive"] {
            let r = app.post(&format!("/api/v1/orders/{id}/{step}"), json!({}), Some(&party)).await;
            assert_eq!(r.status, 200, "{step}: {:?}", r.body);
        }
        // The handler's feedback is checked as well: one to review flags the order.
        let feedback = format!("已疏通，{}", wxa::REVIEW_WORD);
        let r = app.post(&format!("/api/v1/orders/{id}/resolve"), json!({"feedback": feedback}), Some(&party)).await;
        assert_eq!((r.status.as_u16(), r.body["moderation"].as_str()), (200, Some("review")), "{:?}", r.body);
        let rating = |comment: &str| json!({"completion": 5, "progress": 5, "effect": 5, "satisfaction": 5, "comment": comment});
        let r = app.post(&format!("/api/v1/orders/{id}/rate"), rating(wxa::RISKY_WORD), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, "content.risky"));
        assert_eq!(r.body["errors"][0]["field"], "comment");
        let r = app.post(&format!("/api/v1/orders/{id}/rate"), rating("很及时，谢谢"), Some(&resident)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }

    #[actix_web::test]
    async fn photos_are_checked_by_a_signed_link_and_a_risky_verdict_withholds_them(db) {
        let app = app(db).await;
        let resident = app.token_for("jumin").await;
        let r = upload_photo(&app, &resident).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let media = r.body["id"].as_str().unwrap().to_owned();
        let asked = app.wechat.wx.lock().unwrap().media_checks.clone();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0]["openid"], "demo-openid-resident");
        let link = asked[0]["media_url"].as_str().unwrap().to_owned();
        let path = link.strip_prefix("https://msb.example.cn").unwrap();
        assert!(path.starts_with(&format!("/api/v1/media/{media}/check?")));
        // WeChat fetches it without a token; a tampered link is refused.
        assert_eq!(app.get(path, None).await.status, 200);
        assert_eq!(app.get(&path.replace("sig=", "sig=0"), None).await.status, 404);
        // Attached to a report, then WeChat pushes "risky".
        let mut o = order("楼下污水井堵了");
        o["photos"] = json!([media]);
        let order_id = app.post("/api/v1/orders", o, Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        assert_eq!(push(&app, "media-trace-1", "risky").await.status, 200);
        let r = app.get(&format!("/api/v1/media/{media}"), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (410, "media.withheld"));
        let staff = app.token("diandeng", "demo").await;
        assert_eq!(app.get(&format!("/api/v1/media/{media}"), Some(&staff)).await.status, 200);
        assert_eq!(app.get(&format!("/api/v1/orders/{order_id}"), Some(&staff)).await.body["moderation"], "risky");
        // Staff look and let it stand: the flag goes and the photo shows again. Others may not clear.
        let clear = format!("/api/v1/orders/{order_id}/moderation/clear");
        assert_eq!(app.post(&clear, json!({}), Some(&resident)).await.code(), "order.forbidden");
        let far = app.token("xialiang", "demo").await;
        assert_eq!(app.post(&clear, json!({}), Some(&far)).await.code(), "order.not_found");
        let r = app.post(&clear, json!({}), Some(&staff)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(r.body["moderation"].is_null());
        assert_eq!(app.get(&format!("/api/v1/media/{media}"), Some(&resident)).await.status, 200);
        assert!(app.get("/api/v1/orders?flagged=true", Some(&staff)).await.body["items"].as_array().unwrap().is_empty());
    }

    #[actix_web::test]
    async fn a_photo_uploaded_while_wechat_is_down_is_sent_for_checking_later(db) {
        let app = app(db).await;
        let resident = app.token_for("jumin").await;
        app.wechat.wx.lock().unwrap().busy = true;
        let r = upload_photo(&app, &resident).await;
        assert_eq!(r.status, 201, "the upload does not wait for WeChat");
        let media = r.body["id"].as_str().unwrap().to_owned();
        assert!(app.wechat.wx.lock().unwrap().media_checks.is_empty());
        app.wechat.wx.lock().unwrap().busy = false;
        let check = app.state.content_check.clone().unwrap();
        assert_eq!(infra::usecase::moderation::check_pending(&app.state.db, &check).await.unwrap().settled, 1);
        assert_eq!(app.wechat.wx.lock().unwrap().media_checks.len(), 1);
        // Its verdict arrives like any other.
        assert_eq!(push(&app, "media-trace-1", "risky").await.status, 200);
        let r = app.get(&format!("/api/v1/media/{media}"), Some(&resident)).await;
        assert_eq!(r.code(), "media.withheld");
    }

    #[actix_web::test]
    async fn pushes_must_carry_the_tokens_signature(db) {
        let app = app(db).await;
        let r = app.send(TestRequest::get().uri(&format!("{}&echostr=hello-wechat", signed("/api/v1/wechat/callback")))).await;
        assert_eq!((r.status.as_u16(), r.bytes.as_slice()), (200, &b"hello-wechat"[..]));
        let forged = "/api/v1/wechat/callback?signature=0000&timestamp=1&nonce=2&echostr=x";
        let r = app.get(forged, None).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "wechat.bad_signature"));
        let r = app.post(forged, json!({"Event": "wxa_media_check", "trace_id": "t", "result": {"suggest": "pass"}}), None).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "wechat.bad_signature"));
        // An unknown trace id or another event is acknowledged, not acted on.
        assert_eq!(push(&app, "no-such-trace", "risky").await.bytes, b"success");
        let other = app.send(TestRequest::post().uri(&signed("/api/v1/wechat/callback")).set_json(json!({"Event": "user_enter_tempsession"}))).await;
        assert_eq!(other.status, 200);
    }
}

#[actix_web::test]
async fn without_a_token_there_is_no_callback() {
    let guard = infra::testing::TestDb::sqlite();
    let app = TestApp::new(guard.db()).await;
    let r = app.get("/api/v1/wechat/callback?signature=a&timestamp=b&nonce=c&echostr=d", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "route.not_found"));
}
