//! Logins, tokens and /me on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

fn b64(v: &serde_json::Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

both_backends! {
    #[actix_web::test]
    async fn staff_log_in_and_see_their_roles_and_scope(db) {
        let app = TestApp::seeded(db).await;
        let login = app.login("dd-grid1", "demo").await;
        assert_eq!(login["token_type"], "Bearer");
        assert_eq!(login["expires_in"], 900);
        assert!(login["refresh_token"].as_str().unwrap().len() >= 40);
        let token = login["access_token"].as_str().unwrap();
        let me = app.get("/api/v1/me", Some(token)).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["username"], "dd-grid1");
        assert_eq!(me.body["is_staff"], true);
        assert_eq!(me.body["roles"][0]["role"], "grid_worker");
        assert_eq!(me.body["roles"][0]["region"]["code"], "diandeng-g1");
        assert_eq!(me.body["roles"][0]["region"]["kind"], "grid");

        // Usernames are case-insensitive; passwords are not.
        assert_eq!(app.login("DD-GRID1", "demo").await["user"]["username"], "dd-grid1");
        for (user, pw) in [("dd-grid1", "DEMO"), ("nobody", "demo"), ("jumin", ""), ("", "")] {
            let r = app.post("/api/v1/auth/login", json!({"username": user, "password": pw}), None).await;
            assert_eq!((r.status.as_u16(), r.code()), (401, "auth.invalid_credentials"), "{user}");
            assert!(r.is_problem());
        }
    }

    #[actix_web::test]
    async fn bad_access_tokens_are_all_401(db) {
        let app = TestApp::seeded(db).await;
        let good = app.token("admin", "admin").await;
        assert_eq!(app.get("/api/v1/me", Some(&good)).await.status, 200);
        let user_id = app.get("/api/v1/me", Some(&good)).await.body["id"].as_str().unwrap().to_owned();
        let now = chrono::Utc::now().timestamp();
        let claims = |aud: &str, exp: i64| json!({"sub": user_id, "aud": aud, "iss": "mashangban", "iat": now, "exp": exp});
        let secret = b"test-secret-that-is-long-enough-0123456789";
        let sign = |c: serde_json::Value, key: &[u8]| encode(&Header::new(Algorithm::HS256), &c, &EncodingKey::from_secret(key)).unwrap();

        let alg_none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims("mashangban", now + 600)));
        let cases = [
            ("alg none", alg_none),
            ("wrong key", sign(claims("mashangban", now + 600), b"another-secret-another-secret-12345")),
            ("expired", sign(claims("mashangban", now - 3600), secret)),
            ("wrong audience", sign(claims("someone-else", now + 600), secret)),
            ("garbage", "not.a.jwt".to_owned()),
            ("tampered", format!("{}x", &good[..good.len() - 1])),
        ];
        for (what, token) in cases {
            let r = app.get("/api/v1/me", Some(&token)).await;
            assert_eq!(r.status, 401, "{what}");
            assert!(r.is_problem(), "{what}");
            assert!(r.headers.contains_key("www-authenticate"));
        }
        assert_eq!(app.get("/api/v1/me", Some(&sign(claims("mashangban", now - 3600), secret))).await.code(), "auth.token_expired");
        let missing = app.get("/api/v1/me", None).await;
        assert_eq!((missing.status.as_u16(), missing.code()), (401, "auth.missing_token"));
        let basic = app.send(actix_web::test::TestRequest::get().uri("/api/v1/me").insert_header(("Authorization", "Basic YWRtaW46YWRtaW4="))).await;
        assert_eq!(basic.status, 401);
        // Properly signed, right audience: fine.
        assert_eq!(app.get("/api/v1/me", Some(&sign(claims("mashangban", now + 600), secret))).await.status, 200);
    }

    #[actix_web::test]
    async fn refresh_rotates_and_a_replay_revokes_the_login(db) {
        let app = TestApp::seeded(db).await;
        let first = app.login("diandeng", "demo").await;
        let r1 = first["refresh_token"].as_str().unwrap();
        let second = app.post("/api/v1/auth/refresh", json!({"refresh_token": r1}), None).await;
        assert_eq!(second.status, 200);
        assert_eq!(second.body["user"]["username"], "diandeng");
        let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(r1, r2);
        assert_eq!(app.get("/api/v1/me", Some(second.body["access_token"].as_str().unwrap())).await.status, 200);

        let replay = app.post("/api/v1/auth/refresh", json!({"refresh_token": r1}), None).await;
        assert_eq!((replay.status.as_u16(), replay.code()), (401, "auth.refresh_reused"));
        let after = app.post("/api/v1/auth/refresh", json!({"refresh_token": r2}), None).await;
        assert_eq!((after.status.as_u16(), after.code()), (401, "auth.refresh_invalid"));
        let unknown = app.post("/api/v1/auth/refresh", json!({"refresh_token": "nope"}), None).await;
        assert_eq!(unknown.status, 401);
        assert_eq!(app.count("refresh_tokens").await, 2, "replays store nothing new");

        // A disabled account: its refresh is refused, no successor is stored, its access token stops working.
        let login = app.login("dd-grid1", "demo").await;
        let (access, refresh) = (login["access_token"].as_str().unwrap().to_owned(), login["refresh_token"].as_str().unwrap().to_owned());
        let id: uuid::Uuid = login["user"]["id"].as_str().unwrap().parse().unwrap();
        app.state.db.run(move |c| infra::repo::users::set_disabled(c, id, true)).await.unwrap();
        let tokens_before = app.count("refresh_tokens").await;
        let refused = app.post("/api/v1/auth/refresh", json!({"refresh_token": refresh}), None).await;
        assert_eq!((refused.status.as_u16(), refused.code()), (401, "auth.user_disabled"));
        assert_eq!(app.count("refresh_tokens").await, tokens_before);
        assert_eq!(app.get("/api/v1/regions", Some(&access)).await.status, 401);
        let relogin = app.post("/api/v1/auth/login", json!({"username": "dd-grid1", "password": "demo"}), None).await;
        assert_eq!(relogin.status, 401);
    }

    #[actix_web::test]
    async fn wechat_login_creates_a_resident_once(db) {
        let app = TestApp::seeded(db).await;
        let code = app.wechat.issue_code("openid-wang");
        let first = app.post("/api/v1/auth/wechat", json!({"code": code}), None).await;
        assert_eq!(first.status, 200, "{:?}", first.body);
        assert_eq!(first.body["user"]["roles"][0]["role"], "resident");
        assert_eq!(first.body["user"]["is_staff"], false);
        assert!(first.body.to_string().find("session_key").is_none());
        let users = app.count("users").await;

        let again = app.post("/api/v1/auth/wechat", json!({"code": app.wechat.issue_code("openid-wang")}), None).await;
        assert_eq!(again.body["user"]["id"], first.body["user"]["id"]);
        assert_eq!(app.count("users").await, users);

        let fixture = app.post("/api/v1/auth/wechat", json!({"code": app.wechat.issue_code("demo-openid-party-member")}), None).await;
        assert_eq!(fixture.body["user"]["username"], "dangyuan");
    }

    #[actix_web::test]
    async fn wechat_failures_are_clean_problems(db) {
        let app = TestApp::seeded(db).await;
        let users = app.count("users").await;
        let code = app.wechat.issue_code("openid-li");
        assert_eq!(app.post("/api/v1/auth/wechat", json!({"code": code}), None).await.status, 200);
        let users_after_one = app.count("users").await;
        assert_eq!(users_after_one, users + 1);

        let reused = app.post("/api/v1/auth/wechat", json!({"code": code}), None).await;
        assert_eq!((reused.status.as_u16(), reused.code()), (400, "wechat.invalid_code"));
        assert!(reused.is_problem());
        let invalid = app.post("/api/v1/auth/wechat", json!({"code": "made-up"}), None).await;
        assert_eq!((invalid.status.as_u16(), invalid.code()), (400, "wechat.invalid_code"));
        let busy = app.post("/api/v1/auth/wechat", json!({"code": "busy"}), None).await;
        assert_eq!((busy.status.as_u16(), busy.code()), (503, "wechat.busy"));
        assert!(busy.headers.contains_key("retry-after"));
        let risky = app.post("/api/v1/auth/wechat", json!({"code": "risky"}), None).await;
        assert_eq!((risky.status.as_u16(), risky.code()), (403, "wechat.high_risk_user"));
        let limited = app.post("/api/v1/auth/wechat", json!({"code": "limited"}), None).await;
        assert_eq!((limited.status.as_u16(), limited.code()), (429, "wechat.rate_limited"));
        let empty = app.post("/api/v1/auth/wechat", json!({"code": "  "}), None).await;
        assert_eq!(empty.status, 422);
        assert_eq!(app.count("users").await, users_after_one, "failures create no one");
    }

    #[actix_web::test]
    async fn an_unreachable_wechat_is_a_502_not_a_500(db) {
        let mut app = TestApp::seeded(db).await;
        app.wechat.url = "http://127.0.0.1:9".into();
        let state = api::app::AppState::with_db(common::config("http://127.0.0.1:9"), app.state.db.clone(), None).unwrap();
        let down = actix_web::test::init_service(api::app::app(state)).await;
        let req = actix_web::test::TestRequest::post().uri("/api/v1/auth/wechat").set_json(json!({"code": "x"})).to_request();
        let res = actix_web::test::call_service(&down, req).await;
        assert_eq!(res.status(), 502);
    }
}
