//! SIGTERM under load: the real binary stops taking connections, finishes
//! what it accepted, ends its live streams and its workers' passes, and exits
//! 0; every submission it answered 201 is in the database afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Nodes, Scratch, Sse};
use serde_json::json;

fn order_body(n: usize) -> serde_json::Value {
    json!({"kind": "issue", "category": "sewage-blockage", "description": format!("关机测试 {n}"),
           "poster_code": "dd-hean", "contact": {"name": "王阿姨", "phone": "13812341234"}})
}

async fn orders_in(db_url: &str) -> i64 {
    let url = infra::DbUrl::parse(Some(db_url));
    let db = infra::Db::open(&url, 1).unwrap();
    db.run(|c| infra::testing::count_rows(c, "orders")).await.unwrap()
}

#[actix_web::test]
async fn sigterm_under_load_finishes_what_it_answered_and_exits_cleanly() {
    let scratch = Scratch::seeded("shutdown");
    let resident = scratch.token("jumin");
    let before = orders_in(&scratch.db_url).await;
    let log = scratch.dir.join("server.log");
    let (mut cmd, port) = scratch.server();
    cmd.env("MSB_RATE_LIMITS", "off")
        .env("MSB_DISPATCH_INTERVAL_MS", "50")
        .env("MSB_SWEEP_INTERVAL_SECONDS", "1")
        .env("MSB_SHUTDOWN_TIMEOUT_SECONDS", "30")
        .env("MSB_SSE_HEARTBEAT_MS", "60000")
        .env("RUST_LOG", "info")
        .stderr(std::fs::File::create(&log).unwrap());
    let mut nodes = Nodes(vec![cmd.spawn().unwrap()]);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    assert!(common::ready(&http, &base).await, "server not ready in 30 s");
    // An open live stream must not hold the stop until the timeout.
    let _stream = Sse::open(&base, Some(&resident), None).await.unwrap_or_else(|_| panic!("no stream"));

    let answered = Arc::new(Mutex::new(Vec::new()));
    let (refused, odd) = (Arc::new(Mutex::new(0usize)), Arc::new(Mutex::new(Vec::new())));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..6 {
        let (http, base, token) = (http.clone(), base.clone(), resident.clone());
        let (answered, refused, odd, stop) = (answered.clone(), refused.clone(), odd.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let sent = http
                    .post(format!("{base}/api/v1/orders"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("shutdown-{c}-{i}"))
                    .json(&order_body(i))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        let body: serde_json::Value = r.json().await.unwrap();
                        answered.lock().unwrap().push(body["id"].as_str().unwrap().to_owned());
                    }
                    Ok(r) => odd.lock().unwrap().push(r.status().as_u16()),
                    // Refused or reset once the listener closed: never answered, so never promised.
                    Err(_) => {
                        *refused.lock().unwrap() += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    // Load for a while, then SIGTERM in the middle of it.
    while answered.lock().unwrap().len() < 60 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = nodes.0[0].id().to_string();
    let signalled = Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = loop {
        if let Some(status) = nodes.0[0].try_wait().unwrap() {
            break status;
        }
        assert!(signalled.elapsed() < Duration::from_secs(20), "still running 20 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    nodes.0.clear();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "exit {status:?}:\n{text}");
    assert!(took < Duration::from_secs(10), "stopping took {took:?} with a live stream open:\n{text}");
    assert!(text.contains("SIGTERM") && text.contains("stopped"), "{text}");
    assert!(odd.lock().unwrap().is_empty(), "answers other than 201: {:?}", odd.lock().unwrap());
    let answered = answered.lock().unwrap().clone();
    let after = orders_in(&scratch.db_url).await;
    assert_eq!(after - before, answered.len() as i64, "every 201 stored, nothing stored unanswered");
    eprintln!(
        "shutdown: {} answered, {} refused after the stop, stopped in {took:?}",
        answered.len(),
        refused.lock().unwrap()
    );
}
