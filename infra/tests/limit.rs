//! The limiter's stores: in this process, and in Redis, where racing callers
//! (as two nodes would) still get exactly the quota.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use domain::limit::{Quota, Verdict};
use infra::cache::Redis;
use infra::limit::Limiter;

fn clock() -> (Arc<AtomicI64>, infra::limit::Clock) {
    let now = Arc::new(AtomicI64::new(1_800_000_000_000));
    let read = now.clone();
    (now, Arc::new(move || read.load(Ordering::SeqCst)))
}

const TEN_PER_MINUTE: Quota = Quota { burst: 10, period: Duration::from_secs(60) };

async fn shared() -> Option<Redis> {
    match Redis::connect(&infra::testing::redis_url()).await {
        Ok(r) => Some(r),
        Err(_) => {
            infra::testing::service_missing("Redis", "the shared limiter is tested against it");
            None
        }
    }
}

/// Hits `key` `n` times at once; how many passed.
async fn race(limiter: &Limiter, key: &str, n: usize) -> usize {
    let calls = (0..n).map(|_| {
        let limiter = limiter.clone();
        let key = key.to_owned();
        tokio::spawn(async move { limiter.hit(&key, TEN_PER_MINUTE).await.unwrap().allowed() })
    });
    let mut passed = 0;
    for call in calls.collect::<Vec<_>>() {
        passed += usize::from(call.await.unwrap());
    }
    passed
}

async fn behaves(limiter: Limiter, now: Arc<AtomicI64>, key: &str) {
    for _ in 0..10 {
        assert!(limiter.peek(key, TEN_PER_MINUTE).await.unwrap().allowed());
    }
    assert_eq!(race(&limiter, key, 40).await, 10, "exactly the burst, however many race for it");
    let denied = limiter.hit(key, TEN_PER_MINUTE).await.unwrap();
    assert_eq!(denied, Verdict::Deny { retry_after_ms: 6000 });
    assert!(!limiter.peek(key, TEN_PER_MINUTE).await.unwrap().allowed());
    now.fetch_add(6000, Ordering::SeqCst);
    assert!(limiter.hit(key, TEN_PER_MINUTE).await.unwrap().allowed(), "one refilled after the interval");
    assert!(!limiter.hit(key, TEN_PER_MINUTE).await.unwrap().allowed());
    limiter.clear(key).await.unwrap();
    assert_eq!(race(&limiter, key, 12).await, 10, "cleared: the whole burst again");
    assert_eq!(race(&limiter, &format!("{key}-other"), 10).await, 10, "keys are apart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_process_the_quota_is_exact() {
    let (now, clock) = clock();
    behaves(Limiter::local().with_clock(clock), now, "test.local").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_redis_the_quota_is_exact_across_racing_nodes() {
    let Some(redis) = shared().await else { return };
    let (now, clock) = clock();
    let key = format!("test.shared:{}", uuid::Uuid::now_v7().simple());
    // Two limiters on one Redis, as two nodes have: half the racers on each.
    let a = Limiter::shared(redis.clone()).with_clock(clock.clone());
    let b = Limiter::shared(Redis::connect(&infra::testing::redis_url()).await.unwrap()).with_clock(clock);
    assert!(a.is_shared());
    let (x, y) = tokio::join!(race(&a, &key, 20), race(&b, &key, 20));
    assert_eq!(x + y, 10, "{x} + {y} passed on two nodes");
    now.fetch_add(60_000, Ordering::SeqCst);
    a.clear(&key).await.unwrap();
    behaves(a, now, &key).await;
    // The key expires with its window: nothing is left behind in Redis.
    let mut conn = redis.connection();
    let ttl: i64 = redis::cmd("PTTL").arg(format!("msb:limit:{key}-other")).query_async(&mut conn).await.unwrap();
    assert!((1..=60_000).contains(&ttl), "expires within the window: {ttl} ms");
}
