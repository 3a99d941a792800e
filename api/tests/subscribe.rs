//! WeChat subscribe messages at the wire, on both backends, against the fake
//! WeChat of wechat.md: acceptances recorded and used one per message; no
//! acceptance, no send; a refused token is replaced and the send retried once;
//! a busy WeChat is retried later; a refusal (43101) is not retried.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::{json, Value};

fn banked(list: &Value, template: &str) -> i64 {
    list.as_array().unwrap().iter().find(|s| s["template"] == template).unwrap()["banked"].as_i64().unwrap()
}

async fn dispatch(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> infra::notify::DispatchReport {
    infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, at).await.unwrap()
}

/// A new order from the resident, taken by the grid worker: `order.accepted` to the resident.
async fn accepted_order(app: &TestApp, resident: &str) -> String {
    let staff = app.token("diandeng", "demo").await;
    let worker = app.token("dd-grid1", "demo").await;
    let order = app
        .post(
            "/api/v1/orders",
            json!({
                "kind": "issue", "category": "sewage-blockage", "description": "污水井堵了", "poster_code": "dd-hean",
                "contact": {"name": "王阿姨", "phone": "13812341234"}
            }),
            Some(resident),
        )
        .await;
    let id = order.body["id"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/orders/{id}/dispatch"),
        json!({"target": {"type": "grid_worker", "id": me}}),
        Some(&staff),
    )
    .await;
    let accepted = app.post(&format!("/api/v1/orders/{id}/accept"), json!({}), Some(&worker)).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    id
}

both_backends! {
    #[actix_web::test]
    async fn accepted_templates_carry_one_message_each_through_token_expiry_and_busy_spells(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let list = app.get("/api/v1/me/subscriptions", Some(&resident)).await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body.as_array().unwrap().len(), domain::order::notify::Template::ALL.len(), "every notification has a demo template in dev");
        assert_eq!(banked(&list.body, "order.accepted"), 0);

        let unknown = app.post("/api/v1/me/subscriptions", json!({"results": {"nope": "accept"}}), Some(&resident)).await;
        assert_eq!((unknown.status.as_u16(), unknown.body["errors"][0]["field"].as_str()), (422, Some("results.nope")));
        let empty = app.post("/api/v1/me/subscriptions", json!({"results": {}}), Some(&resident)).await;
        assert_eq!(empty.status, 422);
        let answer = json!({"results": {"demo-accepted": "accept", "demo-arrived": "reject", "demo-resolved": "accept"}});
        let recorded = app.post("/api/v1/me/subscriptions", answer, Some(&resident)).await;
        assert_eq!(recorded.status, 200, "{:?}", recorded.body);
        assert_eq!((banked(&recorded.body, "order.accepted"), banked(&recorded.body, "order.arrived")), (1, 0));

        // Accepted: one message, carried by the acceptance.
        let id = accepted_order(&app, &resident).await;
        dispatch(&app, infra::ids::now_utc()).await;
        let messages = app.wechat.messages();
        assert_eq!(messages.len(), 1, "{messages:?}");
        let m = &messages[0];
        assert_eq!((m["touser"].as_str(), m["template_id"].as_str()), (Some("demo-openid-resident"), Some("demo-accepted")));
        assert_eq!(m["page"].as_str().unwrap(), format!("pages/order/detail?id={id}"));
        assert_eq!(m["data"]["phrase3"]["value"], "已接单");
        let number = app.get(&format!("/api/v1/orders/{id}"), Some(&resident)).await.body["number"].clone();
        assert_eq!(m["data"]["character_string1"]["value"], number);
        assert!(m["data"]["time4"]["value"].as_str().unwrap().contains('年'), "WeChat's time format");
        assert_eq!(m["miniprogram_state"], "developer");
        assert_eq!(banked(&app.get("/api/v1/me/subscriptions", Some(&resident)).await.body, "order.accepted"), 0);

        // Arrived: refused in the mini-program, so nothing goes to WeChat; the inbox still has it.
        let worker = app.token("dd-grid1", "demo").await;
        app.post(&format!("/api/v1/orders/{id}/arrive"), json!({}), Some(&worker)).await;
        dispatch(&app, infra::ids::now_utc()).await;
        assert_eq!(app.wechat.messages().len(), 1);
        let inbox = app.get("/api/v1/me/notifications", Some(&resident)).await;
        assert_eq!(inbox.body["items"][0]["template"], "order.arrived");

        // WeChat forgets the token: the send is refused (40001), the token replaced, the send retried once.
        app.wechat.expire_tokens();
        app.post(&format!("/api/v1/orders/{id}/resolve"), json!({"feedback": "已疏通"}), Some(&worker)).await;
        let report = dispatch(&app, infra::ids::now_utc()).await;
        assert_eq!((report.sent, report.retried), (1, 0));
        assert_eq!(app.wechat.tokens_issued(), 2, "one token, then one more after the refusal");
        assert_eq!(app.wechat.messages().len(), 2);
        assert_eq!(app.wechat.messages()[1]["data"]["thing4"]["value"], "办结了，请您评价");

        // Busy: the attempt fails, the acceptance is given back, and the retry sends it.
        app.post("/api/v1/me/subscriptions", json!({"results": {"demo-accepted": "accept"}}), Some(&resident)).await;
        app.wechat.wx.lock().unwrap().busy = true;
        accepted_order(&app, &resident).await;
        let now = infra::ids::now_utc();
        assert_eq!(dispatch(&app, now).await.retried, 1);
        assert_eq!(banked(&app.get("/api/v1/me/subscriptions", Some(&resident)).await.body, "order.accepted"), 1);
        app.wechat.wx.lock().unwrap().busy = false;
        assert_eq!(dispatch(&app, now + chrono::Duration::seconds(13)).await.sent, 1);
        assert_eq!(app.wechat.messages().len(), 3);
        assert_eq!(banked(&app.get("/api/v1/me/subscriptions", Some(&resident)).await.body, "order.accepted"), 0);
        assert_eq!(app.wechat.tokens_issued(), 2, "the token is reused");

        // Refused by WeChat (43101): not retried, the acceptance not used up.
        app.state.db.write(|c| infra::testing::execute(c, "UPDATE users SET wechat_openid = 'demo-openid-refuser' WHERE username = 'jumin'")).await.unwrap();
        app.post("/api/v1/me/subscriptions", json!({"results": {"demo-accepted": "accept"}}), Some(&resident)).await;
        accepted_order(&app, &resident).await;
        let report = dispatch(&app, infra::ids::now_utc()).await;
        assert_eq!((report.sent, report.retried, report.dead), (3, 0, 0), "submitted, dispatched, accepted: done, the inbox has them");
        assert_eq!(app.wechat.messages().len(), 3);
        assert_eq!(banked(&app.get("/api/v1/me/subscriptions", Some(&resident)).await.body, "order.accepted"), 1);
    }
}
