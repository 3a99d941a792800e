//! Webhooks at the wire, on both backends: a registered receiver gets each
//! matching notification once, signed so it can check who sent it; a receiver
//! that is down is retried and served once it is back; the API answers at once
//! whatever the receiver does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use common::TestApp;
use hmac::{Hmac, Mac};
use infra::both_backends;
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "a-receiver-secret-0123";

/// (delivery id, timestamp, signature, body) of each request received.
type Received = (String, String, String, String);

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    down: Arc<AtomicBool>,
}

async fn receive(state: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if state.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = String::from_utf8(body.to_vec()).unwrap();
    state.got.lock().unwrap().push((
        header("x-mashangban-delivery"),
        header("x-mashangban-timestamp"),
        header("x-mashangban-signature"),
        body,
    ));
    HttpResponse::NoContent().finish()
}

async fn start_receiver() -> (String, Receiver) {
    let receiver = Receiver::default();
    let data = web::Data::new(receiver.clone());
    let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hook", web::post().to(receive)))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    (format!("http://127.0.0.1:{port}/hook"), receiver)
}

fn verify(timestamp: &str, signature: &str, body: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    signature == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn order() -> Value {
    json!({"kind": "issue", "category": "sewage-blockage", "description": "污水井堵了", "poster_code": "dd-hean",
           "contact": {"name": "王阿姨", "phone": "13812341234"}})
}

both_backends! {
    #[actix_web::test]
    async fn a_receiver_gets_signed_notifications_and_is_retried_when_down(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let resident = app.token_for("jumin").await;
        let (url, receiver) = start_receiver().await;
        let community = app.region_id("diandeng").await;

        let bad = app.post("/api/v1/webhooks", json!({"url": "not a url", "events": [], "secret": "short"}), Some(&admin)).await;
        let fields: Vec<&str> = bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!((bad.status.as_u16(), fields), (422, vec!["events", "url"]), "shape first: {:?}", bad.body);
        let staff = app.token("diandeng", "demo").await;
        let refused = app.post("/api/v1/webhooks", json!({"url": url, "events": ["order.submitted"], "secret": SECRET}), Some(&staff)).await;
        assert_eq!(refused.status, 403, "only admins register webhooks");

        let created = app.post("/api/v1/webhooks", json!({"url": url, "events": ["order.submitted"], "secret": SECRET, "region_id": community}), Some(&admin)).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert!(created.body.get("secret").is_none(), "the secret is never shown");
        assert_eq!(app.get("/api/v1/webhooks", Some(&admin)).await.body.as_array().unwrap().len(), 1);

        let first = app.post("/api/v1/orders", order(), Some(&resident)).await;
        let sent = infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, infra::ids::now_utc()).await.unwrap();
        assert_eq!((sent.sent, sent.retried), (1, 0));
        {
            let got = receiver.got.lock().unwrap();
            assert_eq!(got.len(), 1);
            let (delivery, timestamp, signature, body) = &got[0];
            assert!(verify(timestamp, signature, body), "the signature checks out");
            let body: Value = serde_json::from_str(body).unwrap();
            assert_eq!((body["template"].as_str(), body["order_id"].as_str()), (Some("order.submitted"), first.body["id"].as_str()));
            assert_eq!(&body["id"].as_str().unwrap(), delivery);
            assert!(!verify(timestamp, signature, &body.to_string().replace("submitted", "closed")), "a changed body fails");
        }

        // Down: the API still answers at once; the dispatcher retries later and delivers once back.
        receiver.down.store(true, Ordering::SeqCst);
        let second = app.post("/api/v1/orders", order(), Some(&resident)).await;
        assert_eq!(second.status, 201);
        let now = infra::ids::now_utc();
        let failed = infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, now).await.unwrap();
        assert_eq!((failed.sent, failed.retried), (0, 1));
        receiver.down.store(false, Ordering::SeqCst);
        let later = infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, now + chrono::Duration::seconds(13)).await.unwrap();
        assert_eq!(later.sent, 1);
        assert_eq!(receiver.got.lock().unwrap().len(), 2);
        // The inbox was told once, however often the row was retried.
        let inbox = app.get("/api/v1/me/notifications", Some(&staff)).await;
        assert_eq!(inbox.body["items"].as_array().unwrap().len(), 2);

        // Removed: nothing more arrives.
        let id = created.body["id"].as_str().unwrap();
        assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}"), Some(&admin)).await.status, 204);
        app.post("/api/v1/orders", order(), Some(&resident)).await;
        infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, infra::ids::now_utc()).await.unwrap();
        assert_eq!(receiver.got.lock().unwrap().len(), 2);
    }

    #[actix_web::test]
    async fn admins_see_which_channel_failed_and_retry_the_dead(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let staff = app.token("diandeng", "demo").await;
        let resident = app.token_for("jumin").await;
        let (url, receiver) = start_receiver().await;
        app.post("/api/v1/webhooks", json!({"url": url, "events": ["order.submitted"], "secret": SECRET}), Some(&admin)).await;
        receiver.down.store(true, Ordering::SeqCst);
        app.post("/api/v1/orders", order(), Some(&resident)).await;
        let config = app.state.notify.clone();
        let mut at = infra::ids::now_utc();
        for _ in 0..domain::delivery::MAX_ATTEMPTS {
            infra::usecase::notifications::dispatch(&app.state.db, &config, at).await.unwrap();
            at += chrono::Duration::hours(2);
        }

        assert_eq!(app.get("/api/v1/deliveries", Some(&staff)).await.status, 403, "operators only");
        let bad = app.get("/api/v1/deliveries?status=lost", Some(&admin)).await;
        assert_eq!((bad.status.as_u16(), bad.body["errors"][0]["field"].as_str()), (422, Some("status")));
        let dead = app.get("/api/v1/deliveries?status=dead&channel=webhook", Some(&admin)).await;
        assert_eq!(dead.status, 200, "{:?}", dead.body);
        let item = &dead.body["items"][0];
        assert_eq!((item["status"].as_str(), item["attempts"].as_i64()), (Some("dead"), Some(8)));
        let channels: Vec<(String, String)> = item["channels"].as_array().unwrap().iter()
            .map(|c| (c["channel"].as_str().unwrap().to_owned(), c["status"].as_str().unwrap().to_owned())).collect();
        assert_eq!(channels, [("inbox".to_owned(), "sent".to_owned()), ("webhook".to_owned(), "dead".to_owned())]);
        assert!(item["channels"][1]["last_error"].as_str().unwrap().contains("503"), "{item}");
        assert_eq!(app.get("/api/v1/deliveries?status=dead&channel=wecom", Some(&admin)).await.body["items"], json!([]));

        let id = item["id"].as_str().unwrap();
        assert_eq!(app.post(&format!("/api/v1/deliveries/{id}/retry"), json!({}), Some(&staff)).await.status, 403);
        receiver.down.store(false, Ordering::SeqCst);
        let retried = app.post(&format!("/api/v1/deliveries/{id}/retry"), json!({}), Some(&admin)).await;
        assert_eq!((retried.status.as_u16(), retried.body["status"].as_str()), (200, Some("pending")), "{:?}", retried.body);
        let again = app.post(&format!("/api/v1/deliveries/{id}/retry"), json!({}), Some(&admin)).await;
        assert_eq!((again.status.as_u16(), again.code()), (409, "delivery.not_dead"));
        let unknown = app.post(&format!("/api/v1/deliveries/{}/retry", uuid::Uuid::nil()), json!({}), Some(&admin)).await;
        assert_eq!((unknown.status.as_u16(), unknown.code()), (404, "delivery.not_found"));

        let sent = infra::usecase::notifications::dispatch(&app.state.db, &config, infra::ids::now_utc() + chrono::Duration::seconds(1)).await.unwrap();
        assert_eq!(sent.sent, 1);
        assert_eq!(receiver.got.lock().unwrap().len(), 1, "delivered once back");
        let inbox = app.get("/api/v1/me/notifications", Some(&staff)).await;
        assert_eq!(inbox.body["items"].as_array().unwrap().len(), 1, "the inbox was not told again");
        let done = app.get("/api/v1/deliveries?status=sent", Some(&admin)).await;
        assert_eq!(done.body["items"][0]["channels"][1]["attempts"], 9);
    }

    #[actix_web::test]
    async fn the_community_staff_group_hears_of_new_orders_through_its_wecom_robot(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let resident = app.token_for("jumin").await;
        let (base, robot) = start_wecom().await;
        let notify = infra::usecase::notifications::NotifyConfig { wecom_api_base: base, ..app.state.notify.clone() };
        let community = app.region_id("diandeng").await;
        let grid = app.region_id("diandeng-g1").await;

        let refused = app.post("/api/v1/wecom-robots", json!({"region_id": grid, "key": "robot-key-0001"}), Some(&admin)).await;
        assert_eq!(refused.status, 422, "a grid has no robot: {:?}", refused.body);
        let set = app.post("/api/v1/wecom-robots", json!({"region_id": community, "key": "robot-key-0001"}), Some(&admin)).await;
        assert_eq!(set.status, 200, "{:?}", set.body);
        assert!(set.body.get("key").is_none(), "the key is never shown");

        let submitted = app.post("/api/v1/orders", order(), Some(&resident)).await;
        let number = submitted.body["number"].as_str().unwrap().to_owned();
        infra::usecase::notifications::dispatch(&app.state.db, &notify, infra::ids::now_utc()).await.unwrap();
        {
            let got = robot.got.lock().unwrap();
            assert_eq!(got.len(), 1);
            let (key, _, _, body) = &got[0];
            let body: Value = serde_json::from_str(body).unwrap();
            assert_eq!((key.as_str(), body["msgtype"].as_str()), ("robot-key-0001", Some("markdown")));
            let content = body["markdown"]["content"].as_str().unwrap();
            assert!(content.contains("有新的工单待派单") && content.contains(&number) && content.contains("待派单"), "{content}");
        }
        // WeCom's rate limit (45009) is a failure to retry, not a success.
        robot.down.store(true, Ordering::SeqCst);
        app.post("/api/v1/orders", order(), Some(&resident)).await;
        let limited = infra::usecase::notifications::dispatch(&app.state.db, &notify, infra::ids::now_utc()).await.unwrap();
        assert_eq!((limited.sent, limited.retried), (0, 1));

        assert_eq!(app.get("/api/v1/wecom-robots", Some(&admin)).await.body.as_array().unwrap().len(), 1);
        assert_eq!(app.delete(&format!("/api/v1/wecom-robots/{community}"), Some(&admin)).await.status, 204);
        assert_eq!(app.delete(&format!("/api/v1/wecom-robots/{community}"), Some(&admin)).await.status, 404);
    }
}

async fn wecom_send(state: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if state.down.load(Ordering::SeqCst) {
        return HttpResponse::Ok().json(json!({"errcode": 45009, "errmsg": "api freq out of limit"}));
    }
    let key = req.query_string().strip_prefix("key=").unwrap_or_default().to_owned();
    state.got.lock().unwrap().push((key, String::new(), String::new(), String::from_utf8(body.to_vec()).unwrap()));
    HttpResponse::Ok().json(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn start_wecom() -> (String, Receiver) {
    let receiver = Receiver::default();
    let data = web::Data::new(receiver.clone());
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/cgi-bin/webhook/send", web::post().to(wecom_send))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    (format!("http://127.0.0.1:{port}"), receiver)
}
