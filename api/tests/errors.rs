//! Bad input is a clear 4xx problem and changes nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::test::TestRequest;
use common::TestApp;
use infra::both_backends;
use serde_json::json;

both_backends! {
    #[actix_web::test]
    async fn malformed_requests_are_4xx_problems_and_store_nothing(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let bearer = format!("Bearer {admin}");
        let before = (app.count("regions").await, app.count("users").await, app.count("refresh_tokens").await);
        let community = app.region_id("diandeng").await;

        let cases: Vec<(&str, TestRequest, u16, &str)> = vec![
            ("invalid json", TestRequest::post().uri("/api/v1/regions").insert_header(("Content-Type", "application/json")).set_payload("{\"kind\":"), 400, "request.invalid_json"),
            ("trailing garbage", TestRequest::post().uri("/api/v1/regions").insert_header(("Content-Type", "application/json")).set_payload("{} []"), 400, "request.invalid_json"),
            ("empty body", TestRequest::post().uri("/api/v1/regions").insert_header(("Content-Type", "application/json")), 400, "request.invalid_json"),
            ("wrong content type", TestRequest::post().uri("/api/v1/regions").insert_header(("Content-Type", "text/plain")).set_payload("{}"), 415, "request.unsupported_media_type"),
            ("no content type", TestRequest::post().uri("/api/v1/regions").set_payload("{}"), 415, "request.unsupported_media_type"),
            ("oversized", TestRequest::post().uri("/api/v1/regions").insert_header(("Content-Type", "application/json")).set_payload(format!("{{\"name\":\"{}\"}}", "x".repeat(70_000))), 413, "request.too_large"),
            ("missing field", TestRequest::post().uri("/api/v1/regions").set_json(json!({"kind": "grid"})), 422, "validation.failed"),
            ("wrong type", TestRequest::post().uri("/api/v1/regions").set_json(json!({"kind": "grid", "name": 5})), 422, "validation.failed"),
            ("bad uuid", TestRequest::post().uri("/api/v1/regions").set_json(json!({"kind": "grid", "name": "x", "parent_id": "nope"})), 422, "validation.failed"),
            ("not an object", TestRequest::post().uri("/api/v1/regions").set_json(json!([1, 2])), 422, "validation.failed"),
            ("too long", TestRequest::post().uri("/api/v1/regions").set_json(json!({"kind": "grid", "name": "长".repeat(65), "parent_id": community})), 422, "validation.failed"),
            ("control chars", TestRequest::post().uri("/api/v1/regions").set_json(json!({"kind": "grid", "name": "a\u{0}b", "parent_id": community})), 422, "validation.failed"),
            ("unknown parent", TestRequest::post().uri("/api/v1/regions").set_json(json!({"kind": "grid", "name": "x", "parent_id": uuid::Uuid::now_v7()})), 422, "validation.failed"),
            ("bad path id", TestRequest::get().uri("/api/v1/regions/123"), 400, "request.invalid_path"),
            ("bad limit", TestRequest::get().uri("/api/v1/regions?limit=lots"), 400, "request.invalid_query"),
            ("unknown route", TestRequest::get().uri("/api/v1/nothing-here"), 404, "route.not_found"),
        ];
        for (what, req, status, code) in cases {
            let r = app.send(req.insert_header(("Authorization", bearer.as_str()))).await;
            assert_eq!((r.status.as_u16(), r.code()), (status, code), "{what}: {:?}", r.body);
            assert!(r.is_problem(), "{what}");
        }
        let missing = app.post("/api/v1/regions", json!({"kind": "grid"}), Some(&admin)).await;
        assert_eq!(missing.body["errors"][0]["field"], "name");
        assert_eq!(missing.body["errors"][0]["code"], "required");

        let login_cases = [json!({}), json!({"username": "admin"}), json!({"username": null, "password": "x"}), json!("admin")];
        for body in login_cases {
            let r = app.post("/api/v1/auth/login", body.clone(), None).await;
            assert_eq!(r.status, 422, "{body}");
        }
        let after = (app.count("regions").await, app.count("users").await, app.count("refresh_tokens").await);
        assert_eq!(before, after, "nothing stored changed");
        // A big cursor or limit is clamped, not an error.
        assert_eq!(app.get("/api/v1/regions?limit=100000", Some(&admin)).await.status, 200);
        assert_eq!(app.get("/api/v1/regions?limit=-5", Some(&admin)).await.status, 200);
    }
}
