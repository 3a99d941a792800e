//! The WeChat access_token: one fetch shared by every node through Redis under
//! a lock; a refused token expired only if it is still the one held; with Redis
//! down each node keeps its own and requests go on; with Redis back, sharing
//! resumes. Against the fake WeChat and Redis servers at the wire.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{FakeWechat, PrivateRedis, TestApp, APPID, SECRET};
use infra::cache::Redis;
use infra::wechat::{AccessTokens, WechatClient, WechatConfig};
use serde_json::json;

fn node(fake: &FakeWechat, redis: Option<Redis>) -> Arc<AccessTokens> {
    let client = WechatClient::new(WechatConfig {
        api_base: fake.url.clone(),
        appid: APPID.to_owned(),
        secret: SECRET.to_owned(),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    Arc::new(AccessTokens::new(client, redis))
}

#[actix_web::test]
async fn two_nodes_racing_fetch_one_token_and_a_late_refusal_keeps_the_newer() {
    let redis = PrivateRedis::start();
    let fake = FakeWechat::start().await;
    let (a, b) = (node(&fake, Some(redis.connect().await)), node(&fake, Some(redis.connect().await)));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let n = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { n.get().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().unwrap());
    }
    assert!(tokens.iter().all(|t| t == "token-1"), "{tokens:?}");
    assert_eq!(fake.tokens_issued(), 1, "fetched once for both nodes");

    // Node A's send is refused: it expires token-1; B then fetches token-2 for both.
    a.expire("token-1").await;
    assert_eq!(b.get().await.unwrap(), "token-2");
    // A late refusal of token-1 (from B, say) must not throw token-2 away.
    b.expire("token-1").await;
    assert_eq!(a.get().await.unwrap(), "token-2");
    assert_eq!(fake.tokens_issued(), 2);
}

#[actix_web::test]
async fn with_redis_down_each_node_keeps_its_own_and_sharing_resumes_when_it_returns() {
    let mut redis = PrivateRedis::start();
    let fake = FakeWechat::start().await;
    let (a, b) = (node(&fake, Some(redis.connect().await)), node(&fake, Some(redis.connect().await)));
    assert_eq!(a.get().await.unwrap(), "token-1");
    assert_eq!(b.get().await.unwrap(), "token-1");

    redis.down();
    assert_eq!(a.get().await.unwrap(), "token-1", "the node's own copy serves");
    b.expire("token-1").await;
    assert_eq!(b.get().await.unwrap(), "token-2", "B fetches its own while Redis is away");
    assert_eq!(a.get().await.unwrap(), "token-1");

    redis.up();
    let mut shared = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        a.expire("token-1").await;
        if let Ok(t) = a.get().await {
            if b.get().await.ok().as_ref() == Some(&t) {
                shared = Some(t);
                break;
            }
        }
    }
    assert_eq!(shared.as_deref(), Some("token-3"), "one token for both again");
}

/// Requests never need Redis: with it gone, orders are still taken and read.
#[actix_web::test]
async fn requests_succeed_while_redis_is_down() {
    let mut redis = PrivateRedis::start();
    let guard = infra::testing::TestDb::sqlite();
    guard.db().run(|c| infra::seed::run(c, true)).await.unwrap();
    let app = TestApp::with_redis(guard.db(), Some(redis.connect().await)).await;
    let resident = app.token_for("jumin").await;
    redis.down();
    let order = app
        .post(
            "/api/v1/orders",
            json!({
                "kind": "issue", "category": "sewage-blockage", "description": "污水井堵了", "poster_code": "dd-hean",
                "contact": {"name": "王阿姨", "phone": "13812341234"}
            }),
            Some(&resident),
        )
        .await;
    assert_eq!(order.status, 201, "{:?}", order.body);
    let staff = app.token("diandeng", "demo").await;
    assert_eq!(app.get("/api/v1/orders", Some(&staff)).await.status, 200);
    app.post("/api/v1/me/subscriptions", json!({"results": {"demo-submitted": "accept"}}), Some(&resident)).await;
    let report =
        infra::usecase::notifications::dispatch(&app.state.db, &app.state.notify, infra::ids::now_utc()).await.unwrap();
    assert_eq!(report.sent, 1, "notifications go out too");
}
