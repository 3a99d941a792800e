//! Regions, posters, categories and scanning, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::json;

both_backends! {
    #[actix_web::test]
    async fn scanning_a_poster_needs_no_login(db) {
        let app = TestApp::seeded(db).await;
        let r = app.get("/api/v1/scan/dd-hean", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["building"]["name"], "和安楼");
        assert_eq!(r.body["grid"]["code"], "diandeng-g1");
        assert_eq!(r.body["community"]["name"], "点灯社区");
        assert_eq!(r.body["street"]["name"], "江南街道");
        let cats = r.body["categories"].as_array().unwrap();
        assert_eq!(cats.len(), 7);
        assert_eq!(cats.iter().map(|c| c["items"].as_array().unwrap().len()).sum::<usize>(), 26);

        let missing = app.get("/api/v1/scan/no-such-code", None).await;
        assert_eq!((missing.status.as_u16(), missing.code()), (404, "poster.not_found"));
        assert!(missing.is_problem());
        let weird = app.get("/api/v1/scan/%E5%92%8C%E5%AE%89", None).await;
        assert_eq!(weird.status, 404);
    }

    #[actix_web::test]
    async fn admins_reprint_and_revoke_posters(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let staff = app.token("diandeng", "demo").await;
        let building = app.region_id("dd-hemu").await;

        let listed = app.get(&format!("/api/v1/posters?building_id={building}"), Some(&staff)).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        let resident = app.token_for("jumin").await;
        assert_eq!(app.get("/api/v1/posters", Some(&resident)).await.status, 403);

        assert_eq!(app.post("/api/v1/posters", json!({"building_id": building}), Some(&staff)).await.status, 403);
        let new = app.post("/api/v1/posters", json!({"building_id": building}), Some(&admin)).await;
        assert_eq!(new.status, 201, "{:?}", new.body);
        let code = new.body["code"].as_str().unwrap().to_owned();
        assert_eq!(app.get(&format!("/api/v1/scan/{code}"), None).await.body["building"]["code"], "dd-hemu");

        let revoked = app.post("/api/v1/posters/dd-hemu/revoke", json!({}), Some(&admin)).await;
        assert_eq!(revoked.status, 200);
        assert!(revoked.body["revoked_at"].is_string());
        let gone = app.get("/api/v1/scan/dd-hemu", None).await;
        // The reprint above hangs in the same building: old prints name it.
        assert_eq!((gone.status.as_u16(), gone.code()), (410, "poster.replaced"));
        assert_eq!(gone.body["replaced_by"], code.as_str());
        assert_eq!(app.post("/api/v1/posters/dd-hemu/revoke", json!({}), Some(&admin)).await.status, 200);
        assert_eq!(app.post("/api/v1/posters/nope/revoke", json!({}), Some(&admin)).await.status, 404);

        let taken = app.post("/api/v1/posters", json!({"building_id": building, "code": "dd-hean"}), Some(&admin)).await;
        assert_eq!((taken.status.as_u16(), taken.code()), (409, "poster.code_taken"));
        let bad = app.post("/api/v1/posters", json!({"building_id": building, "code": "和安楼"}), Some(&admin)).await;
        assert_eq!(bad.status, 422);
        assert_eq!(bad.body["errors"][0]["field"], "code");
        let grid = app.region_id("diandeng-g1").await;
        assert_eq!(app.post("/api/v1/posters", json!({"building_id": grid}), Some(&admin)).await.status, 422);
    }

    #[actix_web::test]
    async fn the_region_tree_is_readable_and_admins_grow_it(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let worker = app.token("dd-grid1", "demo").await;

        let streets = app.get("/api/v1/regions", Some(&worker)).await;
        assert_eq!(streets.body["items"].as_array().unwrap().len(), 1);
        let community = app.region_id("diandeng").await;
        let grids = app.get(&format!("/api/v1/regions?parent_id={community}"), Some(&worker)).await;
        assert_eq!(grids.body["items"].as_array().unwrap().len(), 2);
        let page1 = app.get(&format!("/api/v1/regions?kind=building&within={community}&limit=5"), Some(&worker)).await;
        assert_eq!(page1.body["items"].as_array().unwrap().len(), 5);
        let cursor = page1.body["next_cursor"].as_str().unwrap();
        let page2 = app.get(&format!("/api/v1/regions?kind=building&within={community}&limit=5&cursor={cursor}"), Some(&worker)).await;
        assert_eq!(page2.body["items"].as_array().unwrap().len(), 4);
        assert!(page2.body["next_cursor"].is_null());
        assert_eq!(app.get("/api/v1/regions", None).await.status, 401);
        assert_eq!(app.get("/api/v1/regions?kind=city", Some(&worker)).await.status, 422);

        let building = app.region_id("dd-hean").await;
        let detail = app.get(&format!("/api/v1/regions/{building}"), Some(&worker)).await;
        let names: Vec<&str> = detail.body["ancestors"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["江南街道", "点灯社区", "点灯社区第一网格"]);

        let new_grid = json!({"kind": "grid", "parent_id": community, "name": "点灯社区第三网格"});
        assert_eq!(app.post("/api/v1/regions", new_grid.clone(), Some(&worker)).await.status, 403);
        let created = app.post("/api/v1/regions", new_grid.clone(), Some(&admin)).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["kind"], "grid");
        let dup = app.post("/api/v1/regions", new_grid, Some(&admin)).await;
        assert_eq!((dup.status.as_u16(), dup.code()), (409, "region.name_taken"));
        let wrong = app.post("/api/v1/regions", json!({"kind": "building", "parent_id": community, "name": "某楼"}), Some(&admin)).await;
        assert_eq!(wrong.status, 422);
        assert_eq!(wrong.body["errors"][0]["code"], "wrong_parent_kind");
        let all_bad = app.post("/api/v1/regions", json!({"kind": "town", "name": "", "code": "UPPER"}), Some(&admin)).await;
        let fields: Vec<&str> = all_bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["kind", "name", "code"], "every invalid field at once");

        let id = created.body["id"].as_str().unwrap();
        let renamed = app.patch(&format!("/api/v1/regions/{id}"), json!({"name": "点灯社区新网格"}), Some(&admin)).await;
        assert_eq!(renamed.body["name"], "点灯社区新网格");
        assert_eq!(app.patch("/api/v1/regions/not-a-uuid", json!({}), Some(&admin)).await.status, 400);
    }

    #[actix_web::test]
    async fn city_admins_configure_categories_and_their_clocks(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let staff = app.token("jiangnan", "demo").await;
        let public = app.get("/api/v1/categories", None).await;
        assert_eq!(public.body.as_array().unwrap().len(), 7);

        let new = json!({"code": "safety", "name": "安全隐患"});
        assert_eq!(app.post("/api/v1/categories", new.clone(), Some(&staff)).await.status, 403);
        let cat = app.post("/api/v1/categories", new.clone(), Some(&admin)).await;
        assert_eq!(cat.status, 201);
        assert_eq!(app.post("/api/v1/categories", new, Some(&admin)).await.status, 409);
        let cat_id = cat.body["id"].as_str().unwrap();

        let item = json!({"code": "gas-leak", "name": "燃气泄漏", "response_minutes": 15, "resolve_hours": 4});
        let created = app.post(&format!("/api/v1/categories/{cat_id}/items"), item, Some(&admin)).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let bad = json!({"code": "x", "name": "x", "response_minutes": 0, "resolve_hours": -1});
        let r = app.post(&format!("/api/v1/categories/{cat_id}/items"), bad, Some(&admin)).await;
        assert_eq!(r.status, 422);
        assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);

        let item_id = created.body["id"].as_str().unwrap();
        let patched = app.patch(&format!("/api/v1/category-items/{item_id}"), json!({"response_minutes": 10}), Some(&admin)).await;
        assert_eq!(patched.body["response_minutes"], 10);
        let off = app.patch(&format!("/api/v1/category-items/{item_id}"), json!({"active": false}), Some(&admin)).await;
        assert_eq!(off.body["active"], false);
        let listed = app.get("/api/v1/categories", None).await;
        let safety = listed.body.as_array().unwrap().iter().find(|c| c["code"] == "safety").unwrap().clone();
        assert!(safety["items"].as_array().unwrap().is_empty(), "inactive items are hidden");
        let all = app.get("/api/v1/categories?include_inactive=true", Some(&admin)).await;
        let safety = all.body.as_array().unwrap().iter().find(|c| c["code"] == "safety").unwrap().clone();
        assert_eq!(safety["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.get("/api/v1/categories?include_inactive=true", None).await.status, 401);
        assert_eq!(app.get("/api/v1/categories?include_inactive=true", Some(&staff)).await.status, 403);
        assert_eq!(app.get("/api/v1/categories?include_inactive=maybe", None).await.status, 400);
        let missing = format!("/api/v1/category-items/{}", uuid::Uuid::now_v7());
        assert_eq!(app.patch(&missing, json!({"name": "x"}), Some(&admin)).await.status, 404);
    }
}
