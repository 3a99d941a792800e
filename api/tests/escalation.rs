//! Automatic escalation (吹哨报到): a region's policy moves unanswered orders
//! up one level per run-out response clock, up to its ceiling, naming the rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use infra::both_backends;
use serde_json::{json, Value};

async fn sweep(app: &TestApp, at: DateTime<Utc>) -> infra::usecase::sweep::SweepReport {
    infra::usecase::sweep::run(&app.state.db, at, Duration::days(7)).await.unwrap()
}

async fn report(app: &TestApp, resident: &str) -> Value {
    let order = json!({"kind": "issue", "category": "street-light", "description": "路灯不亮", "poster_code": "dd-hean",
                       "contact": {"name": "王阿姨", "phone": "13812341234"}});
    app.post("/api/v1/orders", order, Some(resident)).await.body
}

both_backends! {
    #[actix_web::test]
    async fn unanswered_orders_climb_to_the_policys_ceiling_naming_the_rule(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let street = app.region_id("jiangnan").await;
        let policy = format!("/api/v1/regions/{street}/escalation-policy");
        let r = app.send(actix_web::test::TestRequest::put().uri(&policy).set_json(json!({"up_to": "department"}))
            .insert_header(("Authorization", format!("Bearer {admin}")))).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["rule"], "江南街道：响应超时自动上报，最高至职能部门");

        let resident = app.token_for("jumin").await;
        let order = report(&app, &resident).await;
        let id = order["id"].as_str().unwrap().to_owned();
        let t0: DateTime<Utc> = order["submitted_at"].as_str().unwrap().parse().unwrap();
        // Before the 60-minute clock runs out: nothing.
        assert_eq!(sweep(&app, t0 + Duration::minutes(59)).await.escalated, 0);
        let first = t0 + Duration::minutes(61);
        let r = sweep(&app, first).await;
        assert_eq!((r.overdue_flagged, r.escalated), (1, 1));
        let street_staff = app.token("jiangnan", "demo").await;
        let now = app.get(&format!("/api/v1/orders/{id}"), Some(&street_staff)).await.body;
        assert_eq!((now["level"].as_str(), now["status"].as_str()), (Some("street"), Some("submitted")));
        let due: DateTime<Utc> = now["response_due_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(due, first + Duration::minutes(60), "a fresh clock for the street");
        assert_eq!(sweep(&app, first).await, Default::default(), "once per run-out clock");

        let second = first + Duration::minutes(61);
        assert_eq!(sweep(&app, second).await.escalated, 1);
        let third = second + Duration::minutes(61);
        let r = sweep(&app, third).await;
        assert_eq!((r.overdue_flagged, r.escalated), (1, 0), "the department is the ceiling: flagged only");
        let events = app.get(&format!("/api/v1/orders/{id}/events"), Some(&admin)).await.body;
        let climbs: Vec<(String, String)> = events.as_array().unwrap().iter()
            .filter(|e| e["type"] == "escalated")
            .map(|e| (e["data"]["to"].as_str().unwrap().to_owned(), e["actor"]["role"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(climbs, vec![("street".to_owned(), "system".to_owned()), ("department".to_owned(), "system".to_owned())]);
        let reason = events.as_array().unwrap().iter().find(|e| e["type"] == "escalated").unwrap()["data"]["reason"].clone();
        assert_eq!(reason, "江南街道：响应超时自动上报，最高至职能部门");
    }

    #[actix_web::test]
    async fn the_nearest_policy_governs_and_only_admins_set_one(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let put = |path: String, body: Value, token: String| {
            actix_web::test::TestRequest::put().uri(&path).set_json(body).insert_header(("Authorization", format!("Bearer {token}")))
        };
        let street = format!("/api/v1/regions/{}/escalation-policy", app.region_id("jiangnan").await);
        let community = format!("/api/v1/regions/{}/escalation-policy", app.region_id("diandeng").await);
        assert_eq!(app.send(put(street.clone(), json!({"up_to": "department"}), admin.clone())).await.status, 200);
        assert_eq!(app.send(put(community.clone(), json!({"up_to": "street"}), admin.clone())).await.status, 200);
        let staff = app.token("diandeng", "demo").await;
        let r = app.send(put(community.clone(), json!({"up_to": "department"}), staff.clone())).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "auth.forbidden"));
        for bad in [json!({"up_to": "community"}), json!({"up_to": "city"}), json!({})] {
            assert_eq!(app.send(put(community.clone(), bad.clone(), admin.clone())).await.status, 422, "{bad}");
        }
        assert_eq!(app.get(&community, Some(&staff)).await.body["up_to"], "street");
        assert_eq!(app.get(&street, Some(&staff)).await.status, 403, "community staff do not read the street's");

        let resident = app.token_for("jumin").await;
        let id = report(&app, &resident).await["id"].as_str().unwrap().to_owned();
        let now = Utc::now();
        sweep(&app, now + Duration::minutes(61)).await;
        sweep(&app, now + Duration::minutes(122)).await;
        let order = app.get(&format!("/api/v1/orders/{id}"), Some(&admin)).await.body;
        assert_eq!(order["level"], "street", "the community's ceiling, not the street's");

        assert_eq!(app.delete(&community, Some(&admin)).await.status, 204);
        let r = app.get(&community, Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.code()), (404, "policy.not_found"));
        assert_eq!(app.delete(&community, Some(&admin)).await.status, 404);
    }
}
