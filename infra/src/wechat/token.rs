//! The WeChat access_token, fetched once and shared by every node through
//! Redis (`msb:wechat:access_token:{appid}`, TTL = expires_in − 200 s), refreshed
//! by whoever holds the Redis lock; the others wait for it. Without Redis, or
//! while Redis is down, each node keeps its own (single-flight in-process) and
//! goes back to the shared one when Redis answers again. A token WeChat refused
//! is expired only if it is still the one cached, so a late refusal never
//! throws away a newer token another node just fetched.

use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use super::{WechatClient, WechatError};
use crate::cache::Redis;
use crate::ids::new_id;

/// Seconds taken off WeChat's `expires_in`, so nobody uses a token in its last minutes.
const MARGIN_SECS: u64 = 200;
/// How long a node may hold the refresh lock.
const LOCK_MS: u64 = 10_000;
/// How long a node waits for another's refresh before fetching its own.
const WAIT: Duration = Duration::from_secs(5);

const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

struct Cached {
    token: String,
    until: Instant,
}

pub struct AccessTokens {
    client: WechatClient,
    redis: Option<Redis>,
    local: tokio::sync::Mutex<Option<Cached>>,
    key: String,
    lock_key: String,
}

impl AccessTokens {
    pub fn new(client: WechatClient, redis: Option<Redis>) -> AccessTokens {
        let appid = client.appid().to_owned();
        AccessTokens {
            client,
            redis,
            local: tokio::sync::Mutex::new(None),
            key: format!("msb:wechat:access_token:{appid}"),
            lock_key: format!("msb:wechat:access_token_lock:{appid}"),
        }
    }

    pub fn client(&self) -> &WechatClient {
        &self.client
    }

    /// Calls WeChat with a token, and once more with a fresh one if WeChat
    /// refused the first (expired or replaced elsewhere).
    pub async fn call<T, F, Fut>(&self, f: F) -> Result<T, WechatError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, WechatError>>,
    {
        let token = self.get().await?;
        match f(token.clone()).await {
            Err(WechatError::TokenRejected { .. }) => {
                self.expire(&token).await;
                f(self.get().await?).await
            }
            other => other,
        }
    }

    /// A token that is good now.
    pub async fn get(&self) -> Result<String, WechatError> {
        if let Some(redis) = &self.redis {
            match self.shared(redis.connection()).await {
                Ok(token) => return Ok(token),
                Err(Shared::Wechat(e)) => return Err(e),
                Err(Shared::Redis(e)) => {
                    tracing::warn!(error.cause = %e, "redis unavailable: this node keeps its own access_token")
                }
            }
        }
        self.local().await
    }

    /// WeChat refused `failed` (40001/40014/42001): forget it, if it is still the one held.
    pub async fn expire(&self, failed: &str) {
        let mut local = self.local.lock().await;
        if local.as_ref().is_some_and(|c| c.token == failed) {
            *local = None;
        }
        drop(local);
        if let Some(redis) = &self.redis {
            let mut conn = redis.connection();
            let script = redis::Script::new(RELEASE);
            if let Err(e) = script.key(&self.key).arg(failed).invoke_async::<i64>(&mut conn).await {
                tracing::warn!(error.cause = %e, "redis unavailable: could not expire the shared access_token");
            }
        }
    }

    async fn local(&self) -> Result<String, WechatError> {
        let mut local = self.local.lock().await;
        if let Some(c) = local.as_ref().filter(|c| c.until > Instant::now()) {
            return Ok(c.token.clone());
        }
        let fresh = self.client.stable_token().await?;
        let ttl = fresh.expires_in.saturating_sub(MARGIN_SECS).max(60);
        *local = Some(Cached { token: fresh.token.clone(), until: Instant::now() + Duration::from_secs(ttl) });
        Ok(fresh.token)
    }

    async fn remember(&self, token: &str, ttl: u64) {
        *self.local.lock().await =
            Some(Cached { token: token.to_owned(), until: Instant::now() + Duration::from_secs(ttl) });
    }

    async fn shared(&self, mut conn: ConnectionManager) -> Result<String, Shared> {
        let started = Instant::now();
        let me = new_id().to_string();
        loop {
            let cached: Option<(Option<String>, i64)> =
                redis::pipe().get(&self.key).ttl(&self.key).query_async(&mut conn).await.map_err(Shared::redis)?;
            if let Some((Some(token), ttl)) = cached {
                self.remember(&token, u64::try_from(ttl).unwrap_or(60)).await;
                return Ok(token);
            }
            let locked: Option<String> = redis::cmd("SET")
                .arg(&self.lock_key)
                .arg(&me)
                .arg("NX")
                .arg("PX")
                .arg(LOCK_MS)
                .query_async(&mut conn)
                .await
                .map_err(Shared::redis)?;
            if locked.is_some() {
                let fetched = self.refresh(&mut conn).await;
                let release = redis::Script::new(RELEASE);
                if let Err(e) = release.key(&self.lock_key).arg(&me).invoke_async::<i64>(&mut conn).await {
                    tracing::warn!(error.cause = %e, "could not release the access_token lock (it lapses by itself)");
                }
                return fetched;
            }
            if started.elapsed() > WAIT {
                return Err(Shared::Redis("waited too long for another node's access_token refresh".into()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Under the lock: check again (someone may have just refreshed), else fetch and share.
    async fn refresh(&self, conn: &mut ConnectionManager) -> Result<String, Shared> {
        let again: Option<String> = redis::cmd("GET").arg(&self.key).query_async(conn).await.map_err(Shared::redis)?;
        if let Some(token) = again {
            return Ok(token);
        }
        let fresh = self.client.stable_token().await.map_err(Shared::Wechat)?;
        let ttl = fresh.expires_in.saturating_sub(MARGIN_SECS).max(60);
        self.remember(&fresh.token, ttl).await;
        let stored: Result<(), _> =
            redis::cmd("SET").arg(&self.key).arg(&fresh.token).arg("EX").arg(ttl).query_async(conn).await;
        if let Err(e) = stored {
            tracing::warn!(error.cause = %e, "could not share the access_token");
        }
        Ok(fresh.token)
    }
}

enum Shared {
    Redis(String),
    Wechat(WechatError),
}

impl Shared {
    fn redis(e: redis::RedisError) -> Shared {
        Shared::Redis(e.to_string())
    }
}
