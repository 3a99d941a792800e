//! The live feed of order events (SSE consoles). The database is the source:
//! a stream reads the events after the last one it sent (so a reconnect with
//! `Last-Event-ID` replays exactly what was missed). This hub only wakes the
//! streams when new events were committed: on this node directly, on every
//! node through Redis pub/sub. Without Redis, or while it is away, each node
//! wakes its own streams, and the streams' periodic look at the database
//! brings other nodes' events at the heartbeat; with Redis back, fan-out
//! resumes by itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, watch};

use crate::cache::Redis;

/// The Redis channel every node publishes to and listens on.
pub const CHANNEL: &str = "msb:live:order_events";

/// Wakes the live streams of this process (a clone shares the hub).
#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<()>,
    redis: Arc<Mutex<Option<Redis>>>,
    /// Set once when the node stops: every stream ends.
    closing: Arc<watch::Sender<bool>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new()
    }
}

impl LiveHub {
    pub fn new() -> LiveHub {
        let (tx, _) = broadcast::channel(64);
        LiveHub { tx, redis: Arc::default(), closing: Arc::new(watch::channel(false).0) }
    }

    /// The node is stopping: every stream, open or opened from now on, ends.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the node stops (at once if it already has).
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|c| *c).await;
        }
    }

    /// A stream's wake-ups. A lagging receiver just wakes once for many.
    pub fn subscribe(&self) -> broadcast::Receiver<()> {
        self.tx.subscribe()
    }

    /// New events were committed: wake this node's streams and tell the other nodes.
    pub fn announce(&self) {
        let _ = self.tx.send(());
        let redis = self.redis.lock().ok().and_then(|r| r.clone());
        if let (Some(redis), Ok(runtime)) = (redis, tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                let mut conn = redis.connection();
                let published: Result<i64, _> =
                    redis::cmd("PUBLISH").arg(CHANNEL).arg("1").query_async(&mut conn).await;
                if let Err(e) = published {
                    tracing::debug!(error.cause = %e, "live: publish failed (other nodes catch up at their heartbeat)");
                }
            });
        }
    }

    /// Fans out through Redis: publishes there, and listens (reconnecting
    /// whenever the connection drops) to wake this node's streams.
    pub fn connect(&self, url: &str, redis: Redis) {
        if let Ok(mut slot) = self.redis.lock() {
            *slot = Some(redis);
        }
        let (url, tx) = (url.to_owned(), self.tx.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = listen(&url, &tx).await {
                    tracing::debug!(error.cause = %e, "live: redis listener lost; retrying");
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    }
}

async fn listen(url: &str, tx: &broadcast::Sender<()>) -> Result<(), redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    // Back after a gap: let every stream look for what it missed.
    let _ = tx.send(());
    let mut messages = pubsub.on_message();
    while messages.next().await.is_some() {
        let _ = tx.send(());
    }
    Ok(())
}
