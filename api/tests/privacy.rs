//! The residents' rights under PIPL on both backends: the notice, the export,
//! deleting an account, and the retention period the sweeper applies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::{json, Value};

fn report(description: &str, phone: &str) -> Value {
    json!({"kind": "issue", "category": "sewage-blockage", "description": description, "poster_code": "dd-hean",
           "contact": {"name": "王阿姨", "phone": phone}, "location": {"address": "和安小区 3 栋 2 单元 501"}})
}

async fn submit(app: &TestApp, token: &str, description: &str, phone: &str) -> String {
    let r = app.post("/api/v1/orders", report(description, phone), Some(token)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn contact(app: &TestApp, staff: &str, id: &str) -> Value {
    let r = app.get(&format!("/api/v1/orders/{id}"), Some(staff)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["contact"].clone()
}

both_backends! {
    #[actix_web::test]
    async fn the_notice_names_the_controller_the_contact_and_the_retention(db) {
        let app = TestApp::with_config(db, &[("MSB_RETENTION_DAYS", "30"), ("MSB_PRIVACY_CONTACT", "0771-5550000")]).await;
        let r = app.get("/api/v1/privacy", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["retention_days"], 30);
        assert_eq!(r.body["contact"], "0771-5550000");
        let purposes = r.body["purposes"].as_array().unwrap();
        assert!(purposes.iter().any(|p| p["data"].as_str().unwrap().contains("手机号") && p["kept"] == "诉求办结后 30 天"), "{purposes:?}");
        let rights: Vec<&str> = r.body["rights"].as_array().unwrap().iter().map(|x| x["how"].as_str().unwrap()).collect();
        assert!(rights.contains(&"GET /api/v1/me/export") && rights.contains(&"DELETE /api/v1/me"), "{rights:?}");
    }

    #[actix_web::test]
    async fn the_export_holds_everything_about_the_caller_and_nothing_about_others(db) {
        let app = TestApp::seeded(db).await;
        let (mine, other) = (app.token_for("jumin").await, app.token_for("dangyuan").await);
        let a = submit(&app, &mine, "楼道灯坏了", "13812341234").await;
        let b = submit(&app, &mine, "垃圾没清", "13812341234").await;
        submit(&app, &other, "别人的诉求", "13900001111").await;
        let r = app.get("/api/v1/me/export", Some(&mine)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(r.headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
        assert_eq!(r.body["profile"]["display_name"], app.get("/api/v1/me", Some(&mine)).await.body["display_name"]);
        let orders = r.body["orders"].as_array().unwrap();
        let ids: Vec<&str> = orders.iter().map(|o| o["order"]["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [a.as_str(), b.as_str()], "only the caller's, oldest first");
        assert_eq!(orders[0]["order"]["contact"]["phone"], "13812341234", "their own phone, unmasked");
        assert_eq!(orders[0]["events"][0]["type"], "submitted", "{:?}", orders[0]["events"]);
        assert!(!String::from_utf8_lossy(&r.bytes).contains("13900001111"), "another resident's phone");
        for part in ["notifications", "subscriptions", "uploads"] {
            assert!(r.body[part].is_array(), "{part}");
        }
        let anonymous = app.get("/api/v1/me/export", None).await;
        assert_eq!(anonymous.status, 401);
    }

    #[actix_web::test]
    async fn deleting_an_account_erases_the_person_and_keeps_the_orders(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let staff = app.token("diandeng", "demo").await;
        let user = app.get("/api/v1/me", Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let id = submit(&app, &resident, "楼道灯坏了", "13812341234").await;
        // Accepted: the reporter is told (an inbox row that deleting must take with it).
        let worker = app.token("dd-grid1", "demo").await;
        let wid = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
        let target = json!({"target": {"type": "grid_worker", "id": wid}});
        assert_eq!(app.post(&format!("/api/v1/orders/{id}/dispatch"), target, Some(&staff)).await.status, 200);
        assert_eq!(app.post(&format!("/api/v1/orders/{id}/accept"), json!({}), Some(&worker)).await.status, 200);
        infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, chrono::Utc::now()).await.unwrap();
        let sql = format!("SELECT CAST(COUNT(*) AS TEXT) AS a, '' AS b, '' AS c FROM notifications WHERE user_id = '{user}'");
        let had = app.state.db.run(move |c| infra::testing::query_strings(c, &sql)).await.unwrap();
        assert_ne!(had[0][0], "0", "the resident was told of the submission");
        let orders_before = app.count("orders").await;
        assert_eq!(contact(&app, &staff, &id).await["phone"], "138****1234", "overseeing staff see it masked");

        let r = app.delete("/api/v1/me", Some(&resident)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["orders_erased"], 1);
        let me = app.get("/api/v1/me", Some(&resident)).await;
        assert_eq!((me.status.as_u16(), me.code()), (401, "auth.user_disabled"), "its tokens stop at once");

        let c = contact(&app, &staff, &id).await;
        assert_eq!((c["erased"].as_bool(), c["phone"].is_null(), c["name"].as_str()), (Some(true), true, Some("已删除")), "{c}");
        let order = app.get(&format!("/api/v1/orders/{id}"), Some(&staff)).await;
        assert!(order.body["location"]["address"].is_null(), "{:?}", order.body["location"]);
        assert_eq!(app.count("orders").await, orders_before, "the order stays for the statistics");
        let stored = app.state.db.run(|c| infra::testing::query_strings(c,
            "SELECT display_name AS a, COALESCE(wechat_openid, '') AS b, COALESCE(phone, '') AS c FROM users WHERE username IS NULL AND disabled")).await.unwrap();
        assert!(stored.iter().any(|r| r[0] == "已注销用户" && r[1].is_empty() && r[2].is_empty()), "{stored:?}");
        let sql = format!("SELECT CAST(COUNT(*) AS TEXT) AS a, '' AS b, '' AS c FROM notifications WHERE user_id = '{user}'");
        let left = app.state.db.run(move |c| infra::testing::query_strings(c, &sql)).await.unwrap();
        assert_eq!(left[0][0], "0", "their notifications are gone");

        let own = app.delete("/api/v1/me", Some(&staff)).await;
        assert_eq!((own.status.as_u16(), own.code()), (409, "privacy.staff_account"));
        assert_eq!(app.get("/api/v1/me", Some(&staff)).await.status, 200, "the refusal changed nothing");
    }

    #[actix_web::test]
    async fn the_sweeper_erases_contacts_of_orders_closed_longer_than_the_retention(db) {
        let app = TestApp::with_config(db, &[("MSB_RETENTION_DAYS", "180")]).await;
        app.state.db.run(|c| infra::seed::run(c, true)).await.unwrap();
        let resident = app.token_for("jumin").await;
        let staff = app.token("diandeng", "demo").await;
        let old = submit(&app, &resident, "去年的诉求", "13812341234").await;
        let recent = submit(&app, &resident, "上个月的诉求", "13812341234").await;
        let open = submit(&app, &resident, "还在办的诉求", "13812341234").await;
        let close = |id: &str, at: &str| format!("UPDATE orders SET status = 'closed', closed_at = '{at}' WHERE id = '{id}'");
        let (a, b) = (close(&old, "2025-01-02 03:04:05"), close(&recent, &(chrono::Utc::now() - chrono::Duration::days(30)).format("%Y-%m-%d %H:%M:%S").to_string()));
        app.state.db.run(move |c| { infra::testing::execute(c, &a)?; infra::testing::execute(c, &b) }).await.unwrap();

        let swept = api::serve::sweep_once(&app.state).await.unwrap();
        assert_eq!(swept.contacts_erased, 1, "{swept:?}");
        assert_eq!(contact(&app, &staff, &old).await["erased"], true);
        assert_eq!(contact(&app, &resident, &recent).await["phone"], "13812341234", "closed 30 days ago: kept");
        assert_eq!(contact(&app, &resident, &open).await["phone"], "13812341234", "not closed: kept");
        let again = infra::usecase::privacy::erase_expired(&app.state.db, chrono::Utc::now(), 180).await.unwrap();
        assert_eq!(again, 0, "erased once");
        let never = infra::usecase::privacy::erase_expired(&app.state.db, chrono::Utc::now(), 0).await.unwrap();
        assert_eq!(never, 0);
    }
}
