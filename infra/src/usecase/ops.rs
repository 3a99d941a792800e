//! What operators watch: the figures `GET /metrics` reads at each scrape.

use domain::DomainError;

use crate::db::{Db, PoolState};
use crate::repo::gauges;

/// The figures that are counted at scrape time rather than as they happen.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauges {
    pub orders_by_status: Vec<(String, i64)>,
    pub outbox_by_status: Vec<(String, i64)>,
    pub pool: PoolState,
}

/// Reads the gauges in one read transaction, so the counts belong together.
pub async fn gauges(db: &Db) -> Result<Gauges, DomainError> {
    let (orders_by_status, outbox_by_status) =
        db.run(|c| Ok((gauges::orders_by_status(c)?, gauges::outbox_by_status(c)?))).await?;
    Ok(Gauges { orders_by_status, outbox_by_status, pool: db.pool_state() })
}
