//! What every answer carries (`api::edge`): the request id, the security
//! headers, no-store on personal answers, and CORS for configured origins only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::TestApp;
use infra::{Db, DbUrl};

fn header<'a>(resp: &'a common::Resp, name: &str) -> Option<&'a str> {
    resp.headers.get(name).and_then(|v| v.to_str().ok())
}

fn sqlite_db(pool: u32) -> (Db, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("msb-edge-{}.db", uuid::Uuid::now_v7().simple()));
    let db = Db::open_with(&DbUrl::Sqlite(path.display().to_string()), pool, Duration::from_millis(300)).unwrap();
    (db, path)
}

#[actix_web::test]
async fn every_answer_has_an_id_and_the_security_headers() {
    let (db, path) = sqlite_db(4);
    let app = TestApp::seeded(db).await;
    for (path, status) in [("/healthz", 200), ("/api/v1/categories", 200), ("/no/such/route", 404)] {
        let resp = app.get(path, None).await;
        assert_eq!(resp.status.as_u16(), status, "{path}");
        let id = header(&resp, "x-request-id").unwrap_or_default();
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{path}: made id {id:?}");
        assert_eq!(header(&resp, "x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(header(&resp, "x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(header(&resp, "referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(header(&resp, "strict-transport-security"), None, "HSTS only with MSB_ENV=prod");
        assert_eq!(header(&resp, "access-control-allow-origin"), None, "no CORS unless configured");
    }
    let two = [app.get("/healthz", None).await, app.get("/healthz", None).await];
    assert_ne!(header(&two[0], "x-request-id"), header(&two[1], "x-request-id"), "a new id each time");

    let mine = app.send(TestRequest::get().uri("/healthz").insert_header(("X-Request-Id", "wx-7f3a.2"))).await;
    assert_eq!(header(&mine, "x-request-id"), Some("wx-7f3a.2"), "the client's id is kept");
    let odd = app.send(TestRequest::get().uri("/healthz").insert_header(("X-Request-Id", "a b <script>"))).await;
    let made = header(&odd, "x-request-id").unwrap();
    assert_eq!(made.len(), 32, "an unusable id is replaced: {made}");
    let _ = std::fs::remove_file(path);
}

#[actix_web::test]
async fn tokens_and_personal_answers_are_not_stored_by_caches() {
    let (db, path) = sqlite_db(4);
    let app = TestApp::seeded(db).await;
    let login = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .set_json(serde_json::json!({"username": "admin", "password": "admin"})),
        )
        .await;
    assert_eq!(login.status, 200);
    assert_eq!(header(&login, "cache-control"), Some("no-store"));
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!((me.status.as_u16(), header(&me, "cache-control")), (200, Some("no-store")));
    let public = app.get("/api/v1/categories", None).await;
    assert_ne!(header(&public, "cache-control"), Some("no-store"), "public answers may be cached");
    let _ = std::fs::remove_file(path);
}

/// With every database connection taken, a request is 503; its problem names
/// the request id the answer carries, so the report leads to the log lines.
#[actix_web::test]
async fn a_server_error_names_its_request_id() {
    let (db, path) = sqlite_db(1);
    let app = TestApp::seeded(db.clone()).await;
    let held = db.conn().unwrap();
    let resp =
        app.send(TestRequest::get().uri("/api/v1/categories").insert_header(("X-Request-Id", "report-me-1"))).await;
    drop(held);
    assert_eq!(resp.status, 503, "{:?}", resp.body);
    assert!(resp.is_problem(), "{:?}", resp.body);
    assert_eq!(resp.body["request_id"], "report-me-1");
    assert_eq!(header(&resp, "x-request-id"), Some("report-me-1"));
    let fine = app.get("/api/v1/categories", None).await;
    assert!(fine.body.get("request_id").is_none(), "only server errors carry it");
    let client_error = app.get("/api/v1/orders/not-a-uuid", None).await;
    assert!(client_error.status.is_client_error() && client_error.body.get("request_id").is_none());
    let _ = std::fs::remove_file(path);
}

#[actix_web::test]
async fn cors_answers_only_the_configured_origins() {
    let (db, path) = sqlite_db(4);
    db.run(|c| infra::seed::run(c, true)).await.unwrap();
    let app =
        TestApp::with_config(db, &[("MSB_CORS_ORIGINS", "https://h5.example.gov.cn, http://localhost:5173")]).await;
    let preflight = |origin: &str| {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/orders")
            .insert_header((header::ORIGIN, origin.to_owned()))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type, idempotency-key"))
    };
    let allowed = app.send(preflight("https://h5.example.gov.cn")).await;
    assert!(allowed.status.is_success(), "{:?}", allowed.status);
    assert_eq!(header(&allowed, "access-control-allow-origin"), Some("https://h5.example.gov.cn"));
    let methods = header(&allowed, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("POST") && methods.contains("PATCH"), "{methods}");

    let other = app.send(preflight("https://evil.example.com")).await;
    assert_eq!(header(&other, "access-control-allow-origin"), None);

    let simple = app
        .send(TestRequest::get().uri("/api/v1/categories").insert_header((header::ORIGIN, "http://localhost:5173")))
        .await;
    assert_eq!(simple.status, 200);
    assert_eq!(header(&simple, "access-control-allow-origin"), Some("http://localhost:5173"));
    let exposed = header(&simple, "access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    let _ = std::fs::remove_file(path);
}

/// `MSB_LOG_FORMAT=json`: every line the real binary writes is one JSON
/// object, and each request leaves an access line with its route, status and
/// the request id the client sent, so an operator finds it from a screenshot.
#[actix_web::test]
async fn json_logs_carry_the_request_id_of_every_request() {
    let scratch = common::Scratch::new("logs");
    let log = scratch.dir.join("server.log");
    let (mut cmd, port) = scratch.server();
    let child = cmd
        .arg("--seed")
        .current_dir(&scratch.dir)
        .env("MSB_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let nodes = common::Nodes(vec![child]);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    assert!(common::ready(&http, &base).await, "server not ready in 30 s");
    let r = http.get(format!("{base}/api/v1/me")).header("X-Request-Id", "screenshot-4711").send().await.unwrap();
    assert_eq!(r.status(), 401);
    drop(nodes);

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(|l| l["timestamp"].is_string() && l["level"].is_string()), "{text}");
    let access = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "screenshot-4711" && l["fields"]["message"] == "close")
        .unwrap_or_else(|| panic!("no access line with the request id:\n{text}"));
    assert_eq!(access["span"]["http.route"], "/api/v1/me", "{access}");
    assert_eq!(access["span"]["http.status_code"], 401, "{access}");
    assert!(access["fields"]["time.busy"].is_string(), "the time spent: {access}");
}

#[test]
fn an_unknown_log_format_stops_the_binary_with_a_clear_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mashangban"))
        .arg("openapi")
        .env("MSB_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MSB_LOG_FORMAT must be text or json"), "{err}");
}
