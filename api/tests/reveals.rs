//! Staff over an order see the phone masked; a reveal answers it in full and
//! is recorded (who, when, which order, why) for supervisors. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::json;

both_backends! {
    #[actix_web::test]
    async fn overseers_see_a_masked_phone_and_reveal_it_on_the_record(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let community = app.token("diandeng", "demo").await;
        let other_community = app.token("xialiang", "demo").await;
        let street = app.token("jiangnan", "demo").await;
        let worker = app.token("dd-grid1", "demo").await;
        let body = json!({"kind": "issue", "category": "sewage-blockage", "description": "污水井堵了", "poster_code": "dd-hean",
                          "contact": {"name": "王阿姨", "phone": "13812341234"}});
        let id = app.post("/api/v1/orders", body, Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let order = format!("/api/v1/orders/{id}");
        let reveal = format!("{order}/contact/reveal");

        // The reporter sees their own; the community staff member overseeing it sees it masked.
        assert_eq!(app.get(&order, Some(&resident)).await.body["contact"]["phone"], "13812341234");
        let seen = app.get(&order, Some(&community)).await.body["contact"].clone();
        assert_eq!((seen["phone"].as_str(), seen["phone_masked"].as_bool()), (Some("138****1234"), Some(true)), "{seen}");

        let no_reason = app.post(&reveal, json!({"reason": " "}), Some(&community)).await;
        assert_eq!((no_reason.status.as_u16(), no_reason.body["errors"][0]["field"].as_str()), (422, Some("reason")));
        let r = app.post(&reveal, json!({"reason": "核实地址"}), Some(&community)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!((r.body["phone"].as_str(), r.body["name"].as_str()), (Some("13812341234"), Some("王阿姨")));
        let elsewhere = app.post(&reveal, json!({"reason": "好奇"}), Some(&other_community)).await;
        assert_eq!((elsewhere.status.as_u16(), elsewhere.code()), (404, "order.not_found"));

        // Dispatched to a grid worker: theirs to call, in full and without a record.
        let wid = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
        let d = app.post(&format!("{order}/dispatch"), json!({"target": {"type": "grid_worker", "id": wid}}), Some(&community)).await;
        assert_eq!(d.status, 200, "{:?}", d.body);
        assert_eq!(app.get(&order, Some(&worker)).await.body["contact"]["phone"], "13812341234");
        assert_eq!(app.post(&reveal, json!({"reason": "上门前联系"}), Some(&worker)).await.status, 200);

        // The street sees one record: who, which order, why.
        let trail = app.get("/api/v1/contact-reveals", Some(&street)).await;
        assert_eq!(trail.status, 200, "{:?}", trail.body);
        let items = trail.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!((items[0]["username"].as_str(), items[0]["reason"].as_str()), (Some("diandeng"), Some("核实地址")));
        assert_eq!((items[0]["order_id"].as_str(), items[0]["role"].as_str()), (Some(id.as_str()), Some("community_staff")));
        let by_order = app.get(&format!("/api/v1/contact-reveals?order_id={id}"), Some(&community)).await;
        assert_eq!(by_order.body["items"].as_array().unwrap().len(), 1);
        let not_theirs = app.get("/api/v1/contact-reveals", Some(&other_community)).await;
        assert_eq!(not_theirs.body["items"].as_array().unwrap().len(), 0, "another community's trail is not theirs");
        let grid = app.get("/api/v1/contact-reveals", Some(&worker)).await;
        assert_eq!((grid.status.as_u16(), grid.code()), (403, "auth.forbidden"));
    }

    #[actix_web::test]
    async fn a_party_member_grabs_before_calling_and_an_erased_contact_cannot_be_revealed(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let community = app.token("diandeng", "demo").await;
        let party = app.token_for("dangyuan").await;
        let body = json!({"kind": "wish", "category": "sewage-blockage", "description": "想要一个快递架", "poster_code": "dd-hean",
                          "contact": {"name": "王阿姨", "phone": "13812341234"}});
        let id = app.post("/api/v1/orders", body, Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let pooled = app.post(&format!("/api/v1/orders/{id}/dispatch"), json!({"target": {"type": "pool"}}), Some(&community)).await;
        assert_eq!(pooled.status, 200, "{:?}", pooled.body);
        let r = app.post(&format!("/api/v1/orders/{id}/contact/reveal"), json!({"reason": "想帮忙"}), Some(&party)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "order.forbidden"));

        assert_eq!(app.delete("/api/v1/me", Some(&resident)).await.status, 200);
        let erased = app.post(&format!("/api/v1/orders/{id}/contact/reveal"), json!({"reason": "回访"}), Some(&community)).await;
        assert_eq!((erased.status.as_u16(), erased.code()), (409, "contact.erased"));
        assert_eq!(app.count("contact_reveals").await, 0, "nothing revealed, nothing recorded");
    }
}
