//! The bad inputs found from outside (issue: the spec as a product) each get a
//! 4xx problem with a stable code, the same on SQLite and PostgreSQL, and
//! change nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::test::TestRequest;
use common::TestApp;
use infra::both_backends;
use serde_json::json;

const JSON: (&str, &str) = ("Content-Type", "application/json");

both_backends! {
    #[actix_web::test]
    async fn nul_in_any_text_is_422_on_both_backends(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let resident = app.token_for("jumin").await;
        let before = (app.count("orders").await, app.count("posters").await, app.count("refresh_tokens").await);

        let login = app.post("/api/v1/auth/login", json!({"username": "ad\u{0}min", "password": "admin"}), None).await;
        assert_eq!((login.status.as_u16(), login.code()), (401, "auth.invalid_credentials"), "{:?}", login.body);

        let mut order = json!({
            "kind": "issue", "category": "sewage\u{0}", "description": "污水", "poster_code": "dd-hean",
            "contact": {"name": "王阿姨", "phone": "13812341234"}
        });
        let r = app.post("/api/v1/orders", order.clone(), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code(), r.body["errors"][0]["field"].as_str()), (422, "validation.failed", Some("category")));
        order["category"] = json!("sewage-blockage");
        order["poster_code"] = json!("dd-\u{0}hean");
        let r = app.post("/api/v1/orders", order, Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("poster_code")), "{:?}", r.body);

        for uri in [
            "/api/v1/orders?q=%00",
            "/api/v1/orders?cursor=%00",
            "/api/v1/regions?q=a%00b",
            "/api/v1/regions?cursor=%00",
            "/api/v1/posters?cursor=%00",
            "/api/v1/scan/dd%00hean",
        ] {
            let r = app.get(uri, Some(&admin)).await;
            assert_eq!((r.status.as_u16(), r.code()), (422, "validation.failed"), "{uri}: {:?}", r.body);
            assert!(r.is_problem(), "{uri}");
            assert_eq!(r.body["errors"][0]["code"], "invalid_characters", "{uri}");
        }
        let revoke = app.post("/api/v1/posters/dd%00hean/revoke", json!({}), Some(&admin)).await;
        assert_eq!((revoke.status.as_u16(), revoke.code()), (422, "validation.failed"));
        // A clean cursor that is not one of ours is just the end of the list.
        assert_eq!(app.get("/api/v1/orders?cursor=zzz", Some(&admin)).await.status, 200);

        let after = (app.count("orders").await, app.count("posters").await, app.count("refresh_tokens").await);
        assert_eq!(before, after, "nothing stored changed");
    }

    #[actix_web::test]
    async fn a_body_that_is_not_utf8_is_400_even_where_no_field_is_read(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let worker = app.token("dd-grid1", "demo").await;
        let resident = app.token_for("jumin").await;
        let order = app.post("/api/v1/orders", json!({
            "kind": "issue", "category": "sewage-blockage", "description": "污水", "poster_code": "dd-hean",
            "contact": {"name": "王阿姨", "phone": "13812341234"}
        }), Some(&resident)).await;
        let id = order.body["id"].as_str().unwrap().to_owned();
        let me = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
        let staff = app.token("diandeng", "demo").await;
        let dispatched = app.post(&format!("/api/v1/orders/{id}/dispatch"), json!({"target": {"type": "grid_worker", "id": me}}), Some(&staff)).await;
        assert_eq!(dispatched.status, 200, "{:?}", dispatched.body);
        let category = app.get("/api/v1/categories", None).await.body[0]["id"].as_str().unwrap().to_owned();

        let bad: &[u8] = b"{\"note\":\"\xff\xfe\"}";
        let cases = [
            (TestRequest::post().uri(&format!("/api/v1/orders/{id}/accept")), &worker),
            (TestRequest::post().uri(&format!("/api/v1/orders/{id}/grab")), &worker),
            (TestRequest::post().uri(&format!("/api/v1/orders/{id}/arrive")), &worker),
            (TestRequest::patch().uri(&format!("/api/v1/categories/{category}")), &admin),
            (TestRequest::post().uri("/api/v1/regions"), &admin),
        ];
        for (req, token) in cases {
            let r = app.send(req.insert_header(JSON).insert_header(("Authorization", format!("Bearer {token}"))).set_payload(bad)).await;
            assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_json"), "{:?}", r.body);
        }
        let after = app.get(&format!("/api/v1/orders/{id}"), Some(&worker)).await;
        assert_eq!((after.body["status"].as_str(), after.body["version"].as_i64()), (Some("dispatched"), Some(1)), "the command did not run");
    }

    #[actix_web::test]
    async fn shape_rules_on_request_bodies_name_each_field(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let someone = app.get("/api/v1/me", Some(&admin)).await.body["id"].as_str().unwrap().to_owned();
        let many: Vec<String> = (0..21).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        for ids in [json!([]), json!(many)] {
            let r = app.post("/api/v1/party-members", json!({"user_id": someone, "community_ids": ids}), Some(&admin)).await;
            assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["code"].as_str()),
                (422, Some("community_ids"), Some("count")), "{:?}", r.body);
        }
        let category = app.get("/api/v1/categories", None).await.body[0]["id"].as_str().unwrap().to_owned();
        let item = json!({"code": "x-item", "name": "某事项", "response_minutes": 0, "resolve_hours": 9000});
        let r = app.post(&format!("/api/v1/categories/{category}/items"), item, Some(&admin)).await;
        let fields: Vec<(&str, &str)> = r.body["errors"].as_array().unwrap().iter()
            .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
        assert_eq!(fields, [("resolve_hours", "out_of_range"), ("response_minutes", "out_of_range")]);
        let r = app.patch("/api/v1/category-items/00000000-0000-0000-0000-000000000000", json!({"resolve_hours": -1}), Some(&admin)).await;
        assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("resolve_hours")), "shape before lookup");
    }

    #[actix_web::test]
    async fn every_creation_answers_201_with_location(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let community = app.region_id("diandeng").await;
        let location = |r: &common::Resp| r.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();

        let grid = app.post("/api/v1/regions", json!({"kind": "grid", "name": "第九网格", "parent_id": community}), Some(&admin)).await;
        assert_eq!((grid.status.as_u16(), location(&grid)), (201, format!("/api/v1/regions/{}", grid.body["id"].as_str().unwrap())));
        assert_eq!(app.get(&location(&grid), Some(&admin)).await.status, 200, "the Location answers");
        let building = app.post("/api/v1/regions", json!({"kind": "building", "name": "九号楼", "parent_id": grid.body["id"]}), Some(&admin)).await;
        let poster = app.post("/api/v1/posters", json!({"building_id": building.body["id"]}), Some(&admin)).await;
        assert_eq!((poster.status.as_u16(), location(&poster)), (201, format!("/api/v1/posters/{}", poster.body["code"].as_str().unwrap())));
        let category = app.post("/api/v1/categories", json!({"code": "safety", "name": "安全隐患"}), Some(&admin)).await;
        let cid = category.body["id"].as_str().unwrap().to_owned();
        assert_eq!((category.status.as_u16(), location(&category)), (201, format!("/api/v1/categories/{cid}")));
        let item = app.post(&format!("/api/v1/categories/{cid}/items"), json!({"code": "gas-leak", "name": "燃气泄漏", "response_minutes": 15, "resolve_hours": 4}), Some(&admin)).await;
        assert_eq!((item.status.as_u16(), location(&item)), (201, format!("/api/v1/category-items/{}", item.body["id"].as_str().unwrap())));
        let unit = app.post("/api/v1/units", json!({"kind": "team", "name": "点灯志愿服务队", "region_id": community}), Some(&admin)).await;
        assert_eq!((unit.status.as_u16(), location(&unit)), (201, format!("/api/v1/units/{}", unit.body["id"].as_str().unwrap())));
    }

    #[actix_web::test]
    async fn a_disabled_account_cannot_read_me(db) {
        let app = TestApp::seeded(db).await;
        let login = app.login("dd-grid1", "demo").await;
        let access = login["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.get("/api/v1/me", Some(&access)).await.status, 200);
        let id: uuid::Uuid = login["user"]["id"].as_str().unwrap().parse().unwrap();
        app.state.db.run(move |c| infra::repo::users::set_disabled(c, id, true)).await.unwrap();
        let me = app.get("/api/v1/me", Some(&access)).await;
        assert_eq!((me.status.as_u16(), me.code()), (401, "auth.user_disabled"));
    }

    #[actix_web::test]
    async fn photos_must_be_uploaded_media(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let r = app.post("/api/v1/orders", json!({
            "kind": "issue", "category": "sewage-blockage", "description": "污水", "poster_code": "dd-hean",
            "contact": {"name": "王阿姨", "phone": "13812341234"},
            "photos": ["00000000-0000-0000-0000-000000000001"]
        }), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, "order.unknown_photo"));
        assert_eq!(r.body["errors"][0]["field"], "photos[0]");
        assert_eq!(app.count("orders").await, 0);
    }

    #[actix_web::test]
    async fn a_mini_program_patches_with_post_and_the_override_header(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let region = app.region_id("diandeng").await;
        let req = TestRequest::post().uri(&format!("/api/v1/regions/{region}"))
            .insert_header(("X-HTTP-Method-Override", "PATCH"))
            .insert_header(("Authorization", format!("Bearer {admin}")))
            .set_json(json!({"name": "点灯社区（新）"}));
        let r = app.send(req).await;
        assert_eq!((r.status.as_u16(), r.body["name"].as_str()), (200, Some("点灯社区（新）")), "{:?}", r.body);
        // Only PATCH may be asked for, and only on a POST.
        let req = TestRequest::post().uri(&format!("/api/v1/regions/{region}"))
            .insert_header(("X-HTTP-Method-Override", "DELETE"))
            .insert_header(("Authorization", format!("Bearer {admin}")))
            .set_json(json!({}));
        let r = app.send(req).await;
        assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_method_override"));
        // Without the header a POST to a PATCH route is a 405, as a problem.
        let r = app.post(&format!("/api/v1/regions/{region}"), json!({}), Some(&admin)).await;
        assert!(r.is_problem() && r.status.is_client_error(), "{:?}", r.body);
    }

    #[actix_web::test]
    async fn labels_name_every_value_and_http_errors_are_problems(db) {
        let app = TestApp::seeded(db).await;
        let labels = app.get("/api/v1/labels", None).await;
        assert_eq!(labels.status, 200);
        let status = labels.body["status"].as_array().unwrap();
        assert_eq!(status.len(), domain::order::Status::ALL.len());
        assert_eq!(status[0], json!({"value": "submitted", "label": "待派单"}));
        for set in ["kind", "channel", "level", "target_type", "event_type", "role", "region_kind", "unit_kind", "clock"] {
            assert!(labels.body[set].as_array().is_some_and(|v| !v.is_empty()), "{set}");
        }
        let miss = app.get("/swagger-ui/../../etc/passwd", None).await;
        assert!(miss.status.is_client_error() && miss.is_problem(), "{:?} {:?}", miss.status, miss.body);
        let wrong_method = app.send(TestRequest::delete().uri("/api/v1/labels")).await;
        assert!(wrong_method.is_problem(), "{:?}", wrong_method.body);
    }
}
