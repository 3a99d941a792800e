//! Urgent orders: some items are urgent by default, staff may choose, and an
//! urgent order runs the 15-minute response clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::TestApp;
use infra::both_backends;
use serde_json::{json, Value};

fn order(item: &str) -> Value {
    json!({"kind": "issue", "category": item, "description": "需要处理", "poster_code": "dd-hean",
           "contact": {"name": "王阿姨", "phone": "13812341234"}})
}

fn response_minutes(o: &Value) -> i64 {
    let at = |k: &str| o[k].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    (at("response_due_at") - at("submitted_at")).num_minutes()
}

both_backends! {
    #[actix_web::test]
    async fn urgent_items_and_staff_choices_run_the_fifteen_minute_clock(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        // Sewage on the road is urgent by default; a street light is not (60 minutes).
        let r = app.post("/api/v1/orders", order("sewage-blockage"), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.body["priority"].as_str()), (201, Some("urgent")), "{:?}", r.body);
        assert_eq!(response_minutes(&r.body), 15);
        let r = app.post("/api/v1/orders", order("street-light"), Some(&resident)).await;
        assert_eq!(r.body["priority"], "normal");
        let normal = response_minutes(&r.body);
        assert!(normal > 15, "{normal}");
        // A resident cannot ask for urgent (everyone would).
        let mut asked = order("street-light");
        asked["priority"] = json!("urgent");
        let r = app.post("/api/v1/orders", asked.clone(), Some(&resident)).await;
        assert_eq!(r.status, 422);
        assert_eq!((r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["code"].as_str()), (Some("priority"), Some("staff_only")));
        // Staff on patrol may.
        let grid = app.token("dd-grid1", "demo").await;
        let r = app.post("/api/v1/orders", asked, Some(&grid)).await;
        assert_eq!((r.status.as_u16(), r.body["priority"].as_str()), (201, Some("urgent")), "{:?}", r.body);
        assert_eq!(response_minutes(&r.body), 15);
        let mut bad = order("street-light");
        bad["priority"] = json!("asap");
        assert_eq!(app.post("/api/v1/orders", bad, Some(&grid)).await.status, 422);
    }

    #[actix_web::test]
    async fn staff_make_an_open_order_urgent_and_back(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let o = app.post("/api/v1/orders", order("street-light"), Some(&resident)).await.body;
        let path = format!("/api/v1/orders/{}/prioritize", o["id"].as_str().unwrap());
        let staff = app.token("diandeng", "demo").await;
        let r = app.post(&path, json!({"priority": "urgent"}), Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.body["priority"].as_str()), (200, Some("urgent")), "{:?}", r.body);
        assert!(response_minutes(&r.body) <= 16, "15 minutes from now: {}", response_minutes(&r.body));
        let events = app.get(&format!("/api/v1/orders/{}/events", o["id"].as_str().unwrap()), Some(&resident)).await.body;
        let last = events.as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["type"].as_str(), &last["data"]), (Some("prioritized"), &json!({"from": "normal", "to": "urgent"})));
        // Once more the same: a conflict; a resident or staff elsewhere may not.
        assert_eq!(app.post(&path, json!({"priority": "urgent"}), Some(&staff)).await.code(), "order.invalid_transition");
        assert_eq!(app.post(&path, json!({"priority": "normal"}), Some(&resident)).await.code(), "order.forbidden");
        let far = app.token("xialiang", "demo").await;
        assert_eq!(app.post(&path, json!({"priority": "normal"}), Some(&far)).await.code(), "order.not_found");
        assert_eq!(app.post(&path, json!({"priority": "soon"}), Some(&staff)).await.status, 422);
        let r = app.post(&path, json!({"priority": "normal"}), Some(&staff)).await;
        assert_eq!((r.body["priority"].as_str(), response_minutes(&r.body)), (Some("normal"), 60));
    }

    #[actix_web::test]
    async fn staff_list_what_falls_due_soon_apart_from_what_is_overdue(db) {
        let app = TestApp::seeded(db.clone()).await;
        let resident = app.token_for("jumin").await;
        let urgent = app.post("/api/v1/orders", order("sewage-blockage"), Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let normal = app.post("/api/v1/orders", order("street-light"), Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let late = app.post("/api/v1/orders", order("street-light"), Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let sql = format!("UPDATE orders SET response_due_at = '2020-01-01 00:00:00' WHERE id = '{late}'");
        db.run(move |c| infra::testing::execute(c, &sql)).await.unwrap();
        let staff = app.token("diandeng", "demo").await;
        let ids = |body: &Value| -> Vec<String> {
            let mut v: Vec<String> = body["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
            v.sort();
            v
        };
        let sorted = |mut v: Vec<String>| { v.sort(); v };
        assert_eq!(ids(&app.get("/api/v1/orders?due_within=30m", Some(&staff)).await.body), vec![urgent.clone()]);
        assert_eq!(ids(&app.get("/api/v1/orders?due_within=2h", Some(&staff)).await.body), sorted(vec![urgent, normal]));
        // The overdue one is in the overdue list, not among those about to fall due... except by its
        // resolve clock, which is still days away.
        assert_eq!(ids(&app.get("/api/v1/orders?overdue=true", Some(&staff)).await.body), vec![late]);
        let r = app.get("/api/v1/orders?due_within=2weeks", Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("due_within")));
    }

    #[actix_web::test]
    async fn admins_mark_items_urgent_by_default(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let tree = app.get("/api/v1/categories", None).await.body;
        let items: Vec<&Value> = tree.as_array().unwrap().iter().flat_map(|c| c["items"].as_array().unwrap()).collect();
        let light = items.iter().find(|i| i["code"] == "street-light").unwrap();
        assert_eq!(light["urgent"], false);
        let id = light["id"].as_str().unwrap();
        let r = app.patch(&format!("/api/v1/category-items/{id}"), json!({"urgent": true}), Some(&admin)).await;
        assert_eq!((r.status.as_u16(), r.body["urgent"].as_bool()), (200, Some(true)), "{:?}", r.body);
        let resident = app.token_for("jumin").await;
        let r = app.post("/api/v1/orders", order("street-light"), Some(&resident)).await;
        assert_eq!((r.body["priority"].as_str(), response_minutes(&r.body)), (Some("urgent"), 15));
        let labels = app.get("/api/v1/labels", None).await.body;
        assert_eq!(labels["priority"][1], json!({"value": "urgent", "label": "紧急"}));
    }
}
