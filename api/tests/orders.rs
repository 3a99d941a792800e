//! The closed loop through HTTP, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use infra::both_backends;
use serde_json::{json, Value};

fn new_order() -> Value {
    json!({
        "kind": "issue",
        "category": "sewage-blockage",
        "description": "和安楼下污水井堵了，污水漫到路面",
        "poster_code": "dd-hean",
        "contact": {"name": "王阿姨", "phone": "13812341234"},
        "location": {"lat": 24.414, "lng": 111.566}
    })
}

async fn submit(app: &TestApp, token: &str) -> Value {
    let r = app.post("/api/v1/orders", new_order(), Some(token)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

fn ids(r: &Resp) -> Vec<String> {
    r.body["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

both_backends! {
    #[actix_web::test]
    async fn resident_staff_party_member_resident_staff(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let staff = app.token("diandeng", "demo").await;
        let party = app.token_for("dangyuan").await;

        let order = submit(&app, &resident).await;
        let id = order["id"].as_str().unwrap().to_owned();
        assert_eq!(order["status"], "submitted");
        assert_eq!(order["item"]["code"], "sewage-blockage");
        assert_eq!(order["location"]["building_name"], "和安楼");
        assert_eq!(order["channel"], "poster");
        assert!(order["number"].as_str().unwrap().ends_with("-000001"));
        assert_eq!(order["contact"]["phone"], "13812341234");

        let inbox = app.get("/api/v1/orders?status=submitted", Some(&staff)).await;
        assert_eq!(ids(&inbox), std::slice::from_ref(&id));
        let base = format!("/api/v1/orders/{id}");
        let r = app.post(&format!("{base}/dispatch"), json!({"target": {"type": "pool"}}), Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.body["assignee"]["type"].as_str()), (200, Some("pool")));

        let pool = app.get("/api/v1/orders?pool=true", Some(&party)).await;
        assert_eq!(ids(&pool), std::slice::from_ref(&id));
        assert_eq!(pool.body["items"][0]["contact"]["phone"], "138****1234");
        assert_eq!(pool.body["items"][0]["contact"]["phone_masked"], true);
        let grabbed = app.send(TestRequest::post().uri(&format!("{base}/grab")).insert_header(("Authorization", format!("Bearer {party}")))).await;
        assert_eq!(grabbed.status, 200, "{:?}", grabbed.body);
        assert_eq!(grabbed.body["status"], "accepted");
        assert_eq!(grabbed.body["contact"]["phone"], "13812341234", "the handler may call");
        assert_eq!(app.post(&format!("{base}/arrive"), json!({"lat": 24.41, "lng": 111.56}), Some(&party)).await.body["status"], "on_site");
        let resolved = app.post(&format!("{base}/resolve"), json!({"feedback": "已疏通污水井并清理路面"}), Some(&party)).await;
        assert_eq!(resolved.body["status"], "resolved");

        let rated = app.post(&format!("{base}/rate"), json!({"completion": 5, "progress": 5, "effect": 4, "satisfaction": 5, "comment": "很及时"}), Some(&resident)).await;
        assert_eq!(rated.body["status"], "rated");
        assert_eq!(rated.body["rating"]["satisfaction"], 5);
        let closed = app.post(&format!("{base}/return-visit"), json!({"satisfied": true, "note": "电话回访满意"}), Some(&staff)).await;
        assert_eq!(closed.body["status"], "closed");

        let timeline = app.get(&format!("{base}/events"), Some(&resident)).await;
        let events = timeline.body.as_array().unwrap();
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["submitted", "dispatched", "grabbed", "arrived", "resolved", "rated", "return_visited", "closed"]);
        let roles: Vec<&str> = events.iter().map(|e| e["actor"]["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["resident", "community_staff", "party_member", "party_member", "party_member", "resident", "community_staff", "community_staff"]);
        assert_eq!(events[1]["data"]["target"]["type"], "pool");
        assert!(events.iter().all(|e| e["at"].is_string() && e["id"].is_string()));
    }

    #[actix_web::test]
    async fn each_caller_sees_only_what_they_may(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let order = submit(&app, &resident).await;
        let id = order["id"].as_str().unwrap();
        let path = format!("/api/v1/orders/{id}");
        let code = app.wechat.issue_code("another-resident");
        let other = app.post("/api/v1/auth/wechat", json!({"code": code}), None).await.body["access_token"].as_str().unwrap().to_owned();
        let elsewhere = app.token("xialiang", "demo").await;
        let street = app.token("jiangnan", "demo").await;
        let grid1 = app.token("dd-grid1", "demo").await;
        let grid2 = app.token("dd-grid2", "demo").await;
        let party = app.token_for("dangyuan").await;

        for (who, token, status) in [
            ("reporter", &resident, 200), ("another resident", &other, 404), ("other community", &elsewhere, 404),
            ("street", &street, 200), ("grid worker of the grid", &grid1, 200), ("grid worker next door", &grid2, 404),
            ("party member before dispatch", &party, 404),
        ] {
            let r = app.get(&path, Some(token)).await;
            assert_eq!(r.status, status, "{who}");
            assert_eq!(app.get(&format!("{path}/events"), Some(token)).await.status, status, "{who} timeline");
        }
        assert!(ids(&app.get("/api/v1/orders", Some(&other)).await).is_empty());
        assert_eq!(ids(&app.get("/api/v1/orders", Some(&street)).await).len(), 1);
        // Seeing is not doing: the reporter may not dispatch.
        let r = app.post(&format!("{path}/dispatch"), json!({"target": {"type": "pool"}}), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "order.forbidden"));
        // A stranger learns nothing, whatever the command.
        assert_eq!(app.post(&format!("{path}/cancel"), json!({"reason": "x"}), Some(&other)).await.status, 404);
        let missing = format!("/api/v1/orders/{}", uuid::Uuid::now_v7());
        assert_eq!(app.get(&missing, Some(&resident)).await.status, 404);
    }

    #[actix_web::test]
    async fn a_retried_submit_creates_one_order(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let send = |body: Value, key: &str| {
            TestRequest::post().uri("/api/v1/orders").set_json(body)
                .insert_header(("Authorization", format!("Bearer {resident}")))
                .insert_header(("Idempotency-Key", key.to_owned()))
        };
        let first = app.send(send(new_order(), "k-1")).await;
        assert_eq!(first.status, 201);
        let again = app.send(send(new_order(), "k-1")).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.body, first.body);
        let header = |r: &Resp, name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header(&first, "idempotent-replayed").as_deref(), Some("false"));
        assert_eq!(header(&again, "idempotent-replayed").as_deref(), Some("true"), "a replay says so");
        let location = header(&first, "location").unwrap();
        assert_eq!(location, format!("/api/v1/orders/{}", first.body["id"].as_str().unwrap()));
        assert_eq!(app.get(&location, Some(&resident)).await.body["id"], first.body["id"]);
        assert_eq!(app.count("orders").await, 1);
        let mut changed = new_order();
        changed["description"] = json!("另一件事");
        let reused = app.send(send(changed, "k-1")).await;
        assert_eq!((reused.status.as_u16(), reused.code()), (422, "idempotency.key_reused"));
        assert_eq!(app.send(send(new_order(), "k-2")).await.status, 201);
        assert_eq!(app.count("orders").await, 2);

        // Four at once with one key: one order, four identical answers.
        let racing = futures_util::future::join_all((0..4).map(|_| app.send(send(new_order(), "k-3")))).await;
        assert!(racing.iter().all(|r| r.status == 201), "{:?}", racing.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(racing.iter().all(|r| r.body == racing[0].body));
        assert_eq!(app.count("orders").await, 3);
    }

    #[actix_web::test]
    async fn bad_orders_are_refused_field_by_field_and_store_nothing(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let photos: Vec<String> = (0..10).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let bad = json!({
            "kind": "complaint", "category": "sewage-blockage", "description": "长".repeat(501),
            "photos": photos, "poster_code": "dd-hean", "contact": {"name": "", "phone": "12345"},
            "location": {"lat": 24.4}
        });
        let r = app.post("/api/v1/orders", bad, Some(&resident)).await;
        assert_eq!(r.status, 422);
        let mut fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        fields.sort();
        assert_eq!(fields, ["contact.name", "contact.phone", "description", "kind", "location", "photos"]);
        for (what, body) in [
            ("unknown item", json!({"category": "no-such-item"})),
            ("revoked or unknown poster", json!({"poster_code": "nope"})),
            ("both places", json!({"building_id": uuid::Uuid::now_v7()})),
        ] {
            let mut o = new_order();
            for (k, v) in body.as_object().unwrap() {
                o[k] = v.clone();
            }
            assert_eq!(app.post("/api/v1/orders", o, Some(&resident)).await.status, 422, "{what}");
        }
        assert_eq!(app.post("/api/v1/orders", new_order(), None).await.status, 401);
        assert_eq!(app.count("orders").await, 0);
        assert_eq!(app.count("order_events").await, 0);
    }

    #[actix_web::test]
    async fn status_decides_first_then_the_actor(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let staff = app.token("diandeng", "demo").await;
        let worker = app.token("dd-grid1", "demo").await;
        let worker_id = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
        let id = submit(&app, &resident).await["id"].as_str().unwrap().to_owned();
        let base = format!("/api/v1/orders/{id}");

        let early = app.post(&format!("{base}/rate"), json!({"completion": 5, "progress": 5, "effect": 5, "satisfaction": 5}), Some(&resident)).await;
        assert_eq!((early.status.as_u16(), early.code()), (409, "order.invalid_transition"));
        let bad_target = app.post(&format!("{base}/dispatch"), json!({"target": {"type": "pool", "id": worker_id}}), Some(&staff)).await;
        assert_eq!(bad_target.status, 422);
        let r = app.post(&format!("{base}/dispatch"), json!({"target": {"type": "grid_worker", "id": worker_id}}), Some(&staff)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(app.post(&format!("{base}/accept"), json!({}), Some(&worker)).await.status, 200);
        let late = app.post(&format!("{base}/cancel"), json!({"reason": "不需要了"}), Some(&resident)).await;
        assert_eq!((late.status.as_u16(), late.code()), (409, "order.invalid_transition"));
        app.post(&format!("{base}/resolve"), json!({"feedback": "处理了"}), Some(&worker)).await;
        let unhappy = app.post(&format!("{base}/rate"), json!({"completion": 2, "progress": 2, "effect": 1, "satisfaction": 1, "comment": "还是堵"}), Some(&resident)).await;
        assert_eq!((unhappy.body["status"].as_str(), unhappy.body["assignee"]["type"].as_str()), (Some("dispatched"), Some("pool")));

        // A second order: cancelled by its reporter before anyone accepts it.
        let second = submit(&app, &resident).await["id"].as_str().unwrap().to_owned();
        let cancelled = app.post(&format!("/api/v1/orders/{second}/cancel"), json!({"reason": "已自行解决"}), Some(&resident)).await;
        assert_eq!(cancelled.body["status"], "cancelled");
        // A third: declined as a duplicate of the first.
        let third = submit(&app, &resident).await["id"].as_str().unwrap().to_owned();
        let declined = app.post(&format!("/api/v1/orders/{third}/decline"), json!({"reason": "重复上报", "duplicate_of": id}), Some(&staff)).await;
        assert_eq!((declined.body["status"].as_str(), declined.body["duplicate_of"].as_str()), (Some("declined"), Some(id.as_str())));
        let listed = app.get("/api/v1/orders?status=cancelled", Some(&resident)).await;
        assert_eq!(ids(&listed), [second]);
    }

    #[actix_web::test]
    async fn escalation_hands_the_order_to_the_street_then_a_department(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let resident = app.token_for("jumin").await;
        let community = app.token("diandeng", "demo").await;
        let street = app.token("jiangnan", "demo").await;
        let dept = app.token("zhujian", "demo").await;
        let dept_id = app.get("/api/v1/me", Some(&dept)).await.body["id"].as_str().unwrap().to_owned();
        let unit = app.post("/api/v1/units", json!({"kind": "department", "name": "八步区住建局"}), Some(&admin)).await;
        assert_eq!(unit.status, 201);
        let unit_id = unit.body["id"].as_str().unwrap().to_owned();
        let added = app.post(&format!("/api/v1/units/{unit_id}/members"), json!({"user_id": dept_id}), Some(&admin)).await;
        assert_eq!(added.status, 204);
        let listed = app.get("/api/v1/units?kind=department", Some(&street)).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        assert_eq!(app.get("/api/v1/units", Some(&resident)).await.status, 403);
        assert_eq!(app.get("/api/v1/units?kind=club", Some(&street)).await.status, 422);
        let dup = app.post("/api/v1/units", json!({"kind": "department", "name": "八步区住建局"}), Some(&admin)).await;
        assert_eq!(dup.status, 409);
        assert_eq!(app.post("/api/v1/units", json!({"kind": "team", "name": "志愿队"}), Some(&community)).await.status, 403);

        let id = submit(&app, &resident).await["id"].as_str().unwrap().to_owned();
        let base = format!("/api/v1/orders/{id}");
        assert_eq!(app.get(&base, Some(&dept)).await.status, 404, "departments see escalated orders only");
        let up = app.post(&format!("{base}/escalate"), json!({"reason": "涉及主干管网，需街道协调"}), Some(&community)).await;
        assert_eq!((up.body["level"].as_str(), up.body["status"].as_str()), (Some("street"), Some("submitted")));
        let again = app.post(&format!("{base}/escalate"), json!({"reason": "x"}), Some(&community)).await;
        assert_eq!(again.status, 403, "the community no longer acts at street level");
        let up = app.post(&format!("{base}/escalate"), json!({"reason": "需住建部门处理"}), Some(&street)).await;
        assert_eq!(up.body["level"], "department");
        let d = app.post(&format!("{base}/dispatch"), json!({"target": {"type": "department", "id": unit_id}}), Some(&dept)).await;
        assert_eq!(d.status, 200, "{:?}", d.body);
        assert_eq!(app.post(&format!("{base}/accept"), json!({}), Some(&dept)).await.body["status"], "accepted");
        let top = app.post(&format!("{base}/escalate"), json!({"reason": "x"}), Some(&dept)).await;
        assert_eq!(top.status, 409);
    }

    #[actix_web::test]
    async fn staff_register_party_members_for_their_communities(db) {
        let app = TestApp::seeded(db).await;
        let staff = app.token("diandeng", "demo").await;
        let code = app.wechat.issue_code("new-party-member");
        let login = app.post("/api/v1/auth/wechat", json!({"code": code}), None).await;
        let user_id = login.body["user"]["id"].as_str().unwrap().to_owned();
        let diandeng = app.region_id("diandeng").await;
        let xialiang = app.region_id("xialiang").await;
        let r = app.post("/api/v1/party-members", json!({"user_id": user_id, "community_ids": [diandeng]}), Some(&staff)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(r.body["roles"].as_array().unwrap().iter().any(|g| g["role"] == "party_member" && g["region"]["code"] == "diandeng"));
        let r = app.post("/api/v1/party-members", json!({"user_id": user_id, "community_ids": [xialiang]}), Some(&staff)).await;
        assert_eq!(r.status, 403);
        let resident = app.token_for("jumin").await;
        assert_eq!(app.post("/api/v1/party-members", json!({"user_id": user_id, "community_ids": [diandeng]}), Some(&resident)).await.status, 403);
        assert_eq!(app.post("/api/v1/party-members", json!({"user_id": user_id, "community_ids": []}), Some(&staff)).await.status, 422);
    }

    #[actix_web::test]
    async fn the_inbox_filters_and_pages(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let staff = app.token("diandeng", "demo").await;
        let worker = app.token("dd-grid1", "demo").await;
        let worker_id = app.get("/api/v1/me", Some(&worker)).await.body["id"].as_str().unwrap().to_owned();
        let mut wish = new_order();
        wish["kind"] = json!("wish");
        wish["category"] = json!("water-heater-repair");
        wish["description"] = json!("独居老人家的热水器坏了");
        wish["poster_code"] = json!("dd-heyue");
        let w = app.post("/api/v1/orders", wish, Some(&resident)).await.body;
        let mut issues = Vec::new();
        for _ in 0..3 {
            issues.push(submit(&app, &resident).await["id"].as_str().unwrap().to_owned());
        }
        let d = app.post(&format!("/api/v1/orders/{}/dispatch", issues[0]), json!({"target": {"type": "grid_worker", "id": worker_id}}), Some(&staff)).await;
        assert_eq!(d.status, 200);

        let get = |q: String| {
            let (app, staff) = (&app, staff.clone());
            async move { ids(&app.get(&format!("/api/v1/orders?{q}"), Some(&staff)).await) }
        };
        assert_eq!(get("kind=wish".into()).await, [w["id"].as_str().unwrap().to_owned()]);
        assert_eq!(get("q=%E7%83%AD%E6%B0%B4%E5%99%A8".into()).await.len(), 1, "热水器");
        assert_eq!(get(format!("q={}", w["number"].as_str().unwrap())).await.len(), 1);
        assert_eq!(get("status=submitted".into()).await.len(), 3);
        assert_eq!(get("overdue=true".into()).await.len(), 0, "nothing is due yet");
        let grid2 = app.region_id("diandeng-g2").await;
        assert_eq!(get(format!("grid_id={grid2}")).await.len(), 1, "和悦楼 is in the second grid");
        assert_eq!(get(format!("category={}", w["item"]["id"].as_str().unwrap())).await.len(), 1);
        assert_eq!(get(format!("category={}", w["category"]["id"].as_str().unwrap())).await.len(), 1);
        assert_eq!(ids(&app.get("/api/v1/orders?assignee=me", Some(&worker)).await), std::slice::from_ref(&issues[0]));
        assert_eq!(app.get("/api/v1/orders?assignee=you", Some(&worker)).await.status, 422);
        assert_eq!(app.get("/api/v1/orders?status=lost", Some(&worker)).await.status, 422);

        // Newest first, two per page, no repeats, no gaps.
        let first = app.get("/api/v1/orders?limit=2", Some(&staff)).await;
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let second = app.get(&format!("/api/v1/orders?limit=2&cursor={cursor}"), Some(&staff)).await;
        let mut all = ids(&first);
        all.extend(ids(&second));
        assert_eq!(all.len(), 4);
        assert!(second.body["next_cursor"].is_null());
        assert_eq!(all[3], w["id"].as_str().unwrap(), "the oldest comes last");
    }
}
