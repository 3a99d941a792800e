//! Redis, when `REDIS_URL` is set. The connection manager reconnects by itself.

use std::time::Duration;

use domain::DomainError;
use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
}

impl Redis {
    pub async fn connect(url: &str) -> Result<Redis, DomainError> {
        let client = redis::Client::open(url).map_err(|e| DomainError::fault(format!("redis url: {e}")))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(Duration::from_secs(3), ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| DomainError::fault("redis: connect timed out"))?
            .map_err(|e| DomainError::fault(format!("redis: {e}")))?;
        Ok(Redis { conn })
    }

    pub async fn ping(&self) -> Result<(), DomainError> {
        let mut conn = self.conn.clone();
        let reply: String = tokio::time::timeout(Duration::from_secs(2), redis::cmd("PING").query_async(&mut conn))
            .await
            .map_err(|_| DomainError::fault("redis: ping timed out"))?
            .map_err(|e| DomainError::fault(format!("redis: {e}")))?;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(DomainError::fault(format!("redis: unexpected ping reply {reply}")))
        }
    }

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }
}
