//! The phone number from WeChat (getPhoneNumber): verified once, then an
//! order may leave contact.phone out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::json;

fn order(contact: serde_json::Value) -> serde_json::Value {
    json!({"kind": "issue", "category": "sewage-blockage", "description": "楼下污水井堵了",
           "poster_code": "dd-hean", "contact": contact})
}

both_backends! {
    #[actix_web::test]
    async fn a_verified_phone_fills_a_report_that_leaves_it_out(db) {
        let app = TestApp::seeded(db).await;
        let t = app.token_for("jumin").await;
        // Without a verified number, leaving the phone out is a clear 422.
        let r = app.post("/api/v1/orders", order(json!({"name": "王阿姨"})), Some(&t)).await;
        assert_eq!(r.status, 422, "{:?}", r.body);
        assert_eq!((r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["code"].as_str()), (Some("contact.phone"), Some("required")));

        let r = app.post("/api/v1/me/phone", json!({"code": "phone:13900001111"}), Some(&t)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!((r.body["phone"].as_str(), r.body["phone_verified"].as_bool()), (Some("13900001111"), Some(true)));
        assert_eq!(app.get("/api/v1/me", Some(&t)).await.body["phone_verified"], true);

        let r = app.post("/api/v1/orders", order(json!({"name": "王阿姨"})), Some(&t)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["contact"]["phone"], "13900001111");
        // A phone typed in still wins.
        let r = app.post("/api/v1/orders", order(json!({"name": "王阿姨", "phone": "13812341234"})), Some(&t)).await;
        assert_eq!(r.body["contact"]["phone"], "13812341234");
    }

    #[actix_web::test]
    async fn bad_codes_and_foreign_numbers_are_refused_and_change_nothing(db) {
        let app = TestApp::seeded(db).await;
        let t = app.token_for("jumin").await;
        let cases = [
            (json!({"code": "not-a-real-code"}), "invalid_code"),
            (json!({"code": "phone:85291234567x"}), "not_mainland"),
            (json!({"code": ""}), "length"),
        ];
        for (body, code) in cases {
            let r = app.post("/api/v1/me/phone", body.clone(), Some(&t)).await;
            assert_eq!(r.status, 422, "{body}: {:?}", r.body);
            assert!(r.is_problem());
            assert_eq!(r.body["errors"][0]["code"], code, "{body}");
        }
        assert_eq!(app.get("/api/v1/me", Some(&t)).await.body["phone_verified"], false);
        assert_eq!(app.post("/api/v1/me/phone", json!({"code": "phone:13900001111"}), None).await.status, 401);
    }
}

#[actix_web::test]
async fn without_wechat_the_phone_cannot_be_verified_and_says_so() {
    let guard = infra::testing::TestDb::sqlite();
    let db = guard.db();
    db.run(|c| infra::seed::run(c, true)).await.unwrap();
    let app = TestApp::with_config(db, &[("MSB_WECHAT_APPID", "")]).await;
    let t = app.token_for("jumin").await;
    let r = app.post("/api/v1/me/phone", json!({"code": "phone:13900001111"}), Some(&t)).await;
    assert_eq!((r.status.as_u16(), r.code()), (503, "wechat.not_configured"));
    assert!(r.is_problem());
}
