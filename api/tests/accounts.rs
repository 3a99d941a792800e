//! Staff accounts through the API (create with a one-time password, move,
//! disable, enable, reset) and the CLI, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::{json, Value};

fn usernames(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect()
}

async fn account_id(app: &TestApp, admin: &str, username: &str) -> String {
    let page = app.get(&format!("/api/v1/accounts?q={username}"), Some(admin)).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let found = page.body["items"].as_array().unwrap().iter().find(|a| a["username"] == username).cloned();
    found.unwrap_or_else(|| panic!("{username} not listed: {:?}", page.body))["id"].as_str().unwrap().to_owned()
}

async fn change_password(app: &TestApp, token: &str, current: &str, new: &str) -> common::Resp {
    let body = json!({"current_password": current, "new_password": new});
    app.post("/api/v1/me/password", body, Some(token)).await
}

both_backends! {
    #[actix_web::test]
    async fn a_new_account_must_change_its_one_time_password_before_anything_else(db) {
        let app = TestApp::seeded(db).await;
        let admin = app.token("admin", "admin").await;
        let grid = app.region_id("diandeng-g1").await;
        let body = json!({"username": "DD-Grid3", "display_name": "王网格", "phone": "13800138003",
                          "seat": {"role": "grid_worker", "region_id": grid}});
        let created = app.post("/api/v1/accounts", body.clone(), Some(&admin)).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let id = created.body["account"]["id"].as_str().unwrap().to_owned();
        assert_eq!(created.headers.get("location").unwrap(), format!("/api/v1/accounts/{id}").as_str());
        assert_eq!(created.body["account"]["username"], "dd-grid3");
        assert_eq!(created.body["account"]["must_change_password"], true);
        assert_eq!(created.body["account"]["manageable"], true);
        assert_eq!(created.body["account"]["roles"][0]["region"]["code"], "diandeng-g1");
        let otp = created.body["one_time_password"].as_str().unwrap().to_owned();
        assert_eq!(otp.len(), 14, "{otp}");
        // Shown once: a read of the account does not carry it.
        let read = app.get(&format!("/api/v1/accounts/{id}"), Some(&admin)).await;
        assert_eq!(read.status, 200);
        assert!(read.body.get("one_time_password").is_none() && !read.bytes.windows(otp.len()).any(|w| w == otp.as_bytes()));
        let again = app.post("/api/v1/accounts", body, Some(&admin)).await;
        assert_eq!((again.status.as_u16(), again.code()), (409, "user.username_taken"));

        let login = app.login("dd-grid3", &otp).await;
        assert_eq!(login["user"]["must_change_password"], true);
        let token = login["access_token"].as_str().unwrap().to_owned();
        for path in ["/api/v1/me", "/api/v1/orders", "/api/v1/me/notifications"] {
            let r = app.get(path, Some(&token)).await;
            assert_eq!((r.status.as_u16(), r.code()), (403, "auth.password_change_required"), "{path}");
        }
        let wrong = change_password(&app, &token, "not-it-at-all", "my own secret").await;
        assert_eq!((wrong.status.as_u16(), wrong.code()), (422, "validation.failed"));
        assert_eq!(wrong.body["errors"][0]["field"], "current_password");
        let same = change_password(&app, &token, &otp, &otp).await;
        assert_eq!(same.body["errors"][0]["code"], "same_as_current");
        let short = change_password(&app, &token, &otp, "short").await;
        assert_eq!((short.body["errors"][0]["field"].as_str(), short.body["errors"][0]["code"].as_str()), (Some("new_password"), Some("too_short")));

        let changed = change_password(&app, &token, &otp, "my own secret").await;
        assert_eq!(changed.status, 200, "{:?}", changed.body);
        assert_eq!(changed.body["user"]["must_change_password"], false);
        assert_eq!(changed.headers.get("cache-control").unwrap(), "no-store");
        // The first login's refresh token ended with the change; the new pair works.
        let old = app.post("/api/v1/auth/refresh", json!({"refresh_token": login["refresh_token"]}), None).await;
        assert_eq!((old.status.as_u16(), old.code()), (401, "auth.refresh_invalid"));
        let fresh = changed.body["access_token"].as_str().unwrap();
        assert_eq!(app.get("/api/v1/me", Some(fresh)).await.status, 200);
        assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200, "the flag is off for every token");
        let r = app.post("/api/v1/auth/login", json!({"username": "dd-grid3", "password": otp}), None).await;
        assert_eq!(r.status, 401, "the one-time password is spent");
        assert_eq!(app.login("dd-grid3", "my own secret").await["user"]["must_change_password"], false);
    }

    #[actix_web::test]
    async fn scoped_staff_see_and_manage_only_the_accounts_below_them(db) {
        let app = TestApp::seeded(db).await;
        let community = app.token("diandeng", "demo").await;
        let street = app.token("jiangnan", "demo").await;

        let seen = app.get("/api/v1/accounts", Some(&community)).await;
        assert_eq!(seen.status, 200, "{:?}", seen.body);
        assert_eq!(usernames(&seen.body), ["dd-grid1", "dd-grid2", "diandeng", "gongjian"]);
        let manageable: Vec<bool> = seen.body["items"].as_array().unwrap().iter().map(|a| a["manageable"].as_bool().unwrap()).collect();
        assert_eq!(manageable, [true, true, false, false], "grid workers only: not themselves, not an organisation member");
        let by_street = app.get("/api/v1/accounts?role=grid_worker", Some(&street)).await;
        assert_eq!(usernames(&by_street.body), ["dd-grid1", "dd-grid2", "xl-grid1", "xl-grid2"]);
        let first = app.get("/api/v1/accounts?role=grid_worker&limit=3", Some(&street)).await;
        assert_eq!(usernames(&first.body).len(), 3);
        let cursor = first.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&format!("/api/v1/accounts?role=grid_worker&limit=3&cursor={cursor}"), Some(&street)).await;
        assert_eq!((usernames(&rest.body), rest.body["next_cursor"].clone()), (vec!["xl-grid2"], Value::Null));
        // Any ASCII case, on both backends; display names too.
        let q = app.get("/api/v1/accounts?q=XL-G", Some(&street)).await;
        assert_eq!(usernames(&q.body), ["xl-grid1", "xl-grid2"]);
        let xialiang = app.region_id("xialiang").await;
        let within = app.get(&format!("/api/v1/accounts?region_id={xialiang}"), Some(&street)).await;
        assert_eq!(usernames(&within.body), ["xialiang", "xl-grid1", "xl-grid2"]);
        let outside = app.get(&format!("/api/v1/accounts?region_id={xialiang}"), Some(&community)).await;
        assert_eq!((outside.status.as_u16(), outside.code()), (403, "auth.forbidden"));
        let worker = app.token("dd-grid1", "demo").await;
        assert_eq!(app.get("/api/v1/accounts", Some(&worker)).await.status, 403);
        let bad = app.get("/api/v1/accounts?role=boss", Some(&street)).await;
        assert_eq!((bad.status.as_u16(), bad.code()), (422, "validation.failed"));

        let elsewhere = account_id(&app, &street, "xl-grid1").await;
        let hidden = app.get(&format!("/api/v1/accounts/{elsewhere}"), Some(&community)).await;
        assert_eq!((hidden.status.as_u16(), hidden.code()), (404, "account.not_found"));
        let r = app.post(&format!("/api/v1/accounts/{elsewhere}/disable"), json!({}), Some(&community)).await;
        assert_eq!(r.status, 404);
        let own = account_id(&app, &community, "diandeng").await;
        let r = app.post(&format!("/api/v1/accounts/{own}/reset-password"), json!({}), Some(&community)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "auth.forbidden"), "never one's own account");

        let g1 = app.region_id("xialiang-g1").await;
        let community_id = app.region_id("diandeng").await;
        for (seat, status) in [
            (json!({"role": "grid_worker", "region_id": g1}), 403),
            (json!({"role": "community_staff", "region_id": community_id}), 403),
            (json!({"role": "resident"}), 422),
            (json!({"role": "grid_worker", "region_id": community_id}), 422),
        ] {
            let body = json!({"username": "dd-new", "display_name": "新人", "seat": seat});
            let r = app.post("/api/v1/accounts", body, Some(&community)).await;
            assert_eq!(r.status.as_u16(), status, "{seat}: {:?}", r.body);
        }
        assert_eq!(app.count("users").await, 12, "nothing created by a refusal");
    }

    #[actix_web::test]
    async fn a_move_replaces_the_staff_seat_and_keeps_a_party_registration(db) {
        let app = TestApp::seeded(db).await;
        let community = app.token("diandeng", "demo").await;
        let id = account_id(&app, &community, "dd-grid1").await;
        let diandeng = app.region_id("diandeng").await;
        let r = app.post("/api/v1/party-members", json!({"user_id": id, "community_ids": [diandeng]}), Some(&community)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);

        let g2 = app.region_id("diandeng-g2").await;
        let moved = app.patch(&format!("/api/v1/accounts/{id}"), json!({"display_name": "Zhang 网格", "seat": {"role": "grid_worker", "region_id": g2}}), Some(&community)).await;
        assert_eq!(moved.status, 200, "{:?}", moved.body);
        assert_eq!(moved.body["display_name"], "Zhang 网格");
        // A display name matches in any ASCII case on both backends (PostgreSQL's LIKE alone would not).
        assert_eq!(usernames(&app.get("/api/v1/accounts?q=zHANG", Some(&community)).await.body), ["dd-grid1"]);
        let roles: Vec<(String, String)> = moved.body["roles"].as_array().unwrap().iter()
            .map(|g| (g["role"].as_str().unwrap().to_owned(), g["region"]["code"].as_str().unwrap().to_owned())).collect();
        assert!(roles.contains(&("grid_worker".into(), "diandeng-g2".into())), "{roles:?}");
        assert!(roles.contains(&("party_member".into(), "diandeng".into())), "{roles:?}");
        assert_eq!(roles.len(), 2, "{roles:?}");

        let g1 = app.region_id("xialiang-g1").await;
        for (patch, status, code) in [
            (json!({"seat": {"role": "grid_worker", "region_id": g1}}), 403, "auth.forbidden"),
            (json!({"seat": {"role": "admin", "region_id": g2}}), 403, "auth.forbidden"),
            (json!({"seat": {"role": "boss"}}), 422, "validation.failed"),
            (json!({"phone": "12345"}), 422, "validation.failed"),
        ] {
            let r = app.patch(&format!("/api/v1/accounts/{id}"), patch.clone(), Some(&community)).await;
            assert_eq!((r.status.as_u16(), r.code()), (status, code), "{patch}");
        }
        let r = app.patch(&format!("/api/v1/accounts/{id}"), json!({"seat": {"role": "boss"}}), Some(&community)).await;
        assert_eq!(r.body["errors"][0]["field"], "seat.role");
        let after = app.get(&format!("/api/v1/accounts/{id}"), Some(&community)).await;
        assert_eq!(after.body["roles"].as_array().unwrap().len(), 2, "refusals changed nothing");
    }

    #[actix_web::test]
    async fn disabling_ends_every_login_at_once_and_enabling_lets_the_owner_back(db) {
        let app = TestApp::seeded(db).await;
        let community = app.token("diandeng", "demo").await;
        let login = app.login("dd-grid1", "demo").await;
        let token = login["access_token"].as_str().unwrap().to_owned();
        let id = account_id(&app, &community, "dd-grid1").await;

        let r = app.post(&format!("/api/v1/accounts/{id}/disable"), json!({}), Some(&community)).await;
        assert_eq!((r.status.as_u16(), r.body["disabled"].as_bool()), (200, Some(true)), "{:?}", r.body);
        let me = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!((me.status.as_u16(), me.code()), (401, "auth.user_disabled"));
        let refresh = app.post("/api/v1/auth/refresh", json!({"refresh_token": login["refresh_token"]}), None).await;
        assert_eq!(refresh.status, 401);
        let again = app.post("/api/v1/auth/login", json!({"username": "dd-grid1", "password": "demo"}), None).await;
        assert_eq!(again.status, 401);
        let change = change_password(&app, &token, "demo", "a new secret").await;
        assert_eq!((change.status.as_u16(), change.code()), (401, "auth.user_disabled"));
        let listed = app.get("/api/v1/accounts?disabled=true", Some(&community)).await;
        assert_eq!(usernames(&listed.body), ["dd-grid1"]);

        let r = app.post(&format!("/api/v1/accounts/{id}/enable"), json!({}), Some(&community)).await;
        assert_eq!(r.body["disabled"], false);
        let back = app.login("dd-grid1", "demo").await["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.get("/api/v1/me", Some(&back)).await.status, 200);
        let refresh = app.post("/api/v1/auth/refresh", json!({"refresh_token": login["refresh_token"]}), None).await;
        assert_eq!(refresh.status, 401, "the logins ended by disabling stay ended");
    }

    #[actix_web::test]
    async fn a_reset_ends_the_logins_and_hands_over_a_one_time_password(db) {
        let app = TestApp::seeded(db).await;
        let street = app.token("jiangnan", "demo").await;
        let login = app.login("dd-grid1", "demo").await;
        let token = login["access_token"].as_str().unwrap().to_owned();
        let id = account_id(&app, &street, "dd-grid1").await;

        let reset = app.post(&format!("/api/v1/accounts/{id}/reset-password"), json!({}), Some(&street)).await;
        assert_eq!(reset.status, 200, "{:?}", reset.body);
        assert_eq!(reset.headers.get("cache-control").unwrap(), "no-store");
        let otp = reset.body["one_time_password"].as_str().unwrap().to_owned();
        assert_eq!(reset.body["account"]["must_change_password"], true);
        let me = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!((me.status.as_u16(), me.code()), (403, "auth.password_change_required"));
        let refresh = app.post("/api/v1/auth/refresh", json!({"refresh_token": login["refresh_token"]}), None).await;
        assert_eq!((refresh.status.as_u16(), refresh.code()), (401, "auth.refresh_invalid"));
        let old = app.post("/api/v1/auth/login", json!({"username": "dd-grid1", "password": "demo"}), None).await;
        assert_eq!(old.status, 401);
        let fresh = app.login("dd-grid1", &otp).await["access_token"].as_str().unwrap().to_owned();
        assert_eq!(change_password(&app, &fresh, &otp, "all mine now").await.status, 200);
        assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.status, 200);

        let resident = app.token_for("jumin").await;
        let jumin = app.get("/api/v1/me", Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let admin = app.token("admin", "admin").await;
        let r = app.post(&format!("/api/v1/accounts/{jumin}/reset-password"), json!({}), Some(&admin)).await;
        assert_eq!((r.status.as_u16(), r.code()), (409, "account.no_password"));
        let r = change_password(&app, &resident, "anything", "something else").await;
        assert_eq!((r.status.as_u16(), r.code()), (409, "account.no_password"));
    }
}

/// `mashangban user disable|enable|reset-password` on a seeded database file.
#[actix_web::test]
async fn the_operator_disables_enables_and_resets_from_the_command_line() {
    let scratch = common::Scratch::seeded("accounts");
    let db_url = scratch.db_url.clone();
    // Each must succeed (Scratch::run asserts it); stdout and stderr are read apart.
    let run = |args: &[&str]| {
        let out = scratch.run(args);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (text(&out.stdout), text(&out.stderr))
    };
    let (out, _) = run(&["user", "disable", "DD-GRID1"]);
    assert!(out.contains("dd-grid1 disabled") || out.contains("DD-GRID1 disabled"), "{out}");
    let db = infra::db::Db::open(&infra::db::DbUrl::parse(Some(&db_url)), 2).unwrap();
    let login = |password: &'static str| {
        let db = db.clone();
        async move { infra::usecase::auth::check_password(&db, "dd-grid1".into(), password.into()).await }
    };
    assert!(login("demo").await.is_err(), "disabled");
    run(&["user", "enable", "dd-grid1"]);
    assert!(login("demo").await.is_ok(), "enabled");

    let (otp, err) = run(&["user", "reset-password", "dd-grid1"]);
    let otp = otp.trim().to_owned();
    assert_eq!(otp.len(), 14, "only the password on stdout: {otp}");
    assert!(err.contains("must be changed"), "{err}");
    assert!(login("demo").await.is_err(), "the old password is gone");
    let id = infra::usecase::auth::check_password(&db, "dd-grid1".into(), otp).await.unwrap();
    let actor = infra::usecase::people::actor(&db, id).await;
    assert!(
        matches!(actor, Err(domain::DomainError::Forbidden { code: "auth.password_change_required", .. })),
        "{actor:?}"
    );

    let missing = scratch.try_run(&["user", "disable", "nobody"]);
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success() && err.contains("no user named nobody"), "{err}");
}
