//! The in-app inbox through HTTP, on both backends: a new order reaches the
//! community staff's inbox once dispatched; reading marks it; nobody else's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::json;

both_backends! {
    #[actix_web::test]
    async fn staff_are_told_of_a_new_order_and_the_reporter_of_its_progress(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let staff = app.token("diandeng", "demo").await;
        let other = app.token("xialiang", "demo").await;
        let order = app.post("/api/v1/orders", json!({
            "kind": "issue", "category": "sewage-blockage", "description": "污水井堵了", "poster_code": "dd-hean",
            "contact": {"name": "王阿姨", "phone": "13812341234"}
        }), Some(&resident)).await;
        let id = order.body["id"].as_str().unwrap().to_owned();

        // Nothing is in any inbox until the dispatcher runs (transitions only write the outbox).
        assert_eq!(app.get("/api/v1/me/notifications/unread-count", Some(&staff)).await.body["unread"], 0);
        let sent = infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, infra::ids::now_utc()).await.unwrap();
        assert_eq!(sent.sent, 1);

        let inbox = app.get("/api/v1/me/notifications", Some(&staff)).await;
        assert_eq!(inbox.status, 200, "{:?}", inbox.body);
        let item = &inbox.body["items"][0];
        assert_eq!((item["template"].as_str(), item["title"].as_str()), (Some("order.submitted"), Some("有新的工单待派单")));
        assert_eq!(item["order_id"].as_str(), Some(id.as_str()));
        assert_eq!(item["payload"]["status"], "submitted");
        assert_eq!(app.get("/api/v1/me/notifications/unread-count", Some(&staff)).await.body["unread"], 1);
        assert_eq!(app.get("/api/v1/me/notifications", Some(&other)).await.body["items"].as_array().unwrap().len(), 0, "another community hears nothing");

        let nid = item["id"].as_str().unwrap().to_owned();
        let theirs = app.post(&format!("/api/v1/me/notifications/{nid}/read"), json!({}), Some(&other)).await;
        assert_eq!((theirs.status.as_u16(), theirs.code()), (404, "notification.not_found"));
        let read = app.post(&format!("/api/v1/me/notifications/{nid}/read"), json!({}), Some(&staff)).await;
        assert_eq!(read.status, 204);
        assert_eq!(app.get("/api/v1/me/notifications/unread-count", Some(&staff)).await.body["unread"], 0);
        assert_eq!(app.get("/api/v1/me/notifications?unread=true", Some(&staff)).await.body["items"].as_array().unwrap().len(), 0);

        // The reporter hears that it was accepted and resolved.
        let worker = app.token("dd-grid1", "demo").await;
        let me = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
        app.post(&format!("/api/v1/orders/{id}/dispatch"), json!({"target": {"type": "grid_worker", "id": me}}), Some(&staff)).await;
        app.post(&format!("/api/v1/orders/{id}/accept"), json!({}), Some(&worker)).await;
        app.post(&format!("/api/v1/orders/{id}/resolve"), json!({"feedback": "已疏通"}), Some(&worker)).await;
        infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, infra::ids::now_utc()).await.unwrap();
        let heard = app.get("/api/v1/me/notifications", Some(&resident)).await;
        let templates: Vec<&str> = heard.body["items"].as_array().unwrap().iter().map(|n| n["template"].as_str().unwrap()).collect();
        assert_eq!(templates, ["order.resolved", "order.accepted"], "newest first");
        assert_eq!(app.get("/api/v1/me/notifications", Some(&worker)).await.body["items"][0]["template"], "order.dispatched");
        let all = app.post("/api/v1/me/notifications/read-all", json!({}), Some(&resident)).await;
        assert_eq!(all.body["marked"], 2);
    }
}
