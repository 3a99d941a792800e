//! The live stream at the wire, on both backends: staff see new orders in
//! their area as they happen, with category, building and due time; a
//! resident only their own orders; a party member a pooled order with the
//! phone masked; `Last-Event-ID` replays what was missed; heartbeats keep it
//! open; and two server processes fan events out to each other through Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Nodes, Scratch, Sse, TestApp};
use infra::both_backends;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(5);

fn order_body(description: &str) -> Value {
    json!({
        "kind": "issue", "category": "sewage-blockage", "description": description, "poster_code": "dd-hean",
        "contact": {"name": "王阿姨", "phone": "13812341234"}
    })
}

both_backends! {
    #[actix_web::test]
    async fn consoles_see_their_areas_orders_live_and_catch_up_after_a_gap(db) {
        let app = TestApp::seeded(db).await;
        let base = app.serve();
        let staff = app.token("diandeng", "demo").await;
        let other = app.token("xialiang", "demo").await;
        let resident = app.token_for("jumin").await;
        let member = app.token_for("dangyuan").await;

        let refused = Sse::open(&base, None, None).await.err().unwrap();
        assert_eq!(refused.status(), 401);
        let bad = Sse::open(&base, Some(&staff), Some("not-an-id")).await.err().unwrap();
        assert_eq!(bad.status(), 422);

        let mut console = Sse::open(&base, Some(&staff), None).await.unwrap();
        let mut elsewhere = Sse::open(&base, Some(&other), None).await.unwrap();
        let mut mine = Sse::open(&base, Some(&resident), None).await.unwrap();
        let mut pool = Sse::open(&base, Some(&member), None).await.unwrap();
        let first = console.next(WAIT).await.unwrap();
        assert_eq!(first.comment.as_deref(), Some("connected"));

        let created = app.post("/api/v1/orders", order_body("井盖松动"), Some(&resident)).await;
        let id = created.body["id"].as_str().unwrap().to_owned();
        let seen = console.next_event(WAIT).await.expect("the console hears of the new order");
        let data = seen.data.unwrap();
        assert_eq!((data["event"]["type"].as_str(), data["order"]["id"].as_str()), (Some("submitted"), Some(id.as_str())));
        assert_eq!(data["order"]["location"]["building_name"], "和安楼");
        assert_eq!(data["order"]["item"]["name"], created.body["item"]["name"]);
        assert!(data["order"]["response_due_at"].is_string());
        assert_eq!(data["order"]["contact"]["phone"], "138****1234", "staff overseeing it reveal the phone on the record");
        assert_eq!(seen.id.as_deref(), data["event"]["id"].as_str());
        let own = mine.next_event(WAIT).await.unwrap().data.unwrap();
        assert_eq!(own["order"]["id"].as_str(), Some(id.as_str()));
        assert!(elsewhere.next_event(Duration::from_millis(800)).await.is_none(), "another community sees nothing");

        // Heartbeats keep an idle stream open.
        let beat = elsewhere.next(WAIT).await.unwrap();
        assert_eq!(beat.comment.as_deref(), Some("heartbeat"));

        // Into the pool: the party member sees it, phone masked, as the pool view shows it.
        app.post(&format!("/api/v1/orders/{id}/dispatch"), json!({"target": {"type": "pool"}}), Some(&staff)).await;
        let pooled = pool.next_event(WAIT).await.expect("the pool hears of it").data.unwrap();
        assert_eq!(pooled["event"]["type"], "dispatched");
        assert_eq!((pooled["order"]["contact"]["phone"].as_str(), pooled["order"]["contact"]["phone_masked"].as_bool()), (Some("138****1234"), Some(true)));
        let dispatched = console.next_event(WAIT).await.unwrap();
        let last_seen = dispatched.id.unwrap();

        // The console drops; what happens meanwhile is replayed on reconnect, in order.
        drop(console);
        app.post(&format!("/api/v1/orders/{id}/grab"), json!({}), Some(&member)).await;
        app.post("/api/v1/orders", order_body("路灯不亮"), Some(&resident)).await;
        let mut back = Sse::open(&base, Some(&staff), Some(&last_seen)).await.unwrap();
        let a = back.next_event(WAIT).await.unwrap().data.unwrap();
        let b = back.next_event(WAIT).await.unwrap().data.unwrap();
        assert_eq!((a["event"]["type"].as_str(), b["event"]["type"].as_str()), (Some("grabbed"), Some("submitted")));
        assert_eq!(b["order"]["description"], "路灯不亮");
        assert!(back.next_event(Duration::from_millis(500)).await.is_none(), "nothing twice");

        // A disabled account's stream ends at the next heartbeat.
        app.state.db.write(|c| infra::testing::execute(c, "UPDATE users SET disabled = TRUE WHERE username = 'xialiang'")).await.unwrap();
        let mut ended = false;
        for _ in 0..10 {
            if elsewhere.next(Duration::from_secs(2)).await.is_none() {
                ended = true;
                break;
            }
        }
        assert!(ended, "the stream of a disabled account ends");
    }
}

/// Two server processes on one database and one Redis: an order submitted on
/// one reaches a console on the other at once (well before a heartbeat), and a
/// console reconnecting to either replays from the database.
#[actix_web::test]
async fn two_nodes_fan_events_out_through_redis() {
    if infra::cache::Redis::connect(&infra::testing::redis_url()).await.is_err() {
        infra::testing::service_missing("Redis", "the two-node live test needs it");
        return;
    }
    let scratch = Scratch::seeded("live");
    let node = || {
        let (mut cmd, port) = scratch.server();
        cmd.env("REDIS_URL", infra::testing::redis_url())
            .env("MSB_SSE_HEARTBEAT_MS", "60000")
            .env("MSB_DISPATCH_INTERVAL_MS", "0")
            .env("MSB_SWEEP_INTERVAL_SECONDS", "0")
            .stderr(std::fs::File::create(scratch.dir.join(format!("node-{port}.log"))).unwrap());
        (cmd.spawn().unwrap(), port)
    };
    let ((a, pa), (b, pb)) = (node(), node());
    let _nodes = Nodes(vec![a, b]);
    let (base_a, base_b) = (format!("http://127.0.0.1:{pa}"), format!("http://127.0.0.1:{pb}"));
    let http = reqwest::Client::new();
    for (base, port) in [(&base_a, pa), (&base_b, pb)] {
        let ready = common::ready(&http, base).await;
        let log = std::fs::read_to_string(scratch.dir.join(format!("node-{port}.log"))).unwrap_or_default();
        assert!(ready, "node on {port} not ready in 30 s: {log}");
    }
    let login: Value = http
        .post(format!("{base_a}/api/v1/auth/login"))
        .json(&json!({"username": "diandeng", "password": "demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let staff = login["access_token"].as_str().unwrap().to_owned();
    let resident = scratch.token("jumin");

    let mut console = Sse::open(&base_a, Some(&staff), None).await.unwrap();
    console.next(WAIT).await.unwrap();
    let started = std::time::Instant::now();
    let created = http
        .post(format!("{base_b}/api/v1/orders"))
        .bearer_auth(&resident)
        .json(&order_body("两个节点"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let seen = console.next_event(WAIT).await.expect("node A's console hears of node B's order");
    assert!(started.elapsed() < Duration::from_secs(3), "fanned out through Redis, not found at a heartbeat");
    assert_eq!(seen.data.unwrap()["order"]["description"], "两个节点");

    // Reconnecting to the other node replays from the database.
    let last = seen.id.unwrap();
    drop(console);
    http.post(format!("{base_a}/api/v1/orders"))
        .bearer_auth(&resident)
        .json(&order_body("错过的"))
        .send()
        .await
        .unwrap();
    let mut on_b = Sse::open(&base_b, Some(&staff), Some(&last)).await.unwrap();
    let missed = on_b.next_event(WAIT).await.unwrap();
    assert_eq!(missed.data.unwrap()["order"]["description"], "错过的");
}

/// While Redis is away each node still wakes its own consoles; when it returns,
/// the listeners resubscribe (waking their consoles to catch up from the
/// database) and fan-out resumes.
#[actix_web::test]
async fn live_fan_out_falls_back_to_the_node_and_returns_with_redis() {
    use infra::live::LiveHub;
    use tokio::time::timeout;
    let mut redis = common::PrivateRedis::start();
    let (a, b) = (LiveHub::new(), LiveHub::new());
    let (mut on_a, mut on_b) = (a.subscribe(), b.subscribe());
    a.connect(&redis.url(), redis.connect().await);
    b.connect(&redis.url(), redis.connect().await);
    // Each listener wakes its node once subscribed.
    timeout(WAIT, on_a.recv()).await.unwrap().unwrap();
    timeout(WAIT, on_b.recv()).await.unwrap().unwrap();

    a.announce();
    timeout(WAIT, on_b.recv()).await.expect("node B is woken through Redis").unwrap();
    timeout(WAIT, on_a.recv()).await.unwrap().unwrap();

    redis.down();
    a.announce();
    timeout(WAIT, on_a.recv()).await.expect("node A still wakes its own consoles").unwrap();
    assert!(timeout(Duration::from_millis(500), on_b.recv()).await.is_err(), "nothing reaches B without Redis");

    redis.up();
    timeout(Duration::from_secs(10), on_b.recv()).await.expect("B resubscribes and catches up").unwrap();
    let mut fanned = false;
    for _ in 0..50 {
        a.announce();
        if timeout(Duration::from_millis(200), on_b.recv()).await.is_ok() {
            fanned = true;
            break;
        }
    }
    assert!(fanned, "fan-out resumes once Redis is back");
}
