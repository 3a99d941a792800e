//! Rate limits (`api::limits`): a login brute force meets a lock that the
//! right password waits out too, order submission and uploads are counted per
//! user, and with Redis the counts hold across two server processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::{Nodes, PrivateRedis, Scratch, TestApp};
use infra::both_backends;
use infra::limit::Limiter;
use serde_json::{json, Value};

/// A limiter on a clock the test moves (ms since the epoch).
fn test_clock() -> (Arc<AtomicI64>, infra::limit::Clock) {
    let now = Arc::new(AtomicI64::new(1_800_000_000_000));
    let read = now.clone();
    (now, Arc::new(move || read.load(Ordering::SeqCst)))
}

/// A seeded app whose only limit is the account lock (5 failures in 15 minutes),
/// counted on a clock the test moves.
async fn locking_app(db: infra::Db) -> (TestApp, Arc<AtomicI64>) {
    db.run(|c| infra::seed::run(c, true)).await.unwrap();
    let (now, clock) = test_clock();
    let changes = limits(&[("MSB_RATE_LOGIN_FAILURES", "5/15m")]);
    let app = TestApp::adjusted(db, &changes, |s| {
        s.limits = s.limits.clone().with_limiter(Limiter::local().with_clock(clock));
    })
    .await;
    (app, now)
}

fn limits(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    // Every limit off but the ones named (the tests' usual switch removed).
    let mut all = vec![("MSB_RATE_LIMITS", "")];
    for (name, _) in api::limits::RateLimits::DEFAULT {
        all.push((name, pairs.iter().find(|(n, _)| *n == name).map_or("off", |(_, v)| *v)));
    }
    all
}

fn order_body(description: &str) -> Value {
    json!({
        "kind": "issue", "category": "sewage-blockage", "description": description, "poster_code": "dd-hean",
        "contact": {"name": "王阿姨", "phone": "13812341234"}
    })
}

async fn login(app: &TestApp, username: &str, password: &str) -> common::Resp {
    app.post("/api/v1/auth/login", json!({"username": username, "password": password}), None).await
}

both_backends! {
    #[actix_web::test]
    async fn a_login_brute_force_is_locked_and_the_right_password_works_after_the_window(db) {
        let (app, now) = locking_app(db).await;

        for i in 0..5 {
            let r = login(&app, "admin", &format!("guess-{i}")).await;
            assert_eq!((r.status.as_u16(), r.code()), (401, "auth.invalid_credentials"), "guess {i}");
        }
        // The account is locked: wrong and right passwords alike wait, and the answer says how long.
        for password in ["guess-5", "admin"] {
            let r = login(&app, "ADMIN ", password).await;
            assert_eq!((r.status.as_u16(), r.code()), (429, "auth.too_many_failures"), "{password}");
            assert!(r.is_problem());
            let wait: u64 = r.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
            assert_eq!(wait, 180, "one failure refills in 15 min / 5");
        }
        // Another account is not locked by this one's failures.
        assert_eq!(login(&app, "diandeng", "demo").await.status, 200);

        // After the window the right password works, and forgives the failures before it.
        now.fetch_add(180_000, Ordering::SeqCst);
        assert_eq!(login(&app, "admin", "admin").await.status, 200);
        for i in 0..4 {
            assert_eq!(login(&app, "admin", &format!("again-{i}")).await.status, 401, "a fresh count after a success");
        }
        assert_eq!(login(&app, "admin", "admin").await.status, 200);
    }

    #[actix_web::test]
    async fn wrong_current_passwords_count_as_failed_logins_of_the_account(db) {
        let (app, now) = locking_app(db).await;
        // A stolen access token guesses the password no faster than logins could.
        let token = app.token("dd-grid1", "demo").await;
        let change = |current: &str| json!({"current_password": current, "new_password": "a new secret"});
        for i in 0..5 {
            let r = app.post("/api/v1/me/password", change(&format!("guess-{i}")), Some(&token)).await;
            assert_eq!((r.status.as_u16(), r.body["errors"][0]["code"].as_str()), (422, Some("wrong_password")), "guess {i}");
        }
        let r = app.post("/api/v1/me/password", change("demo"), Some(&token)).await;
        assert_eq!((r.status.as_u16(), r.code()), (429, "auth.too_many_failures"), "the right one waits too");
        assert_eq!(login(&app, "dd-grid1", "demo").await.status, 429, "and so does a login to the account");

        now.fetch_add(180_000, Ordering::SeqCst);
        assert_eq!(app.post("/api/v1/me/password", change("demo"), Some(&token)).await.status, 200);
        assert_eq!(login(&app, "dd-grid1", "a new secret").await.status, 200);
    }

    #[actix_web::test]
    async fn logins_from_one_address_and_submissions_of_one_user_are_counted(db) {
        db.run(|c| infra::seed::run(c, true)).await.unwrap();
        let (now, clock) = test_clock();
        let changes = limits(&[
            ("MSB_RATE_LOGIN_IP", "3/1m"),
            ("MSB_RATE_SUBMIT_USER", "2/1h"),
            ("MSB_RATE_UPLOAD_USER", "2/1h"),
        ]);
        let app = TestApp::adjusted(db, &changes, |s| {
            s.limits = s.limits.clone().with_limiter(Limiter::local().with_clock(clock));
        })
        .await;

        for _ in 0..3 {
            assert_eq!(login(&app, "diandeng", "demo").await.status, 200);
        }
        let r = login(&app, "xialiang", "demo").await;
        assert_eq!((r.status.as_u16(), r.code()), (429, "rate.limited"), "the address's quota, whichever account");
        assert_eq!(r.headers.get("retry-after").unwrap(), "20");

        let resident = app.token_for("jumin").await;
        let member = app.token_for("dangyuan").await;
        let before = app.count("orders").await;
        for i in 0..2 {
            assert_eq!(app.post("/api/v1/orders", order_body(&format!("第{i}单")), Some(&resident)).await.status, 201);
        }
        let r = app.post("/api/v1/orders", order_body("第三单"), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (429, "rate.limited"));
        assert_eq!(r.headers.get("retry-after").unwrap(), "1800");
        assert_eq!(app.count("orders").await, before + 2, "a refused submission stores nothing");
        assert_eq!(app.post("/api/v1/orders", order_body("别人的"), Some(&member)).await.status, 201, "per user");
        // A request that fails its checks is not counted.
        let bad = app.post("/api/v1/orders", json!({"kind": "nonsense"}), Some(&member)).await;
        assert_eq!(bad.status, 422);
        assert_eq!(app.post("/api/v1/orders", order_body("还能交"), Some(&member)).await.status, 201);

        // Uploads are counted before their bytes are read.
        let upload = || actix_web::test::TestRequest::post()
            .uri("/api/v1/media")
            .insert_header(("authorization", format!("Bearer {resident}")))
            .insert_header(("content-type", "multipart/form-data; boundary=x"))
            .set_payload("--x--\r\n");
        for _ in 0..2 {
            assert_ne!(app.send(upload()).await.status, 429);
        }
        let r = app.send(upload()).await;
        assert_eq!((r.status.as_u16(), r.code()), (429, "rate.limited"));

        now.fetch_add(1_800_000, Ordering::SeqCst);
        assert_eq!(app.post("/api/v1/orders", order_body("半小时后"), Some(&resident)).await.status, 201);
    }
}

/// The lock and the submission quota hold across two server processes that
/// share a Redis: failures on one node count on the other.
#[actix_web::test]
async fn limits_hold_across_two_server_processes_sharing_redis() {
    if std::process::Command::new("redis-server").arg("--version").output().is_err() {
        infra::testing::service_missing("redis-server", "the two-process limit test starts its own");
        return;
    }
    let redis = PrivateRedis::start();
    let scratch = Scratch::seeded("limits");
    let node = || {
        let (mut cmd, port) = scratch.server();
        cmd.env("REDIS_URL", redis.url())
            .env("MSB_DISPATCH_INTERVAL_MS", "0")
            .env("MSB_SWEEP_INTERVAL_SECONDS", "0")
            .env_remove("MSB_RATE_LIMITS")
            .stderr(std::fs::File::create(scratch.dir.join(format!("node-{port}.log"))).unwrap());
        for (name, value) in limits(&[("MSB_RATE_LOGIN_FAILURES", "4/1h"), ("MSB_RATE_SUBMIT_USER", "3/1h")]) {
            if !value.is_empty() {
                cmd.env(name, value);
            }
        }
        (cmd.spawn().unwrap(), port)
    };
    let ((a, pa), (b, pb)) = (node(), node());
    let _nodes = Nodes(vec![a, b]);
    let bases = [format!("http://127.0.0.1:{pa}"), format!("http://127.0.0.1:{pb}")];
    let http = reqwest::Client::new();
    for (base, port) in bases.iter().zip([pa, pb]) {
        let ready = common::ready(&http, base).await;
        let log = std::fs::read_to_string(scratch.dir.join(format!("node-{port}.log"))).unwrap_or_default();
        assert!(ready, "node {base} not ready in 30 s: {log}");
    }
    let login = |base: &str, password: &str| {
        http.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": "admin", "password": password})).send()
    };
    // Two wrong passwords on each node: four in all, the account's quota.
    for i in 0..4 {
        let r = login(&bases[i % 2], "wrong").await.unwrap();
        assert_eq!(r.status(), 401, "failure {i}");
    }
    for base in &bases {
        let r = login(base, "admin").await.unwrap();
        assert_eq!(r.status(), 429, "{base}: locked on both nodes");
        assert!(r.headers().get("retry-after").is_some());
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "auth.too_many_failures");
    }

    let resident = scratch.token("jumin");
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = http
            .post(format!("{}/api/v1/orders", bases[i % 2]))
            .bearer_auth(&resident)
            .json(&order_body(&format!("节点 {i}")))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429], "three in the hour, whichever node takes them");
}
