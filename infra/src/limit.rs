//! Rate limits that hold across nodes: `domain::limit`'s GCRA over one number
//! per key, kept in Redis when it is configured (every node sees the same
//! count) and in this process's memory otherwise.
//!
//! Redis only stores: a key's time is read, the verdict is computed here, and
//! the new time is written by a compare-and-set script, retried when another
//! node wrote first. So the rule lives in one place, and two nodes racing for
//! the last request of a burst cannot both get it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::limit::{check, Quota, Verdict};
use domain::DomainError;
use redis::AsyncCommands;

use crate::cache::Redis;

/// Milliseconds since the epoch; injected so tests move time instead of sleeping.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

/// Sets a key only when it still holds what was read (`""`: it was absent).
const SWAP: &str = r"
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
";

/// A caller loses a swap only when another caller's request passed meanwhile.
const ATTEMPTS: usize = 64;

#[derive(Clone)]
enum Store {
    /// key → (theoretical arrival time, forget after), both in ms.
    Local(Arc<Mutex<HashMap<String, (i64, i64)>>>),
    Redis {
        redis: Redis,
        swap: Arc<redis::Script>,
    },
}

#[derive(Clone)]
pub struct Limiter {
    store: Store,
    clock: Clock,
}

impl Limiter {
    /// Counts in this process only (no Redis configured).
    pub fn local() -> Limiter {
        Limiter { store: Store::Local(Arc::default()), clock: system_clock() }
    }

    /// Counts in Redis, shared by every node that uses it.
    pub fn shared(redis: Redis) -> Limiter {
        Limiter { store: Store::Redis { redis, swap: Arc::new(redis::Script::new(SWAP)) }, clock: system_clock() }
    }

    pub fn with_clock(self, clock: Clock) -> Limiter {
        Limiter { clock, ..self }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self.store, Store::Redis { .. })
    }

    /// One request under `key` (e.g. `login.ip:203.0.113.7`): passes and is counted, or is refused.
    pub async fn hit(&self, key: &str, quota: Quota) -> Result<Verdict, DomainError> {
        self.run(key, quota, true).await
    }

    /// Would a request under `key` pass? Counts nothing (a lock checked before a password).
    pub async fn peek(&self, key: &str, quota: Quota) -> Result<Verdict, DomainError> {
        self.run(key, quota, false).await
    }

    /// Forgets `key` (failures are forgiven after a successful login).
    pub async fn clear(&self, key: &str) -> Result<(), DomainError> {
        match &self.store {
            Store::Local(map) => {
                lock(map).remove(key);
                Ok(())
            }
            Store::Redis { redis, .. } => {
                let mut conn = redis.connection();
                let _: () = with_timeout(conn.del(redis_key(key))).await?;
                Ok(())
            }
        }
    }

    async fn run(&self, key: &str, quota: Quota, count: bool) -> Result<Verdict, DomainError> {
        match &self.store {
            Store::Local(map) => {
                let now = (self.clock)();
                let mut map = lock(map);
                if map.len() > 10_000 {
                    map.retain(|_, (_, forget)| *forget > now);
                }
                let tat = map.get(key).filter(|(_, forget)| *forget > now).map(|(tat, _)| *tat);
                let verdict = check(quota, tat, now);
                if let (true, Verdict::Allow { tat, ttl_ms }) = (count, verdict) {
                    map.insert(key.to_owned(), (tat, now + ttl_ms));
                }
                Ok(verdict)
            }
            Store::Redis { redis, swap } => {
                let mut conn = redis.connection();
                let key = redis_key(key);
                for _ in 0..ATTEMPTS {
                    let stored: Option<String> = with_timeout(conn.get(&key)).await?;
                    let tat = stored.as_deref().and_then(|s| s.parse::<i64>().ok());
                    let verdict = check(quota, tat, (self.clock)());
                    let Verdict::Allow { tat: next, ttl_ms } = verdict else { return Ok(verdict) };
                    if !count {
                        return Ok(verdict);
                    }
                    let swapped: i64 = with_timeout(
                        swap.key(&key)
                            .arg(stored.unwrap_or_default())
                            .arg(next)
                            .arg(ttl_ms.max(1))
                            .invoke_async(&mut conn),
                    )
                    .await?;
                    if swapped == 1 {
                        return Ok(verdict);
                    }
                }
                Err(DomainError::fault(format!("rate limit {key}: {ATTEMPTS} concurrent writers in a row")))
            }
        }
    }
}

fn redis_key(key: &str) -> String {
    format!("msb:limit:{key}")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn with_timeout<T>(call: impl std::future::Future<Output = redis::RedisResult<T>>) -> Result<T, DomainError> {
    tokio::time::timeout(Duration::from_secs(2), call)
        .await
        .map_err(|_| DomainError::fault("redis: rate limit timed out"))?
        .map_err(|e| DomainError::fault(format!("redis: {e}")))
}
